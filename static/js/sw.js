/* The phone's service worker (served as /sw.js, scope /w/): a room reloaded in a dead hall still opens, with its
   outbox (localStorage) and draft. Only the room page and the static files are cached: never a facilitator page,
   a board, a report or an API answer. Workbox comes from npm, copied into static/vendor/workbox by `make setup`. */
/* global workbox */
"use strict";

var root = new URL("./", self.location);  // where the app lives: / or a proxy's prefix
var staticRoot = new URL("static/", root).pathname;
var roomPath = new RegExp("^" + new URL("w/", root).pathname.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "[A-Za-z0-9]+$");

// Workbox's files under the hash of their folder, given in this script's own URL (/sw.js?v=...): kept a year, the
// browser's update check on every room load then revalidates /sw.js alone.
var vendor = staticRoot + "vendor/workbox/";
var version = new URL(self.location).searchParams.get("v");
var query = version ? "?v=" + encodeURIComponent(version) : "";
importScripts(vendor + "workbox-sw.js" + query);
workbox.setConfig({ debug: false, modulePathCb: function (name) { return vendor + name + ".prod.js" + query; } });

var VERSION = "v1";
var ROOMS = "tashawur-rooms-" + VERSION;
var STATIC = "tashawur-static-" + VERSION;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  // Caches of an older version go: their pages may expect other scripts.
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("tashawur-") === 0 && [ROOMS, STATIC].indexOf(name) < 0;
    }).map(function (name) { return caches.delete(name); }));
  }));
});
workbox.core.clientsClaim();

// The room: the network first (it carries the newest snapshot), the last good copy when the hall's link is dead.
workbox.routing.registerRoute(
  function (options) { return options.url.origin === self.location.origin && roomPath.test(options.url.pathname); },
  new workbox.strategies.NetworkFirst({
    cacheName: ROOMS,
    networkTimeoutSeconds: 5,  // a link that is open but silent must not leave the phone on a blank page
    matchOptions: { ignoreVary: true },
    plugins: [
      new workbox.cacheableResponse.CacheableResponsePlugin({ statuses: [200] }),  // no redirect to the join page
      new workbox.expiration.ExpirationPlugin({ maxEntries: 20 })
    ]
  })
);

// Scripts, styles and fonts: at once from the cache, refreshed in the background for the next load.
workbox.routing.registerRoute(
  function (options) { return options.url.origin === self.location.origin && options.url.pathname.indexOf(staticRoot) === 0; },
  new workbox.strategies.StaleWhileRevalidate({
    cacheName: STATIC,
    plugins: [new workbox.cacheableResponse.CacheableResponsePlugin({ statuses: [200] })]
  })
);
