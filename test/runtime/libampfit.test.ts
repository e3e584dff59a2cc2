// libampfit (native/runtime/): the C library loads model files written by
// training and evaluates them without Node. Each model type is trained for a
// few epochs, loaded by a small C driver (driver.c) and compared with
// loadModel(dir).predict / predictUncertain on the same points (≤ 1e-12
// relative); damaged files, files without a graph, ampfit_check's codes and
// threads sharing one handle are checked too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/load.js';
import { loadDataset } from '../../src/data/dataset.js';
import { readModelFile } from '../../src/io/modelFile.js';
import { loadModel } from '../../src/models/surrogate.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { REPO, SAMPLE_2D, SAMPLE_4D, tempDir } from '../helpers.js';
import { AGREEMENT, haveGcc, maxRelativeDifference, writeDoubles } from '../export/fixtures.js';

const RUNTIME = join(REPO, 'native/runtime');
const work = tempDir('ampfit-runtime-');
const skip = haveGcc() ? false : 'gcc is not installed';

/** The library built by its Makefile and the driver linked against the static archive (no LD_LIBRARY_PATH games). */
function buildDriver(): string {
  const make = spawnSync('make', ['-C', RUNTIME], { encoding: 'utf8' });
  assert.equal(make.status, 0, make.stderr);
  const exe = join(work, 'driver');
  const cc = spawnSync('gcc', ['-O2', '-std=c11', '-Wall', '-Werror', '-I', join(RUNTIME, 'include'), join(REPO, 'test/runtime/driver.c'),
    join(RUNTIME, 'build/libampfit.a'), '-lm', '-pthread', '-o', exe], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  return exe;
}
const driver = skip === false ? buildDriver() : '';

interface Run { status: number; message: string; lines: string[] }

function drive(model: string, mode: string, x?: Float64Array, n?: number): Run {
  const args = [model, mode];
  if (x !== undefined && n !== undefined) {
    const f = join(work, `points-${process.pid}-${Math.random().toString(36).slice(2)}.bin`);
    writeDoubles(f, x);
    args.push(f, String(n));
  }
  const r = spawnSync(driver, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `driver ${args.join(' ')}: ${r.stderr}`);
  const lines = r.stdout.split('\n');
  const status = Number(/^status (\d+)$/.exec(lines[0])?.[1]);
  const message = lines[1]?.startsWith('message ') ? lines[1].slice(8) : '';
  return { status, message, lines: lines.slice(message === '' && !lines[1]?.startsWith('message') ? 1 : 2).filter((l) => l !== '') };
}

function evalC(model: string, x: Float64Array, n: number): { status: number; message: string; value: Float64Array; sigma: Float64Array } {
  const r = drive(model, 'eval', x, n);
  assert.equal(r.lines.length, n, r.message);
  const value = new Float64Array(n);
  const sigma = new Float64Array(n);
  r.lines.forEach((l, i) => {
    const [v, s] = l.split(' ').map(Number);
    value[i] = v;
    sigma[i] = s;
  });
  return { status: r.status, message: r.message, value, sigma };
}

async function points(file: string, n: number): Promise<{ x: Float64Array; n: number }> {
  const data = await loadDataset({ files: [file], inputs: null, target: 'f01', born: null, requirePositiveTarget: false, skipBadRows: false, maxRows: n });
  return { x: data.x, n: data.n };
}

const quick = { steps_per_epoch: 20, epochs: 2, decay_epochs: 2, batch_size: 64, threads: 1, seed: 3 };
const sym = { symmetries: [{ name: 'fb', map: '(x1, 1-x2, x3, x4)' }, { name: 'm34', map: '(x1, x2, x4, x3)' }] };

/** Model types and wrappers, each trained briefly on a shipped sample. */
const CASES: { name: string; file: string; keys: Record<string, unknown>; sigma?: boolean }[] = [
  { name: 'dnn', file: SAMPLE_2D, keys: { model_type: 'dnn', depth: 2, width: 12, activation: 'silu', ...quick } },
  { name: 'skdnn', file: SAMPLE_2D, keys: { model_type: 'skdnn', depth: 2, width: 12, activation: 'gelu', ...quick } },
  { name: 'poly', file: SAMPLE_2D, keys: { model_type: 'poly', degree: 6 } },
  { name: 'bdt', file: SAMPLE_2D, keys: { model_type: 'bdt', max_depth: 5, learning_rate: 0.3, n_estimators: 20 } },
  { name: 'skdnn-average', file: SAMPLE_4D, keys: { model_type: 'skdnn', depth: 1, width: 10, activation: 'tanh', symmetry_mode: 'average', ...sym, ...quick } },
  { name: 'bdt-fold', file: SAMPLE_4D, keys: { model_type: 'bdt', max_depth: 4, learning_rate: 0.3, n_estimators: 10, symmetry_mode: 'fold', ...sym } },
  { name: 'dnn-heteroscedastic', file: SAMPLE_2D, keys: { model_type: 'dnn', depth: 1, width: 8, activation: 'softplus', uncertainty: 'heteroscedastic', ...quick }, sigma: true },
  { name: 'skdnn-ensemble-average', file: SAMPLE_4D, keys: { model_type: 'skdnn', depth: 1, width: 8, activation: 'elu', uncertainty: 'ensemble', ensemble_members: 2, symmetry_mode: 'average', ...sym, ...quick }, sigma: true },
];

const trained = new Map<string, Promise<string>>();
function model(name: string): Promise<string> {
  const c = CASES.find((k) => k.name === name);
  if (c === undefined) throw new Error(name);
  let p = trained.get(name);
  if (p === undefined) {
    const dir = join(work, name);
    const config = validateConfig({ data: { files: c.file, target: 'f01', born: 'f00', max_rows: 1500 }, target_transform: 'log-standardize', ...c.keys }, name);
    p = runTraining({ config, outDir: dir, log: memoryLogger() }).then(() => dir);
    trained.set(name, p);
  }
  return p;
}

for (const c of CASES) {
  test(`libampfit evaluates a trained ${c.name} as predict does (≤ 1e-12)`, { skip }, async () => {
    const dir = await model(c.name);
    const { x, n } = await points(c.file, 700);
    const m = loadModel(dir);
    const want = m.predict(x, n);
    const got = evalC(dir, x, n);
    assert.equal(got.status, 0, got.message);
    const { max, at } = maxRelativeDifference(got.value, want);
    assert.ok(max <= AGREEMENT, `${c.name}: max relative difference ${max} at ${at}: ${got.value[at]} vs ${want[at]}`);
    if (c.sigma === true) {
      const u = m.predictUncertain(x, n);
      const s = maxRelativeDifference(got.sigma, u.sigmaSyst);
      assert.ok(s.max <= AGREEMENT, `${c.name} σ: max relative difference ${s.max}`);
    } else {
      assert.ok(got.sigma.every(Number.isNaN), 'σ is NaN for a model without one');
    }
  });
}
