// Private mode's service worker (scope /private/): keeps the page, its scripts and styles,
// the separator worker and onnxruntime-web's files, so the page works with the network cut
// once it has separated a song. The model itself is kept by the page (model-cache.js).
// self.STEMWORKS_OFFLINE ({version, precache, static}) is written above this script by the view.
"use strict";

const { version, precache, static: staticUrl } = self.STEMWORKS_OFFLINE;
const PREFIX = "stemworks-offline-";
const CACHE = `${PREFIX}${version}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // One missing file (a model not built yet) must not stop the rest from being kept.
      await Promise.all(
        precache.map(async (url) => {
          try {
            const response = await fetch(url, { cache: "no-cache" });
            if (response.ok) await cache.put(url, response);
          } catch { /* kept on a later visit */ }
        }),
      );
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(request, { ignoreSearch: request.mode === "navigate" });
    if (kept) return kept;
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok && response.status === 200) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) return;
  const scope = new URL(self.registration.scope).pathname;
  // The model goes straight to the network: the page keeps it under its checksum.
  if (url.pathname.startsWith(`${scope}model/`) && !url.pathname.endsWith("/manifest.json")) return;
  if (request.mode === "navigate" || url.pathname.endsWith("/manifest.json")) {
    if (url.pathname.startsWith(scope)) event.respondWith(networkFirst(request));
    return;
  }
  if (url.pathname.startsWith(`${scope}app/`) || url.pathname.startsWith(staticUrl)) {
    event.respondWith(cacheFirst(request));
  }
});
