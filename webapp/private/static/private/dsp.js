// The signal processing around the unet-2stems networks, as separation/spleeter.py does it.
//
// Pure functions and small classes, no DOM and no onnxruntime, so node's test runner can
// check them. The song is processed one chunk of whole 512-frame segments at a time: the
// chunk's STFT, its magnitudes in the networks' layout, the ratio mask (with the mean of
// the top modelled bins for the bins above 11 kHz), a streaming inverse STFT, and
// accompaniment = mix - vocals written over the mix, so memory holds the input, the
// vocals and one chunk.
"use strict";

export const SAMPLE_RATE = 44100;
export const N_FFT = 4096;
export const HOP = 1024;
export const BINS = 1024; // bins the networks model (0 to 11 kHz)
export const SEGMENT = 512; // frames per network input
export const EXTENSION_BINS = 256; // masks above BINS are the mean of this many top bins
export const EPS = 1e-10;
export const SPEC_BINS = N_FFT / 2 + 1;
const PAD = N_FFT / 2; // centre padding on each side, as torch.stft(center=True)

/** Return the number of STFT frames of `length` samples (torch.stft, center=True). */
export function frameCount(length) {
  return Math.floor(length / HOP) + 1;
}

/** Return the periodic Hann window of `n` points (torch.hann_window), float32 values. */
export function hannWindow(n = N_FFT) {
  const window = new Float64Array(n);
  for (let i = 0; i < n; i++) window[i] = Math.fround(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
  return window;
}

/**
 * A real FFT of size n (a power of two, n >= 8): one complex FFT of size n/2 on the
 * even and odd samples packed as real and imaginary parts, then a split into n/2 + 1 bins.
 * The complex FFT is radix-4 (with one radix-2 pass when log2(n/2) is odd) on split
 * Float64Arrays, with bit reversal and twiddles precomputed.
 */
export class RealFFT {
  constructor(n) {
    if (n < 8 || (n & (n - 1)) !== 0) throw new Error(`FFT size must be a power of two >= 8, got ${n}`);
    const m = n >> 1;
    this.n = n;
    this.m = m;
    const bits = Math.log2(m);
    this.reverse = new Uint32Array(m);
    for (let i = 0; i < m; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.reverse[i] = r;
    }
    // e^{-2 pi i k / m} for the complex FFT, e^{-2 pi i k / n} for the real split.
    this.cosM = new Float64Array(m);
    this.sinM = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      this.cosM[k] = Math.cos((2 * Math.PI * k) / m);
      this.sinM[k] = -Math.sin((2 * Math.PI * k) / m);
    }
    this.cosN = new Float64Array(m + 1);
    this.sinN = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      this.cosN[k] = Math.cos((2 * Math.PI * k) / n);
      this.sinN[k] = Math.sin((2 * Math.PI * k) / n);
    }
    this.zr = new Float64Array(m);
    this.zi = new Float64Array(m);
  }

  /** Transform n real samples `x`; write bins 0..n/2 to `re` and `im` from index `at`. */
  forward(x, re, im, at = 0) {
    const { m, reverse, zr, zi, cosN, sinN } = this;
    for (let j = 0; j < m; j++) {
      const r = reverse[j];
      zr[r] = x[2 * j];
      zi[r] = x[2 * j + 1];
    }
    this._complex(zr, zi);
    re[at] = zr[0] + zi[0];
    im[at] = 0;
    re[at + m] = zr[0] - zi[0];
    im[at + m] = 0;
    for (let k = 1; k < m; k++) {
      const ar = zr[k];
      const ai = zi[k];
      const br = zr[m - k];
      const bi = zi[m - k];
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai - bi);
      const or = 0.5 * (ai + bi);
      const oi = -0.5 * (ar - br);
      const c = cosN[k];
      const s = sinN[k];
      re[at + k] = er + c * or + s * oi;
      im[at + k] = ei + c * oi - s * or;
    }
  }

  /** Inverse of `forward`: bins 0..n/2 in `re`, `im` from index `at` to n samples in `out`. */
  inverse(re, im, out, at = 0) {
    const { m, reverse, zr, zi, cosN, sinN } = this;
    // The imaginary parts of bins 0 and n/2 are ignored, as in torch.fft.irfft.
    zr[0] = 0.5 * (re[at] + re[at + m]);
    zi[0] = -0.5 * (re[at] - re[at + m]);
    for (let k = 1; k < m; k++) {
      const xr = re[at + k];
      const xi = im[at + k];
      const yr = re[at + m - k];
      const yi = -im[at + m - k];
      const er = 0.5 * (xr + yr);
      const ei = 0.5 * (xi + yi);
      const dr = 0.5 * (xr - yr);
      const di = 0.5 * (xi - yi);
      const c = cosN[k];
      const s = sinN[k];
      const or = dr * c - di * s;
      const oi = dr * s + di * c;
      // Z = E + iO, conjugated so the forward transform computes the inverse.
      zr[k] = er - oi;
      zi[k] = -(ei + or);
    }
    // Bit-reverse in place (the permutation is an involution).
    for (let j = 0; j < m; j++) {
      const r = reverse[j];
      if (r > j) {
        let t = zr[j];
        zr[j] = zr[r];
        zr[r] = t;
        t = zi[j];
        zi[j] = zi[r];
        zi[r] = t;
      }
    }
    this._complex(zr, zi);
    const scale = 1 / m;
    for (let j = 0; j < m; j++) {
      out[2 * j] = zr[j] * scale;
      out[2 * j + 1] = -zi[j] * scale;
    }
  }

  /** In-place forward complex FFT of bit-reversed input of size m. */
  _complex(re, im) {
    const { m, cosM, sinM } = this;
    const quarter = m >> 2;
    let size = 1;
    if (Math.log2(m) % 2 === 1) {
      for (let i = 0; i < m; i += 2) {
        const tr = re[i + 1];
        const ti = im[i + 1];
        re[i + 1] = re[i] - tr;
        im[i + 1] = im[i] - ti;
        re[i] += tr;
        im[i] += ti;
      }
      size = 2;
    }
    // Radix-4 passes: two radix-2 stages fused. With bit-reversed input, the four
    // sub-transforms of `size` points in a block of 4 * size sit one after another; the
    // first stage pairs sub-transforms (0, 1) and (2, 3), the second pairs the results.
    // Twiddles depend on j only, so they are loaded once for every block.
    for (; size < m; size *= 4) {
      const span = size * 4;
      const stride = m / span;
      for (let j = 0; j < size; j++) {
        const k1 = j * stride;
        const w1r = cosM[2 * k1];
        const w1i = sinM[2 * k1];
        const w2r = cosM[k1];
        const w2i = sinM[k1];
        const w3r = cosM[k1 + quarter];
        const w3i = sinM[k1 + quarter];
        for (let start = 0; start < m; start += span) {
          const i0 = start + j;
          const i1 = i0 + size;
          const i2 = i1 + size;
          const i3 = i2 + size;
          // Radix-2 on (i0, i1) and (i2, i3) with twiddle w^(2 j stride).
          let r1 = re[i1] * w1r - im[i1] * w1i;
          let s1 = re[i1] * w1i + im[i1] * w1r;
          const a0r = re[i0] + r1;
          const a0i = im[i0] + s1;
          const a1r = re[i0] - r1;
          const a1i = im[i0] - s1;
          r1 = re[i3] * w1r - im[i3] * w1i;
          s1 = re[i3] * w1i + im[i3] * w1r;
          const b0r = re[i2] + r1;
          const b0i = im[i2] + s1;
          const b1r = re[i2] - r1;
          const b1i = im[i2] - s1;
          // Then radix-2 across the pairs with twiddles w^(j stride) and w^(j stride + m/4).
          const t0r = b0r * w2r - b0i * w2i;
          const t0i = b0r * w2i + b0i * w2r;
          const t1r = b1r * w3r - b1i * w3i;
          const t1i = b1r * w3i + b1i * w3r;
          re[i0] = a0r + t0r;
          im[i0] = a0i + t0i;
          re[i2] = a0r - t0r;
          im[i2] = a0i - t0i;
          re[i1] = a1r + t1r;
          im[i1] = a1i + t1i;
          re[i3] = a1r - t1r;
          im[i3] = a1i - t1i;
        }
      }
    }
  }
}

