// Keyboard shortcuts for the on-call flow, the shortcuts dialog, the header search's results,
// and the browser's time zone for the server (debrief/time_zones.py). Every control stays
// reachable with Tab and Enter without any of this.
(function () {
  "use strict";

  // The browser's time zone, for people who have not chosen one in their settings. The
  // server checks the name against its zone database before using it.
  function rememberTimeZone() {
    var zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return;
    }
    var current = document.cookie.split("; ").filter(function (part) {
      return part.indexOf("tz=") === 0;
    })[0];
    var wanted = "tz=" + encodeURIComponent(zone);
    if (zone && current !== wanted) {
      document.cookie = wanted + "; path=/; max-age=31536000; samesite=lax";
    }
  }

  function isTyping(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function focusControl(selector) {
    var control = document.querySelector(selector);
    if (!control) {
      return false;
    }
    control.scrollIntoView({ block: "center" });
    control.focus();
    return true;
  }

  function shortcutsDialog() {
    return document.getElementById("shortcuts-dialog");
  }

  function showShortcuts() {
    var dialog = shortcutsDialog();
    if (dialog && !dialog.open) {
      dialog.showModal();
    }
  }

  function clearSearchResults() {
    var results = document.getElementById("global-search-results");
    if (results) {
      results.innerHTML = "";
    }
  }

  var shortcuts = {
    "/": function () {
      return focusControl("#global-search");
    },
    d: function () {
      var link = document.querySelector('a[data-shortcut="d"]');
      if (!link) {
        return false;
      }
      window.location.assign(link.href);
      return true;
    },
    n: function () {
      return focusControl('[data-shortcut="n"]');
    },
    r: function () {
      return focusControl('[data-shortcut="r"]');
    },
    "?": function () {
      showShortcuts();
      return true;
    },
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing) {
      return;
    }
    // Ctrl+Enter (Cmd+Enter) submits the form being typed in, as a button press would.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.form) {
      event.preventDefault();
      event.target.form.requestSubmit();
      return;
    }
    if (event.key === "Escape" && event.target.id === "global-search") {
      clearSearchResults();
      return;
    }
    // Escape leaves a field a shortcut led to (htmx keeps it focused after a swap), so that
    // the next shortcut works again.
    if (event.key === "Escape" && event.target.dataset && event.target.dataset.shortcut) {
      event.target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) {
      return;
    }
    var dialog = shortcutsDialog();
    if (dialog && dialog.open) {
      return;
    }
    var action = shortcuts[event.key];
    if (action && action()) {
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    rememberTimeZone();
    document.querySelectorAll("[data-shortcuts-open]").forEach(function (button) {
      button.addEventListener("click", showShortcuts);
      button.hidden = false;
    });
    // Results close when the search box and its results lose focus, so they never cover the page.
    var search = document.querySelector(".global-search");
    if (search) {
      search.addEventListener("focusout", function (event) {
        if (!search.contains(event.relatedTarget)) {
          clearSearchResults();
        }
      });
    }
  });
})();
