import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TargetTransform } from '../../src/transforms/target.js';

const y = new Float64Array([1, 2, 3, 4]);

test('standardize fits mean and population std on the training targets and inverts exactly', () => {
  const t = TargetTransform.fit('standardize', y);
  assert.equal(t.shift, 2.5);
  assert.equal(t.scale, Math.sqrt(1.25));
  const f = t.forward(y);
  assert.ok(Math.abs(f[0] + 1.5 / Math.sqrt(1.25)) < 1e-15);
  const back = t.inverseInPlace(f);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(back[i] - y[i]) <= 4e-16 * y[i]);
});

test('log and log-standardize', () => {
  const l = TargetTransform.fit('log', y);
  assert.deepEqual([...l.forward(y)], [...y].map(Math.log));
  const ls = TargetTransform.fit('log-standardize', y);
  const logs = [...y].map(Math.log);
  const mean = logs.reduce((a, b) => a + b) / 4;
  assert.ok(Math.abs(ls.shift - mean) < 1e-15);
  const back = ls.inverseInPlace(ls.forward(y));
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(back[i] - y[i]) <= 1e-15 * y[i]);
  assert.throws(() => TargetTransform.fit('log', new Float64Array([1, -1])), /needs positive targets; row 1/);
});

test('none is the identity and JSON round-trips', () => {
  const n = TargetTransform.fit('none', y);
  assert.deepEqual([...n.forward(y)], [...y]);
  const s = TargetTransform.fit('standardize', y);
  const r = TargetTransform.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
  assert.deepEqual(r.toJSON(), s.toJSON());
  assert.throws(() => TargetTransform.fromJSON({ kind: 'standardize', shift: 0, scale: 0 }), /bad shift\/scale/);
  assert.throws(() => TargetTransform.fit('standardize', new Float64Array([2, 2])), /constant/);
});

test('asinh-standardize takes sign-changing targets, fits its unit as the median |y|, and inverts', () => {
  const ys = new Float64Array([-0.02, 0.05, 0.1, 0.2, 3]);
  const t = TargetTransform.fit('asinh-standardize', ys);
  assert.equal(t.unit, 0.1); // the median |y|
  const g = [...ys].map((v) => Math.asinh(v / 0.1));
  const mean = g.reduce((a, b) => a + b) / g.length;
  assert.ok(Math.abs(t.shift - mean) < 1e-14);
  const f = t.forward(ys);
  // Far above the unit the transform is a log: equal ratios give equal steps.
  const step = (a: number, b: number): number => Math.asinh(b / 0.1) - Math.asinh(a / 0.1);
  assert.ok(Math.abs(step(3, 6) - Math.log(2)) < 2e-3);
  assert.ok(f[0] < f[1]);
  const back = t.inverseInPlace(f);
  for (let i = 0; i < ys.length; i++) assert.ok(Math.abs(back[i] - ys[i]) <= 1e-14 * Math.abs(ys[i]), `${back[i]} vs ${ys[i]}`);
  const r = TargetTransform.fromJSON(JSON.parse(JSON.stringify(t.toJSON())));
  assert.deepEqual(r.toJSON(), t.toJSON());
  assert.throws(() => TargetTransform.fromJSON({ kind: 'asinh-standardize', shift: 0, scale: 1 }), /no unit/);
  assert.throws(() => TargetTransform.fit('asinh-standardize', new Float64Array([0, 0, 0, 1])), /median \|target\|/);
});

test('issue 17: a target constant up to rounding (target = c × born) is refused for every transform, not fitted to noise', () => {
  // What f01/f00 gives when f01 = 0.07 · f00 exactly: 0.07 within an ulp or two.
  const born = Float64Array.from({ length: 500 }, (_, i) => 1e-7 * (1 + Math.sin(i) ** 2) * 3.7);
  const ratio = born.map((b) => (0.07 * b) / b);
  assert.ok(new Set(ratio).size > 1, 'the ratios differ by rounding: the old std > 0 check passed them');
  for (const kind of ['none', 'standardize', 'log', 'log-standardize', 'asinh-standardize'] as const) {
    assert.throws(() => TargetTransform.fit(kind, ratio), /the training targets are constant: all 500 lie in \[0\.07\d*, 0\.07\d*\] \(relative spread [\d.]+e-1[5-7], rounding at most\)/);
  }
  // A small but real variation still trains.
  const varying = ratio.map((r, i) => r * (1 + 1e-9 * i));
  assert.equal(TargetTransform.fit('log-standardize', varying).kind, 'log-standardize');
});
