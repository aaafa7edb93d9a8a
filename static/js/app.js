// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Buttons that ask before an action that cannot be undone: data-confirm="question".
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
