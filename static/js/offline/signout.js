// Signing out of a tablet that holds offline data.
//
// Nothing waiting: this browser's token is revoked and the nurse's kept pages and offline
// database are cleared, then she is signed out. Entries that have not reached the server
// are never cleared without her say: she is asked first, and may stay, sign out keeping
// them (they are sent after her next sign-in on this tablet), or discard them on purpose.
(function (root) {
  "use strict";

  var offline = root.IVTOffline;
  if (!offline) { return; }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function button(label, action, style) {
    return el("button", { type: "button", "class": "btn " + (style || "btn-secondary"), "data-sign-out": action }, label);
  }

  // Everything of this nurse on the tablet: token, entries, kept pages.
  function clearEverything() {
    return offline.engine.disconnect()
      .then(function () { return offline.store.destroy(); })
      .then(function () { return offline.deletePageCaches(0); })
      .then(function () { return root.IVTStore.setOwner({}); });
  }

  // Keep the entries; the token and the kept pages go (a new sign-in brings new ones).
  function keepEntries() {
    return offline.engine.disconnect().then(function () { return offline.deletePageCaches(0); });
  }

  function dialogFor(form, waiting) {
    var dialog = el("dialog", { "class": "offline-dialog", "aria-labelledby": "offline-dialog-heading",
                                "data-sign-out-dialog": "" });
    var heading = el("h2", { id: "offline-dialog-heading" });
    var text = el("p");
    var actions = el("div", { "class": "cluster" });
    dialog.appendChild(heading);
    dialog.appendChild(text);
    dialog.appendChild(actions);

    function show(title, message, buttons) {
      heading.textContent = title;
      text.textContent = message;
      actions.textContent = "";
      buttons.forEach(function (b) { actions.appendChild(b); });
      actions.querySelector("button").focus();
    }

    var count = waiting.length + (waiting.length === 1 ? " entry" : " entries");
    function ask() {
      if (!navigator.onLine) {
        show("You are offline", "Signing out needs a connection. " + (waiting.length
          ? "The " + count + " saved on this tablet stay here and are sent when the connection returns."
          : "Try again once you are online."), [button("Stay signed in", "stay", "btn-primary")]);
        return;
      }
      show(count + " not sent yet",
        "The " + count + " you saved on this tablet " + (waiting.length === 1 ? "has" : "have") +
        " not reached the server yet. If you sign out, " + (waiting.length === 1 ? "it stays" : "they stay") +
        " on this tablet and " + (waiting.length === 1 ? "is" : "are") + " sent after you sign in here again.",
        [button("Stay signed in", "stay", "btn-primary"),
         button("Sign out, keep them on this tablet", "keep"),
         button("Discard them and sign out", "discard", "btn-danger")]);
    }
    ask();

    dialog.addEventListener("click", function (event) {
      var action = event.target.dataset && event.target.dataset.signOut;
      if (!action) { return; }
      if (action === "stay") {
        dialog.close();
      } else if (action === "keep") {
        keepEntries().then(function () { form.submit(); });
      } else if (action === "discard") {
        show("Discard " + count + "?", "They never reached the server and cannot be brought back.",
          [button("Go back", "back", "btn-primary"),
           button("Yes, discard them and sign out", "discard-confirmed", "btn-danger")]);
      } else if (action === "back") {
        ask();
      } else if (action === "discard-confirmed") {
        clearEverything().then(function () { form.submit(); });
      }
    });
    dialog.addEventListener("close", function () { dialog.remove(); });
    return dialog;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.classList || !form.classList.contains("sign-out-form")) { return; }
    event.preventDefault();
    offline.reload().then(function () {
      var waiting = offline.unsent();
      if (!waiting.length && navigator.onLine) {
        return clearEverything().catch(function () { return null; }).then(function () { form.submit(); });
      }
      var dialog = dialogFor(form, waiting);
      document.body.appendChild(dialog);
      dialog.showModal();
      dialog.querySelector("button").focus();
      return null;
    });
  });
})(self);
