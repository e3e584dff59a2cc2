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
import { loadConfig, validateConfig } from '../../src/config/load.js';
import { loadDataset } from '../../src/data/dataset.js';
import { readModelFile } from '../../src/io/modelFile.js';
import { loadModel } from '../../src/models/surrogate.js';
import { combineModels } from '../../src/training/combine.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { gunzipSync } from 'node:zlib';
import { REPO, SAMPLE_2D, SAMPLE_4D, SHARED_DATA, tempDir, writeText } from '../helpers.js';
import { AGREEMENT, haveGcc, maxRelativeDifference, writeDoubles } from '../export/fixtures.js';
import { uniformPoints } from '../nn/helpers.js';
import { Rng } from '../../src/util/rng.js';
import { describeSurrogate, modelGraph } from '../../src/export/describe.js';
import { serializeGraph } from '../../src/graph/serialize.js';
import { writeModelFileWithGraph } from '../../src/io/modelStore.js';
import { ggyygSlice, perturbedLgatr } from '../support/lgatrModel.js';

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
const CASES: { name: string; file: string; keys: Record<string, unknown>; data?: Record<string, unknown>; sigma?: boolean }[] = [
  { name: 'dnn', file: SAMPLE_2D, keys: { model_type: 'dnn', depth: 2, width: 12, activation: 'silu', ...quick } },
  { name: 'skdnn', file: SAMPLE_2D, keys: { model_type: 'skdnn', depth: 2, width: 12, activation: 'gelu', ...quick } },
  { name: 'poly', file: SAMPLE_2D, keys: { model_type: 'poly', degree: 6 } },
  { name: 'bdt', file: SAMPLE_2D, keys: { model_type: 'bdt', max_depth: 5, learning_rate: 0.3, n_estimators: 20 } },
  { name: 'skdnn-average', file: SAMPLE_4D, keys: { model_type: 'skdnn', depth: 1, width: 10, activation: 'tanh', symmetry_mode: 'average', ...sym, ...quick } },
  { name: 'bdt-fold', file: SAMPLE_4D, keys: { model_type: 'bdt', max_depth: 4, learning_rate: 0.3, n_estimators: 10, symmetry_mode: 'fold', ...sym } },
  { name: 'dnn-heteroscedastic', file: SAMPLE_2D, keys: { model_type: 'dnn', depth: 1, width: 8, activation: 'softplus', uncertainty: 'heteroscedastic', ...quick }, sigma: true },
  { name: 'mlp-gelu', file: SAMPLE_2D, keys: { model_type: 'mlp', depth: 2, width: 12, activation: 'gelu', ...quick } },
  { name: 'mlp-relu', file: SAMPLE_2D, keys: { model_type: 'mlp', depth: 2, width: 12, activation: 'relu', ...quick } },
  { name: 'groupkan', file: SAMPLE_2D, keys: { model_type: 'mlp', depth: 1, width: 8, activation: 'rational', rational_groups: 4, ...quick } },
  { name: 'kan', file: SAMPLE_2D, keys: { model_type: 'kan', depth: 1, width: 4, ...quick } },
  { name: 'skdnn-ensemble-average', file: SAMPLE_4D, keys: { model_type: 'skdnn', depth: 1, width: 8, activation: 'elu', uncertainty: 'ensemble', ensemble_members: 2, symmetry_mode: 'average', ...sym, ...quick }, sigma: true },
  {
    name: 'skdnn-bnn-log-edges-average', file: SAMPLE_4D, data: { log_edges: ['x2'], periodic: ['x4'] },
    keys: { model_type: 'skdnn', depth: 1, width: 8, activation: 'silu', uncertainty: 'bnn', bnn_samples: 3, symmetry_mode: 'average', symmetries: [sym.symmetries[0]], ...quick }, sigma: true,
  },
];

