// L-GATr as a network: analytic gradients against finite differences
// (parameters and input momenta), and the two symmetries the architecture
// promises — Lorentz invariance and invariance under permuting identical
// particles — to 1e-12 relative, with checks that the same comparisons fail
// for what is not a symmetry (so the tests can fail).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLGATrConfig } from '../../../src/nn/lgatr/config.js';
import { LGATrNet } from '../../../src/nn/lgatr/network.js';
import { Rng } from '../../../src/util/rng.js';
import { checkNetworkGradient, referenceKernels } from '../helpers.js';
import { momenta, randomLorentz, transformMomenta } from './lorentz.js';

// ggyyg's particles: two incoming gluons, two photons, one outgoing gluon.
const CLASSES = ['g in', 'g in', 'a out', 'a out', 'g out'];

function net(seed: string, blocks = 2): LGATrNet {
  const config = parseLGATrConfig(
    { type: 'lgatr', inputDim: 20, particleClasses: CLASSES, channels: 4, blocks, heads: 2, headChannels: 2, bilinearChannels: 2 },
    'test',
  );
  const n = new LGATrNet(config, referenceKernels);
  const rng = new Rng(seed);
  n.init(rng);
  // Off the initial values (zero biases) so every path carries a gradient.
  for (let i = 0; i < n.paramCount; i++) n.params[i] += 0.1 * rng.normal();
  return n;
}

function maxRelative(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.abs(a[i]));
  return m;
}

test('L-GATr gradient matches finite differences (parameters and input momenta)', () => {
  const nw = net('lgatr-grad', 1);
  const rng = new Rng('lgatr-grad-x');
  const x = momenta(rng, 3);
  const c = new Float64Array(3).map(() => rng.normal());
  checkNetworkGradient(nw, x, c);
});

test('L-GATr with two blocks and a two-output head: gradient matches finite differences', () => {
  const config = parseLGATrConfig(
    { type: 'lgatr', inputDim: 20, particleClasses: CLASSES, channels: 3, blocks: 2, heads: 1, headChannels: 2, bilinearChannels: 1, outputs: 2 },
    'test',
  );
  const nw = new LGATrNet(config, referenceKernels);
  const rng = new Rng('lgatr-grad2');
  nw.init(rng);
  for (let i = 0; i < nw.paramCount; i++) nw.params[i] += 0.1 * rng.normal();
  const x = momenta(rng, 2);
  const c = new Float64Array(4).map(() => rng.normal());
  // checkNetworkGradient reads one output per row: present the 2 rows × 2 outputs as 4 weighted values.
  const twoRows = { forward: (xx: Float64Array) => nw.forward(xx, 2), backward: (d: Float64Array, dx?: Float64Array | null) => nw.backward(d, dx), params: nw.params, grads: nw.grads };
  checkNetworkGradient(twoRows, x, c);
});

test('rotating and boosting every momentum leaves the prediction unchanged to 1e-12 relative', () => {
  const nw = net('lgatr-lorentz');
  const rng = new Rng('lgatr-lorentz-x');
  const n = 16;
  const x = momenta(rng, n);
  const f = nw.predict(x, n);
  for (const beta of [0.3, 0.8]) {
    const l = randomLorentz(rng, beta);
    const fl = nw.predict(transformMomenta(l, x), n);
    const err = maxRelative(f, fl);
    assert.ok(err < 1e-12, `β = ${beta}: max relative change ${err}`);
  }
  // A map that is not a Lorentz transformation (stretching px) must change the prediction.
  const stretched = x.map((v, i) => (i % 4 === 1 ? 1.3 * v : v));
  assert.ok(maxRelative(f, nw.predict(stretched, n)) > 1e-6, 'a non-Lorentz map changed nothing');
});

test('permuting identical particles leaves the prediction unchanged; swapping different classes does not', () => {
  const nw = net('lgatr-perm');
  const rng = new Rng('lgatr-perm-x');
  const n = 16;
  const x = momenta(rng, n);
  const permute = (order: readonly number[]): Float64Array => {
    const y = new Float64Array(x.length);
    for (let r = 0; r < n; r++) order.forEach((from, to) => y.set(x.subarray(r * 20 + 4 * from, r * 20 + 4 * from + 4), r * 20 + 4 * to));
    return y;
  };
  const f = nw.predict(x, n);
  const err = maxRelative(f, nw.predict(permute([1, 0, 3, 2, 4]), n));
  assert.ok(err < 1e-12, `swapping the incoming gluons and the photons: max relative change ${err}`);
  // p1 (incoming gluon) and p5 (outgoing gluon) are different classes.
  assert.ok(maxRelative(f, nw.predict(permute([4, 1, 2, 3, 0]), n)) > 1e-6, 'swapping classes changed nothing');
});

test('a batch gives the same bits as its rows one at a time, and predict chunks agree with forward', () => {
  const nw = net('lgatr-batch');
  const rng = new Rng('lgatr-batch-x');
  const n = 5;
  const x = momenta(rng, n);
  const all = nw.forward(x, n).slice();
  for (let r = 0; r < n; r++) assert.equal(nw.forward(x.subarray(r * 20, (r + 1) * 20), 1)[0], all[r]);
  const many = momenta(rng, 1100);
  const p = nw.predict(many, 1100);
  assert.equal(p[1099], nw.forward(many.subarray(1099 * 20), 1)[0]);
});
