// Paper 2's architectures on the network executor: finite-difference checks of
// every parameter and input gradient (rational activations, KAN layers, Deep
// Sets embeddings), native kernels against the reference, and the rational
// initialisation's fit.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadNative } from '../../src/kernels/native.js';
import { archNetwork, buildArchPlan, fitRational, parseArchConfig } from '../../src/nn/arch/index.js';
import { PlanBuilder } from '../../src/nn/plan.js';
import { Rng } from '../../src/util/rng.js';
import { checkNetworkGradient, referenceKernels } from './helpers.js';


const rational = (groups: number, degP = 5, degQ = 4) => ({ kind: 'rational', groups, degP, degQ, init: { name: 'gelu' }, range: 3 });
const fixed = (name: string) => ({ kind: 'fixed', activation: { name } });

const CASES: Record<string, unknown> = {
  'MLP 2-4 gelu': { type: 'mlp', inputDim: 3, depth: 2, width: 4, activation: fixed('gelu') },
  'GroupKAN-1 MLP 2-4': { type: 'mlp', inputDim: 3, depth: 2, width: 4, activation: rational(1) },
  'GroupKAN-2 MLP 2-4, degrees (3,2)': { type: 'mlp', inputDim: 3, depth: 2, width: 4, activation: rational(2, 3, 2) },
  'KAN 1-3, grid 4 on [-1, 1]': { type: 'kan', inputDim: 2, depth: 1, width: 3, grid: 4, range: [-1, 1] },
  'DS (3 particles, 2 types) tanh': {
    type: 'ds', inputDim: 12, particleTypes: ['g', 'a', 'g'], extras: 0, latent: 3, embedDepth: 2, depth: 1, width: 4, activation: fixed('tanh'),
  },
  'DSI (2 extras) GroupKAN-1': {
    type: 'ds', inputDim: 14, particleTypes: ['g', 'a', 'g'], extras: 2, latent: 2, embedDepth: 1, depth: 1, width: 4, activation: rational(1),
  },
};

function setup(name: string, kernels = referenceKernels) {
  const net = archNetwork(parseArchConfig(CASES[name], name), kernels);
  const rng = new Rng(`arch-${name}`);
  net.init(rng);
  // Move every parameter off its initial value (zero biases, shared init coefficients) so every path is exercised.
  for (let i = 0; i < net.paramCount; i++) net.params[i] += 0.05 * rng.normal();
  const n = 4;
  // Inputs up to ±1.8: KAN inputs reach the extended grid beyond [-1, 1].
  const x = new Float64Array(n * net.inputDim).map(() => 1.8 * (2 * rng.uniform() - 1));
  const c = new Float64Array(n).map(() => rng.normal());
  return { net, x, c, n };
}

for (const name of Object.keys(CASES)) {
  test(`gradient of ${name} matches finite differences (parameters and inputs)`, () => {
    const { net, x, c } = setup(name);
    checkNetworkGradient(net, x, c);
  });

  test(`${name}: native kernels agree with the reference`, { skip: loadNative() === null ? 'native addon not built' : false }, () => {
    const ref = setup(name);
    const nat = setup(name, loadNative()!);
    assert.deepEqual(nat.net.params, ref.net.params);
    const fr = ref.net.forward(ref.x, ref.n).slice();
    const fn = nat.net.forward(nat.x, nat.n).slice();
    const dxr = new Float64Array(ref.x.length);
    const dxn = new Float64Array(nat.x.length);
    ref.net.backward(ref.c, dxr);
    nat.net.backward(nat.c, dxn);
    // The dense products differ by fused multiply-adds only: ~1e-16 relative per layer.
    const close = (a: Float64Array, b: Float64Array, what: string): void => {
      let scale = 0;
      for (const v of b) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-13 * scale, `${what}[${i}]: native ${a[i]}, reference ${b[i]}`);
    };
    close(fn, fr, 'output');
    close(nat.net.grads, ref.net.grads, 'grads');
    close(dxn, dxr, 'dx');
  });
}

test('rational (5,4) initialisation fits GELU and SiLU on [-3, 3]', () => {
  const gelu = fitRational('gelu', 0, 5, 4, 3);
  const silu = fitRational('silu', 0, 5, 4, 3);
  const tanh = fitRational('tanh', 0, 5, 4, 3);
  // Measured when written: GELU 1.89e-3 (one denominator term pinned by the active set), SiLU 8.8e-7, tanh 1.6e-5.
  assert.ok(gelu.maxError < 2e-3, `GELU max error ${gelu.maxError}`);
  assert.ok(silu.maxError < 1e-6, `SiLU max error ${silu.maxError}`);
  assert.ok(tanh.maxError < 2e-5, `tanh max error ${tanh.maxError}`);
  for (const fit of [gelu, silu, tanh]) for (let k = 6; k < 10; k++) assert.ok(fit.coef[k] > 0, `b_${k - 5} = ${fit.coef[k]} must be positive`);
});

test('a Deep Sets plan: one stacked segment per particle type, rows stacked by type, parameters in layer order', () => {
  const plan = buildArchPlan(parseArchConfig(CASES['DSI (2 extras) GroupKAN-1'], 'dsi'));
  assert.deepEqual(plan.ops.map((op) => `${op.kind}:${op.name}`), [
    'stack:embed.g.stack', 'dense:embed.g.dense1', 'rational:embed.g.dense1.rational',
    'stack:embed.a.stack', 'dense:embed.a.dense1', 'rational:embed.a.dense1.rational',
    'unstack:embed', 'dense:head.dense1', 'rational:head.dense1.rational', 'dense:head.output',
  ]);
  // Two g particles → 2 rows per event in the g segment, one a particle → 1; the head reads 3 × latent 2 + 2 extras.
  assert.deepEqual(plan.rowFactors, [1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1]);
  assert.deepEqual(plan.bufferWidths, [14, 4, 2, 2, 4, 2, 2, 8, 4, 4, 1]);
  // (4·2+2 + 10 coefficients) per type, then 8·4+4 + 10, then 4+1.
  assert.equal(plan.paramCount, 2 * 20 + 46 + 5);
  assert.equal(plan.outputLayerStart, 2 * 20 + 46);
});

test('the plan builder refuses a buffer whose readers cannot share its gradient', () => {
  const b = new PlanBuilder(4);
  const h = b.dense('dense1', 0, 4, { name: 'linear', param: 0 }, true);
  b.rational('act', h, 1, 1, 1, { block: new Float64Array(3), stream: [] });
  b.dense('other', h, 1, { name: 'linear', param: 0 }, true);
  assert.throws(() => b.finish(), /buffer 1 is read by act, other/);
  const s = new PlanBuilder(8);
  s.stack('stack', 0, [0], 4);
  s.dense('whole', 0, 2, { name: 'linear', param: 0 }, true);
  assert.throws(() => s.finish(), /buffer 0 is read by stack, whole/);
});
