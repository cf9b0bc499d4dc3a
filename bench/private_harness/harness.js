// bench/private_mode.py's page: fetch the model and the raw samples, run the separating
// worker once, time it, and send the stems and figures back.
"use strict";

const params = new URLSearchParams(location.search);
const threads = Number(params.get("threads") || 2);
const segmentsPerRun = Number(params.get("segments") || 1);
const wiener = Number(params.get("wiener") || 0);
const status = document.getElementById("status");

function separate(model, channels) {
  const worker = new Worker("/static/private/separator-worker.js", { type: "module" });
  return new Promise((resolve, reject) => {
    worker.onmessage = (event) => {
      const message = event.data;
      if (message.type === "progress") {
        status.textContent = `${message.stage} ${message.percent}%`;
      } else if (message.type === "done") {
        resolve({ worker, stems: message.stems, timings: message.timings });
      } else if (message.type === "error") {
        reject(new Error(message.message));
      }
    };
    worker.onerror = (event) => reject(new Error(event.message || "worker error"));
    worker.postMessage(
      { type: "separate", model, modelKey: "bench", channels, sampleRate: 44100, threads, segmentsPerRun, wiener },
      [model, ...channels.map((samples) => samples.buffer)],
    );
  });
}

async function send(path, body) {
  const response = await fetch(path, { method: "POST", body });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
}

/** Fetch the song (planar float32) as two channels, keeping no other copy. */
async function song() {
  const audio = await fetch("/audio.f32").then((response) => response.arrayBuffer());
  const n = audio.byteLength / 8;
  return [new Float32Array(audio.slice(0, n * 4)), new Float32Array(audio.slice(n * 4))];
}

async function main() {
  const [model, channels] = await Promise.all([
    fetch("/model/unet-2stems.onnx").then((response) => response.arrayBuffer()),
    song(),
  ]);
  const started = performance.now();
  const { worker, stems, timings } = await separate(model, channels);
  const total = (performance.now() - started) / 1000;
  worker.terminate();
  // The bench reads the tab's peak memory now, before the stems are copied to send them.
  await new Promise((resolve) => {
    window.benchContinue = resolve;
    window.benchSeparated = true;
  });
  for (const name of ["vocals", "accompaniment"]) await send(`/result/${name}`, new Blob(stems[name]));
  return { total_s: total, ...timings, isolated: self.crossOriginIsolated };
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
