import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchStream } from '../../src/nn/index.js';
import { Rng } from '../../src/util/rng.js';

test('one-pass draws cover every row once per epoch, the last batch short', () => {
  const s = new BatchStream(10, new Rng(1));
  const out = new Uint32Array(4);
  for (let epoch = 0; epoch < 3; epoch++) {
    const seen: number[] = [];
    const sizes: number[] = [];
    for (let b = 0; b < 3; b++) {
      const m = s.next(out, 4, false);
      sizes.push(m);
      seen.push(...out.subarray(0, m));
    }
    assert.deepEqual(sizes, [4, 4, 2]);
    assert.deepEqual(seen.sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.ok(s.exhausted);
  }
});

test('wrapping draws are always full and reshuffle at the boundary', () => {
  const s = new BatchStream(5, new Rng(2));
  const out = new Uint32Array(3);
  const all: number[] = [];
  for (let b = 0; b < 5; b++) {
    assert.equal(s.next(out, 3, true), 3);
    all.push(...out);
  }
  for (let p = 0; p < 3; p++) assert.deepEqual(all.slice(5 * p, 5 * p + 5).sort(), [0, 1, 2, 3, 4]);
});

test('state round trip continues the same stream', () => {
  const a = new BatchStream(7, new Rng(3));
  const out = new Uint32Array(3);
  a.next(out, 3, true);
  a.next(out, 3, true);
  const b = BatchStream.fromState(JSON.parse(JSON.stringify(a.getState())));
  const outB = new Uint32Array(3);
  for (let i = 0; i < 6; i++) {
    a.next(out, 3, true);
    b.next(outB, 3, true);
    assert.deepEqual(outB, out);
  }
  const fresh = BatchStream.fromState(new BatchStream(7, new Rng(4)).getState());
  const c = new BatchStream(7, new Rng(4));
  fresh.next(out, 3, true);
  c.next(outB, 3, true);
  assert.deepEqual(outB, out);
});
