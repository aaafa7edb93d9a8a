// The service worker of the nurse's pages (scope /visits/, served at /visits/sw.js).
//
// - Pages: network first; a copy of each visit page and of the day's page is kept in the
//   signed-in nurse's own cache, and served when there is no connection.
// - Static assets and the capture map: network first, the kept copy without a connection.
// - A visit page form posted while the connection silently drops (the tablet thinks it is
//   online) is not lost: its fields are queued as the page would have queued them, and the
//   nurse is taken back to the visit page, where the entry shows as waiting to sync.
// - The day's page asks the worker (a message) to keep its visits' pages for offline use.
/* global importScripts, IVTStore, IVTCapture */
"use strict";

importScripts("/static/js/offline/store.js", "/static/js/offline/capture.js");

var STATIC_CACHE = "ivt-static-v1";
var PAGES_CACHE_PREFIX = "ivt-pages-user-";
var CAPTURE_MAP = "/visits/offline/capture.json";
var DAY_PAGE = "/visits/today";
var STATIC_ASSETS = [
  "/static/css/app.css", "/static/css/offline.css", "/static/img/icon.svg",
  "/static/img/icon-192.png", "/static/img/icon-512.png",
  "/static/manifest.webmanifest",
  "/static/js/app.js", "/static/js/visit.js", "/static/js/visit-timer.js",
  "/static/js/visit-entries.js",
  "/static/js/offline/store.js", "/static/js/offline/capture.js", "/static/js/offline/sync.js",
  "/static/js/offline/page.js", "/static/js/offline/signout.js",
  CAPTURE_MAP,
];
// A kept page is fetched again when the day's page asks after this long, and is no longer
// served after a day (the day's visits are what the tablet keeps, nothing older).
var PAGE_REFRESH_MS = 10 * 60 * 1000;
var PAGE_MAX_AGE_MS = 24 * 60 * 60 * 1000;
var KEPT_AT = "X-Offline-Kept-At";
var VISIT_PAGE = /^\/visits\/[0-9]+$/;