/**
 * Buffers for one chunk of up to `segments` segments: its complex spectrum per channel
 * (frame-major, SPEC_BINS per frame) and the networks' input (segments, 2, SEGMENT, BINS).
 */
export class ChunkBuffers {
  constructor(segments) {
    const frames = segments * SEGMENT;
    this.segments = segments;
    this.re = [new Float32Array(frames * SPEC_BINS), new Float32Array(frames * SPEC_BINS)];
    this.im = [new Float32Array(frames * SPEC_BINS), new Float32Array(frames * SPEC_BINS)];
    this.magnitude = new Float32Array(segments * 2 * SEGMENT * BINS);
    this.frame = new Float64Array(N_FFT);
  }
}

/**
 * Compute STFT frames [first, last) of `channels` (two Float32Arrays) into `buffers`:
 * the spectrum and the magnitudes of bins < BINS in the networks' layout, the frames
 * after `last` up to a whole segment set to zero. Return the number of segments used.
 */
export function stftChunk(channels, first, last, buffers, fft, window) {
  const length = channels[0].length;
  const frames = last - first;
  const segments = Math.ceil(frames / SEGMENT);
  const { frame, magnitude } = buffers;
  magnitude.fill(0, 0, segments * 2 * SEGMENT * BINS);
  for (let c = 0; c < 2; c++) {
    const x = channels[c];
    const re = buffers.re[c];
    const im = buffers.im[c];
    for (let t = 0; t < frames; t++) {
      const begin = (first + t) * HOP - PAD;
      if (begin >= 0 && begin + N_FFT <= length) {
        for (let j = 0; j < N_FFT; j++) frame[j] = x[begin + j] * window[j];
      } else {
        for (let j = 0; j < N_FFT; j++) {
          const i = begin + j;
          frame[j] = i >= 0 && i < length ? x[i] * window[j] : 0;
        }
      }
      const offset = t * SPEC_BINS;
      fft.forward(frame, re, im, offset);
      const segment = Math.floor(t / SEGMENT);
      const row = ((segment * 2 + c) * SEGMENT + (t % SEGMENT)) * BINS;
      for (let k = 0; k < BINS; k++) {
        const a = re[offset + k];
        const b = im[offset + k];
        magnitude[row + k] = Math.sqrt(a * a + b * b);
      }
    }
  }
  return segments;
}

