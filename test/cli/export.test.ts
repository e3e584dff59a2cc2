import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { validateConfig } from '../../src/config/load.js';
import { loadDataset, takeRows } from '../../src/data/dataset.js';
import { splitRows } from '../../src/data/split.js';
import { readModelFile, writeModelFile } from '../../src/io/modelFile.js';
import { loadModel } from '../../src/models/surrogate.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { Rng } from '../../src/util/rng.js';
import { AGREEMENT, compileC, haveGcc, maxRelativeDifference, syntheticForest, writeDoubles, writeForestModel } from '../export/fixtures.js';
import { REPO, SAMPLE_4D, tempDir } from '../helpers.js';

const BIN = join(REPO, 'bin/ampfit.js');

function ampfit(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

// A real (briefly) trained sk-DNN on the zz4d sample: the exports must agree
// with it on its own test split.
const work = tempDir();
const modelDir = join(work, 'zz4d-run');
const config = validateConfig(
  {
    data: { files: SAMPLE_4D, target: 'f01', born: 'f00', max_rows: 4000 },
    model_type: 'skdnn', depth: 2, width: 16, activation: 'silu', target_transform: 'log-standardize',
    batch_size: 128, steps_per_epoch: 40, epochs: 2, decay_epochs: 2, seed: 5,
  },
  'export test',
);
const trained = runTraining({ config, outDir: modelDir, log: memoryLogger() });
// Each test awaits it; this only keeps an early failure from counting as unhandled.
trained.catch(() => undefined);

async function testSplit(): Promise<{ x: Float64Array; n: number }> {
  const data = await loadDataset({ files: [SAMPLE_4D], inputs: null, target: 'f01', born: 'f00', requirePositiveTarget: true, skipBadRows: false, maxRows: 4000 });
  const idx = splitRows(data.n, config.seed, { test: config.test_fraction, validation: config.validation_fraction }).test;
  return { x: takeRows(data.x, data.d, idx), n: idx.length };
}

test('export --format onnx writes a model that onnxruntime runs, agreeing on the test split; no overwrite without --force', async () => {
  await trained;
  const out = join(work, 'zz4d.onnx');
  const r = ampfit(['export', '--model', modelDir, '--format', 'onnx', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /wrote .*zz4d\.onnx \([\d,]+ bytes\)/);
  const { x, n } = await testSplit();
  assert.equal(n, 800);
  const session = await ort.InferenceSession.create(readFileSync(out));
  const y = (await session.run({ x: new ort.Tensor('float64', x, [n, 4]) })).y.data as Float64Array;
  const { max } = maxRelativeDifference(y, loadModel(modelDir).predict(x, n));
  assert.ok(max <= AGREEMENT, `max relative difference ${max}`);

  const before = readFileSync(out);
  const again = ampfit(['export', '--model', modelDir, '--format', 'onnx', '--out', out]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /zz4d\.onnx already exists; add --force to replace/);
  assert.deepEqual(readFileSync(out), before);
  assert.equal(ampfit(['export', '--model', modelDir, '--format', 'onnx', '--out', out, '--force']).code, 0);
});

test('export --format c writes <name>.c/.h/.f90 that gcc compiles, agreeing on the test split', { skip: haveGcc() ? false : 'gcc is not installed' }, async () => {
  await trained;
  const dir = join(work, 'c');
  const r = ampfit(['export', '--model', join(modelDir, 'model.ampfit'), '--format', 'c', '--out', dir]);
  assert.equal(r.code, 0, r.stderr);
  // The default name is the model directory's, sanitised.
  assert.deepEqual(readdirSync(dir).sort(), ['zz4d_run.c', 'zz4d_run.f90', 'zz4d_run.h']);
  writeFileSync(
    join(dir, 'main.c'),
    `#include <stdio.h>
#include <stdlib.h>
#include "zz4d_run.h"
int main(int argc, char **argv) {
  size_t n = (size_t)atol(argv[1]);
  double *x = malloc(n * ZZ4D_RUN_N_INPUTS * sizeof(double)), *y = malloc(n * sizeof(double));
  FILE *f = fopen(argv[2], "rb");
  if (!x || !y || !f || fread(x, sizeof(double), n * ZZ4D_RUN_N_INPUTS, f) != n * ZZ4D_RUN_N_INPUTS) return 1;
  zz4d_run_eval_batch(x, n, y);
  fwrite(y, sizeof(double), n, stdout);
  return 0;
}
`,
  );
  const exe = join(dir, 'main');
  const cc = spawnSync('gcc', ['-O2', '-std=c99', '-o', exe, join(dir, 'main.c'), join(dir, 'zz4d_run.c'), '-lm'], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  const { x, n } = await testSplit();
  writeDoubles(join(dir, 'x.bin'), x);
  const run = spawnSync(exe, [String(n), join(dir, 'x.bin')], { maxBuffer: 1 << 24 });
  assert.equal(run.status, 0);
  const y = new Float64Array(run.stdout.buffer.slice(run.stdout.byteOffset, run.stdout.byteOffset + run.stdout.length));
  const { max } = maxRelativeDifference(y, loadModel(modelDir).predict(x, n));
  assert.ok(max <= AGREEMENT, `max relative difference ${max}`);

  const again = ampfit(['export', '--model', modelDir, '--format', 'c', '--out', dir, '--name', 'zz4d_run']);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /zz4d_run\.c, .*zz4d_run\.h, .*zz4d_run\.f90 already exist; add --force to replace/);
});

test('export refuses model files it cannot read and formats it does not know', async () => {
  await trained;
  const { header, arrays } = readModelFile<Record<string, unknown>>(join(modelDir, 'model.ampfit'));
  const trees = join(work, 'trees.ampfit');
  writeModelFile(trees, { ...header, regressor: { type: 'gbdt' } }, arrays);
  const r1 = ampfit(['export', '--model', trees, '--format', 'onnx', '--out', join(work, 't.onnx')]);
  assert.equal(r1.code, 2);
  assert.match(r1.stderr, /unknown model type 'gbdt'/);
  assert.ok(!existsSync(join(work, 't.onnx')));

  const truncated = join(work, 'cut.ampfit');
  writeFileSync(truncated, readFileSync(join(modelDir, 'model.ampfit')).subarray(0, 500));
  const r2 = ampfit(['export', '--model', truncated, '--format', 'c', '--out', join(work, 'cut')]);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /truncated/);

  const r3 = ampfit(['export', '--model', modelDir, '--format', 'tflite', '--out', join(work, 'x')]);
  assert.notEqual(r3.code, 0);
  assert.match(r3.stderr, /argument 'tflite' is invalid. Allowed choices are onnx, c/);
});

test('export writes a bdt model in both forms: onnxruntime (default threads) and gcc agree with ampfit', async () => {
  const forest = syntheticForest({ d: 4, trees: 60, maxDepth: 8, seed: 4, baseScore: -0.2, splitProbability: 0.8, valueScale: 0.05, valueSpread: 1 });
  const dir = writeForestModel(forest, { kind: 'log-standardize', shift: 0.5, scale: 0.7 }, 'f00');
  const model = loadModel(dir);
  const rng = new Rng(8);
  const n = 2000;
  const x = new Float64Array(n * 4).map(() => rng.uniform());
  const want = model.predict(x, n);

  const out = join(work, 'bdt.onnx');
  const r = ampfit(['export', '--model', dir, '--format', 'onnx', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const session = await ort.InferenceSession.create(readFileSync(out));
  const y = (await session.run({ x: new ort.Tensor('float64', x, [n, 4]) })).y.data as Float64Array;
  assert.ok(maxRelativeDifference(y, want).max <= AGREEMENT);

  if (!haveGcc()) return;
  const cdir = join(work, 'bdt-c');
  const c = ampfit(['export', '--model', dir, '--format', 'c', '--out', cdir, '--name', 'trees']);
  assert.equal(c.code, 0, c.stderr);
  assert.deepEqual(readdirSync(cdir).sort(), ['trees.c', 'trees.f90', 'trees.h']);
  const { run } = compileC([{ name: 'trees', source: readFileSync(join(cdir, 'trees.c'), 'utf8'), header: readFileSync(join(cdir, 'trees.h'), 'utf8'), fortran: '' }], cdir);
  const got = run(0, x);
  assert.ok(maxRelativeDifference(got.batch, want).max <= AGREEMENT);
  assert.deepEqual(got.single, got.batch);
});

test('issue 17: export output paths are checked before the model is read, like every verb', async () => {
  await trained;
  const missing = ampfit(['export', '--model', join(work, 'no-such-model'), '--format', 'onnx', '--out', join(work, 'no/such/dir/m.onnx')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^ampfit: --out .*m\.onnx: the folder .*no\/such\/dir does not exist; create it first\n$/);
  const onDir = ampfit(['export', '--model', modelDir, '--format', 'onnx', '--out', work]);
  assert.equal(onDir.code, 2);
  assert.match(onDir.stderr, /is a directory; name a file to write/);
  assert.match(ampfit(['export', '--model', modelDir, '--format', 'onnx', '--out', '-']).stderr, /--out -: this output cannot go to standard output/);
});
