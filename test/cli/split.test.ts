// Honest evaluation: the model records its training and validation rows (a
// row filter); eval on data that overlaps them says how many rows it saw;
// `ampfit split` writes the model's own test split, on which eval reproduces
// the test metrics of training exactly and finds no overlap.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, SAMPLE_2D, tempDir, writeText } from '../helpers.js';

const BIN = join(REPO, 'bin/ampfit.js');
const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

test('eval warns about rows the model was trained on; ampfit split writes its test split, which eval scores as training did', () => {
  const work = tempDir();
  const config = writeText(work, 'c.json', JSON.stringify({
    data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 3000 }, model_type: 'dnn', depth: 1, width: 6, epochs: 2, steps_per_epoch: 10, seed: 9,
  }));
  const model = join(work, 'm');
  const t = run(['train', '--config', config, '--out', model]);
  assert.equal(t.status, 0, t.stderr);
  assert.ok(existsSync(join(model, 'rows.filter')));
  const trained = JSON.parse(readFileSync(join(model, 'metrics.json'), 'utf8'));

  // The training file itself: train + validation rows are seen (80 % of the first 3000 rows here), the rest may match by chance only.
  const all = run(['eval', '--model', model, '--data', SAMPLE_2D, '--json', join(work, 'all.json')]);
  assert.equal(all.status, 0, all.stderr);
  const seen = JSON.parse(readFileSync(join(work, 'all.json'), 'utf8')).seen_in_training;
  const trainVal = trained.validation.n + (3000 - trained.validation.n - trained.test.n);
  assert.ok(seen.rows >= trainVal && seen.rows <= trainVal + 0.01 * seen.of, `${seen.rows} seen, ${trainVal} trained or validated on`);
  assert.ok(seen.false_positive_rate < 1e-3);
  assert.match(all.stderr.replace(/\n {2}/g, ' '), /warning: \d+ of \d+ rows \([\d.]+ %\) are rows the model was trained or validated on/);
  for (const l of all.stderr.split('\n')) assert.ok([...l].length <= 80, `${[...l].length} columns: ${l}`);

  const csv = join(work, 'test.csv');
  const s = run(['split', '--model', model, '--out', csv]);
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stderr, new RegExp(`the ${trained.test.n} rows of the model's test split`));
  assert.equal(readFileSync(csv, 'utf8').split('\n')[0], 'x1,x2,f01,f00');
  const ev = run(['eval', '--model', model, '--data', csv, '--json', join(work, 'test.json')]);
  assert.equal(ev.status, 0, ev.stderr);
  assert.doesNotMatch(ev.stderr.replace(/\n {2}/g, ' '), /trained or validated on/);
  const again = JSON.parse(readFileSync(join(work, 'test.json'), 'utf8'));
  assert.equal(again.seen_in_training.rows, 0);
  assert.deepEqual(again.R_pct, trained.test.R_pct);
  assert.equal(again.mu_delta_pct, trained.test.mu_delta_pct);
  assert.equal(run(['split', '--model', model, '--out', csv]).status, 2, 'an existing --out needs --force');
  // --write is the same as --out: the same rows, byte for byte.
  const written = join(work, 'written.csv');
  assert.equal(run(['split', '--model', model, '--write', written]).status, 0);
  assert.equal(readFileSync(written, 'utf8'), readFileSync(csv, 'utf8'));
  assert.match(run(['split', '--model', model]).stderr, /ampfit split needs --out <file> \(or --write <file>\)/);
  assert.match(run(['split', '--model', model, '--out', csv, '--write', written]).stderr, /give --out or --write \(the same\), not both/);
});
