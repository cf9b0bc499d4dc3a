// One separation in the separator worker (static/private/separator-worker.js): send the model
// and the song, report its progress, get the stems back; cancel ends the worker.
"use strict";

export class SeparationError extends Error {}
export class SeparationCancelled extends Error {}

/** Start separating; return {result: Promise<{stems, timings}>, cancel()}. */
export function separate(workerUrl, { model, modelKey, channels, threads }, onProgress) {
  const worker = new Worker(workerUrl, { type: "module" });
  let settle = null;
  const result = new Promise((resolve, reject) => {
    settle = { resolve, reject };
  });
  const finish = (outcome, value) => {
    worker.terminate();
    settle[outcome](value);
  };
  worker.addEventListener("message", ({ data }) => {
    if (data.type === "progress") onProgress(data.stage, data.percent);
    else if (data.type === "done") finish("resolve", { stems: data.stems, timings: data.timings });
    else if (data.type === "error") finish("reject", new SeparationError(data.message));
  });
  worker.addEventListener("error", (event) => {
    event.preventDefault();
    finish("reject", new SeparationError(`The separator could not start${event.message ? `: ${event.message}` : ""}.`));
  });
  worker.postMessage(
    { type: "separate", model, modelKey, channels, sampleRate: 44100, threads },
    [model, ...channels.map((c) => c.buffer)],
  );
  return {
    result,
    cancel: () => finish("reject", new SeparationCancelled("Cancelled.")),
  };
}
