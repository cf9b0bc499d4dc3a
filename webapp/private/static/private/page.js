// Private mode's page: pick or drop a song, decode it here, separate it in a worker with the
// cached model, then play and download the stems. Nothing the page sends carries audio.
"use strict";

import { AudioFileError, SAMPLE_RATE, decodeSong, peaks, probeDuration, wavBlob } from "./audio-files.js";
import { ModelError, fetchManifest, isCached, loadModel } from "./model-cache.js";
import { SeparationCancelled, separate } from "./separation.js";

const app = document.getElementById("private-app");
const input = document.getElementById("file");
const dropzone = document.getElementById("dropzone");
const errorBox = document.getElementById("private-error");
const modelStatus = document.getElementById("model-status");
const progressBox = document.getElementById("progress-box");
const progressBar = document.getElementById("private-progress");
const stageLabel = document.getElementById("private-stage");
const percentLabel = document.getElementById("private-percent");
const songName = document.getElementById("song-name");
const cancelButton = document.getElementById("cancel");
const result = document.getElementById("result");
const resultInfo = document.getElementById("result-info");
const playerSlot = document.getElementById("player-slot");
const offlineState = document.getElementById("offline-state");
const maxSeconds = Number(app.dataset.maxMinutes) * 60;
const STEMS = ["vocals", "accompaniment"];

let manifest = null;
let running = null; // the separation in progress: {cancel}
let player = null; // the mounted player and the blob URLs it plays
let cancelled = false;

function showError(message) {
  errorBox.textContent = message;
}

function showProgress(stage, percent) {
  const value = Math.max(0, Math.min(100, Math.round(percent)));
  progressBar.value = value;
  progressBar.textContent = `${value}%`;
  stageLabel.textContent = stage;
  percentLabel.textContent = String(value);
}

function megabytes(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

async function showModelStatus() {
  if (!manifest) return;
  if (await isCached(app.dataset.manifestUrl, manifest)) {
    modelStatus.innerHTML = "";
    const kept = document.createElement("span");
    kept.className = "cached";
    kept.textContent = "cached";
    modelStatus.append(`Model: ${manifest.model}, ${megabytes(manifest.bytes)}, `, kept, " in this browser: no download needed.");
  } else {
    modelStatus.textContent = `Model: ${manifest.model}, ${megabytes(manifest.bytes)} to download once, then kept in this browser.`;
  }
}

// --- offline: a service worker keeps the page, its scripts and onnxruntime's files ---------
async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register(app.dataset.swUrl, { scope: app.dataset.scope });
  } catch (error) {
    console.warn("private mode: no offline copy:", error);
  }
}

/** Wait (ten seconds at most) until the service worker has kept the page's files and
 *  controls the page, so the next visit works offline. */
async function controlled() {
  if (!("serviceWorker" in navigator) || navigator.serviceWorker.controller) return;
  const control = new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
  await Promise.race([
    navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller || control),
    new Promise((resolve) => setTimeout(resolve, 10000)),
  ]);
}

// --- one song ------------------------------------------------------------------------------
async function run(file) {
  if (running) return;
  showError("");
  cancelled = false;
  songName.textContent = file.name;
  progressBox.classList.remove("hidden");
  cancelButton.classList.remove("hidden");
  input.disabled = true;
  try {
    showProgress("Reading the song", 0);
    const seconds = await probeDuration(file);
    if (seconds !== null && seconds > maxSeconds) throw new AudioFileError(tooLong(seconds));
    if (seconds === null && file.size > maxSeconds * SAMPLE_RATE * 2 * 4) throw new AudioFileError(tooLong(null));
    const model = await modelBytes();
    if (cancelled) return;
    showProgress("Decoding the song", 0);
    const channels = await decodeSong(file);
    if (channels[0].length > maxSeconds * SAMPLE_RATE) throw new AudioFileError(tooLong(channels[0].length / SAMPLE_RATE));
    if (cancelled) return;
    await controlled();
    const threads = self.crossOriginIsolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1;
    running = separate(app.dataset.workerUrl, { model, modelKey: manifest.sha256, channels, threads }, showProgress);
    const { stems, timings } = await running.result;
    running = null;
    showProgress("Writing the stems", 100);
    showStems(file.name, stems, stems.vocals[0].length, timings);
    showProgress("Done", 100);
  } catch (error) {
    running = null;
    if (error instanceof SeparationCancelled) {
      progressBox.classList.add("hidden");
    } else {
      showError(error instanceof AudioFileError || error instanceof ModelError ? error.message : `The separation failed: ${error.message || error}`);
      progressBox.classList.add("hidden");
      if (!(error instanceof AudioFileError || error instanceof ModelError)) console.warn("private mode:", error);
    }
  } finally {
    cancelButton.classList.add("hidden");
    input.disabled = false;
    input.value = "";
    showModelStatus();
  }
}

