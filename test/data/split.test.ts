import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitRows } from '../../src/data/split.js';

test("paper 1's split: 20 % test, then 60/40 train/validation (20/48/32), disjoint and complete", () => {
  const s = splitRows(10000, 7);
  assert.equal(s.test.length, 2000);
  assert.equal(s.train.length, 4800);
  assert.equal(s.validation.length, 3200);
  const seen = new Uint8Array(10000);
  for (const part of [s.train, s.validation, s.test]) for (const i of part) seen[i]++;
  assert.ok(seen.every((c) => c === 1));
});

test('the split is a function of the seed', () => {
  assert.deepEqual(splitRows(1000, 3).test, splitRows(1000, 3).test);
  assert.notDeepEqual(splitRows(1000, 3).test, splitRows(1000, 4).test);
});

test('custom fractions and bad ones', () => {
  const s = splitRows(1000, 1, { test: 0, validation: 0.2 });
  assert.equal(s.test.length, 0);
  assert.equal(s.validation.length, 200);
  assert.throws(() => splitRows(1000, 1, { test: 1.2, validation: 0.2 }), /test fraction/);
  assert.throws(() => splitRows(1, 1), /too few/);
});