/**
 * Multiply the chunk's spectrum by the vocals ratio mask (v^2 + EPS/2) / (v^2 + a^2 + EPS)
 * of the networks' outputs `vocals` and `accompaniment` (the networks' layout); bins from
 * BINS up get, per channel and frame, the mean of the mask over the top EXTENSION_BINS.
 */
export function applyVocalMask(buffers, frames, vocals, accompaniment) {
  const mask = new Float64Array(BINS);
  for (let c = 0; c < 2; c++) {
    const re = buffers.re[c];
    const im = buffers.im[c];
    for (let t = 0; t < frames; t++) {
      const segment = Math.floor(t / SEGMENT);
      const row = ((segment * 2 + c) * SEGMENT + (t % SEGMENT)) * BINS;
      const offset = t * SPEC_BINS;
      let upper = 0;
      for (let k = 0; k < BINS; k++) {
        const v = vocals[row + k];
        const a = accompaniment[row + k];
        const v2 = v * v;
        const m = (v2 + EPS / 2) / (v2 + a * a + EPS);
        mask[k] = m;
        if (k >= BINS - EXTENSION_BINS) upper += m;
        re[offset + k] *= m;
        im[offset + k] *= m;
      }
      const high = upper / EXTENSION_BINS;
      for (let k = BINS; k < SPEC_BINS; k++) {
        re[offset + k] *= high;
        im[offset + k] *= high;
      }
    }
  }
}

// The Wiener post-filter's regularisation: float32's machine epsilon, as the engine's
// (torch.finfo(torch.float32).eps), and the peak norbert scales the mixture to.
const WIENER_EPS = 2 ** -23;
const WIENER_PEAK = 10;

/**
 * The engine's Wiener post-filter with one EM iteration (separation/wiener.py,
 * RunningWiener(1)), for the modelled bins: the networks' magnitudes give soft masks, the
 * masked sources a power spectral density per (bin, frame) and a spatial covariance per
 * bin, summed over every frame so far, and the vocals are psd_v R_v Cxx^-1 x. Segment by
 * segment, as the engine; bins from BINS up get the ratio mask's mean over the top bins.
 */