function pagesCache(userId) { return PAGES_CACHE_PREFIX + Number(userId); }

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC_CACHE).then(function (cache) {
    // One by one: an asset missing must not stop the worker from installing.
    return Promise.all(STATIC_ASSETS.map(function (url) {
      return cache.add(new Request(url, { cache: "no-store" })).catch(function () { return null; });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function isKeptPage(url) {
  return url.pathname === DAY_PAGE || VISIT_PAGE.test(url.pathname);
}

// The nurse a page was made for (its <meta name="ivt-user">), or null.
function pageOwner(response) {
  return response.clone().text().then(function (html) {
    var match = /<meta name="ivt-user" content="([0-9]+)">/.exec(html);
    return match ? Number(match[1]) : null;
  });
}

// Keep a copy of a page in its own nurse's cache, stamped with when it was kept.
function keepPage(request, response) {
  if (response.status !== 200 || response.redirected || response.type !== "basic") {
    return Promise.resolve(false);
  }
  return pageOwner(response).then(function (userId) {
    if (!userId) { return false; }
    return response.clone().blob().then(function (body) {
      var headers = new Headers(response.headers);
      headers.set(KEPT_AT, String(Date.now()));
      var copy = new Response(body, { status: 200, statusText: "OK", headers: headers });
      return caches.open(pagesCache(userId)).then(function (cache) {
        return cache.put(new URL(request.url).pathname, copy);
      }).then(function () { return true; });
    });
  });
}

function ownerCacheMatch(path) {
  return IVTStore.getOwner().then(function (owner) {
    if (!owner || !owner.userId) { return null; }
    return caches.open(pagesCache(owner.userId)).then(function (cache) {
      return cache.match(path).then(function (kept) {
        if (kept && Date.now() - Number(kept.headers.get(KEPT_AT)) > PAGE_MAX_AGE_MS) {
          return cache.delete(path).then(function () { return null; });
        }
        return kept;
      });
    });
  });
}

function offlinePage() {
  var html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">" +
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
    "<title>Not on this tablet · Infusion Visit Tracker</title>" +
    "<link rel=\"stylesheet\" href=\"/static/css/app.css\"></head><body><main class=\"container\">" +
    "<h1>This page is not saved on this tablet</h1>" +
    "<p>There is no connection, and this page was not kept for offline use. " +
    "Today's visits are: <a href=\"" + DAY_PAGE + "\">open today's visits</a>.</p>" +
    "</main></body></html>";
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function pageFromNetwork(request) {
  var url = new URL(request.url);
  return fetch(request).then(function (response) {
    if (isKeptPage(url)) {
      // Kept before the page is returned, so that going offline right after finds it.
      return keepPage(request, response).catch(function () { return false; })
        .then(function () { return response; });
    }
    return response;
  }, function () {
    return ownerCacheMatch(url.pathname).then(function (kept) { return kept || offlinePage(); });
  });
}

function assetFromNetwork(request) {
  return fetch(request).then(function (response) {
    if (response.ok && response.type === "basic") {
      var copy = response.clone();
      caches.open(STATIC_CACHE).then(function (cache) {
        return cache.put(new URL(request.url).pathname, copy);
      });
    }
    return response;
  }, function () {
    return caches.open(STATIC_CACHE).then(function (cache) {
      return cache.match(new URL(request.url).pathname);
    }).then(function (kept) { return kept || Response.error(); });
  });
}

// A visit page form whose post got no answer: queue it, then show the visit page.
function formPost(request) {
  var copy = request.clone();
  return fetch(request).catch(function () {
    return queueForm(copy).then(function (visitPath) {
      if (!visitPath) { return Response.error(); }
      return Response.redirect(visitPath + "#offline-queue", 303);
    }, function () { return Response.error(); });
  });
}

function captureMap() {
  return caches.open(STATIC_CACHE).then(function (cache) { return cache.match(CAPTURE_MAP); })
    .then(function (kept) { return kept ? kept.json() : { captures: [] }; })
    .then(function (data) { return data.captures || []; });
}

function queueForm(request) {
  var capturedAt = new Date();
  return Promise.all([request.formData(), IVTStore.getOwner(), captureMap()]).then(function (got) {
    var form = got[0];
    var owner = got[1];
    var map = got[2];
    if (!owner || !owner.userId) { return null; }
    var pairs = [];
    form.forEach(function (value, name) {
      if (typeof value === "string") { pairs.push([name, value]); }
    });
    var entry = IVTCapture.entryFromForm(map, new URL(request.url).pathname, pairs, {
      userId: owner.userId, timezone: owner.timezone || "UTC", capturedAt: capturedAt,
    });
    if (!entry) { return null; }
    entry.via = "worker";
    return IVTStore.forUser(owner.userId).add(entry).then(function () {
      return "/visits/" + entry.visitId;
    }, function (error) {
      // The same client id is queued already (a second tap): the first copy stands.
      if (error && error.name === "ConstraintError") { return "/visits/" + entry.visitId; }
      throw error;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) {
    return;  // the API and other sites: straight to the network, never kept
  }
  if (request.method === "POST" && request.mode === "navigate" && url.pathname.indexOf("/visits/") === 0) {
    event.respondWith(formPost(request));
    return;
  }
  if (request.method !== "GET") { return; }
  if (request.mode === "navigate") {
    event.respondWith(pageFromNetwork(request));
  } else if (url.pathname.indexOf("/static/") === 0 || url.pathname === CAPTURE_MAP) {
    event.respondWith(assetFromNetwork(request));
  }
});

// --- Messages from the pages ----------------------------------------------------------------

// Keep the pages of the day (paths) for this nurse; drop her other kept pages.
function keepDay(userId, paths) {
  var wanted = {};
  wanted[DAY_PAGE] = true;
  paths.forEach(function (p) { wanted[p] = true; });
  return caches.open(pagesCache(userId)).then(function (cache) {
    return cache.keys().then(function (requests) {
      return Promise.all(requests.map(function (r) {
        var path = new URL(r.url).pathname;
        return wanted[path] ? null : cache.delete(r);
      }));
    }).then(function () {
      return Promise.all(paths.map(function (path) {
        return cache.match(path).then(function (kept) {
          var keptAt = kept ? Number(kept.headers.get(KEPT_AT)) : 0;
          if (kept && Date.now() - keptAt < PAGE_REFRESH_MS) { return true; }
          return refresh(path);
        });
      }));
    });
  });
}

function refresh(path) {
  var request = new Request(path, { credentials: "same-origin", redirect: "follow", cache: "no-store" });
  return fetch(request).then(function (response) {
    return keepPage(request, response);
  }).catch(function () { return false; });
}

// Every kept page of every nurse but `keepUserId` (all of them when it is null).
function forgetPages(keepUserId) {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(PAGES_CACHE_PREFIX) === 0 && name !== pagesCache(keepUserId);
    }).map(function (name) { return caches.delete(name); }));
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var source = event.source;
  var work;
  if (data.type === "keep-day") {
    work = keepDay(data.userId, data.paths || []);
  } else if (data.type === "refresh-pages") {
    work = Promise.all((data.paths || []).map(refresh));
  } else if (data.type === "forget-pages") {
    work = forgetPages(data.keepUserId == null ? null : data.keepUserId);
  } else {
    return;
  }
  event.waitUntil(work.then(function (results) {
    if (source) { source.postMessage({ type: data.type + "-done", results: results }); }
  }, function (error) {
    if (source) { source.postMessage({ type: data.type + "-failed", message: String(error) }); }
  }));
});
