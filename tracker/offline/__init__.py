"""Offline-first visit capture on the nurse's tablet.

The server's part is small; the work happens in the browser (static/js/offline/):
- a service worker, served at /visits/sw.js so that its scope is the nurse's pages
  (/visits/), keeps today's visit pages and the static assets on the tablet;
- page scripts queue what the nurse saves while the tablet is offline (IndexedDB), show it
  as "waiting to sync" and send it through the JSON API when the connection returns, with
  the client id made at capture, so that a retry never stores anything twice;
- the browser gets its API token from a session-authenticated, CSRF-protected POST
  (routes.py), named after the browser and listed on the Devices page like any other.

Modules: routes.py (the worker script, the session probe, the browser token), services.py
(the token for this browser), page.py (what the visit page needs to work offline).
"""
