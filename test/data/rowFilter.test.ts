import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RowFilter } from '../../src/data/rowFilter.js';
import { Rng } from '../../src/util/rng.js';

test('row filter: every stored row is found, other rows match at about the stated false-positive rate, and it round-trips', () => {
  const rng = new Rng('filter');
  const n = 20000;
  const d = 3;
  const x = Float64Array.from({ length: n * d }, () => rng.uniform());
  const y = Float64Array.from({ length: n }, () => rng.uniform());
  const stored = Uint32Array.from({ length: n / 2 }, (_, i) => 2 * i);
  const f = RowFilter.of(x, d, y, [stored.subarray(0, 3000), stored.subarray(3000)]);
  assert.equal(f.spec.rows, n / 2);
  for (const r of stored) assert.ok(f.has(x, d, y, r), `row ${r}`);
  let hits = 0;
  for (let r = 1; r < n; r += 2) if (f.has(x, d, y, r)) hits++;
  // 10000 rows: 2^18 bits (the power of two ≥ 16 bits a row), 8 hashes; (1 − e^(−kn/m))^k ≈ 2.3e-5.
  assert.deepEqual([f.spec.bits, f.spec.hashes], [2 ** 18, 8]);
  assert.ok(Math.abs(f.falsePositiveRate - (1 - Math.exp((-8 * 10000) / 2 ** 18)) ** 8) < 1e-15);
  assert.ok(hits <= 3, `${hits} false positives of 10000 (expected ${f.falsePositiveRate * 10000})`);
  // One bit of one value is another row.
  const moved = x.slice();
  moved[0] = moved[0] + Number.EPSILON * moved[0];
  const again = RowFilter.fromStored(f.spec, f.bits.slice());
  assert.equal(again.has(x, d, y, 0), true);
  assert.equal(RowFilter.of(moved, d, y, [Uint32Array.of(0)]).has(x, d, y, 0), false);
  assert.throws(() => RowFilter.fromStored({ ...f.spec, bits: 3000 }, f.bits), /size does not match/);
});
