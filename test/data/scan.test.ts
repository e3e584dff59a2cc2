import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { momentumParticles, scanData } from '../../src/data/scan.js';
import { SAMPLE_2D, SHARED_DATA, tempDir, writeText } from '../helpers.js';

test('a scan of the zz2d sample sees two coordinates and a positive ratio', async () => {
  const s = await scanData({ files: [SAMPLE_2D], target: 'f01', born: 'f00', sampleRows: 2000, incoming: 2 });
  assert.deepEqual(s.coordinates, ['x1', 'x2']);
  assert.deepEqual(s.particles, []);
  assert.deepEqual([s.rows, s.negative, s.positive], [2000, 0, 2000]);
  assert.equal(s.momentumImbalance, null);
});

test('ggyyg: five particles whose momenta balance with two incoming, and not with one', async () => {
  const files = [join(SHARED_DATA, 'ggyyg/ggyyg_train_00.csv.gz')];
  const two = await scanData({ files, target: 'msq', born: null, sampleRows: 500, incoming: 2 });
  assert.deepEqual(two.particles, ['p1', 'p2', 'p3', 'p4', 'p5']);
  assert.ok(two.momentumImbalance !== null && two.momentumImbalance < 1e-12, String(two.momentumImbalance));
  const one = await scanData({ files, target: 'msq', born: null, sampleRows: 500, incoming: 1 });
  assert.ok(one.momentumImbalance !== null && one.momentumImbalance > 0.5, String(one.momentumImbalance));
});

test('the sign count is of target/born, and a missing column or bad cell is named', async () => {
  const dir = tempDir();
  const file = writeText(dir, 'd.csv', 'x1,b,t\n0.1,2,-1\n0.2,1,3\n0.3,4,0\n');
  const s = await scanData({ files: [file], target: 't', born: 'b', sampleRows: 100, incoming: 2 });
  assert.deepEqual([s.rows, s.negative, s.positive], [3, 1, 1]);
  await assert.rejects(scanData({ files: [file], target: 'y', born: null, sampleRows: 100, incoming: 2 }), /target column 'y' is not in .*d\.csv \(columns: x1, b, t\)/);
  const bad = writeText(dir, 'bad.csv', 'x1,b,t\n0.1,2,1\n0.2,0,3\n');
  await assert.rejects(scanData({ files: [bad], target: 't', born: 'b', sampleRows: 100, incoming: 2 }), /bad\.csv:3, column 'b'/);
});

test('momentum columns are recognised only in complete groups', () => {
  assert.deepEqual(momentumParticles(['a_E', 'a_px', 'a_py', 'a_pz', 'b_E', 'b_px', 'y']), ['a']);
});
