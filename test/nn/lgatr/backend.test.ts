// L-GATr's native multivector kernels (native/kernels/mv.c) against the
// TypeScript reference, op by op and through a whole network (forward, the
// parameter gradient and the momentum gradient, to 1e-13 of each tensor's
// largest entry), the native network's gradient against finite differences,
// and the addon's refusal of a wrong length.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getKernels } from '../../../src/kernels/index.js';
import { GEOMETRIC_PRODUCT, JOIN, MV } from '../../../src/nn/lgatr/algebra.js';
import { Attention } from '../../../src/nn/lgatr/attention.js';
import { ALGEBRA, mvOps, REFERENCE_OPS } from '../../../src/nn/lgatr/backend.js';
import { parseLGATrConfig } from '../../../src/nn/lgatr/config.js';
import { EquiLinear } from '../../../src/nn/lgatr/equiLinear.js';
import { LGATrNet } from '../../../src/nn/lgatr/network.js';
import { NORM_EPS } from '../../../src/nn/lgatr/ops.js';
import { Rng } from '../../../src/util/rng.js';
import { checkNetworkGradient, referenceKernels } from '../helpers.js';
import { momenta } from './lorentz.js';

const native = getKernels('native');
const fast = mvOps(native, NORM_EPS);
const TOL = 1e-13;

function normal(rng: Rng, n: number): Float64Array {
  return new Float64Array(n).map(() => rng.normal());
}

/** max |a − b| over max |a|, with the tensor named in the message. */
function assertClose(a: Float64Array, b: Float64Array, what: string): void {
  assert.equal(a.length, b.length, what);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  assert.ok(scale > 0, `${what}: all zero`);
  assert.ok(diff <= TOL * scale, `${what}: native differs by ${diff / scale} relative`);
}

test('native ops run when the kernels have them, the reference otherwise', () => {
  assert.notEqual(fast, REFERENCE_OPS);
  assert.equal(mvOps(referenceKernels, NORM_EPS), REFERENCE_OPS);
});

test('native equivariant linear map matches the GEMM reference (forward, weight and input gradients)', () => {
  const rng = new Rng('mv-linear');
  const rows = 37;
  const [cin, cout] = [5, 3];
  const ref = new EquiLinear(cin, cout, referenceKernels);
  const nat = new EquiLinear(cin, cout, native);
  const p = normal(rng, ref.paramCount);
  const x = normal(rng, MV * rows * cin);
  const dy = normal(rng, MV * rows * cout);
  const y = [new Float64Array(MV * rows * cout), new Float64Array(MV * rows * cout)];
  ref.forward(p, x, rows, y[0]);
  nat.forward(p, x, rows, y[1]);
  assertClose(y[0], y[1], 'y');
  const g0 = normal(rng, ref.paramCount);
  const g = [g0.slice(), g0.slice()];
  const dx = [new Float64Array(x.length), new Float64Array(x.length)];
  ref.backward(p, x, rows, dy, g[0], dx[0]);
  nat.backward(p, x, rows, dy, g[1], dx[1]);
  assertClose(g[0], g[1], 'g (accumulated onto a nonzero start)');
  assertClose(dx[0], dx[1], 'dx');
});

test('native layer norm, gate and bilinears match ops.ts, forward and backward', () => {
  const rng = new Rng('mv-ops');
  const rows = 23;
  const c = 3;
  const size = MV * rows * c;
  const x = normal(rng, size);
  const x2 = normal(rng, size);
  const dy = normal(rng, size);
  const two = (): Float64Array[] => [new Float64Array(size), new Float64Array(size)];
  const impls = [REFERENCE_OPS, fast];

  const y = two();
  const norm = [new Float64Array(rows), new Float64Array(rows)];
  const sq = [new Float64Array(rows * c), new Float64Array(rows * c)];
  const dx = two();
  const dot = [new Float64Array(rows), new Float64Array(rows)];
  impls.forEach((o, i) => {
    o.normForward(x, rows, c, y[i], norm[i], sq[i]);
    o.normBackward(x, rows, c, norm[i], sq[i], dy, dx[i], dot[i]);
  });
  assertClose(y[0], y[1], 'norm y');
  assertClose(norm[0], norm[1], 'norm N');
  assertClose(dx[0], dx[1], 'norm dx');

  const gy = two();
  const gdx = two();
  impls.forEach((o, i) => {
    o.gateForward(x, rows, c, gy[i]);
    o.gateBackward(x, rows, c, dy, gdx[i]);
  });
  assertClose(gy[0], gy[1], 'gate y');
  assertClose(gdx[0], gdx[1], 'gate dx');

  for (const [name, t] of [['geometric', GEOMETRIC_PRODUCT], ['join', JOIN]] as const) {
    const z = two();
    const da = two();
    const db = two();
    impls.forEach((o, i) => {
      o.bilinearForward(t, x, x2, rows * c, z[i]);
      o.bilinearBackward(t, x, x2, rows * c, dy, da[i], db[i]);
    });
    assertClose(z[0], z[1], `${name} z`);
    assertClose(da[0], da[1], `${name} dx`);
    assertClose(db[0], db[1], `${name} dy`);
  }
});