export class WienerFilter {
  constructor() {
    const perBin = () => [new Float64Array(BINS), new Float64Array(BINS)]; // vocals, accompaniment
    this.sums = { r00: perBin(), r11: perBin(), r01re: perBin(), r01im: perBin(), psd: perBin() };
    this.psd = [new Float64Array(SEGMENT * BINS), new Float64Array(SEGMENT * BINS)];
  }

  /** Replace the chunk's spectrum (`frames` frames in `buffers`) by the vocals' spectrum. */
  apply(buffers, frames, vocals, accompaniment) {
    for (let first = 0; first < frames; first += SEGMENT) {
      this._segment(buffers, first, Math.min(first + SEGMENT, frames), vocals, accompaniment);
    }
    for (let c = 0; c < 2; c++) {
      for (let t = 0; t < frames; t++) {
        const high = upperMask(vocals, accompaniment, networkRow(c, t));
        const offset = t * SPEC_BINS;
        for (let k = BINS; k < SPEC_BINS; k++) {
          buffers.re[c][offset + k] *= high;
          buffers.im[c][offset + k] *= high;
        }
      }
    }
  }

  _segment(buffers, first, last, vocals, accompaniment) {
    const [re0, re1] = buffers.re;
    const [im0, im1] = buffers.im;
    const { r00, r11, r01re, r01im, psd } = this.sums;
    const [psdV, psdA] = this.psd; // this segment's PSDs, (frames, bins)
    const eps = WIENER_EPS;
    let peak = 0;
    // The masked sources' moments, added to the running sums.
    for (let t = first; t < last; t++) {
      const row0 = networkRow(0, t);
      const row1 = networkRow(1, t);
      const offset = t * SPEC_BINS;
      const at = (t - first) * BINS;
      for (let k = 0; k < BINS; k++) {
        const x0r = re0[offset + k];
        const x0i = im0[offset + k];
        const x1r = re1[offset + k];
        const x1i = im1[offset + k];
        const p0 = x0r * x0r + x0i * x0i;
        const p1 = x1r * x1r + x1i * x1i;
        peak = Math.max(peak, p0, p1);
        const crossRe = x0r * x1r + x0i * x1i; // x0 conj(x1)
        const crossIm = x0i * x1r - x0r * x1i;
        const v0 = vocals[row0 + k];
        const a0 = accompaniment[row0 + k];
        const v1 = vocals[row1 + k];
        const a1 = accompaniment[row1 + k];
        const total0 = eps + v0 + a0;
        const total1 = eps + v1 + a1;
        psdV[at + k] = addMoments(this.sums, 0, k, v0 / total0, v1 / total1, p0, p1, crossRe, crossIm);
        psdA[at + k] = addMoments(this.sums, 1, k, a0 / total0, a1 / total1, p0, p1, crossRe, crossIm);
      }
    }
    // norbert scales the mixture to a peak of WIENER_PEAK; the engine scales the
    // regularisation's weight instead.
    const weight = Math.max(1, Math.sqrt(peak) / WIENER_PEAK) ** 2;
    const spatial = (sums, j, k) => Math.fround(sums[j][k] / (eps * weight + psd[j][k]));
    const regularisation = weight * Math.sqrt(eps);
    for (let k = 0; k < BINS; k++) {
      const vr00 = spatial(r00, 0, k);
      const vr11 = spatial(r11, 0, k);
      const vr01r = spatial(r01re, 0, k);
      const vr01i = spatial(r01im, 0, k);
      const ar00 = spatial(r00, 1, k);
      const ar11 = spatial(r11, 1, k);
      const ar01r = spatial(r01re, 1, k);
      const ar01i = spatial(r01im, 1, k);
      for (let t = first; t < last; t++) {
        const offset = t * SPEC_BINS + k;
        const at = (t - first) * BINS + k;
        const pv = psdV[at];
        const pa = psdA[at];
        const a = pv * vr00 + pa * ar00 + regularisation;
        const d = pv * vr11 + pa * ar11 + regularisation;
        let br = pv * vr01r + pa * ar01r;
        let bi = pv * vr01i + pa * ar01i;
        const inverse = 1 / (a * d - br * br - bi * bi);
        br *= inverse;
        bi *= inverse;
        const x0r = re0[offset];
        const x0i = im0[offset];
        const x1r = re1[offset];
        const x1i = im1[offset];
        // w = Cxx^-1 x, then y = psd_v R_v w.
        const w0r = x0r * d * inverse - (br * x1r - bi * x1i);
        const w0i = x0i * d * inverse - (br * x1i + bi * x1r);
        const w1r = x1r * a * inverse - (br * x0r + bi * x0i);
        const w1i = x1i * a * inverse - (br * x0i - bi * x0r);
        re0[offset] = pv * (vr01r * w1r - vr01i * w1i) + w0r * pv * vr00;
        im0[offset] = pv * (vr01r * w1i + vr01i * w1r) + w0i * pv * vr00;
        re1[offset] = pv * (vr01r * w0r + vr01i * w0i) + w1r * pv * vr11;
        im1[offset] = pv * (vr01r * w0i - vr01i * w0r) + w1i * pv * vr11;
      }
    }
  }
}

