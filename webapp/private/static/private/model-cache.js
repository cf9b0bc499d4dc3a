// The browser model, downloaded once and kept in Cache Storage under its checksum: a new
// model (another sha256 in the manifest) replaces the old one.
"use strict";

const CACHE = "stemworks-private-model";

export class ModelError extends Error {}

/** Return the manifest (model size, checksum), from the network or the service worker. */
export async function fetchManifest(url) {
  let response;
  try {
    response = await fetch(url, { cache: "no-cache" });
  } catch {
    throw new ModelError("The model's description could not be loaded: are you offline before the first separation?");
  }
  if (!response.ok) throw new ModelError((await response.text()) || `The model is not available (${response.status}).`);
  return response.json();
}

function modelUrl(manifestUrl, manifest) {
  const url = new URL(manifest.file, new URL(manifestUrl, location.href));
  url.searchParams.set("sha256", manifest.sha256);
  return url.href;
}

/** Whether this manifest's model is already kept in this browser. */
export async function isCached(manifestUrl, manifest) {
  if (!("caches" in self)) return false;
  const cache = await caches.open(CACHE);
  return Boolean(await cache.match(modelUrl(manifestUrl, manifest)));
}

/** Return the model's bytes: from the cache, or downloaded (onProgress(fraction)), checked
 *  against the manifest's sha256, then kept in place of any older model. */
export async function loadModel(manifestUrl, manifest, onProgress) {
  const url = modelUrl(manifestUrl, manifest);
  const cache = "caches" in self ? await caches.open(CACHE) : null;
  const kept = cache && (await cache.match(url));
  if (kept) return kept.arrayBuffer();

  let response;
  try {
    response = await fetch(url);
  } catch {
    throw new ModelError("The model could not be downloaded: check the connection and try again.");
  }
  if (!response.ok) throw new ModelError(`The model could not be downloaded (${response.status}).`);
  const bytes = new Uint8Array(manifest.bytes);
  let received = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (received + value.length > bytes.length) throw new ModelError("The model downloaded is larger than its manifest says.");
    bytes.set(value, received);
    received += value.length;
    onProgress(received / bytes.length);
  }
  if (received !== bytes.length) throw new ModelError("The model download was cut short: try again.");
  if (crypto.subtle) {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    const hex = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
    if (hex !== manifest.sha256) throw new ModelError("The model downloaded does not match its checksum: try again.");
  }
  if (cache) {
    await cache.put(url, new Response(bytes, { headers: { "Content-Type": "application/octet-stream" } }));
    for (const request of await cache.keys()) if (request.url !== url) await cache.delete(request);
  }
  return bytes.buffer;
}
