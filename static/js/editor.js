// The postmortem editor's autosave, where htmx alone cannot help. A save that does not reach
// the server (network down) or fails on the server (5xx) is tried again, waiting longer each
// time; any other refusal (signed out, forbidden) stops the retries and shows the server's
// message. Leaving the page while the text differs from the last saved text asks first.
(function () {
  "use strict";
  var FIRST_RETRY_MS = 3000;
  var LONGEST_RETRY_MS = 60000;

  function sectionForm(elt) {
    return elt && elt.closest ? elt.closest("#section-form") : null;
  }

  function editor() {
    return document.getElementById("id_body");
  }

  function showState(text) {
    var state = document.querySelector("#section-feedback .save-state");
    if (state) state.textContent = text;
  }

  // Only the short fragments the server writes for the editor are shown as they are; a
  // whole error page is summed up instead.
  function messageOf(xhr) {
    var text = xhr.responseText || "";
    if (text && text.length < 500 && text.indexOf("<html") === -1) {
      var holder = document.createElement("div");
      holder.innerHTML = text;
      if (holder.textContent.trim()) return holder.textContent.trim();
    }
    return "Not saved: the server refused (" + xhr.status + "). Your text is still here.";
  }

  function csrfCookie() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : null;
  }

  // Signing in again (in another tab) rotates the CSRF token; the page's copy would then be
  // refused, so the editor's requests send the cookie's current one.
  document.addEventListener("htmx:configRequest", function (event) {
    if (!sectionForm(event.detail.elt)) return;
    var token = csrfCookie();
    if (!token) return;
    event.detail.headers["x-csrftoken"] = token;
    event.detail.parameters["csrfmiddlewaretoken"] = token;
  });

  function scheduleRetry(form) {
    var wait = form.debriefRetryWait || FIRST_RETRY_MS;
    form.debriefRetryWait = Math.min(wait * 2, LONGEST_RETRY_MS);
    showState("Not saved — retrying in " + Math.round(wait / 1000) + " s…");
    clearTimeout(form.debriefRetry);
    form.debriefRetry = setTimeout(function () {
      htmx.trigger(form, "submit");
    }, wait);
  }

  function stopRetrying(form) {
    clearTimeout(form.debriefRetry);
    form.debriefRetryWait = 0;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.id === "section-form" && editor()) form.debriefSending = editor().value;
  });

  document.addEventListener("htmx:sendError", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.id === "section-form") scheduleRetry(elt);
  });

  document.addEventListener("htmx:responseError", function (event) {
    var elt = event.detail.elt;
    var form = sectionForm(elt);
    if (!form) return;
    var xhr = event.detail.xhr;
    if (elt.id === "section-form" && xhr.status >= 500) {
      scheduleRetry(form);
      return;
    }
    stopRetrying(form);
    showState(messageOf(xhr));
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form || form.id !== "section-form" || !event.detail.successful) return;
    if (event.detail.xhr.status === 200) {
      stopRetrying(form);
      form.debriefSaved = form.debriefSending;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("section-form");
    if (form && editor()) form.debriefSaved = editor().value;
  });

  window.addEventListener("beforeunload", function (event) {
    var form = document.getElementById("section-form");
    var textarea = editor();
    if (!form || !textarea || form.debriefSaved === undefined) return;
    if (textarea.value !== form.debriefSaved) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