test('native attention matches attention.ts, forward and backward', () => {
  const rng = new Rng('mv-attention');
  const n = 7;
  const a = new Attention(5, 2, 3);
  const size = MV * n * 5 * a.width;
  const [q, k, v, dout] = [0, 1, 2, 3].map(() => normal(rng, size));
  const attSize = n * 2 * 5 * 5;
  const out = [0, 1].map(() => ({
    att: new Float64Array(attSize), o: new Float64Array(size), dq: new Float64Array(size), dk: new Float64Array(size),
    dv: new Float64Array(size), dAtt: new Float64Array(attSize),
  }));
  [REFERENCE_OPS, fast].forEach((ops, i) => {
    const b = out[i];
    ops.attentionForward(a, q, k, v, n, b.att, b.o);
    ops.attentionBackward(a, q, k, v, n, b.att, dout, b.dq, b.dk, b.dv, b.dAtt);
  });
  for (const key of ['att', 'o', 'dq', 'dk', 'dv'] as const) assertClose(out[0][key], out[1][key], key);
});

const CLASSES = ['g in', 'g in', 'a out', 'a out', 'g out'];

function pair(): LGATrNet[] {
  const config = parseLGATrConfig(
    { type: 'lgatr', inputDim: 20, particleClasses: CLASSES, channels: 4, blocks: 2, heads: 2, headChannels: 2, bilinearChannels: 2 },
    'test',
  );
  const nets = [new LGATrNet(config, referenceKernels), new LGATrNet(config, native)];
  const rng = new Rng('mv-net');
  nets[0].init(rng);
  for (let i = 0; i < nets[0].paramCount; i++) nets[0].params[i] += 0.1 * rng.normal();
  nets[1].params.set(nets[0].params);
  return nets;
}

test('a native L-GATr network matches the TypeScript one: predictions, parameter and momentum gradients', () => {
  const nets = pair();
  const rng = new Rng('mv-net-x');
  const n = 300;
  const x = momenta(rng, n);
  const c = normal(rng, n);
  const res = nets.map((net) => {
    const f = net.forward(x, n).slice();
    const dx = new Float64Array(x.length);
    net.backward(c, dx);
    return { f, g: net.grads.slice(), dx };
  });
  assertClose(res[0].f, res[1].f, 'predictions');
  assertClose(res[0].g, res[1].g, 'parameter gradient');
  assertClose(res[0].dx, res[1].dx, 'momentum gradient');
});

test('the native L-GATr network gives the same bits on 1 and 2 kernel threads', () => {
  const net = pair()[1];
  const rng = new Rng('mv-net-threads');
  const n = 400;
  const x = momenta(rng, n);
  const c = normal(rng, n);
  const before = native.threads();
  const run = (threads: number): Float64Array[] => {
    native.setThreads(threads);
    const f = net.forward(x, n).slice();
    net.backward(c);
    return [f, net.grads.slice()];
  };
  try {
    const [one, two] = [run(1), run(2)];
    assert.deepEqual(two[0], one[0]);
    assert.deepEqual(two[1], one[1]);
  } finally {
    native.setThreads(before);
  }
});

test('the native L-GATr gradient matches finite differences (parameters and input momenta)', () => {
  const net = pair()[1];
  const rng = new Rng('mv-net-fd');
  checkNetworkGradient(net, momenta(rng, 3), normal(rng, 3));
});

test('the addon refuses a multivector tensor of the wrong length, naming it', () => {
  const mv = native.mv;
  assert.ok(mv !== undefined);
  const rows = 4;
  assert.throws(
    () => mv.mvGateForward(new Float64Array(MV * rows * 2), rows, 2, new Float64Array(MV * rows * 2 - 1)),
    (e: unknown) => e instanceof RangeError && /y/.test(e.message) && /16\*rows\*c/.test(e.message),
  );
  assert.throws(
    () => mv.mvLinearForward(ALGEBRA.subarray(1), 1, 1, new Float64Array(11), new Float64Array(MV), 1, new Float64Array(MV)),
    (e: unknown) => e instanceof RangeError && /algebra/.test(e.message),
  );
});
