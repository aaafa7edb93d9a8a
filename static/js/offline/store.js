// The tablet's offline store (IndexedDB), shared by the pages and the service worker.
//
// "ivt-offline" holds one record: who owns the tablet's offline data (the nurse signed in
// last). Each nurse has her own database, "ivt-offline-user-<id>", with:
//   entries  what she saved, in capture order (seq), each with its client id and its state
//   auth     the API token of this browser
// A different nurse signing in never sees the first one's entries: they stay in their own
// database until she signs in again (nothing typed is lost), and the pages clear the rest.
(function (root) {
  "use strict";

  var OWNER_DB = "ivt-offline";
  var USER_DB_PREFIX = "ivt-offline-user-";
  var VERSION = 1;

  function request(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function openDatabase(name, upgrade) {
    var req = root.indexedDB.open(name, VERSION);
    req.onupgradeneeded = function () { upgrade(req.result); };
    return request(req).then(function (db) {
      // Another page deleting this database (sign-out) must not wait on this connection.
      db.onversionchange = function () { db.close(); };
      return db;
    });
  }

  // Run fn(stores...) in one transaction; resolves with fn's result once it is committed.
  function transaction(db, names, mode, fn) {
    return new Promise(function (resolve, reject) {
      var tx = db.transaction(names, mode);
      var result;
      tx.oncomplete = function () { resolve(result); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error || new Error("transaction aborted")); };
      var stores = names.map(function (name) { return tx.objectStore(name); });
      Promise.resolve(fn.apply(null, stores)).then(function (value) { result = value; }, function (error) {
        try { tx.abort(); } catch (ignored) { /* already finished */ }
        reject(error);
      });
    });
  }

  function ownerDatabase() {
    return openDatabase(OWNER_DB, function (db) { db.createObjectStore("owner"); });
  }

  function getOwner() {
    return ownerDatabase().then(function (db) {
      return transaction(db, ["owner"], "readonly", function (owner) {
        return request(owner.get("owner"));
      }).finally(function () { db.close(); });
    });
  }

  function setOwner(value) {
    return ownerDatabase().then(function (db) {
      return transaction(db, ["owner"], "readwrite", function (owner) {
        return request(owner.put(value, "owner"));
      }).finally(function () { db.close(); });
    });
  }

  function userDatabaseName(userId) { return USER_DB_PREFIX + Number(userId); }

  function userDatabase(userId) {
    return openDatabase(userDatabaseName(userId), function (db) {
      var entries = db.createObjectStore("entries", { keyPath: "seq", autoIncrement: true });
      entries.createIndex("clientId", "clientId", { unique: true });
      entries.createIndex("visitId", "visitId");
      db.createObjectStore("auth");
    });
  }

  // One nurse's store: every call opens, uses and closes its own connection, so that a
  // sign-out in another tab can delete the database at any time.
  function UserStore(userId) {
    this.userId = Number(userId);
  }

  UserStore.prototype.run = function (names, mode, fn) {
    return userDatabase(this.userId).then(function (db) {
      return transaction(db, names, mode, fn).finally(function () { db.close(); });
    });
  };

  UserStore.prototype.entries = function () {
    return this.run(["entries"], "readonly", function (entries) {
      return request(entries.getAll());  // in key order: seq, the capture order
    });
  };

  UserStore.prototype.entry = function (seq) {
    return this.run(["entries"], "readonly", function (entries) {
      return request(entries.get(seq));
    });
  };

  // A new entry gets the next seq; resolves with the entry as stored.
  UserStore.prototype.add = function (entry) {
    return this.run(["entries"], "readwrite", function (entries) {
      return request(entries.add(entry)).then(function (seq) {
        entry.seq = seq;
        return entry;
      });
    });
  };

  UserStore.prototype.put = function (entry) {
    return this.run(["entries"], "readwrite", function (entries) {
      return request(entries.put(entry)).then(function () { return entry; });
    });
  };

  // Change one entry inside a transaction: change(entry) returns the new entry, or null to
  // leave it. Resolves with the stored entry (or null when it no longer exists).
  UserStore.prototype.update = function (seq, change) {
    return this.run(["entries"], "readwrite", function (entries) {
      return request(entries.get(seq)).then(function (entry) {
        if (!entry) { return null; }
        var next = change(entry);
        if (!next) { return entry; }
        return request(entries.put(next)).then(function () { return next; });
      });
    });
  };

  UserStore.prototype.remove = function (seq) {
    return this.run(["entries"], "readwrite", function (entries) {
      return request(entries.delete(seq));
    });
  };

  UserStore.prototype.getAuth = function () {
    return this.run(["auth"], "readonly", function (auth) { return request(auth.get("token")); });
  };

  UserStore.prototype.setAuth = function (value) {
    return this.run(["auth"], "readwrite", function (auth) { return request(auth.put(value, "token")); });
  };

  UserStore.prototype.clearAuth = function () {
    return this.run(["auth"], "readwrite", function (auth) { return request(auth.delete("token")); });
  };

  // The whole database, entries and token: only after the nurse confirmed (see signout).
  UserStore.prototype.destroy = function () {
    return request(root.indexedDB.deleteDatabase(userDatabaseName(this.userId)));
  };

  root.IVTStore = {
    forUser: function (userId) { return new UserStore(userId); },
    getOwner: getOwner,
    setOwner: setOwner,
  };
})(self);
