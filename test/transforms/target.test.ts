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
