// The postmortem editor's autosave, where htmx alone cannot help: when a save does not
// reach the server (network down, server error), say so and try again until it does.
(function () {
  "use strict";
  var RETRY_AFTER_MS = 3000;

  function retry(event) {
    var form = event.detail.elt;
    if (!form || form.id !== "section-form") return;
    var state = document.querySelector("#section-feedback .save-state");
    if (state) state.textContent = "Not saved — retrying…";
    clearTimeout(form.debriefRetry);
    form.debriefRetry = setTimeout(function () {
      htmx.trigger(form, "submit");
    }, RETRY_AFTER_MS);
  }

  document.addEventListener("htmx:sendError", retry);
  document.addEventListener("htmx:responseError", retry);
})();
