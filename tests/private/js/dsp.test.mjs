// dsp.js' STFT round trip, masks, and the stems it puts together (with stand-in networks).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  BINS,
  ChunkBuffers,
  EXTENSION_BINS,
  HOP,
  N_FFT,
  RealFFT,
  SEGMENT,
  SPEC_BINS,
  StreamingISTFT,
  applyVocalMask,
  frameCount,
  hannWindow,
  separate,
  stftChunk,
} from "../../../webapp/private/static/private/dsp.js";

function song(length, seed = 1) {
  let state = seed;
  const noise = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5);
  const left = new Float32Array(length);
  const right = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    left[i] = 0.4 * Math.sin(i * 0.0627) + 0.2 * noise();
    right[i] = 0.3 * Math.sin(i * 0.0131 + 1) + 0.1 * noise();
  }
  return [left, right];
}

/** Networks that give the vocals a fixed share of each bin's magnitude. */
function standIn(share) {
  return async (magnitude) => {
    const vocals = new Float32Array(magnitude.length);
    const accompaniment = new Float32Array(magnitude.length);
    for (let i = 0; i < magnitude.length; i++) {
      const g = share(i % BINS);
      vocals[i] = magnitude[i] * g;
      accompaniment[i] = magnitude[i] * (1 - g);
    }
    return { vocals, accompaniment };
  };
}

for (const [length, segments] of [
  [3 * HOP + 5, 1],
  [SEGMENT * HOP + 2047, 1],
  [SEGMENT * HOP * 2 - 1, 2],
  [SEGMENT * HOP + 3000, 2],
]) {
  test(`STFT then inverse STFT gives back ${length} samples (${segments} segment(s) a chunk)`, () => {
    const channels = song(length);
    const fft = new RealFFT(N_FFT);
    const window = hannWindow();
    const buffers = new ChunkBuffers(segments);
    const step = segments * SEGMENT;
    const istft = new StreamingISTFT(length, fft, window, step);
    const out = [new Float32Array(length), new Float32Array(length)];
    let next = 0;
    for (let first = 0; first < frameCount(length); first += step) {
      const last = Math.min(first + step, frameCount(length));
      stftChunk(channels, first, last, buffers, fft, window);
      const [start, end] = istft.push(buffers.re, buffers.im, last - first, out);
      assert.equal(start, next, "blocks come in order, without gaps");
      next = end;
    }
    assert.equal(next, length);
    for (let c = 0; c < 2; c++) {
      let worst = 0;
      for (let i = 0; i < length; i++) worst = Math.max(worst, Math.abs(out[c][i] - channels[c][i]));
      assert.ok(worst < 1e-5, `channel ${c}: max error ${worst}`);
    }
  });
}

test("the STFT has floor(n / hop) + 1 frames and the networks' layout, zero past the end", () => {
  const length = 700 * HOP + 10;
  const channels = song(length);
  const buffers = new ChunkBuffers(2);
  const fft = new RealFFT(N_FFT);
  const window = hannWindow();
  assert.equal(frameCount(length), 701);
  const segments = stftChunk(channels, 0, 701, buffers, fft, window);
  assert.equal(segments, 2);
  // Frame 600 is frame 88 of segment 1; its bin 5 in channel 1 is |re + i im| of the spectrum.
  const at = ((1 * 2 + 1) * SEGMENT + 88) * BINS + 5;
  const re = buffers.re[1][600 * SPEC_BINS + 5];
  const im = buffers.im[1][600 * SPEC_BINS + 5];
  assert.ok(Math.abs(buffers.magnitude[at] - Math.hypot(re, im)) < 1e-6 * Math.hypot(re, im));
  assert.ok(buffers.magnitude[at] > 0);
  const padding = buffers.magnitude.subarray(((1 * 2 + 0) * SEGMENT + 189) * BINS, ((1 * 2 + 1) * SEGMENT) * BINS);
  assert.ok(padding.every((value) => value === 0), "frames past the song are zero");
});

test("the vocals mask is the ratio of squares, and bins above 11 kHz get the mean of the top 256", () => {
  const frames = 3;
  const buffers = new ChunkBuffers(1);
  buffers.re[0].fill(1);
  buffers.im[0].fill(-2);
  buffers.re[1].fill(1);
  buffers.im[1].fill(0);
  const vocals = new Float32Array(2 * SEGMENT * BINS);
  const accompaniment = new Float32Array(2 * SEGMENT * BINS);
  for (let c = 0; c < 2; c++) {
    for (let t = 0; t < frames; t++) {
      for (let k = 0; k < BINS; k++) {
        vocals[(c * SEGMENT + t) * BINS + k] = k % 2 ? 3 : 0; // odd bins: 9 / (9 + 16)
        accompaniment[(c * SEGMENT + t) * BINS + k] = k % 2 ? 4 : 0; // even bins: silence, 0.5
      }
    }
  }
  applyVocalMask(buffers, frames, vocals, accompaniment);
  const expected = [0.5, 9 / 25];
  for (let t = 0; t < frames; t++) {
    for (const k of [0, 1, 700, 1023]) {
      const mask = expected[k % 2];
      assert.ok(Math.abs(buffers.re[0][t * SPEC_BINS + k] - mask) < 1e-7, `bin ${k}`);
      assert.ok(Math.abs(buffers.im[0][t * SPEC_BINS + k] + 2 * mask) < 1e-7, `bin ${k}`);
    }
    const high = (0.5 + 9 / 25) / 2; // the top 256 bins alternate between the two
    for (const k of [BINS, 1500, SPEC_BINS - 1]) {
      assert.ok(Math.abs(buffers.re[1][t * SPEC_BINS + k] - high) < 1e-7, `bin ${k}`);
    }
  }
  assert.equal(EXTENSION_BINS, 256);
});

