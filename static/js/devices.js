// Devices page: a "Copy the token" button beside the token shown once (hidden without JS,
// where the nurse selects the text in the read-only field instead).
(function () {
  "use strict";
  var button = document.querySelector("[data-copy-target]");
  if (!button || !navigator.clipboard) {
    return;
  }
  var source = document.getElementById(button.dataset.copyTarget);
  var status = document.querySelector("[data-copy-status]");
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(source.value).then(function () {
      status.textContent = "Copied. Paste it into the app on this device.";
    }, function () {
      source.select();
      status.textContent = "Copying was not allowed: the token is selected, copy it yourself.";
    });
  });
  source.addEventListener("focus", function () { source.select(); });
})();