function tooLong(seconds) {
  const length = seconds === null ? "This file is too large" : `This song is ${Stemworks.formatTime(seconds)} long`;
  return `${length}: private mode takes songs up to ${app.dataset.maxMinutes} minutes, because your browser holds the song and its two stems in memory. Cut a shorter part, or separate it on the server.`;
}

async function modelBytes() {
  const wasCached = await isCached(app.dataset.manifestUrl, manifest);
  showProgress(wasCached ? "Loading the cached model" : `Downloading the model (${megabytes(manifest.bytes)})`, 0);
  return loadModel(app.dataset.manifestUrl, manifest, (fraction) => {
    showProgress(`Downloading the model (${megabytes(manifest.bytes)})`, 100 * fraction);
  });
}

function showStems(name, stems, frames, timings) {
  if (player) {
    player.handle.destroy();
    player.urls.forEach((url) => URL.revokeObjectURL(url));
    playerSlot.replaceChildren();
  }
  const fragment = document.getElementById("player-template").content.cloneNode(true);
  const root = fragment.querySelector(".player");
  const urls = [];
  const waveforms = {};
  const base = name.replace(/\.[^.]+$/, "") || "song";
  for (const stem of STEMS) {
    const lane = root.querySelector(`.lane[data-stem="${stem}"]`);
    const url = URL.createObjectURL(wavBlob(stems[stem]));
    urls.push(url);
    lane.querySelector("audio").src = url;
    const link = lane.querySelector(".downloads a");
    link.href = url;
    link.download = `${base} - ${stem}.wav`;
    link.textContent = "WAV (32-bit float)";
    waveforms[stem] = peaks(stems[stem]);
  }
  root.querySelector("#seek").max = String(frames / SAMPLE_RATE);
  playerSlot.append(fragment);
  player = { handle: StemworksPlayer.mount(root, { peaks: waveforms }), urls };
  const took = timings && Number.isFinite(timings.separate_s) ? `, separated in ${timings.separate_s.toFixed(1)} s` : "";
  resultInfo.textContent = `${name}: ${Stemworks.formatTime(frames / SAMPLE_RATE)}${took}, on this device.`;
  result.classList.remove("hidden");
}

// --- wiring --------------------------------------------------------------------------------
cancelButton.addEventListener("click", () => {
  cancelled = true;
  if (running) running.cancel();
  progressBox.classList.add("hidden");
});
input.addEventListener("change", () => {
  if (input.files.length) run(input.files[0]);
});
dropzone.addEventListener("dragover", (event) => {
  event.preventDefault();
  dropzone.classList.add("over");
});
dropzone.addEventListener("dragleave", () => dropzone.classList.remove("over"));
dropzone.addEventListener("drop", (event) => {
  event.preventDefault();
  dropzone.classList.remove("over");
  if (!input.disabled && event.dataTransfer.files.length) run(event.dataTransfer.files[0]);
});
function showConnection() {
  offlineState.textContent = navigator.onLine ? "" : "offline";
}
window.addEventListener("online", showConnection);
window.addEventListener("offline", showConnection);
showConnection();

registerServiceWorker();
if (!input.disabled) {
  fetchManifest(app.dataset.manifestUrl)
    .then((value) => {
      manifest = value;
      return showModelStatus();
    })
    .catch((error) => {
      input.disabled = true;
      showError(error.message);
    });
}