test("the vocals and accompaniment masks sum to one in every bin", () => {
  const frames = 5;
  const spectrum = () => {
    const buffers = new ChunkBuffers(1);
    for (let c = 0; c < 2; c++) buffers.re[c].fill(1);
    return buffers;
  };
  const v = new Float32Array(2 * SEGMENT * BINS).map((_, i) => (i % 17) * 0.1);
  const a = new Float32Array(2 * SEGMENT * BINS).map((_, i) => (i % 5) * 0.3);
  const voice = spectrum();
  const rest = spectrum();
  applyVocalMask(voice, frames, v, a);
  applyVocalMask(rest, frames, a, v); // the accompaniment mask: the roles swapped
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < frames * SPEC_BINS; i++) {
      const sum = voice.re[c][i] + rest.re[c][i];
      assert.ok(Math.abs(sum - 1) < 1e-6, `channel ${c}, index ${i}: ${sum}`);
    }
  }
});

test("accompaniment is mix - vocals bit for bit, and the stems add up to the mix", async () => {
  const length = SEGMENT * HOP + 12345;
  const mix = song(length, 7);
  const input = mix.map((samples) => samples.slice());
  const stems = await separate(input, standIn((k) => 0.2 + (0.6 * k) / BINS), { inPlace: false });
  let worst = 0;
  let energy = 0;
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < length; i++) {
      assert.equal(stems.accompaniment[c][i], Math.fround(mix[c][i] - stems.vocals[c][i]));
      worst = Math.max(worst, Math.abs(stems.vocals[c][i] + stems.accompaniment[c][i] - mix[c][i]));
      energy += stems.vocals[c][i] ** 2;
    }
  }
  assert.ok(worst <= 2 ** -24, `vocals + accompaniment is off the mix by ${worst}`);
  assert.ok(energy > 0.001 * length, "the vocals are not silent");
  assert.deepEqual(input, mix, "without inPlace the input is left as it was");
});

test("in place, the accompaniment is written over the input and equals the copying result", async () => {
  const length = 2 * SEGMENT * HOP + 999;
  const mix = song(length, 3);
  const share = (k) => (k < 300 ? 0.9 : 0.1);
  const copied = await separate(mix.map((s) => s.slice()), standIn(share), { inPlace: false });
  const input = mix.map((s) => s.slice());
  const fractions = [];
  const inPlace = await separate(input, standIn(share), { onProgress: (f) => fractions.push(f) });
  assert.equal(inPlace.accompaniment[0], input[0]);
  assert.deepEqual(inPlace.accompaniment, copied.accompaniment);
  assert.deepEqual(inPlace.vocals, copied.vocals);
  assert.deepEqual(fractions, [512 / 1025, 1024 / 1025, 1]);
});

test("two segments a run give the same stems as one", async () => {
  const length = 3 * SEGMENT * HOP - 77;
  const mix = song(length, 5);
  const share = (k) => 0.5 + 0.4 * Math.sin(k / 50);
  const one = await separate(mix.map((s) => s.slice()), standIn(share), { segmentsPerRun: 1 });
  const runs = [];
  const two = await separate(
    mix.map((s) => s.slice()),
    async (magnitude, segments) => {
      runs.push(segments);
      return standIn(share)(magnitude);
    },
    { segmentsPerRun: 2 },
  );
  assert.deepEqual(runs, [2, 1]);
  for (const stem of ["vocals", "accompaniment"]) {
    for (let c = 0; c < 2; c++) {
      let worst = 0;
      for (let i = 0; i < length; i++) worst = Math.max(worst, Math.abs(one[stem][c][i] - two[stem][c][i]));
      assert.ok(worst < 1e-6, `${stem} ${c}: ${worst}`);
    }
  }
});

test("separate refuses audio that is not two channels of one length", async () => {
  await assert.rejects(separate([new Float32Array(10)], standIn(() => 0.5)), /two channels/);
  await assert.rejects(separate([new Float32Array(10), new Float32Array(9)], standIn(() => 0.5)), /two channels/);
});
