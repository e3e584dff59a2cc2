// Kernel throughput: native vs TypeScript reference, 1 and 2 threads.
//
//   node dist/bench/kernels/gemm.js [--quick]
//
// Shapes are n x nIn x nOut (batch x layer input x layer output). "gemm" is the
// forward product x*W; "dense f+b" is denseForward + denseBackward with dx,
// counted as 6*n*nIn*nOut flops (x*W, x^T*dz, dz*W^T). The last table times one
// training step of an sk-DNN 9-36 (input 8 -> 27 dense 36x36 layers in 9
// residual blocks -> output 1, batch 512): forward, backward and Adam.

import { getKernels, nativeInfo, reference } from '../../src/kernels/index.js';
import type { Activation, Kernels } from '../../src/kernels/types.js';

const quick = process.argv.includes('--quick');
const MIN_SECONDS = quick ? 0.05 : 0.3;

function rand(n: number, seed: number): Float64Array {
  const a = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    a[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return a;
}

/** Seconds per call: best of several batches of repetitions (less noise than a mean). */
function timeIt(fn: () => void): number {
  fn();
  let reps = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) fn();
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (dt > MIN_SECONDS / 5 || reps > 1e6) break;
    reps *= 2;
  }
  let best = Infinity;
  let spent = 0;
  while (spent < MIN_SECONDS) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) fn();
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    spent += dt;
    best = Math.min(best, dt / reps);
  }
  return best;
}

interface Shape {
  readonly n: number;
  readonly nIn: number;
  readonly nOut: number;
}

const SHAPES: Shape[] = [
  { n: 512, nIn: 36, nOut: 36 },
  { n: 512, nIn: 100, nOut: 100 },
  { n: 512, nIn: 8, nOut: 100 },
  { n: 65536, nIn: 36, nOut: 36 },
];

function gemmCase(k: Kernels, s: Shape): () => void {
  const x = rand(s.n * s.nIn, 1);
  const w = rand(s.nIn * s.nOut, 2);
  const z = new Float64Array(s.n * s.nOut);
  return () => k.gemm(false, false, s.n, s.nOut, s.nIn, 1, x, s.nIn, w, s.nOut, 0, z, s.nOut);
}

function denseCase(k: Kernels, s: Shape, act: Activation): () => void {
  const x = rand(s.n * s.nIn, 1);
  const w = rand(s.nIn * s.nOut, 2);
  const b = rand(s.nOut, 3);
  const z = new Float64Array(s.n * s.nOut);
  const y = new Float64Array(s.n * s.nOut);
  const dy = rand(s.n * s.nOut, 4);
  const dz = new Float64Array(s.n * s.nOut);
  const dx = new Float64Array(s.n * s.nIn);
  const gw = new Float64Array(s.nIn * s.nOut);
  const gb = new Float64Array(s.nOut);
  return () => {
    k.denseForward(x, s.n, s.nIn, w, b, s.nOut, act, null, z, y);
    k.denseBackward(x, s.n, s.nIn, w, s.nOut, act, z, y, dy, dz, dx, gw, gb, false);
  };
}

interface Layer {
  readonly nIn: number;
  readonly nOut: number;
  readonly act: Activation;
  readonly residual: boolean; // adds the block input before the activation
  readonly w: Float64Array;
  readonly b: Float64Array;
  readonly gw: Float64Array;
  readonly gb: Float64Array;
  readonly z: Float64Array;
  readonly y: Float64Array;
  readonly dz: Float64Array | null; // own buffers, or null when gradients are reused
  readonly dx: Float64Array | null;
}

/**
 * One training step of an sk-DNN: input layer, `blocks` residual blocks of 3
 * layers of width `width` (the third adds the block input before its
 * activation), linear output layer of width 1; then Adam on all parameters.
 * With reuseGrads the backward pass writes dz over dy (allowed by the
 * contract) and rotates dx through 4 shared buffers, so only z and y stay
 * per layer: about half the memory traffic, which matters once the layers
 * outgrow the caches.
 */
