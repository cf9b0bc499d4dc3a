// Audio in and out of private mode, all in the page: read a song's length without decoding it,
// decode it to 44.1 kHz stereo float32 with Web Audio, write stems as WAV, and draw their peaks.
"use strict";

export const SAMPLE_RATE = 44100;
// The player's waveforms: audiowaveform's 8-bit min/max pairs, 1000 bins a minute (as the
// server's separation/peaks.py makes them).
const SAMPLES_PER_PIXEL = Math.round((SAMPLE_RATE * 60) / 1000);

export class AudioFileError extends Error {}

/** Return the song's length in seconds from its header alone, or null when unknown. */
export function probeDuration(file, timeoutMs = 10000) {
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file);
    const audio = new Audio();
    let timer = null;
    const finish = (value) => {
      clearTimeout(timer);
      audio.removeAttribute("src");
      audio.load();
      URL.revokeObjectURL(url);
      resolve(value);
    };
    audio.preload = "metadata";
    audio.addEventListener("loadedmetadata", () => finish(Number.isFinite(audio.duration) ? audio.duration : null));
    audio.addEventListener("error", () => finish(null));
    timer = setTimeout(() => finish(null), timeoutMs);
    audio.src = url;
  });
}

/** Decode `file` to [left, right] Float32Arrays at 44.1 kHz (mono is copied to both sides,
 *  more than two channels are mixed down as speakers). */
export async function decodeSong(file) {
  const bytes = await file.arrayBuffer();
  // An offline context's decodeAudioData resamples to the context's rate.
  const context = new OfflineAudioContext(2, 1, SAMPLE_RATE);
  let buffer;
  try {
    buffer = await context.decodeAudioData(bytes);
  } catch {
    throw new AudioFileError(`Your browser cannot decode “${file.name}”. Try a WAV, FLAC or MP3 file.`);
  }
  if (buffer.numberOfChannels === 1) {
    const mono = buffer.getChannelData(0);
    return [new Float32Array(mono), new Float32Array(mono)];
  }
  if (buffer.numberOfChannels > 2) buffer = await mixDown(buffer);
  return [new Float32Array(buffer.getChannelData(0)), new Float32Array(buffer.getChannelData(1))];
}

async function mixDown(buffer) {
  const context = new OfflineAudioContext(2, buffer.length, SAMPLE_RATE);
  const source = context.createBufferSource();
  source.buffer = buffer;
  source.connect(context.destination);
  source.start();
  return context.startRendering();
}

/** Return a 32-bit float stereo WAV of [left, right] as a Blob (exact: the stems still add
 *  up to the song). */
export function wavBlob(channels, sampleRate = SAMPLE_RATE) {
  const frames = channels[0].length;
  const count = channels.length;
  const dataBytes = frames * count * 4;
  const header = new DataView(new ArrayBuffer(58));
  const text = (offset, value) => [...value].forEach((c, i) => header.setUint8(offset + i, c.charCodeAt(0)));
  text(0, "RIFF");
  header.setUint32(4, 50 + dataBytes, true);
  text(8, "WAVE");
  text(12, "fmt ");
  header.setUint32(16, 18, true);
  header.setUint16(20, 3, true); // WAVE_FORMAT_IEEE_FLOAT
  header.setUint16(22, count, true);
  header.setUint32(24, sampleRate, true);
  header.setUint32(28, sampleRate * count * 4, true);
  header.setUint16(32, count * 4, true);
  header.setUint16(34, 32, true);
  header.setUint16(36, 0, true);
  text(38, "fact");
  header.setUint32(42, 4, true);
  header.setUint32(46, frames, true);
  text(50, "data");
  header.setUint32(54, dataBytes, true);
  const data = new Float32Array(frames * count);
  for (let c = 0; c < count; c++) {
    const channel = channels[c];
    for (let i = 0, j = c; i < frames; i++, j += count) data[j] = channel[i];
  }
  return new Blob([header, data], { type: "audio/wav" });
}

/** Return the stem's waveform peaks in the player's format ({length, data}). */
export function peaks(channels) {
  const frames = channels[0].length;
  const length = Math.ceil(frames / SAMPLES_PER_PIXEL);
  const data = new Int8Array(2 * length);
  const toByte = (v) => Math.max(-128, Math.min(127, Math.round(v * 128)));
  for (let bin = 0; bin < length; bin++) {
    const from = bin * SAMPLES_PER_PIXEL;
    const to = Math.min(frames, from + SAMPLES_PER_PIXEL);
    let low = Infinity;
    let high = -Infinity;
    for (const channel of channels) {
      for (let i = from; i < to; i++) {
        const v = channel[i];
        if (v < low) low = v;
        if (v > high) high = v;
      }
    }
    data[2 * bin] = toByte(low);
    data[2 * bin + 1] = toByte(high);
  }
  return { length, data };
}
