/* The portal's service worker (portal/pwa.py). Shell: cache first. Pages the worker may need on a weak signal (home,
   我的, the card page): network first, the kept copy when the network fails; any other page falls back to the
   offline page. The card page it keeps has an expired QR: card.js says so and fetches a fresh one once online.
   Log-out empties the kept pages (they belong to the person who was signed in). */
"use strict";

var VERSION = "{{ version }}";
var SHELL_CACHE = "portal-shell-" + VERSION;
var PAGES_CACHE = "portal-pages";
var SHELL = {{ shell|safe }};
var PAGES = {{ pages|safe }};
var STATIC_PREFIX = {{ static_prefix|safe }};
var LOGOUT = {{ logout|safe }};
var OFFLINE = {{ offline|safe }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) {
    return cache.addAll(SHELL);
  }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("portal-shell-") === 0 && name !== SHELL_CACHE;
    }).map(function (name) {
      return caches.delete(name);
    }));
  }).then(function () {
    return self.clients.claim();
  }));
});

function keptPage(request) {
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(PAGES_CACHE).then(function (cache) {
        cache.put(request.url.split("?")[0], copy);
      });
    }
    return response;
  }).catch(function () {
    return caches.match(request.url.split("?")[0], { cacheName: PAGES_CACHE }).then(function (kept) {
      return kept || caches.match(OFFLINE);
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/console/") === 0 ||
      url.pathname.indexOf("/api/") === 0) {
    return;  // the console and the API are no part of the installed portal
  }
  if (request.method === "POST" && url.pathname === LOGOUT) {
    event.waitUntil(caches.delete(PAGES_CACHE));
    return;
  }
  if (request.method !== "GET") {
    return;
  }
  if (SHELL.indexOf(url.pathname) !== -1 || url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(caches.match(request).then(function (hit) {
      return hit || fetch(request);
    }));
    return;
  }
  if (request.mode === "navigate") {
    if (PAGES.indexOf(url.pathname) !== -1) {
      event.respondWith(keptPage(request));
    } else {
      event.respondWith(fetch(request).catch(function () {
        return caches.match(OFFLINE);
      }));
    }
  }
});
