import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { resolveDataFiles } from '../../src/data/files.js';
import { tempDir, writeText } from '../helpers.js';

test('folder, glob and list resolve to sorted chunk files', () => {
  const dir = tempDir();
  for (const n of ['b_01.csv.gz', 'b_00.csv.gz', 'a.csv', 'notes.txt']) writeText(dir, n, 'x1,y\n0,1\n');
  assert.deepEqual(resolveDataFiles(dir), ['a.csv', 'b_00.csv.gz', 'b_01.csv.gz'].map((n) => join(dir, n)));
  assert.deepEqual(resolveDataFiles('b_*.csv.gz', dir), ['b_00.csv.gz', 'b_01.csv.gz'].map((n) => join(dir, n)));
  assert.deepEqual(resolveDataFiles(['b_01.csv.gz', 'a.csv'], dir), ['b_01.csv.gz', 'a.csv'].map((n) => join(dir, n)));
});

test('a spec matching nothing, a missing path and a duplicate are errors', () => {
  const dir = tempDir();
  writeText(dir, 'a.csv', 'x1,y\n0,1\n');
  assert.throws(() => resolveDataFiles('zz*.csv', dir), /matches no \.csv, \.csv\.gz, \.h5/);
  assert.throws(() => resolveDataFiles('missing.csv', dir), /does not exist/);
  assert.throws(() => resolveDataFiles(['a.csv', '*.csv'], dir), /listed twice/);
  assert.throws(() => resolveDataFiles([], dir), /no data files/);
});
