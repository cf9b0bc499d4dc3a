// The real FFT against a naive DFT, and its inverse.
import assert from "node:assert/strict";
import { test } from "node:test";

import { RealFFT } from "../../../webapp/private/static/private/dsp.js";

function naiveDFT(x) {
  const n = x.length;
  const re = new Float64Array(n / 2 + 1);
  const im = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) {
    for (let j = 0; j < n; j++) {
      const angle = (2 * Math.PI * ((j * k) % n)) / n;
      re[k] += x[j] * Math.cos(angle);
      im[k] -= x[j] * Math.sin(angle);
    }
  }
  return { re, im };
}

function signal(n) {
  return Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) + ((i * 7919) % 13) / 13 - 0.5);
}

for (const n of [8, 16, 32, 256, 2048, 4096]) {
  test(`the real FFT of ${n} points equals the DFT`, () => {
    const x = signal(n);
    const fft = new RealFFT(n);
    const re = new Float64Array(n / 2 + 1);
    const im = new Float64Array(n / 2 + 1);
    fft.forward(x, re, im);
    const want = naiveDFT(x);
    for (let k = 0; k <= n / 2; k++) {
      assert.ok(Math.abs(re[k] - want.re[k]) < 1e-9 * n, `re[${k}]: ${re[k]} vs ${want.re[k]}`);
      assert.ok(Math.abs(im[k] - want.im[k]) < 1e-9 * n, `im[${k}]: ${im[k]} vs ${want.im[k]}`);
    }
  });

  test(`the inverse real FFT of ${n} points gives the samples back`, () => {
    const x = signal(n);
    const fft = new RealFFT(n);
    const re = new Float64Array(n / 2 + 1);
    const im = new Float64Array(n / 2 + 1);
    const back = new Float64Array(n);
    fft.forward(x, re, im);
    fft.inverse(re, im, back);
    for (let j = 0; j < n; j++) assert.ok(Math.abs(back[j] - x[j]) < 1e-12, `sample ${j}`);
  });
}

test("the inverse ignores the imaginary parts of the DC and Nyquist bins, as irfft does", () => {
  const n = 64;
  const fft = new RealFFT(n);
  const re = new Float64Array(n / 2 + 1);
  const im = new Float64Array(n / 2 + 1);
  fft.forward(signal(n), re, im);
  const plain = new Float64Array(n);
  fft.inverse(re, im, plain);
  im[0] = 3;
  im[n / 2] = -2;
  const touched = new Float64Array(n);
  fft.inverse(re, im, touched);
  assert.deepEqual(touched, plain);
});

test("a size that is not a power of two is refused", () => {
  assert.throws(() => new RealFFT(3000), /power of two/);
});
