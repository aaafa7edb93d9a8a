// Offline capture on the nurse's pages: the queue on the tablet, shown and sent.
//
// Loaded on every page of a signed-in nurse (base.html). Without it, or without the
// service worker, the pages work as plain forms. With it:
// - the tablet belongs to the nurse signed in: another nurse's kept pages are cleared;
// - the service worker is registered (scope /visits/) and the day's visit pages are kept;
// - a visit page form saved while offline (or while earlier entries of the visit still
//   wait, to keep the capture order) is queued in IndexedDB instead of posted, shown as
//   "waiting to sync", and sent through the API when the connection returns;
// - entries the server refused stay, with its reason, until the nurse changes and sends
//   them again or discards them on purpose.
(function (root) {
  "use strict";

  function meta(name) {
    var tag = document.querySelector('meta[name="' + name + '"]');
    return tag ? tag.getAttribute("content") : null;
  }

  var userId = Number(meta("ivt-user"));
  var zone = meta("ivt-timezone") || "UTC";
  var renderedAt = Date.parse(meta("ivt-rendered-at") || "") || 0;
  if (!userId || !root.indexedDB || !root.IVTStore || !root.IVTSync) { return; }

  var Store = root.IVTStore;
  var Capture = root.IVTCapture;
  var store = Store.forUser(userId);
  var captureMap = null;
  var engineStatus = { state: navigator.onLine ? "idle" : "offline", message: "" };
  var entries = [];
  var unsentByVisit = {};  // visit id -> entries not on the server yet (kept in step with the store)
  var syncedHere = {};  // visit ids whose entries reached the server while this page was open
  var channel = root.BroadcastChannel ? new BroadcastChannel("ivt-offline-" + userId) : null;
  var visitBody = document.querySelector("[data-offline-visit]");
  var visitId = visitBody ? Number(visitBody.dataset.offlineVisit) : null;

  var STATE_LABELS = {
    queued: "Waiting to sync", sending: "Sending…", sent: "Synced", refused: "Not accepted",
  };

  // --- Before anything else (other scripts read these fields when they start) ------------

  // A kept page may be hours old: its "now" time fields show now again, and each form gets
  // a client id of its own for this visit of the page (a kept page's ids were used before).
  function freshenForms(scope) {
    (scope || document).querySelectorAll("input[data-default-now-for]").forEach(function (shown) {
      var input = document.getElementById(shown.dataset.defaultNowFor);
      if (!input || input.value !== shown.value) { return; }
      var now = Capture.localText(Date.now(), zone);
      input.value = now;
      shown.value = now;
    });
    (scope || document).querySelectorAll("form input[type=hidden][name$='client_id']").forEach(function (input) {
      if (root.crypto && root.crypto.randomUUID) { input.value = root.crypto.randomUUID(); }
    });
  }
  if (visitBody) { freshenForms(visitBody); }

  // A page kept on the tablet carries the CSRF token of its day; once online again, the
  // forms get the session's current one, so that posting them as usual still works.
  function freshenCsrf() {
    if (!navigator.onLine || Date.now() - renderedAt < 60000) { return Promise.resolve(); }
    return fetch("/visits/offline/session", { credentials: "same-origin", redirect: "manual",
                                              cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (session) {
        if (!session || Number(session.user_id) !== userId) { return; }
        var tag = document.querySelector('meta[name="csrf-token"]');
        if (tag) { tag.setAttribute("content", session.csrf_token); }
        document.querySelectorAll('input[name="csrf_token"]').forEach(function (input) {
          input.value = session.csrf_token;
        });
      })
      .catch(function () { return null; });
  }

  // --- Small helpers ----------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; } else if (key === "hidden") {
        node.hidden = !!attrs[key];
      } else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  var timeFormat = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  var dayFormat = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" });
  function clock(iso) { return timeFormat.format(new Date(iso)); }
  function localDay(ms) { return dayFormat.format(new Date(ms)); }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  function pathOf(url) {
    try { return new URL(url, location.href).pathname; } catch (e) { return ""; }
  }

  function unsent(entry) { return entry.state !== "sent"; }

  // Sent entries already in this page: it was made after they reached the server. Both
  // times are the server's; sentAt (its Date header) counts whole seconds, so an entry sent
  // in the second the page was made is still listed (shown twice rather than not at all).
  function inPage(entry) {
    return entry.state === "sent" && entry.visitId === visitId &&
      Date.parse(entry.sentAt) + 1000 <= renderedAt;
  }

  function announce() { if (channel) { channel.postMessage({ type: "changed" }); } }

  // --- Who owns the tablet's offline data ---------------------------------------------------

  function deletePageCaches(keepUserId) {
    if (!root.caches) { return Promise.resolve(); }
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("ivt-pages-user-") === 0 && name !== "ivt-pages-user-" + keepUserId;
      }).map(function (name) { return caches.delete(name); }));
    });
  }

  // Another nurse used this browser last: her kept pages and synced entries go, and her
  // token stops. Entries of hers that never reached the server stay in her own database
  // (not shown here) until she signs in on this tablet again.
  function takeOwnership() {
    return Store.getOwner().then(function (owner) {
      var work = Promise.resolve();
      if (owner && owner.userId && Number(owner.userId) !== userId) {
        var previous = Store.forUser(owner.userId);
        var engine = new root.IVTSync.Engine(owner.userId);
        work = previous.entries().then(function (theirs) {
          var waiting = theirs.filter(unsent);
          return engine.disconnect().then(function () {
            if (!waiting.length) { return previous.destroy(); }
            return Promise.all(theirs.filter(function (e) { return !unsent(e); })
              .map(function (e) { return previous.remove(e.seq); }));
          });
        }).then(function () { return deletePageCaches(userId); });
      }
      return work.then(function () { return Store.setOwner({ userId: userId, timezone: zone }); });
    });
  }

  // --- The capture map -------------------------------------------------------------------

  // Asked for at once: a form saved in the first moments after the page opened waits for it.
  var mapReady = fetch("/visits/offline/capture.json", { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
    .then(function (data) { captureMap = data.captures || []; })
    .catch(function () { captureMap = null; });

  // --- The service worker --------------------------------------------------------------------

  function registerWorker() {
    if (!("serviceWorker" in navigator)) { return Promise.resolve(null); }
    return navigator.serviceWorker.register("/visits/sw.js", { scope: "/visits/" })
      .catch(function () { return null; });
  }

  function tellWorker(message) {
    if (!("serviceWorker" in navigator)) { return Promise.resolve(null); }
    return navigator.serviceWorker.ready.then(function (registration) {
      return new Promise(function (resolve) {
        var worker = registration.active;
        if (!worker) { resolve(null); return; }
        navigator.serviceWorker.addEventListener("message", function listen(event) {
          if (event.data && (event.data.type === message.type + "-done" || event.data.type === message.type + "-failed")) {
            navigator.serviceWorker.removeEventListener("message", listen);
            resolve(event.data);
          }
        });
        worker.postMessage(message);
      });
    });
  }

  // The day's page: keep its visits' pages on the tablet.
  function keepTheDay() {
    var status = document.querySelector("[data-offline-day-status]");
    var paths = [];
    document.querySelectorAll("a[data-offline-keep]").forEach(function (link) {
      var path = pathOf(link.href);
      if (path && paths.indexOf(path) === -1) { paths.push(path); }
    });
    if (!status || !navigator.onLine || !("serviceWorker" in navigator)) { return; }
    status.hidden = false;
    status.textContent = "Saving today's visits on this tablet…";
    tellWorker({ type: "keep-day", userId: userId, paths: paths }).then(function (answer) {
      var ok = answer && answer.type === "keep-day-done" &&
        (answer.results || []).every(function (kept) { return kept; });
      status.textContent = ok
        ? "Today's visits are saved on this tablet: they open without a connection."
        : "Some of today's visits could not be saved on this tablet. Open them once while online.";
      status.dataset.state = ok ? "kept" : "partial";
    });
  }

  // --- The queue on the page --------------------------------------------------------------------

  function refreshCounts() {
    unsentByVisit = {};
    entries.forEach(function (e) {
      if (unsent(e)) { unsentByVisit[e.visitId] = (unsentByVisit[e.visitId] || 0) + 1; }
    });
  }

  function reload() {
    return store.entries().then(function (all) {
      entries = all;
      refreshCounts();
      render();
    });
  }

  function render() {
    renderHeader();
    renderVisitCards();
    if (visitId) {
      renderQueue();
      renderFormNotes();
      revealAfterCheckIn();
    }
  }

  function renderHeader() {
    var slot = document.querySelector("[data-offline-status]");
    if (!slot) { return; }
    var waiting = entries.filter(function (e) { return e.state === "queued" || e.state === "sending"; }).length;
    var refused = entries.filter(function (e) { return e.state === "refused"; }).length;
    var parts = [];
    if (!navigator.onLine) { parts.push("Offline"); }
    if (waiting) { parts.push(plural(waiting, "entry", "entries") + " waiting to sync"); }
    if (refused) { parts.push(plural(refused, "entry", "entries") + " not accepted"); }
    if (waiting && engineStatus.state === "signin") { parts.push("sign in to send"); }
    if (waiting && engineStatus.state === "offline" && navigator.onLine) { parts.push("no answer from the server yet"); }
    slot.textContent = parts.join(" · ");
    slot.hidden = parts.length === 0;
    slot.dataset.syncState = engineStatus.state;
    slot.dataset.waiting = String(waiting);
    slot.dataset.refused = String(refused);
    slot.classList.toggle("offline-status-attention", refused > 0);
  }

  function renderVisitCards() {
    document.querySelectorAll("[data-offline-visit-card]").forEach(function (card) {
      var id = Number(card.dataset.offlineVisitCard);
      var note = card.querySelector("[data-offline-visit-note]");
      if (!note) { return; }
      var mine = entries.filter(function (e) { return e.visitId === id && unsent(e); });
      var refused = mine.filter(function (e) { return e.state === "refused"; }).length;
      note.hidden = mine.length === 0;
      note.textContent = refused
        ? plural(refused, "entry was", "entries were") + " not accepted: open the visit to see why."
        : plural(mine.length, "entry", "entries") + " saved on this tablet, waiting to sync.";
    });
  }

  function stateLabel(entry, blocked) {
    if (entry.state === "queued" && blocked) { return "Held: an entry above was not accepted"; }
    if (entry.state === "queued" && engineStatus.state === "signin") { return "Waiting for sign-in"; }
    return STATE_LABELS[entry.state] || entry.state;
  }

  var BADGES = { queued: "badge-warn", sending: "badge-info", sent: "badge-ok", refused: "badge-danger" };

  function entryItem(entry, blocked) {
    var item = el("li", {
      "class": "offline-entry", "data-state": entry.state, "data-kind": entry.kind,
      "data-client-id": entry.clientId, "data-captured-at": entry.capturedAt,
      "data-attempts": String(entry.attempts || 0),
      id: "offline-entry-" + entry.seq,
    });
    if (entry.state === "queued" && engineStatus.state === "signin") { item.dataset.waitingFor = "sign-in"; }
    item.appendChild(el("p", {}, [
      el("strong", { text: entry.label }),
      document.createTextNode(" · saved on this tablet at " + clock(entry.capturedAt) + " "),
      el("span", { "class": "badge " + (BADGES[entry.state] || ""), "data-entry-state": "", text: stateLabel(entry, blocked) }),
    ]));
    var summary = Capture.summary(entry);
    if (summary) { item.appendChild(el("p", { "class": "small", text: summary })); }
    if (entry.state === "sent") {
      item.dataset.replayed = entry.replayed ? "true" : "false";
      item.appendChild(el("p", { "class": "small offline-result", "data-entry-result": "",
        text: (entry.resultText || "Saved") + (entry.replayed ? " (the server had it already)" : "") }));
    }
    if (entry.state === "refused") { item.appendChild(refusal(entry)); }
    return item;
  }

  // The server names fields as the API does; the nurse knows them by their labels.
  function fieldLabel(entry, name) {
    var control = document.getElementById((entry.prefix || "") + name);
    var label = control && (control.tagName === "FIELDSET"
      ? control.querySelector("legend")
      : document.querySelector('label[for="' + control.id + '"]'));
    return label ? label.textContent.trim() : name.replace(/_/g, " ");
  }

  function fieldMessages(entry) {
    var names = Object.keys(entry.fields || {});
    if (!names.length) { return null; }
    return el("ul", {}, names.map(function (name) {
      var message = entry.fields[name];
      if (name === "_form" || message === entry.reason) { return el("li", { text: message }); }
      return el("li", { text: fieldLabel(entry, name) + ": " + message });
    }));
  }

  function refusal(entry) {
    var box = el("div", { "class": "callout callout-danger offline-refusal", role: "alert" }, [
      el("p", {}, [el("strong", { text: "Not accepted by the server: " }), document.createTextNode(entry.reason || "")]),
      fieldMessages(entry),
    ]);
    var actions = el("div", { "class": "cluster" }, [
      el("button", { type: "button", "class": "btn btn-secondary btn-small", "data-entry-action": "edit", text: "Change it" }),
      el("button", { type: "button", "class": "btn btn-secondary btn-small", "data-entry-action": "resend", text: "Send it again" }),
      el("button", { type: "button", "class": "btn btn-danger btn-small", "data-entry-action": "discard", text: "Discard it" }),
    ]);
    var confirm = el("div", { "class": "offline-confirm", "data-discard-confirm": "", hidden: true }, [
      el("p", { text: "Discard this entry for good? It never reached the server, and it cannot be brought back." }),
      el("div", { "class": "cluster" }, [
        el("button", { type: "button", "class": "btn btn-danger btn-small", "data-entry-action": "discard-confirmed", text: "Yes, discard it" }),
        el("button", { type: "button", "class": "btn btn-secondary btn-small", "data-entry-action": "discard-cancelled", text: "Keep it" }),
      ]),
    ]);
    box.appendChild(actions);
    box.appendChild(confirm);
    box.appendChild(el("div", { "data-entry-editor": "", hidden: true }));
    return box;
  }

  function renderQueue() {
    var panel = document.querySelector("[data-offline-queue]");
    if (!panel) { return; }
    var list = panel.querySelector("[data-offline-entries]");
    var note = panel.querySelector("[data-offline-queue-note]");
    var mine = entries.filter(function (e) { return e.visitId === visitId && !inPage(e); });
    var busy = list.querySelector("[data-entry-editor]:not([hidden]), [data-discard-confirm]:not([hidden])");
    if (busy) { return; }  // never redraw under the nurse's fingers
    list.textContent = "";
    var blocked = false;
    mine.forEach(function (entry) {
      list.appendChild(entryItem(entry, blocked && entry.state === "queued"));
      if (entry.state === "refused" && (entry.kind === "check_in" || entry.kind === "check_out")) { blocked = true; }
    });
    panel.hidden = mine.length === 0;
    var waiting = mine.filter(unsent).length;
    note.textContent = "";
    if (waiting) {
      note.textContent = engineStatus.state === "signin"
        ? "These entries are kept on this tablet until you sign in again; then they are sent."
        : "These entries are kept on this tablet and sent, in this order, when there is a connection.";
    } else if (syncedHere[visitId] && navigator.onLine) {
      note.appendChild(document.createTextNode("Everything saved on this tablet has reached the server. "));
      note.appendChild(el("a", { href: location.pathname, text: "Show the visit as the server has it" }));
    }
  }

  // A note above each form that has entries waiting, so that the nurse sees them in place.
  function renderFormNotes() {
    document.querySelectorAll("[data-offline-form-note]").forEach(function (n) { n.remove(); });
    var byAction = {};
    entries.forEach(function (e) {
      if (e.visitId === visitId && unsent(e)) { (byAction[e.action] = byAction[e.action] || []).push(e); }
    });
    document.querySelectorAll(".visit-page-body form[method=post]").forEach(function (form) {
      var waiting = byAction[pathOf(form.action)];
      if (!waiting) { return; }
      var refused = waiting.filter(function (e) { return e.state === "refused"; }).length;
      var text = refused
        ? plural(refused, "entry", "entries") + " from this form not accepted: see “Saved on this tablet” above."
        : plural(waiting.length, "entry", "entries") + " from this form saved on this tablet at " +
          clock(waiting[waiting.length - 1].capturedAt) + ", waiting to sync.";
      var note = el("p", { "class": "offline-form-note small", "data-offline-form-note": "", role: "status", text: text });
      form.parentNode.insertBefore(note, form);
    });
  }

  // A check-in waiting on the tablet opens the visit for charting, as a real one would.
  function revealAfterCheckIn() {
    // Refused or not: the entries made after it stay in reach while the nurse fixes it.
    var waiting = entries.some(function (e) { return e.visitId === visitId && e.kind === "check_in"; });
    document.querySelectorAll("[data-offline-after-check-in]").forEach(function (node) {
      var shown = node.hidden && waiting;
      node.hidden = !waiting;
      if (shown) { node.dispatchEvent(new Event("visit:form-shown", { bubbles: true })); }
    });
    document.querySelectorAll("[data-offline-before-check-in], .visit-page-body .charting-note").forEach(function (node) {
      if (visitBody.dataset.visitState === "scheduled") { node.hidden = waiting; }
    });
    var checkInForm = document.querySelector("form[data-offline-check-in]");
    if (checkInForm) { checkInForm.hidden = waiting; }
  }

  // --- Saving a form on the tablet -------------------------------------------------------------

  function formPairs(form, submitter) {
    var data;
    try { data = new FormData(form, submitter || undefined); } catch (e) {
      data = new FormData(form);
      if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    }
    var pairs = [];
    data.forEach(function (value, name) { if (typeof value === "string") { pairs.push([name, value]); } });
    return pairs;
  }

  // The words of the options chosen (radios, selects), by field name: the list of entries
  // names a complication "Phlebitis", not "phlebitis".
  function chosenLabels(form, prefix) {
    var labels = {};
    form.querySelectorAll("input[type=radio]:checked, select").forEach(function (control) {
      var text = "";
      if (control.tagName === "SELECT") {
        text = control.selectedOptions.length ? control.selectedOptions[0].textContent : "";
      } else {
        var label = form.querySelector('label[for="' + control.id + '"]');
        text = label ? label.childNodes[0].textContent : "";
      }
      text = text.trim().split(" — ")[0];
      if (text && control.value) { labels[control.name.slice(prefix.length)] = text; }
    });
    return labels;
  }

  function say(form, text, kind) {
    var old = form.querySelector("[data-offline-message]");
    if (old) { old.remove(); }
    var message = el("div", { "class": "flash flash-" + (kind || "info"), role: kind === "error" ? "alert" : "status",
                              "data-offline-message": "", text: text });
    form.insertBefore(message, form.firstChild);
  }

  function resetForm(form) {
    form.reset();
    delete form.dataset.offlineEditing;
    var banner = form.querySelector("[data-offline-editing-banner]");
    if (banner) { banner.remove(); }
    freshenForms(form);
    form.dispatchEvent(new Event("change", { bubbles: true }));  // fields shown only for some choices
  }

  function queueForm(form, submitter) {
    var editing = form.dataset.offlineEditing ? Number(form.dataset.offlineEditing) : null;
    var pairs = formPairs(form, submitter);
    var original = editing ? entries.filter(function (e) { return e.seq === editing; })[0] : null;
    var entry = Capture.entryFromForm(captureMap, pathOf(form.action), pairs, {
      userId: userId, timezone: zone,
      capturedAt: original ? new Date(original.capturedAt) : new Date(),
    });
    if (!entry) { return Promise.resolve(null); }
    entry.labels = chosenLabels(form, entry.prefix);
    var saving;
    if (original) {
      // A changed entry is a new write for the server: it gets a new client id.
      saving = store.update(original.seq, function (stored) {
        return Object.assign(stored, { body: entry.body, pairs: entry.pairs, labels: entry.labels,
                                       clientId: root.crypto.randomUUID(),
                                       state: "queued", reason: "", fields: {}, status: null });
      });
    } else {
      saving = store.add(entry);
    }
    return saving.then(function (stored) {
      resetForm(form);
      say(form, (original ? "Changed on this tablet" : "Saved on this tablet at " + clock(stored.capturedAt)) +
        (navigator.onLine ? ". Sending it now." : ". It is sent when the connection returns."), "success");
      announce();
      return reload().then(function () {
        if (navigator.onLine) { engine.syncNow(); }
        return stored;
      });
    }, function (error) {
      say(form, "This entry could not be saved on the tablet (" + (error && error.name) + "). Nothing was sent.", "error");
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.closest || !form.closest(".visit-page-body")) { return; }
    if ((form.method || "").toLowerCase() !== "post") { return; }
    if (!captureMap && !navigator.onLine) {
      // Offline before the map arrived (from the worker's copy): wait for it, then save.
      event.preventDefault();
      var submitter = event.submitter;
      mapReady.then(function () {
        if (captureMap && Capture.findCapture(captureMap, pathOf(form.action))) {
          queueForm(form, submitter);
        } else {
          say(form, "The tablet cannot save this form without a connection. Try again once you are online.", "error");
        }
      });
      return;
    }
    var path = pathOf(form.action);
    var capturable = captureMap && Capture.findCapture(captureMap, path);
    var visit = capturable ? Number(capturable.args.visit_id) : null;
    var mustQueue = form.dataset.offlineEditing || !navigator.onLine || (visit && unsentByVisit[visit]);
    if (!mustQueue) { return; }  // online, nothing waiting: the form posts as usual
    event.preventDefault();
    if (!capturable) {
      // Signing, for one: the server checks the password now, and only a complete record.
      say(form, navigator.onLine
        ? "Entries of this visit saved on this tablet have not reached the server yet. " +
          "They are sent by themselves; try again once they have (see “Saved on this tablet”)."
        : "This needs a connection: it cannot be saved on the tablet. Try again once you are online.",
        "error");
      return;
    }
    queueForm(form, event.submitter);
  });

  // --- Changing, resending or discarding a refused entry ----------------------------------------

  function entryOf(node) {
    var item = node.closest(".offline-entry");
    var seq = item ? Number(item.id.replace("offline-entry-", "")) : null;
    return { item: item, entry: entries.filter(function (e) { return e.seq === seq; })[0] };
  }

  function setControl(form, name, values) {
    form.querySelectorAll("[name]").forEach(function (control) {
      if (control.name !== name) { return; }
      if (control.type === "checkbox" || control.type === "radio") {
        control.checked = values.indexOf(control.value) !== -1;
      } else if (control.type !== "submit" && control.type !== "button") {
        control.value = values.length ? values[values.length - 1] : "";
      }
    });
  }

  // Put the entry's values back into its own form on this page, if the page has it.
  function editInForm(entry) {
    var form = null;
    document.querySelectorAll(".visit-page-body form[method=post]").forEach(function (candidate) {
      if (!form && pathOf(candidate.action) === entry.action) { form = candidate; }
    });
    if (!form) { return false; }
    var names = {};
    form.querySelectorAll("[name]").forEach(function (c) { names[c.name] = true; });
    Object.keys(names).forEach(function (name) {
      if (name === "csrf_token" || /client_id$/.test(name)) { return; }
      var values = entry.pairs.filter(function (p) { return p[0] === name; }).map(function (p) { return p[1]; });
      var control = form.querySelector('[name="' + name + '"]');
      if (control && (control.type === "checkbox" || control.type === "radio" || values.length)) {
        setControl(form, name, values);
      }
    });
    form.dataset.offlineEditing = String(entry.seq);
    var banner = el("div", { "class": "callout callout-warning", "data-offline-editing-banner": "" }, [
      el("p", { text: "You are changing the " + entry.label.toLowerCase() + " saved on this tablet at " +
        clock(entry.capturedAt) + ". Save the form to send it again." }),
    ]);
    var messages = fieldMessages(entry);
    if (messages) { banner.appendChild(messages); }
    var old = form.querySelector("[data-offline-editing-banner]");
    if (old) { old.remove(); }
    form.insertBefore(banner, form.firstChild);
    var details = form.closest("details");
    if (details) { details.open = true; }
    form.hidden = false;
    form.dispatchEvent(new Event("change", { bubbles: true }));
    form.scrollIntoView({ block: "start" });
    var first = form.querySelector("input:not([type=hidden]), select, textarea");
    if (first) { first.focus({ preventScroll: true }); }
    return true;
  }

  // Without the form on the page (the page changed since): edit the values as sent.
  function editInPlace(item, entry) {
    var editor = item.querySelector("[data-entry-editor]");
    editor.textContent = "";
    var form = el("form", { "class": "form offline-editor", novalidate: "" });
    Object.keys(entry.body).forEach(function (name, index) {
      var id = "offline-edit-" + entry.seq + "-" + index;
      var value = entry.body[name];
      var input = typeof value === "boolean"
        ? el("input", { type: "checkbox", id: id, name: name })
        : el("input", { type: "text", id: id, name: name, value: String(value) });
      if (typeof value === "boolean") { input.checked = value; }
      var message = (entry.fields || {})[name];
      form.appendChild(el("div", { "class": typeof value === "boolean" ? "field check-row" : "field" }, [
        el("label", { "for": id, text: name.replace(/_/g, " ") }), input,
        message ? el("p", { "class": "field-error", text: message }) : null,
      ]));
    });
    form.appendChild(el("div", { "class": "cluster" }, [
      el("button", { type: "submit", "class": "btn btn-primary btn-small", text: "Send it again" }),
      el("button", { type: "button", "class": "btn btn-secondary btn-small", "data-entry-action": "edit-cancelled", text: "Cancel" }),
    ]));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = {};
      Object.keys(entry.body).forEach(function (name) {
        var input = form.elements[name];
        var before = entry.body[name];
        if (typeof before === "boolean") { body[name] = input.checked; return; }
        var text = input.value.trim();
        if (text === "") { return; }
        body[name] = typeof before === "number" && isFinite(Number(text)) ? Number(text) : text;
      });
      editor.hidden = true;
      store.update(entry.seq, function (stored) {
        return Object.assign(stored, { body: body, clientId: root.crypto.randomUUID(), state: "queued",
                                       reason: "", fields: {}, status: null });
      }).then(afterChange);
    });
    editor.appendChild(form);
    editor.hidden = false;
  }

  function afterChange() {
    announce();
    return reload().then(function () { if (navigator.onLine) { engine.syncNow(); } });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-entry-action]");
    if (!button) { return; }
    var found = entryOf(button);
    if (!found.entry) { return; }
    var action = button.dataset.entryAction;
    var confirm = found.item.querySelector("[data-discard-confirm]");
    if (action !== "discard") { confirm.hidden = true; }
    if (action === "discard") {
      confirm.hidden = false;
      confirm.querySelector("button").focus();
    } else if (action === "discard-cancelled") {
      confirm.hidden = true;
    } else if (action === "discard-confirmed") {
      store.remove(found.entry.seq).then(afterChange);
    } else if (action === "resend") {
      store.update(found.entry.seq, function (stored) {
        return Object.assign(stored, { state: "queued", reason: "", fields: {}, status: null });
      }).then(afterChange);
    } else if (action === "edit") {
      if (!editInForm(found.entry)) { editInPlace(found.item, found.entry); }
    } else if (action === "edit-cancelled") {
      found.item.querySelector("[data-entry-editor]").hidden = true;
      render();
    }
  });

  // --- Sending ---------------------------------------------------------------------------------

  var engine = new root.IVTSync.Engine(userId, function (status) {
    if (status.state === "synced") {
      status.visits.forEach(function (id) { syncedHere[id] = true; });
      // The kept copies of those pages are out of date now.
      tellWorker({ type: "refresh-pages", paths: status.visits.map(function (id) { return "/visits/" + id; }) });
      announce();
      reload();
      return;
    }
    engineStatus = status;
    reload();
  });

  // Sent entries of earlier days leave the tablet; what never reached the server stays.
  function prune() {
    var today = localDay(Date.now());
    var old = entries.filter(function (e) {
      return e.state === "sent" && (localDay(Date.parse(e.capturedAt)) < today || inPage(e));
    });
    return Promise.all(old.map(function (e) { return store.remove(e.seq); }));
  }

  function start() {
    takeOwnership()
      .then(function () { return Promise.all([registerWorker(), mapReady, reload()]); })
      .then(prune)
      .then(reload)
      .then(function () {
        document.documentElement.dataset.offlineReady = captureMap ? "true" : "no-map";
        keepTheDay();
        freshenCsrf();
        if (navigator.onLine) { engine.syncNow(); }
      });
    window.addEventListener("online", function () { render(); freshenCsrf(); engine.syncNow(); });
    window.addEventListener("offline", function () { engineStatus = { state: "offline" }; render(); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && navigator.onLine) { engine.syncNow(); }
    });
    // Retry while something waits (a server that was busy, a connection that came back
    // without an "online" event).
    setInterval(function () {
      if (navigator.onLine && entries.some(function (e) { return e.state === "queued" || e.state === "sending"; })) {
        engine.syncNow();
      }
    }, 30000);
    if (channel) { channel.onmessage = function () { reload(); }; }
  }

  root.IVTOffline = {
    userId: userId,
    store: store,
    engine: engine,
    syncNow: function () { return engine.syncNow(); },
    entries: function () { return entries.slice(); },
    unsent: function () { return entries.filter(unsent); },
    reload: reload,
    deletePageCaches: deletePageCaches,
  };
  start();
})(self);
