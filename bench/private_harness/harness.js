// bench/private_mode.py's page: fetch the model and the raw samples, run the separating
// worker once, time it, read the tab's memory, and send the stems and figures back.
"use strict";

const params = new URLSearchParams(location.search);
const threads = Number(params.get("threads") || 2);
const segmentsPerRun = Number(params.get("segments") || 1);
const status = document.getElementById("status");

/** Resolve to the page's memory in bytes (JS and WASM heaps, workers included), or null. */
function memory() {
  if (!self.crossOriginIsolated || !performance.measureUserAgentSpecificMemory) return Promise.resolve(null);
  const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 60000));
  const measured = performance.measureUserAgentSpecificMemory().then(
    (result) => result.bytes,
    () => null,
  );
  return Promise.race([measured, timeout]);
}

function separate(model, channels) {
  const worker = new Worker("/static/private/separator-worker.js", { type: "module" });
  return new Promise((resolve, reject) => {
    let midway = null; // the memory measured once half the song is separated
    worker.onmessage = (event) => {
      const message = event.data;
      if (message.type === "progress") {
        status.textContent = `${message.stage} ${message.percent}%`;
        if (message.stage === "Separating" && message.percent >= 50 && !midway) midway = memory();
      } else if (message.type === "done") {
        resolve({ worker, stems: message.stems, timings: message.timings, midway });
      } else if (message.type === "error") {
        reject(new Error(message.message));
      }
    };
    worker.onerror = (event) => reject(new Error(event.message || "worker error"));
    worker.postMessage(
      { type: "separate", model, modelKey: "bench", channels, sampleRate: 44100, threads, segmentsPerRun },
      [model, ...channels.map((samples) => samples.buffer)],
    );
  });
}

async function send(path, body) {
  const response = await fetch(path, { method: "POST", body });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
}

async function main() {
  const [model, audio] = await Promise.all(
    ["/model/unet-2stems.onnx", "/audio.f32"].map((url) => fetch(url).then((response) => response.arrayBuffer())),
  );
  const n = audio.byteLength / 8;
  const channels = [new Float32Array(audio.slice(0, n * 4)), new Float32Array(audio.slice(n * 4))];
  const started = performance.now();
  const { worker, stems, timings, midway } = await separate(model, channels);
  const total = (performance.now() - started) / 1000;
  const bytes = await midway;
  worker.terminate();
  for (const name of ["vocals", "accompaniment"]) await send(`/result/${name}`, new Blob(stems[name]));
  return { total_s: total, ...timings, isolated: self.crossOriginIsolated, measured_memory_bytes: bytes };
}

main().then(
  (report) => {
    status.textContent = "Done";
    window.benchReport = report;
  },
  (error) => {
    status.textContent = `Failed: ${error.message}`;
    window.benchReport = { error: String(error.message || error) };
  },
);