function skDnnStep(k: Kernels, n: number, nIn: number, width: number, blocks: number, act: Activation, reuseGrads: boolean): () => void {
  const layers: Layer[] = [];
  const mk = (a: number, b: number, ac: Activation, residual: boolean): Layer => ({
    nIn: a, nOut: b, act: ac, residual,
    w: rand(a * b, layers.length + 10).map((v) => v / Math.sqrt(a)),
    b: rand(b, layers.length + 100),
    gw: new Float64Array(a * b), gb: new Float64Array(b),
    z: new Float64Array(n * b), y: new Float64Array(n * b),
    dz: reuseGrads ? null : new Float64Array(n * b), dx: reuseGrads ? null : new Float64Array(n * a),
  });
  layers.push(mk(nIn, width, act, false));
  for (let bl = 0; bl < blocks; bl++) {
    for (let l = 0; l < 3; l++) layers.push(mk(width, width, act, l === 2));
  }
  layers.push(mk(width, 1, { name: 'linear', param: 0 }, false));
  const nParams = layers.reduce((s, l) => s + l.w.length + l.b.length, 0);
  const params = rand(nParams, 7);
  const grads = rand(nParams, 8);
  const m1 = new Float64Array(nParams);
  const m2 = new Float64Array(nParams);
  const x = rand(n * nIn, 9);
  const dOut = rand(n, 11);
  const shared = [0, 1, 2, 3].map(() => new Float64Array(n * Math.max(width, nIn)));
  let step = 0;
  return () => {
    let input = x;
    for (let i = 0; i < layers.length; i++) {
      const L = layers[i];
      const res = L.residual ? layers[i - 3].y : null;
      k.denseForward(input, n, L.nIn, L.w, L.b, L.nOut, L.act, res, L.z, L.y);
      input = L.y;
    }
    // Residual layer i also sends its dz to the block input layers[i - 3].y,
    // whose gradient is layers[i - 2].dx: kept in `pending` until then.
    let dy = dOut;
    let pending: Float64Array | null = null;
    for (let i = layers.length - 1; i >= 0; i--) {
      const L = layers[i];
      const xin = i === 0 ? x : layers[i - 1].y;
      const len = n * L.nOut;
      let dz: Float64Array;
      let dx: Float64Array | null;
      if (reuseGrads) {
        dz = i === layers.length - 1 ? shared[0].subarray(0, len) : dy;
        const free = shared.find((s) => s.buffer !== dz.buffer && (pending === null || s.buffer !== pending.buffer));
        dx = i === 0 ? null : (free as Float64Array).subarray(0, n * L.nIn);
      } else {
        dz = L.dz as Float64Array;
        dx = i === 0 ? null : L.dx;
      }
      k.denseBackward(xin, n, L.nIn, L.w, L.nOut, L.act, L.z, L.y, dy, dz, dx, L.gw, L.gb, false);
      if (dx !== null && pending !== null && layers[i + 2]?.residual) {
        for (let t = 0; t < dx.length; t++) dx[t] += pending[t];
        pending = null;
      }
      if (L.residual) pending = dz;
      if (dx !== null) dy = dx;
    }
    step++;
    k.adamStep(params, grads, m1, m2, 1e-3, 0.9, 0.999, 1e-8, step);
  };
}

function fmt(x: number, digits = 1): string {
  return x.toFixed(digits).padStart(8);
}

function main(): void {
  let native: Kernels | null = null;
  try {
    native = getKernels('native');
  } catch (e) {
    console.log(`native kernels unavailable: ${e instanceof Error ? e.message : String(e)}`);
  }
  console.log(`native: ${nativeInfo() ?? 'n/a'}; timings are the best of several batches of calls`);
  const relu: Activation = { name: 'relu', param: 0 };
  const gelu: Activation = { name: 'gelu', param: 0 };
  const acts = quick ? [relu] : [relu, gelu];

  console.log('\nGFLOP/s           shape      |   ref  | nat 1T | nat 2T');
  for (const s of SHAPES) {
    const label = `${s.n}x${s.nIn}x${s.nOut}`;
    const flopsG = 2 * s.n * s.nIn * s.nOut;
    const flopsD = 6 * s.n * s.nIn * s.nOut;
    const refSlow = s.n > 10000 && quick;
    const rowG = [refSlow ? NaN : flopsG / timeIt(gemmCase(reference, s)) / 1e9];
    const rowD = acts.map(() => [] as number[]);
    acts.forEach((a, i) => rowD[i].push(refSlow ? NaN : flopsD / timeIt(denseCase(reference, s, a)) / 1e9));
    for (const t of [1, 2]) {
      if (native === null) continue;
      native.setThreads(t);
      rowG.push(flopsG / timeIt(gemmCase(native, s)) / 1e9);
      acts.forEach((a, i) => rowD[i].push(flopsD / timeIt(denseCase(native as Kernels, s, a)) / 1e9));
    }
    console.log(`gemm x*W        ${label.padStart(12)} |${rowG.map((v) => fmt(v)).join('|')}`);
    acts.forEach((a, i) => {
      console.log(`dense f+b ${a.name.padEnd(5)} ${label.padStart(12)} |${rowD[i].map((v) => fmt(v)).join('|')}`);
    });
  }

  for (const reuse of [false, true]) {
    console.log(`\nsk-DNN 9-36 training step (8 -> 27 x [36x36] -> 1, batch 512, fwd+bwd+Adam), ms per step,`);
    console.log(reuse ? 'gradients written in place (dz = dy) and dx in 4 rotating buffers:' : 'separate z, y, dz, dx buffers for every layer:');
    console.log('activation |   ref   | nat 1T | nat 2T');
    const leaky: Activation = { name: 'leaky_relu', param: 0.3 }; // the project's default
    const silu: Activation = { name: 'silu', param: 0 };
    const tanh: Activation = { name: 'tanh', param: 0 };
    for (const a of quick ? [leaky, gelu] : [leaky, gelu, silu, tanh]) {
      const row = [quick && reuse ? NaN : timeIt(skDnnStep(reference, 512, 8, 36, 9, a, reuse)) * 1e3];
      for (const t of [1, 2]) {
        if (native === null) continue;
        native.setThreads(t);
        row.push(timeIt(skDnnStep(native, 512, 8, 36, 9, a, reuse)) * 1e3);
      }
      console.log(`${a.name.padEnd(10)} |${row.map((v) => fmt(v, 3)).join('|')}`);
    }
  }

  if (native !== null) {
    console.log('\nsingle-point inference, one 36x36 gelu layer (n = 1), microseconds per call');
    native.setThreads(2);
    const s1 = { n: 1, nIn: 36, nOut: 36 };
    const x = rand(36, 1);
    const w = rand(36 * 36, 2);
    const b = rand(36, 3);
    const z = new Float64Array(36);
    const y = new Float64Array(36);
    const nat = native;
    const us = (k: Kernels) => timeIt(() => k.denseForward(x, s1.n, s1.nIn, w, b, s1.nOut, gelu, null, z, y)) * 1e6;
    console.log(`ref ${us(reference).toFixed(2)} us, native ${us(nat).toFixed(2)} us`);
  }
}

main();