/**
 * Add one frame's moments of source `j` masked by (m0, m1) in bin `k` (mixture powers p0,
 * p1 and cross power x0 conj(x1)) to the running sums; return the source's PSD there.
 */
function addMoments(sums, j, k, m0, m1, p0, p1, crossRe, crossIm) {
  const power0 = m0 * m0 * p0;
  const power1 = m1 * m1 * p1;
  const density = (power0 + power1) / 2;
  sums.r00[j][k] += power0;
  sums.r11[j][k] += power1;
  sums.r01re[j][k] += m0 * m1 * crossRe;
  sums.r01im[j][k] += m0 * m1 * crossIm;
  sums.psd[j][k] += density;
  return density;
}

/** Return the index of channel `c`, chunk frame `t`, bin 0 in the networks' layout. */
function networkRow(c, t) {
  return ((Math.floor(t / SEGMENT) * 2 + c) * SEGMENT + (t % SEGMENT)) * BINS;
}

/** Return the ratio mask's mean over the top EXTENSION_BINS bins of one channel and frame. */
function upperMask(vocals, accompaniment, row) {
  let upper = 0;
  for (let k = BINS - EXTENSION_BINS; k < BINS; k++) {
    const v2 = vocals[row + k] * vocals[row + k];
    const a = accompaniment[row + k];
    upper += (v2 + EPS / 2) / (v2 + a * a + EPS);
  }
  return upper / EXTENSION_BINS;
}

/**
 * The inverse of the centre-padded STFT of a signal of `length` samples, fed chunk by
 * chunk: overlap-add of the windowed inverse FFTs, divided by the summed squared window
 * (clamped at 1e-11), with a carried tail, so it equals the whole-signal inverse.
 */
export class StreamingISTFT {
  constructor(length, fft, window, maxFrames) {
    this.length = length;
    this.fft = fft;
    this.window = window;
    this.square = window.map((w) => w * w);
    this.totalFrames = frameCount(length);
    // Where every frame overlapping a position exists, the envelope repeats every hop.
    this.interior = new Float64Array(HOP).map((_, j) => this._envelope(3 * HOP + j));
    this.interiorEnd = this.totalFrames * HOP;
    this.framesSeen = 0;
    const span = (maxFrames - 1) * HOP + N_FFT;
    this.sums = [new Float64Array(span), new Float64Array(span)];
    this.frame = new Float64Array(N_FFT);
  }

