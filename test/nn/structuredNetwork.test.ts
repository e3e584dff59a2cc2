import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InputStageSpec } from '../../src/features/angular.js';
import { parseNetworkConfig } from '../../src/nn/config.js';
import { glorotUniform } from '../../src/nn/init.js';
import { Network } from '../../src/nn/network.js';
import { BornShapeObjective } from '../../src/nn/bornShapeObjective.js';
import { innerOutputs, restoreStructured, StructuredNetwork } from '../../src/nn/structuredNetwork.js';
import { TargetTransform } from '../../src/transforms/target.js';
import type { Kernels } from '../../src/kernels/types.js';
import { Rng } from '../../src/util/rng.js';
import { NATIVE_TEST, nativeKernels, withThreads } from '../kernels/support.js';
import { checkFiniteDifferences, referenceKernels, uniformPoints } from './helpers.js';

// Inputs x1..x6: x1, x2 production (x2 periodic, x1 also as edge logarithms), (x3, x4) and (x5, x6) two decays.
const STAGE: InputStageSpec = {
  inputDim: 6,
  plain: [0],
  periodic: [{ index: 1, period: 1 }],
  logEdges: [0],
  angular: {
    lMax: 1,
    decays: [
      { name: 'a', cos: { index: 2, offset: -1, scale: 2 }, phi: { index: 3, offset: 0, scale: 2 * Math.PI } },
      { name: 'b', cos: { index: 4, offset: -1, scale: 2 }, phi: { index: 5, offset: 0, scale: 2 * Math.PI } },
    ],
  },
};

function structured(kind: 'asinh-standardize' | 'standardize', seed: number): StructuredNetwork {
  const outputs = innerOutputs(STAGE, false);
  assert.equal(outputs, 1 + 256 + 15);
  const inner = new Network(parseNetworkConfig({ type: 'skdnn', inputDim: 5, depth: 1, width: 5, activation: { name: 'silu', param: 0 }, outputs }), referenceKernels);
  glorotUniform(inner.plan, inner.params, new Rng(seed));
  const y = Float64Array.from({ length: 50 }, (_, i) => 0.02 + 0.01 * i - 0.1 * (i % 7 === 0 ? 1 : 0));
  // Small head weights keep Q = 1 + d·B away from its floor, where the gradient is cut on purpose.
  const last = inner.layers()[inner.layers().length - 1];
  for (let i = 0; i < last.w.length; i++) if (i % outputs !== 0) last.w[i] *= 0.05;
  return new StructuredNetwork(STAGE, TargetTransform.fit(kind, y).toJSON(), inner);
}

test('structured network: analytic gradient of the harmonic head matches finite differences (asinh and linear transforms)', () => {
  for (const kind of ['asinh-standardize', 'standardize'] as const) {
    const net = structured(kind, 3);
    const n = 7;
    const x = uniformPoints(new Rng(11), n, 6);
    const c = Float64Array.from({ length: n }, (_, i) => 0.3 + 0.1 * i);
    const loss = (): number => {
      const f = net.forward(x, n);
      let s = 0;
      for (let i = 0; i < n; i++) s += c[i] * f[i] * f[i];
      return s;
    };
    const f = net.forward(x, n);
    const dOut = Float64Array.from(f, (v, i) => 2 * c[i] * v);
    net.backward(dOut);
    const analytic = net.grads.slice();
    assert.ok(analytic.some((g) => Math.abs(g) > 1e-3), 'the gradient is not trivially zero');
    checkFiniteDifferences(net.params, analytic, loss, `${kind} params`);
  }
});

test('structured network: the output is T(y0 + T⁻¹′(t0)·E·B / (1 + D·B)), infer equals forward, and a stored config restores it', () => {
  const net = structured('asinh-standardize', 5);
  const n = 9;
  const x = uniformPoints(new Rng(2), n, 6);
  const f = net.forward(x, n).slice();
  assert.deepEqual(Array.from(net.infer(x, n)), Array.from(f));
  assert.deepEqual(Array.from(net.predict(x, n)), Array.from(f));
  const copy = restoreStructured(JSON.parse(JSON.stringify(net.config)), referenceKernels,
    (c, k) => new Network(parseNetworkConfig(c), k), 'test');
  copy.params.set(net.params);
  assert.deepEqual(Array.from(copy.predict(x, n)), Array.from(f));
  // The mean over the decay angles of the numerator and the denominator: y0 at the production point.
  const y0 = net.angularMean(x, n);
  const t = TargetTransform.fromJSON(net.config.transform!);
  for (let i = 0; i < n; i++) assert.ok(Number.isFinite(y0[i]) && Math.abs(t.value(y0[i])) < 10);
  // The head's parts recombine to the prediction; their y0 is angularMean's, and Q is positive and not constant.
  const parts = net.headTerms(x, n);
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(t.value(parts.y0[i] + parts.dev[i] / parts.q[i]) - f[i]) <= 1e-13, `row ${i}`);
    assert.ok(Math.abs(parts.y0[i] - y0[i]) <= 1e-14 * Math.abs(y0[i]), `row ${i}: y0 ${parts.y0[i]} vs ${y0[i]}`);
    assert.ok(parts.q[i] > 0 && Math.abs(parts.q[i] - 1) > 1e-6, `row ${i}: Q ${parts.q[i]}`);
  }
});

