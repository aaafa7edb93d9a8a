// Sending the entries waiting on the tablet through the JSON API, in capture order.
//
// Each entry goes with the client id made when it was captured, so sending it twice (a
// retry after a lost answer, two tabs at once, a replay of the whole queue) stores it once:
// the server answers a repeat with its first answer. An entry leaves the queue only with
// the server's answer: saved ("sent", with the result shown to the nurse) or refused
// ("refused", with the server's reason, until the nurse fixes and resends or discards it).
// No connection, a server error or a refused token stops the round and keeps everything.
(function (root) {
  "use strict";

  var Store = root.IVTStore;
  var Capture = root.IVTCapture;
  var PENDING = ["queued", "sending"];
  // A refused check-in or check-out holds back the visit's later entries: they depend on it
  // (charting needs a check-in, and times are checked against both).
  var BLOCKING_KINDS = ["check_in", "check_out"];

  function SyncEngine(userId, listener) {
    this.userId = Number(userId);
    this.store = Store.forUser(userId);
    this.listener = listener || function () {};
    this.status = { state: navigator.onLine ? "idle" : "offline", message: "" };
    this.running = null;
    this.again = false;
  }

  SyncEngine.prototype.report = function (state, message) {
    this.status = { state: state, message: message || "" };
    this.listener(this.status);
  };

  // One round at a time per tab; across tabs a Web Lock keeps rounds apart (a second tab
  // sending the same entry would only get the first answer back, but twice the traffic).
  SyncEngine.prototype.syncNow = function () {
    var engine = this;
    if (engine.running) {
      engine.again = true;
      return engine.running;
    }
    var round = function () { return engine.round(); };
    var locked = root.navigator.locks
      ? root.navigator.locks.request("ivt-sync-" + engine.userId, round)
      : round();
    engine.running = locked.catch(function (error) {
      engine.report("error", "Sending stopped: " + (error && error.message ? error.message : error));
    }).finally(function () {
      engine.running = null;
      if (engine.again) {
        engine.again = false;
        return engine.syncNow();
      }
      return null;
    });
    return engine.running;
  };

  SyncEngine.prototype.round = function () {
    var engine = this;
    return engine.store.entries().then(function (entries) {
      var pending = entries.filter(function (e) { return PENDING.indexOf(e.state) !== -1; });
      if (!pending.length) {
        engine.report(navigator.onLine ? "idle" : "offline");
        return null;
      }
      if (!navigator.onLine) {
        engine.report("offline", "No connection: entries wait on this tablet.");
        return null;
      }
      engine.report("sending");
      return engine.token(false).then(function (token) {
        if (!token) { return null; }
        return engine.sendAll(entries, token);
      });
    });
  };

  // Visits whose check-in or check-out was refused: their later entries wait.
  function blockedVisits(entries) {
    var blocked = {};
    entries.forEach(function (e) {
      if (e.state === "refused" && BLOCKING_KINDS.indexOf(e.kind) !== -1) { blocked[e.visitId] = true; }
    });
    return blocked;
  }

  SyncEngine.prototype.sendAll = function (entries, token) {
    var engine = this;
    var blocked = blockedVisits(entries);
    var queue = entries.filter(function (e) { return PENDING.indexOf(e.state) !== -1; });
    var sentVisits = {};
    function next(index, currentToken) {
      if (index >= queue.length) {
        engine.report("idle");
        return sentVisits;
      }
      var entry = queue[index];
      if (blocked[entry.visitId]) { return next(index + 1, currentToken); }
      return engine.send(entry, currentToken).then(function (outcome) {
        if (outcome.stop) { return sentVisits; }
        if (outcome.retryWith) { return next(index, outcome.retryWith); }
        if (outcome.state === "sent") { sentVisits[entry.visitId] = true; }
        if (outcome.state === "refused" && BLOCKING_KINDS.indexOf(entry.kind) !== -1) {
          blocked[entry.visitId] = true;
        }
        return next(index + 1, currentToken);
      });
    }
    return next(0, token).then(function (visits) {
      var ids = Object.keys(visits || {});
      if (ids.length) { engine.listener({ state: "synced", visits: ids.map(Number) }); }
      return visits;
    });
  };

  function serverTime(response) {
    var date = response.headers.get("Date");
    var parsed = date ? Date.parse(date) : NaN;
    return isNaN(parsed) ? new Date().toISOString() : new Date(parsed).toISOString();
  }

  function readJson(response) {
    return response.json().catch(function () { return {}; });
  }

  SyncEngine.prototype.mark = function (entry, change) {
    return this.store.update(entry.seq, function (stored) {
      if (stored.clientId !== entry.clientId) { return null; }  // edited meanwhile: leave it
      return Object.assign(stored, change);
    });
  };

  // Send one entry. Resolves with {state} once the entry is stored with the answer, or
  // {stop: true} when this round must end (no connection, server trouble, no token).
  SyncEngine.prototype.send = function (entry, token) {
    var engine = this;
    var body = Object.assign({ client_id: entry.clientId }, entry.body);
    return engine.mark(entry, { state: "sending", attempts: (entry.attempts || 0) + 1 })
      .then(function () {
        return root.fetch(entry.apiPath, {
          method: "POST", credentials: "omit", cache: "no-store",
          headers: { "Content-Type": "application/json", "Accept": "application/json",
                     "Authorization": "Bearer " + token },
          body: JSON.stringify(body),
        });
      })
      .then(function (response) {
        return engine.answer(entry, response);
      }, function () {
        // No answer: the entry may or may not have arrived. It stays queued; sending it
        // again is safe (same client id).
        return engine.mark(entry, { state: "queued" }).then(function () {
          engine.report("offline", "The connection dropped: entries wait on this tablet.");
          return { stop: true };
        });
      });
  };

  SyncEngine.prototype.answer = function (entry, response) {
    var engine = this;
    var status = response.status;
    if (response.ok) {
      return readJson(response).then(function (result) {
        var saved = { state: "sent", status: status, result: result, sentAt: serverTime(response),
                      replayed: response.headers.get("Idempotent-Replayed") === "true",
                      reason: "", fields: {} };
        saved.resultText = Capture.resultText(Object.assign({}, entry, saved));
        return engine.mark(entry, saved).then(function () { return { state: "sent" }; });
      });
    }
    if (status === 401) {
      // The token was revoked (or its account closed): get a new one with the session, if
      // the nurse is still signed in here; otherwise everything waits for her sign-in.
      return engine.mark(entry, { state: "queued" }).then(function () {
        return engine.store.clearAuth();
      }).then(function () {
        return engine.token(true);
      }).then(function (fresh) {
        return fresh ? { retryWith: fresh } : { stop: true };
      });
    }
    if (status === 429 || status >= 500) {
      return engine.mark(entry, { state: "queued" }).then(function () {
        engine.report("error", "The server could not take the entries just now; they are sent again shortly.");
        return { stop: true };
      });
    }
    // 404 (not her visit any more), 409 (the visit's state refuses it), 422 (a value is
    // refused) and anything else: the entry stays, with the server's reason, for the nurse.
    return readJson(response).then(function (answer) {
      var error = answer.error || {};
      var reason = error.detail || error.title || ("The server refused this entry (" + status + ").");
      if (status === 404) {
        reason = "This visit is no longer on your list on the server (it may have been given " +
          "to another nurse or removed). Ask the office.";
      }
      return engine.mark(entry, { state: "refused", status: status, reason: reason,
                                  fields: error.fields || {}, refusedAt: new Date().toISOString() })
        .then(function () { return { state: "refused" }; });
    });
  };

  // --- The browser's token ----------------------------------------------------------------
  // Asked for with the nurse's session (a same-origin, CSRF-protected POST); kept in this
  // nurse's IndexedDB; replaced at each new sign-in on this browser (the old one revoked).

  SyncEngine.prototype.token = function (renew) {
    var engine = this;
    return engine.store.getAuth().then(function (auth) {
      if (auth && auth.token && !renew) { return auth.token; }
      return engine.newToken(auth).then(function (issued) {
        if (issued.offline) {
          engine.report("offline", "No connection: entries wait on this tablet.");
        } else if (!issued.token) {
          engine.report("signin", issued.message ||
            "Sign in again to send the entries waiting on this tablet.");
        }
        return issued.token || null;
      });
    });
  };

  // Resolves with {token}, or {offline: true}, or {message} when the nurse must sign in
  // again (or free a device slot: the server's message says so).
  SyncEngine.prototype.newToken = function (previous) {
    var engine = this;
    return root.fetch("/visits/offline/session", {
      credentials: "same-origin", redirect: "manual", cache: "no-store",
      headers: { "Accept": "application/json" },
    }).then(function (response) {
      // Signed out: the answer is a redirect to the sign-in page (opaque here).
      return response.ok ? response.json() : null;
    }).then(function (session) {
      if (!session || Number(session.user_id) !== engine.userId) { return {}; }
      return root.fetch("/visits/offline/token", {
        method: "POST", credentials: "same-origin", redirect: "manual", cache: "no-store",
        headers: { "Accept": "application/json", "Content-Type": "application/json",
                   "X-CSRFToken": session.csrf_token },
        body: JSON.stringify({ replaces: previous && previous.tokenId ? previous.tokenId : null }),
      }).then(function (response) {
        return readJson(response).then(function (answer) {
          if (response.status !== 201 || !answer.token) {
            return { message: answer.error && answer.error.detail };
          }
          return engine.store.setAuth({ token: answer.token, tokenId: answer.token_id,
                                        name: answer.name, issuedAt: new Date().toISOString() })
            .then(function () { return { token: answer.token }; });
        });
      });
    }).catch(function () {
      return { offline: true };
    });
  };

  // Stop this browser's token (sign-out): best effort, the Devices page can always do it.
  SyncEngine.prototype.disconnect = function () {
    var engine = this;
    return engine.store.getAuth().then(function (auth) {
      if (!auth || !auth.token || !navigator.onLine) { return null; }
      return root.fetch("/api/v1/me/device", {
        method: "DELETE", credentials: "omit", cache: "no-store",
        headers: { "Authorization": "Bearer " + auth.token, "Accept": "application/json" },
      }).catch(function () { return null; });
    }).then(function () { return engine.store.clearAuth(); });
  };

  root.IVTSync = { Engine: SyncEngine, PENDING: PENDING };
})(self);
