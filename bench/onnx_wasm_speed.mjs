// onnxruntime-web (WASM SIMD, the npm package of package.json) time per 512-frame segment of
// private mode's model files, under node; see docs/engine.md, "Private mode's model".
//
//   node bench/onnx_wasm_speed.mjs THREADS RUNS MODEL.onnx [MODEL.onnx ...]
//
// Each model runs batch 1 (both U-Nets), warmed up once, then RUNS times in turns with the
// others; prints the best wall time and the best process CPU time (steadier on a shared
// machine with 1 thread).
"use strict";

import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-web";

const [threads, runs, ...paths] = process.argv.slice(2);
ort.env.wasm.numThreads = Number(threads);
const sessions = [];
for (const path of paths) {
  sessions.push(await ort.InferenceSession.create(readFileSync(path), { executionProviders: ["wasm"] }));
}
const data = new Float32Array(2 * 512 * 1024).map(() => Math.random());
const feeds = { magnitude: new ort.Tensor("float32", data, [1, 2, 512, 1024]) };
for (const session of sessions) await session.run(feeds);
const wall = paths.map(() => Infinity);
const cpu = paths.map(() => Infinity);
for (let run = 0; run < Number(runs); run++) {
  for (const [i, session] of sessions.entries()) {
    const start = performance.now();
    const usage = process.cpuUsage();
    await session.run(feeds);
    const used = process.cpuUsage(usage);
    wall[i] = Math.min(wall[i], (performance.now() - start) / 1000);
    cpu[i] = Math.min(cpu[i], (used.user + used.system) / 1e6);
  }
}
paths.forEach((path, i) => {
  console.log(`${path}  ${threads} thread(s): wall ${wall[i].toFixed(3)} s, cpu ${cpu[i].toFixed(3)} s`);
});
