// Visit page entry forms: show a field only when it applies, e.g. the flush volume only for
// a flush. <div data-show-when="field-name=value|other"> is hidden unless the form's control
// named field-name has one of those values. Without this script every field stays visible.
(function () {
  "use strict";
  if (window.visitEntriesReady) {
    return; // several sections load this file; one listener is enough
  }
  window.visitEntriesReady = true;

  function currentValue(form, name) {
    var value = null;
    form.querySelectorAll("[name]").forEach(function (control) {
      if (control.name !== name) {
        return;
      }
      if (control.type === "radio" || control.type === "checkbox") {
        if (control.checked) {
          value = control.value;
        }
      } else {
        value = control.value;
      }
    });
    return value;
  }

  function update() {
    document.querySelectorAll("[data-show-when]").forEach(function (block) {
      var form = block.closest("form");
      var rule = block.dataset.showWhen.split("=");
      if (!form || rule.length !== 2) {
        return;
      }
      var wanted = rule[1].split("|");
      // A block holding an error message stays visible so that the message is never hidden.
      var hasError = block.querySelector(".field-error") !== null;
      block.hidden = !hasError && wanted.indexOf(currentValue(form, rule[0])) === -1;
    });
  }

  document.addEventListener("change", update);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
})();
