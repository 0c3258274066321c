// Debrief's page-wide behaviour, loaded on every page (no inline script: the Content Security
// Policy forbids it). Two small things htmx and CSS cannot do alone:
// 1. The main navigation folds behind a "Menu" button on narrow screens. Without JavaScript
//    the button stays hidden and the links wrap.
// 2. A table wider than the screen scrolls sideways inside its wrapper; the wrapper then takes
//    the keyboard focus (named after the table's caption) so that it can be scrolled without a
//    mouse.
// 3. When htmx replaces the region that held the keyboard focus (say, the "Older" link of a
//    paged list), focus would fall back to the top of the document; it moves to the swapped
//    region instead, so keyboard and screen-reader users carry on where they were.
(function () {
  "use strict";

  function setUpMenu() {
    const toggle = document.querySelector(".menu-toggle");
    const nav = document.getElementById("site-nav");
    if (!toggle || !nav) {
      return;
    }
    toggle.hidden = false;
    document.documentElement.classList.add("has-menu");
    toggle.addEventListener("click", function () {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  }

  function labelScrollingTables(root) {
    root.querySelectorAll(".table-scroll").forEach(function (wrapper) {
      const overflowing = wrapper.scrollWidth > wrapper.clientWidth + 1;
      if (overflowing && !wrapper.hasAttribute("tabindex")) {
        const caption = wrapper.querySelector("caption");
        wrapper.setAttribute("tabindex", "0");
        wrapper.setAttribute("role", "region");
        wrapper.setAttribute(
          "aria-label",
          (caption && caption.textContent.trim()) || "Table, scrolls sideways"
        );
      } else if (!overflowing && wrapper.getAttribute("tabindex") === "0") {
        wrapper.removeAttribute("tabindex");
        wrapper.removeAttribute("role");
        wrapper.removeAttribute("aria-label");
      }
    });
  }

  function focusLost() {
    const active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }

  function keepFocusAfterSwaps() {
    let hadFocus = false;
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      const target = event.detail.target;
      hadFocus = Boolean(target && target.contains(document.activeElement));
    });
    document.body.addEventListener("htmx:afterSettle", function (event) {
      const target = event.detail.target;
      if (!hadFocus || !focusLost()) {
        return;
      }
      hadFocus = false;
      // outerHTML swaps replace the target itself: find its successor by id.
      const region = (target && target.isConnected ? target : null) ||
        (target && target.id ? document.getElementById(target.id) : null);
      if (!region) {
        return;
      }
      if (!region.hasAttribute("tabindex")) {
        region.setAttribute("tabindex", "-1");
      }
      region.focus({ preventScroll: false });
    });
  }

  function start() {
    setUpMenu();
    keepFocusAfterSwaps();
    labelScrollingTables(document);
    let resizing = null;
    window.addEventListener("resize", function () {
      clearTimeout(resizing);
      resizing = setTimeout(function () { labelScrollingTables(document); }, 150);
    });
    document.body.addEventListener("htmx:afterSettle", function () {
      labelScrollingTables(document);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
