import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';

test('same seed, same stream; state snapshots resume the stream', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  for (let i = 0; i < 100; i++) assert.equal(a.uniform(), b.uniform());
  a.normal();
  const snap = a.getState();
  const restored = Rng.fromState(JSON.parse(JSON.stringify(snap)));
  for (let i = 0; i < 10; i++) assert.equal(a.normal(), restored.normal());
  assert.notEqual(new Rng(1).uniform(), new Rng(2).uniform());
});

test('uniform and normal have the right moments; int is in range; permutation is one', () => {
  const r = new Rng(7);
  const n = 200000;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
    s += u;
  }
  assert.ok(Math.abs(s / n - 0.5) < 0.005);
  s = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    s += z;
    s2 += z * z;
  }
  assert.ok(Math.abs(s / n) < 0.01);
  assert.ok(Math.abs(s2 / n - 1) < 0.02);
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 70000; i++) counts[r.int(7)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 500);
  const p = r.permutation(1000);
  assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
});
