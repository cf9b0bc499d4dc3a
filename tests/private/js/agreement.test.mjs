// dsp.js against the Python engine (separation/spleeter.py) on a fixed signal: the networks'
// input, and the vocals with both networks replaced by the same stand-in on each side.
// dsp_reference.py computes the engine's numbers; $PYTHON runs it (default: .venv's).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import {
  BINS,
  ChunkBuffers,
  N_FFT,
  RealFFT,
  SEGMENT,
  hannWindow,
  separate,
  stftChunk,
} from "../../../webapp/private/static/private/dsp.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..", "..");
let folder;
let reference;

function floats(name) {
  const bytes = readFileSync(join(folder, name));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

before(() => {
  folder = mkdtempSync(join(tmpdir(), "dsp-reference-"));
  const python = process.env.PYTHON || join(ROOT, ".venv", "bin", "python");
  execFileSync(python, [join(HERE, "dsp_reference.py"), folder], { stdio: "inherit" });
  const { length } = JSON.parse(readFileSync(join(folder, "meta.json"), "utf8"));
  const mix = floats("mix.f32");
  const channels = (samples) => [samples.slice(0, length), samples.slice(length)];
  reference = {
    length,
    mix: channels(mix),
    vocals: channels(floats("vocals.f32")),
    wiener: channels(floats("vocals-wiener.f32")),
    magnitude: floats("magnitude.f32"),
  };
});

after(() => rmSync(folder, { recursive: true, force: true }));

/** The stand-in networks of dsp_reference.py: vocals = mag * g, the rest mag * (1 - g) * boost. */
async function standIn(magnitude) {
  const vocals = new Float32Array(magnitude.length);
  const accompaniment = new Float32Array(magnitude.length);
  for (let i = 0; i < magnitude.length; i++) {
    const k = i % BINS;
    const t = Math.floor(i / BINS) % SEGMENT;
    const g = 0.5 + 0.45 * Math.sin(0.013 * k + 0.007 * t);
    vocals[i] = magnitude[i] * g;
    accompaniment[i] = magnitude[i] * (1 - g) * (k % 3 === 0 ? 1.5 : 1);
  }
  return { vocals, accompaniment };
}

function snr(want, got) {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < want.length; i++) {
    signal += want[i] ** 2;
    noise += (want[i] - got[i]) ** 2;
  }
  return 10 * Math.log10(signal / noise);
}

test("the networks' input equals the engine's magnitudes of the first segment", () => {
  const buffers = new ChunkBuffers(1);
  stftChunk(reference.mix, 0, SEGMENT, buffers, new RealFFT(N_FFT), hannWindow());
  const want = reference.magnitude;
  let worst = 0;
  let peak = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(buffers.magnitude[i] - want[i]));
    peak = Math.max(peak, want[i]);
  }
  assert.ok(peak > 100, `the magnitudes are not trivial (peak ${peak})`);
  assert.ok(worst < 1e-5 * peak, `max difference ${worst} against a peak of ${peak}`);
});

for (const segmentsPerRun of [1, 2]) {
  test(`the vocals equal the engine's with the same networks (${segmentsPerRun} segment(s) a run)`, async () => {
    const mix = reference.mix.map((samples) => samples.slice());
    const stems = await separate(mix, standIn, { segmentsPerRun });
    for (let c = 0; c < 2; c++) {
      const vocals = snr(reference.vocals[c], stems.vocals[c]);
      assert.ok(vocals > 90, `channel ${c}: vocals agree to ${vocals.toFixed(1)} dB`);
      let worst = 0;
      for (let i = 0; i < reference.length; i++) {
        worst = Math.max(worst, Math.abs(stems.vocals[c][i] - reference.vocals[c][i]));
      }
      assert.ok(worst < 1e-5, `channel ${c}: max sample difference ${worst}`);
    }
  });
}

for (const segmentsPerRun of [1, 2]) {
  test(`with the Wiener post-filter the vocals equal the engine's (${segmentsPerRun} segment(s) a run)`, async () => {
    const mix = reference.mix.map((samples) => samples.slice());
    const stems = await separate(mix, standIn, { wiener: 1, segmentsPerRun });
    for (let c = 0; c < 2; c++) {
      const agreement = snr(reference.wiener[c], stems.vocals[c]);
      const apart = snr(reference.wiener[c], reference.vocals[c]);
      assert.ok(agreement > 80, `channel ${c}: vocals agree to ${agreement.toFixed(1)} dB`);
      assert.ok(apart < 60, `channel ${c}: the filter changes the vocals (${apart.toFixed(1)} dB)`);
    }
  });
}

test("the Wiener filter runs at most one EM iteration here", async () => {
  await assert.rejects(separate(reference.mix, standIn, { wiener: 2 }), /0 or 1 EM iterations/);
});
