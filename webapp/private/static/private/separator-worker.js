// Private mode's separating Web Worker (a module worker): onnxruntime-web runs the two
// unet-2stems networks (WASM, SIMD, threads when the page is cross-origin isolated) and
// dsp.js does the STFT, the masks and the inverse STFT around them.
//
// page -> worker: {type: "separate", model: ArrayBuffer, modelKey, channels: [L, R],
//                  sampleRate: 44100, threads, wiener?}
//                 wiener: 1 (default: the engine's Wiener post-filter, one EM iteration,
//                 as its DEFAULT_WIENER, so both give the same stems) or 0 (the plain
//                 ratio mask).
// worker -> page: {type: "progress", stage, percent}, then
//                 {type: "done", stems: {vocals: [L, R], accompaniment: [L, R]}, timings}
//                 or {type: "error", message}. The stems' buffers are transferred.
"use strict";

import * as ort from "./ort/ort.wasm.min.mjs";
import { BINS, SAMPLE_RATE, SEGMENT, separate } from "./dsp.js";

ort.env.wasm.wasmPaths = new URL("./ort/", import.meta.url).href;
// Segments per network run: 1 was faster than 2 in headless Chromium (bench/private_mode.py).
const SEGMENTS_PER_RUN = 1;
// EM iterations of the Wiener post-filter unless told: the engine's default, one.
const WIENER = 1;

let loaded = { key: null, session: null };

self.addEventListener("message", async (event) => {
  const message = event.data;
  if (!message || message.type !== "separate") return;
  try {
    await handle(message);
  } catch (error) {
    self.postMessage({ type: "error", message: String((error && error.message) || error) });
  }
});

async function handle(message) {
  const { channels, sampleRate } = message;
  if (sampleRate !== SAMPLE_RATE) throw new Error(`Audio must be at ${SAMPLE_RATE} Hz, not ${sampleRate}.`);
  if (!Array.isArray(channels) || channels.length !== 2) throw new Error("Audio must have two channels.");
  progress("Loading the model", 0);
  let started = performance.now();
  const session = await sessionFor(message);
  const load = (performance.now() - started) / 1000;
  const segmentsPerRun = message.segmentsPerRun || SEGMENTS_PER_RUN;
  progress("Separating", 0);
  started = performance.now();
  const result = await separate(channels, (magnitude, segments) => runNetworks(session, magnitude, segments), {
    segmentsPerRun,
    wiener: message.wiener ?? WIENER,
    onProgress: (fraction) => progress("Separating", Math.round(fraction * 1000) / 10),
  });
  progress("Finishing", 100);
  const { vocals, accompaniment } = result;
  const timings = { load_s: load, separate_s: (performance.now() - started) / 1000, ...result.timings };
  const buffers = [...vocals, ...accompaniment].map((samples) => samples.buffer);
  self.postMessage({ type: "done", stems: { vocals, accompaniment }, timings }, buffers);
}

/** Return the session for the message's model, reusing the last one when the key matches. */
async function sessionFor(message) {
  if (loaded.session && loaded.key === message.modelKey) return loaded.session;
  if (!(message.model instanceof ArrayBuffer)) throw new Error("No model was given.");
  // The thread count is read once, when the WASM runtime starts (the first session).
  ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.max(1, message.threads | 0) : 1;
  if (loaded.session) await loaded.session.release();
  loaded = { key: null, session: null };
  const session = await ort.InferenceSession.create(new Uint8Array(message.model), {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
  });
  loaded = { key: message.modelKey, session };
  return session;
}

async function runNetworks(session, magnitude, segments) {
  // A turn of the event loop per chunk: otherwise the worker runs only microtasks until
  // the song is done, and its tasks (timers, messages, idle-time GC) wait till the end.
  await new Promise((resolve) => setTimeout(resolve, 0));
  const input = new ort.Tensor("float32", magnitude, [segments, 2, SEGMENT, BINS]);
  const outputs = await session.run({ magnitude: input });
  return { vocals: outputs.vocals.data, accompaniment: outputs.accompaniment.data };
}

function progress(stage, percent) {
  self.postMessage({ type: "progress", stage, percent });
}
