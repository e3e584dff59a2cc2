import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { validateConfig } from '../../src/config/load.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { REPO, SAMPLE_2D, tempDir, writeText } from '../helpers.js';

// 3000 zz2d rows with a weight column w = 1 + ⌊4·x1⌋ (heavier at high √ŝ).
const dir = tempDir();
const lines = gunzipSync(readFileSync(SAMPLE_2D)).toString('utf8').trimEnd().split('\n').slice(0, 3001);
const header = lines[0].split(',');
const x1 = header.indexOf('x1');
const weightOf = (cells: string[]): number => 1 + Math.floor(4 * Number(cells[x1]));
const weighted = writeText(dir, 'w.csv', [`${lines[0]},w`, ...lines.slice(1).map((l) => `${l},${weightOf(l.split(','))}`)].join('\n') + '\n');

function config(extra: Record<string, unknown>, data: Record<string, unknown> = {}) {
  return validateConfig({ data: { files: weighted, target: 'f01', born: 'f00', weight: 'w', ...data }, seed: 2, ...extra }, 'test');
}

test('poly with data.weight: weighted least squares, weighted metrics with n_eff in metrics.json', async () => {
  const log = memoryLogger();
  const r = await runTraining({ config: config({ model_type: 'poly', degree: 4 }), outDir: join(dir, 'poly'), log });
  assert.match(log.lines.join('\n'), /sample weights: column 'w', scaled to mean 1 over the training rows \(Kish n_eff \d+ of 1440\)/);
  const m = JSON.parse(readFileSync(join(dir, 'poly', 'metrics.json'), 'utf8'));
  assert.equal(m.test.weighted.column, 'w');
  assert.ok(m.test.weighted.n_eff > 0.5 * 600 && m.test.weighted.n_eff < 600, String(m.test.weighted.n_eff));
  const plain = await runTraining({ config: config({ model_type: 'poly', degree: 4 }, { weight: null }), outDir: join(dir, 'poly-plain'), log: memoryLogger() });
  // The weighted fit is another fit: its coefficients differ, and unweighted metrics carry no weight note.
  assert.notDeepEqual(r.regressor.predict(Float64Array.from([0.9, 0.5]), 1), plain.regressor.predict(Float64Array.from([0.9, 0.5]), 1));
  assert.equal(plain.testMetrics?.weighted, undefined);
});

test('a network trains with data.weight; eval --weight reports weighted rows', async () => {
  await runTraining({ config: config({ model_type: 'dnn', depth: 2, width: 8, epochs: 2, steps_per_epoch: 20 }), outDir: join(dir, 'dnn'), log: memoryLogger() });
  const bin = join(REPO, 'bin/ampfit.js');
  const r = spawnSync(process.execPath, [bin, 'eval', '--model', join(dir, 'dnn'), '--data', weighted, '--weight', 'w'], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\nweighted by 'w': shares count weight; errors use n_eff \d+ of 3000\n/);
  const missing = spawnSync(process.execPath, [bin, 'eval', '--model', join(dir, 'dnn'), '--data', SAMPLE_2D, '--weight', 'w'], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /'w'/);
});

test('a zero weight is a located bad row; weights with objectives that ignore them are config errors', async () => {
  const bad = writeText(dir, 'bad.csv', 'x1,x2,f00,f01,w\n0.1,0.2,1,0.5,1\n0.3,0.4,1,0.5,0\n');
  await assert.rejects(
    runTraining({ config: config({ model_type: 'poly', degree: 1 }, { files: bad }), outDir: join(dir, 'bad'), log: memoryLogger() }),
    /bad\.csv:3, column 'w'/,
  );
  assert.throws(() => config({ model_type: 'dnn', uncertainty: 'heteroscedastic' }), /data\.weight cannot be combined with uncertainty: 'heteroscedastic'/);
  assert.throws(() => config({ model_type: 'dnn', finish: {} }), /data\.weight cannot be combined with finish/);
  assert.throws(() => config({ model_type: 'dnn' }, { weight: 'f00' }), /data\.weight 'f00' is also data\.born/);
});