test('structured network: zero head outputs give the angle-averaged model, independent of the decay angles', () => {
  const net = structured('asinh-standardize', 8);
  const last = (net.inner as Network).layers().at(-1)!;
  for (let i = 0; i < last.nIn; i++) last.w.fill(0, i * last.nOut + 1, (i + 1) * last.nOut);
  last.b!.fill(0, 1);
  const x = uniformPoints(new Rng(4), 4, 6);
  const f1 = net.predict(x, 4);
  for (let r = 0; r < 4; r++) for (const j of [2, 3, 4, 5]) x[r * 6 + j] = 1 - x[r * 6 + j];
  assert.deepEqual(Array.from(net.predict(x, 4)), Array.from(f1));
});

test('structured network: the Born-shape term s + ln Q/scale and its gradient match finite differences', () => {
  const stage: InputStageSpec = { ...STAGE, inputDim: 7 };
  const born = { column: 6, shift: -20, scale: 2.5 };
  const outputs = innerOutputs(STAGE, true);
  assert.equal(outputs, 1 + 256 + 15 + 1);
  const inner = new Network(parseNetworkConfig({ type: 'dnn', inputDim: 5, depth: 2, width: 4, activation: { name: 'silu', param: 0 }, outputs }), referenceKernels);
  glorotUniform(inner.plan, inner.params, new Rng(21));
  const last = inner.layers()[inner.layers().length - 1];
  for (let i = 0; i < last.w.length; i++) if (i % outputs !== 0) last.w[i] *= 0.05;
  const y = Float64Array.from({ length: 20 }, (_, i) => 0.05 + 0.01 * i);
  const net = new StructuredNetwork(stage, TargetTransform.fit('asinh-standardize', y).toJSON(), inner, born);
  const n = 6;
  const x = uniformPoints(new Rng(9), n, 7);
  const objective = new BornShapeObjective(net, 0.7);
  const t = Float64Array.from({ length: n }, (_, i) => 0.1 * i - 0.2);
  const loss = (): number => {
    const f = net.forward(x, n);
    const b = net.bornPredictions();
    let s = 0;
    for (let i = 0; i < n; i++) s += (f[i] - t[i]) ** 2 + 0.7 * (b[i] - x[i * 7 + 6]) ** 2;
    return s / n;
  };
  const l = objective.lossAndGradient(x, t, n);
  assert.ok(Math.abs(l - loss()) < 1e-15 * Math.max(1, l));
  const analytic = net.grads.slice();
  checkFiniteDifferences(net.params, analytic, loss, 'born-shape params');
  assert.throws(() => new StructuredNetwork(STAGE, null, inner), /needs the target transform/);
});

test('structured network: on the native kernels it matches the reference — outputs, Born predictions and the Born-shape gradient — on 1 and 2 threads', NATIVE_TEST, () => {
  // zz8d's head: two decays at l ≤ 2 (K = 81, Z = 16), with the Born-shape output.
  const stage: InputStageSpec = {
    inputDim: 9, plain: [0, 1, 2, 3], periodic: [], logEdges: [],
    angular: {
      lMax: 2,
      decays: [
        { name: 'a', cos: { index: 4, offset: -1, scale: 2 }, phi: { index: 5, offset: 0, scale: 2 * Math.PI } },
        { name: 'b', cos: { index: 6, offset: -1, scale: 2 }, phi: { index: 7, offset: 0, scale: 2 * Math.PI } },
      ],
    },
  };
  const born = { column: 8, shift: -20, scale: 2.5 };
  const outputs = innerOutputs(stage, true);
  const y = Float64Array.from({ length: 20 }, (_, i) => 0.05 + 0.01 * i - (i % 9 === 0 ? 0.3 : 0));
  const transform = TargetTransform.fit('asinh-standardize', y).toJSON();
  const build = (kernels: Kernels): StructuredNetwork => {
    const inner = new Network(parseNetworkConfig({ type: 'skdnn', inputDim: 4, depth: 2, width: 16, activation: { name: 'silu', param: 0 }, outputs }), kernels);
    glorotUniform(inner.plan, inner.params, new Rng(31));
    const last = inner.layers()[inner.layers().length - 1];
    for (let i = 0; i < last.w.length; i++) if (i % outputs !== 0) last.w[i] *= 0.05;
    return new StructuredNetwork(stage, transform, inner, born);
  };
  const n = 200;
  const x = uniformPoints(new Rng(12), n, 9);
  const t = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
  const run = (kernels: Kernels): { f: Float64Array; b: Float64Array; g: Float64Array; loss: number } => {
    const net = build(kernels);
    const loss = new BornShapeObjective(net, 0.7).lossAndGradient(x, t, n);
    return { f: net.forward(x, n).slice(), b: net.bornPredictions().slice(), g: net.grads.slice(), loss };
  };
  const want = run(referenceKernels);
  const nat = nativeKernels();
  // The dense layers' FMA and libm's cos/sin round differently: agreement to rounding, relative to each array's scale.
  const close = (a: Float64Array, e: Float64Array, what: string): void => {
    const tol = 1e-12 * e.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    for (let i = 0; i < e.length; i++) assert.ok(Math.abs(a[i] - e[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${e[i]}`);
  };
  for (const threads of [1, 2]) {
    const got = withThreads(nat, threads, () => run(nat));
    close(got.f, want.f, `outputs, ${threads} thread(s)`);
    close(got.b, want.b, `Born predictions, ${threads} thread(s)`);
    close(got.g, want.g, `gradient, ${threads} thread(s)`);
    assert.ok(Math.abs(got.loss - want.loss) <= 1e-12 * want.loss);
  }
  assert.ok(want.g.some((v) => Math.abs(v) > 1e-3), 'the gradient is not trivially zero');
});