const trained = new Map<string, Promise<string>>();
function model(name: string): Promise<string> {
  const c = CASES.find((k) => k.name === name);
  if (c === undefined) throw new Error(name);
  let p = trained.get(name);
  if (p === undefined) {
    const dir = join(work, name);
    const config = validateConfig({ data: { files: c.file, target: 'f01', born: 'f00', max_rows: 1500, ...c.data }, target_transform: 'log-standardize', ...c.keys }, name);
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

// ampfit combine's mean of two seeds: one graph evaluating both members.
test('libampfit evaluates the mean of two init_seeds (ampfit combine) as predict does (≤ 1e-12)', { skip }, async () => {
  const base = { data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 1500 }, target_transform: 'log-standardize', model_type: 'skdnn', depth: 2, width: 10, activation: 'silu', ...quick };
  const dirs = await Promise.all([21, 22].map(async (initSeed) => {
    const dir = join(work, `combine-member-${initSeed}`);
    await runTraining({ config: validateConfig({ ...base, init_seed: initSeed }, dir), outDir: dir, log: memoryLogger() });
    return dir;
  }));
  const out = join(work, 'combined');
  await combineModels(dirs, out, { force: false, log: memoryLogger(), command: 'test' });
  const { x, n } = await points(SAMPLE_2D, 700);
  const want = loadModel(out).predict(x, n);
  const got = evalC(out, x, n);
  assert.equal(got.status, 0, got.message);
  const { max, at } = maxRelativeDifference(got.value, want);
  assert.ok(max <= AGREEMENT, `combined: max relative difference ${max} at ${at}: ${got.value[at]} vs ${want[at]}`);
  const one = evalC(dirs[0], x, n).value;
  assert.ok(maxRelativeDifference(one, want).max > 1e-6, 'the mean is not its first member');
});

// Deep Sets on raw four-momenta (ggyyg): the momentumFeatures op, its physics checks and the training-range domain.
const GGYYG = join(SHARED_DATA, 'ggyyg/ggyyg_train_00.csv.gz');
test('libampfit evaluates a Deep Sets model on ggyyg momenta as predict does, and flags unphysical momenta', { skip }, async () => {
  const lines = gunzipSync(readFileSync(GGYYG)).toString('latin1').split('\n', 801);
  const slice = writeText(work, 'ggyyg-800.csv', lines.join('\n') + '\n');
  const particles = [{ name: 'p1', type: 'g' }, { name: 'p2', type: 'g' }, { name: 'p3', type: 'a' }, { name: 'p4', type: 'a' }, { name: 'p5', type: 'g' }];
  const dir = join(work, 'dsi');
  const config = validateConfig({
    data: { files: slice, target: 'msq', momenta: { particles } }, model_type: 'ds', features: 'momenta+invariants', ds_latent: 8, depth: 1, width: 16,
    activation: 'gelu', target_transform: 'log-standardize', ...quick,
  }, 'dsi');
  await runTraining({ config, outDir: dir, log: memoryLogger() });
  const m = loadModel(dir);
  const n = 100;
  const x = new Float64Array(lines.slice(1, n + 1).flatMap((l) => l.split(',').slice(0, 20).map(Number)));
  const got = evalC(dir, x, n);
  assert.equal(got.status, 0, got.message);
  const { max } = maxRelativeDifference(got.value, m.predict(x, n));
  assert.ok(max <= AGREEMENT, `max relative difference ${max}`);
  const info = drive(dir, 'info');
  assert.ok(info.lines.includes('kind 1'), 'input kind: momenta');
  // Row 0 with a negative energy, row 1 with momentum not conserved, row 2 untouched.
  const bad = x.slice(0, 3 * 20);
  bad[0] = -bad[0];
  bad[20 + 9] += 50;
  const r = evalC(dir, bad, 3);
  assert.equal(r.status, 7, 'AMPFIT_ERR_DOMAIN');
  assert.match(r.message, /2 of 3 points are outside the model's domain \(NaN\); the first, point 0: .*(physics|trained)/);
  assert.ok(Number.isNaN(r.value[0]) && Number.isNaN(r.value[1]) && r.value[2] === got.value[2]);
  const codes = drive(dir, 'check', bad, 3);
  assert.equal(codes.status, 0);
  // The negated energy is also outside the training range, which is checked first.
  assert.deepEqual(codes.lines.map((l) => Number(l.split(' ')[0])), [2, 3, 0]);
});

// L-GATr on ggyyg momenta: the multivector ops (test/support/lgatrModel.ts: a perturbed model whose value varies over phase space).
test('libampfit evaluates an L-GATr model on ggyyg momenta as predict does', { skip }, async () => {
  const n = 300;
  const { csv, x } = ggyygSlice(work, n);
  const dir = await perturbedLgatr(work, csv);
  const m = loadModel(dir);
  const want = m.predict(x, n);
  const got = evalC(dir, x, n);
  assert.equal(got.status, 0, got.message);
  const { max, at } = maxRelativeDifference(got.value, want);
  console.log(`# libampfit vs predict (L-GATr): max relative difference ${max.toExponential(2)}`);
  assert.ok(max <= AGREEMENT, `max relative difference ${max} at ${at}: ${got.value[at]} vs ${want[at]}`);
  assert.ok(Math.max(...want) / Math.min(...want) > 10, 'the model varies over phase space');
  assert.ok(drive(dir, 'info').lines.includes('kind 1'), 'input kind: momenta');
  // The algebra's constants come from the file, so libampfit checks them: a product sign of 2, a blade 16, too few heads.
  const graph = serializeGraph(modelGraph(m));
  const tampered = (name: string, edit: (op: Record<string, unknown>) => boolean): Run => {
    const json = JSON.parse(JSON.stringify(graph.json)) as { ops: Record<string, unknown>[] };
    assert.ok(json.ops.some(edit), `${name}: nothing to edit`);
    const f = join(work, `${name}.ampfit`);
    writeModelFileWithGraph(f, m.header, m.regressor.serialize(), { json: json as typeof graph.json, arrays: graph.arrays });
    return drive(f, 'load');
  };
  const sign = tampered('lgatr-sign', (op) => op.kind === 'mvBilinear' && ((op.table as { sign: number[] }).sign[3] = 2) === 2);
  assert.equal(sign.status, 2);
  assert.match(sign.message, /graph op \d+ \(mvBilinear\): 'table.sign' holds a value that is not \+1 or -1/);
  const blade = tampered('lgatr-blade', (op) => op.kind === 'mvBilinear' && ((op.table as { out: number[] }).out[0] = 16) === 16);
  assert.match(blade.message, /\(mvBilinear\): 'out' holds a value out of range \(at most 15\)/);
  const heads = tampered('lgatr-heads', (op) => op.kind === 'mvAttention' && (op.heads = 1) === 1);
  assert.match(heads.message, /\(mvAttention\): its heads do not split its channels/);
});

// Angular models (issue 15): the angularHead op, from the zz8d recipe (two decays, l ≤ 2, boson-swap orbit, Born-shape
// term, edge logarithms of x2), a variant with one decay, l ≤ 1, a linear target transform, no symmetry and no edge
// logarithms, and the recipe with edge logarithms of two columns.
const ZZ8D = join(SHARED_DATA, 'zz8d/zz8d_train_00.csv.gz');
const ANGULAR: { name: string; overrides: string[] }[] = [
  { name: 'zz8d recipe', overrides: [] },
  { name: 'one decay, l ≤ 1, standardize', overrides: ['angular.l_max=1', 'angular.decays=[{"cos_theta":"x5","phi":"x6"}]', 'symmetries=[]', 'target_transform="standardize"', 'data.log_edges=[]'] },
  { name: 'zz8d recipe with edge logarithms of cos θ* and m34', overrides: ['data.log_edges=["x2","x3"]'] },
];
for (const [i, a] of ANGULAR.entries()) {
  test(`libampfit evaluates an angular model (${a.name}) as predict does (≤ 1e-12)`, { skip }, async () => {
    const config = loadConfig(join(REPO, 'examples/zz8d-best.json'), [
      `data.files=${JSON.stringify(ZZ8D)}`, 'data.max_rows=1500', 'width=12', 'depth=1', 'steps_per_epoch=5', 'epochs=2', 'time_budget_s=null',
      'lr_clock="epochs"', 'batch_size=64', 'threads=1', ...a.overrides,
    ]);
    const dir = join(work, `angular-${i}`);
    await runTraining({ config, outDir: dir, log: memoryLogger() });
    const m = loadModel(dir);
    assert.ok(describeSurrogate(m).graph.ops.some((op) => op.kind === 'angularHead'), 'the graph has an angularHead op');
    const n = 400;
    const x = uniformPoints(new Rng(`angular ${i}`), n, 8);
    // Points on the faces, where the edge logarithms read their floor.
    for (let j = 0; j < 4; j++) x[8 + j] = 0;
    for (let j = 0; j < 4; j++) x[16 + j] = 1;
    const want = m.predict(x, n);
    const got = evalC(dir, x, n);
    assert.equal(got.status, 0, got.message);
    const { max, at } = maxRelativeDifference(got.value, want);
    assert.ok(max <= AGREEMENT, `${a.name}: max relative difference ${max} at ${at}: ${got.value[at]} vs ${want[at]}`);
    // The head is not a constant: the points' values spread.
    assert.ok(Math.max(...want) - Math.min(...want) > 1e-6 * Math.max(...want.map(Math.abs)), 'predictions vary');
    const graph = serializeGraph(modelGraph(m));
    const logEdges = graph.json.ops.findIndex((op) => op.kind === 'logEdges');
    assert.equal(logEdges >= 0, config.data.log_edges.length > 0);
    if (logEdges < 0) return;
    // A floor the writer would refuse, put into the file by hand: libampfit names the op and the key, and nothing else.
    const json = JSON.parse(JSON.stringify(graph.json)) as { ops: Record<string, unknown>[] };
    json.ops[logEdges].floor = 0.75;
    const f = join(work, 'log-edges-floor.ampfit');
    writeModelFileWithGraph(f, m.header, m.regressor.serialize(), { json: json as typeof graph.json, arrays: graph.arrays });
    const r = drive(f, 'load');
    assert.match(r.message, new RegExp(`graph op ${logEdges} \\(logEdges\\): its floor is not in \\(0, 0\\.5\\)$`));
  });
}

test('ampfit_check: NaN, outside the unit cube, inside; eval gives NaN there and AMPFIT_ERR_DOMAIN after evaluating the rest', { skip }, async () => {
  const dir = await model('dnn');
  const x = Float64Array.from([0.5, 0.5, Number.NaN, 0.2, 0.3, 1.5, 0.25, 0.75, 1, 0, -1e-300, 0.5]);
  const codes = drive(dir, 'check', x, 6);
  assert.deepEqual(codes.lines, ['0 inside the model\'s domain', '1 an input is NaN or infinite', '2 a coordinate is outside the model\'s trained input domain',
    '0 inside the model\'s domain', '0 inside the model\'s domain', '2 a coordinate is outside the model\'s trained input domain']);
  const r = evalC(dir, x, 6);
  assert.equal(r.status, 7);
  assert.match(r.message, /3 of 6 points are outside the model's domain \(NaN\); the first, point 1: an input is NaN or infinite/);
  const want = loadModel(dir).predict(Float64Array.from([0.5, 0.5, 0.25, 0.75, 1, 0]), 3);
  const { max } = maxRelativeDifference([r.value[0], r.value[3], r.value[4]], want);
  assert.ok(max <= AGREEMENT, `max relative difference ${max}`);
  assert.ok([1, 2, 5].every((i) => Number.isNaN(r.value[i])));
  const info = drive(dir, 'info');
  assert.ok(info.lines.includes('input x1 0 1') && info.lines.includes('badname 5'), info.lines.join('\n'));
  const json = JSON.parse(info.lines.find((l) => l.startsWith('info '))?.slice(5) ?? '') as { type: string; inputs: string[]; has_sigma: boolean };
  assert.equal(json.type, 'dnn');
  assert.deepEqual(json.inputs, ['x1', 'x2']);
});

test('4 threads evaluating on one handle give the bits of 1 thread', { skip }, async () => {
  const dir = await model('skdnn-ensemble-average');
  const { x, n } = await points(SAMPLE_4D, 3000);
  const r = drive(dir, 'threads', x, n);
  assert.deepEqual(r.lines, ['identical 1']);
  assert.equal(r.status, 0);
});

test('damaged files: truncated, bad magic, a flipped byte, no graph, not there — each its status and message', { skip }, async () => {
  const dir = await model('dnn');
  const good = readFileSync(join(dir, 'model.ampfit'));
  const write = (name: string, bytes: Uint8Array): string => {
    const f = join(work, name);
    writeFileSync(f, bytes);
    return f;
  };
  const truncated = drive(write('truncated.ampfit', good.subarray(0, good.length - 100)), 'load');
  assert.equal(truncated.status, 2);
  assert.match(truncated.message, /truncated: \d+ bytes, header says \d+/);
  const tiny = drive(write('tiny.ampfit', good.subarray(0, 20)), 'load');
  assert.equal(tiny.status, 2);
  assert.match(tiny.message, /truncated \(20 bytes/);
  const magic = Buffer.from(good);
  magic[0] = 0x61;
  const m = drive(write('magic.ampfit', magic), 'load');
  assert.equal(m.status, 2);
  assert.match(m.message, /not an ampfit model file \(bad magic bytes\)/);
  const flipped = Buffer.from(good);
  flipped[Math.floor(good.length / 2)] ^= 0x10;
  const f = drive(write('flipped.ampfit', flipped), 'load');
  assert.equal(f.status, 3);
  assert.match(f.message, /checksum mismatch: the file is corrupted or was modified/);
  const newer = Buffer.from(good);
  newer[8] = 9;
  assert.equal(drive(write('newer.ampfit', newer), 'load').status, 4);
  const missing = drive(join(work, 'nothing-here.ampfit'), 'load');
  assert.equal(missing.status, 1);
  assert.match(missing.message, /cannot open model .*nothing-here\.ampfit/);
  // A model file as ampfit wrote them before the graph was stored: loads in TS, not in C, which says how to add the graph.
  const old = join(REPO, 'test/fixtures/models/skdnn-average');
  const o = drive(old, 'load');
  assert.equal(o.status, 4);
  assert.match(o.message, /has no stored model graph .*ampfit export --format ampfit --model <model dir> --out <file>/);
  const loaded = drive(dir, 'load');
  assert.equal(loaded.status, 0);
  assert.equal(loaded.message, '');
});

const BIN = join(REPO, 'bin/ampfit.js');
test('export --format ampfit gives an old model file its graph; libampfit then agrees with predict on it', { skip }, async () => {
  for (const name of ['skdnn-average', 'bdt', 'poly', 'dnn-heteroscedastic']) {
    const src = join(REPO, 'test/fixtures/models', name);
    const out = join(work, `${name}-graph.ampfit`);
    const r = spawnSync(process.execPath, [BIN, 'export', '--format', 'ampfit', '--model', src, '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /wrote .*graph of \d+ ops/);
    const m = loadModel(src);
    // The copy is the same model to TypeScript: same header (plus the graph), same regressor arrays, same predictions.
    const before = readModelFile<Record<string, unknown>>(join(src, 'model.ampfit'));
    const after = readModelFile<Record<string, unknown>>(out);
    for (const [k, a] of Object.entries(before.arrays)) assert.deepEqual(after.arrays[k], a, k);
    const { x, n } = await points(m.d === 2 ? SAMPLE_2D : SAMPLE_4D, 500);
    copyFileSync(out, join(work, `${name}-copy.ampfit`));
    assert.deepEqual(loadModel(out).predict(x, n), m.predict(x, n));
    const got = evalC(out, x, n);
    assert.equal(got.status, 0, got.message);
    const { max } = maxRelativeDifference(got.value, m.predict(x, n));
    assert.ok(max <= AGREEMENT, `${name}: max relative difference ${max}`);
  }
});

test('ampfit_load_memory loads the same model from bytes; the timing loop runs (times reported, not asserted)', { skip }, async () => {
  const dir = await model('skdnn');
  const mem = drive(join(dir, 'model.ampfit'), 'memory');
  assert.deepEqual(mem.lines, ['dim 2', 'info identical 1']);
  assert.equal(mem.status, 0);
  const garbage = drive(join(REPO, 'package.json'), 'memory');
  assert.equal(garbage.status, 2);
  const { x, n } = await points(SAMPLE_2D, 2000);
  const r = drive(dir, 'time', x, n);
  const load = Number(/load_ms (\S+)/.exec(r.lines.join('\n'))?.[1]);
  const each = Number(/eval_us_per_point (\S+)/.exec(r.lines.join('\n'))?.[1]);
  assert.ok(load > 0 && each > 0, r.lines.join('\n'));
  process.stderr.write(`libampfit skdnn 2-12: load ${load} ms, eval ${each} µs/point\n`);
});