  /**
   * Add `frames` frames of the spectrum in `re`, `im` (per channel, frame-major) and write
   * the samples now complete to `out` (two Float32Arrays of `length`); return [start, end).
   */
  push(re, im, frames, out) {
    const { fft, window, frame, sums } = this;
    const first = this.framesSeen;
    const span = (frames - 1) * HOP + N_FFT;
    for (let c = 0; c < 2; c++) {
      const sum = sums[c];
      for (let t = 0; t < frames; t++) {
        fft.inverse(re[c], im[c], frame, t * SPEC_BINS);
        const at = t * HOP;
        for (let j = 0; j < N_FFT; j++) sum[at + j] += frame[j] * window[j];
      }
    }
    this.framesSeen += frames;
    const done = this.framesSeen >= this.totalFrames ? span : frames * HOP;
    // Positions in the centre-padded signal: this chunk starts at first * HOP.
    const origin = first * HOP;
    const start = Math.max(origin, PAD);
    const end = Math.min(origin + done, PAD + this.length);
    const { interior, interiorEnd } = this;
    for (let p = start; p < end; p++) {
      const whole = p >= N_FFT - HOP && p < interiorEnd;
      const env = Math.max(whole ? interior[p % HOP] : this._envelope(p), 1e-11);
      out[0][p - PAD] = sums[0][p - origin] / env;
      out[1][p - PAD] = sums[1][p - origin] / env;
    }
    for (const sum of sums) {
      sum.copyWithin(0, done, span);
      sum.fill(0, span - done);
    }
    return [Math.max(start - PAD, 0), Math.max(end - PAD, start - PAD)];
  }

  /** Return the squared window summed over the frames covering padded position `p`. */
  _envelope(p) {
    const lo = Math.max(0, Math.ceil((p - N_FFT + 1) / HOP));
    const hi = Math.min(this.totalFrames - 1, Math.floor(p / HOP));
    let env = 0;
    for (let f = lo; f <= hi; f++) env += this.square[p - f * HOP];
    return env;
  }
}

/**
 * Separate a stereo song (`channels`: two Float32Arrays) into vocals and accompaniment.
 *
 * `runNetworks(magnitude, segments)` resolves to {vocals, accompaniment}: the networks'
 * outputs for `segments` segments in their layout. `segmentsPerRun` segments go through
 * the networks at once. `wiener` 1 applies the engine's Wiener post-filter (one EM
 * iteration) to the modelled bins, 0 the plain ratio mask. The accompaniment is written over `channels` (the mix is read
 * only where it is no longer needed) unless `inPlace` is false. `onProgress(fraction)`
 * is called after each chunk. Resolves to {vocals, accompaniment, timings: {dsp_s,
 * networks_s}}.
 */
export async function separate(
  channels,
  runNetworks,
  { segmentsPerRun = 1, inPlace = true, wiener = 0, onProgress } = {},
) {
  if (channels.length !== 2 || channels[0].length !== channels[1].length) {
    throw new Error("separate needs two channels of the same length");
  }
  if (wiener !== 0 && wiener !== 1) throw new Error("the Wiener filter runs 0 or 1 EM iterations here");
  const filter = wiener ? new WienerFilter() : null;
  const length = channels[0].length;
  const fft = new RealFFT(N_FFT);
  const window = hannWindow(N_FFT);
  const buffers = new ChunkBuffers(segmentsPerRun);
  const step = SEGMENT * segmentsPerRun;
  const istft = new StreamingISTFT(length, fft, window, step);
  const vocals = [new Float32Array(length), new Float32Array(length)];
  const accompaniment = inPlace ? channels : [new Float32Array(length), new Float32Array(length)];
  const total = istft.totalFrames;
  let dsp = 0;
  let networks = 0;
  for (let first = 0; first < total; first += step) {
    const last = Math.min(first + step, total);
    let started = performance.now();
    const segments = stftChunk(channels, first, last, buffers, fft, window);
    const input = buffers.magnitude.subarray(0, segments * 2 * SEGMENT * BINS);
    dsp += performance.now() - started;
    started = performance.now();
    const outputs = await runNetworks(input, segments);
    networks += performance.now() - started;
    started = performance.now();
    if (filter) filter.apply(buffers, last - first, outputs.vocals, outputs.accompaniment);
    else applyVocalMask(buffers, last - first, outputs.vocals, outputs.accompaniment);
    const [start, end] = istft.push(buffers.re, buffers.im, last - first, vocals);
    for (let c = 0; c < 2; c++) {
      const mix = channels[c];
      const voice = vocals[c];
      const rest = accompaniment[c];
      for (let i = start; i < end; i++) rest[i] = mix[i] - voice[i];
    }
    dsp += performance.now() - started;
    if (onProgress) onProgress(last / total);
  }
  return { vocals, accompaniment, timings: { dsp_s: dsp / 1000, networks_s: networks / 1000 } };
}
