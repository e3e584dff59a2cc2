// libampfit as a BLHA one-loop provider (native/runtime/src/blha.c,
// include/ampfit_blha.h): a caller written as Sherpa's LH_OLE drives it
// (test/runtime/callers/lhole.c) — OLP_Start with a contract file, OLP_Info,
// OLP_SetParameter, then OLP_EvalSubProcess2 and the BLHA1 OLP_EvalSubProcess
// on ggyyg phase-space points — with a Deep Sets ensemble trained on the
// shared data's four-momenta, a member of a function set derived from it by
// the photon exchange, and the Loop layout with a Born. Values agree with
// `ampfit predict` (≤ 1e-12), acc is predict's σ_syst / |value|, and every
// contract mistake stops OLP_Start with the file and line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { validateConfig } from '../../src/config/load.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { predictColumns } from './predictCli.js';
import { zzPoints } from './zzMomenta.js';
import { REPO, SAMPLE_2D, SHARED_DATA, tempDir, writeText } from '../helpers.js';
import { AGREEMENT, haveGcc, maxRelativeDifference, writeDoubles } from '../export/fixtures.js';

const RUNTIME = join(REPO, 'native/runtime');
const GGYYG = join(SHARED_DATA, 'ggyyg/ggyyg_train_00.csv.gz');
const work = tempDir('ampfit-blha-');
const skip = haveGcc() ? false : 'gcc is not installed';
const N = 60;
const PARTICLES = ['p1', 'p2', 'p3', 'p4', 'p5'];
const INPUTS = PARTICLES.flatMap((p) => ['E', 'px', 'py', 'pz'].map((c) => `${p}_${c}`));

function run(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}:\n${r.stderr}`);
  return r.stdout;
}

interface Fixture { lhole: string; dir: string; set: string; points: string; csv: string }

async function fixture(): Promise<Fixture> {
  run('make', ['-C', RUNTIME, '-s']);
  const lhole = join(work, 'lhole');
  run('gcc', ['-O2', '-std=c11', '-Wall', '-Wextra', '-Werror', '-I', join(RUNTIME, 'include'), join(REPO, 'test/runtime/callers/lhole.c'), join(RUNTIME, 'build/libampfit.a'),
    '-lm', '-pthread', '-o', lhole]);
  const lines = gunzipSync(readFileSync(GGYYG)).toString('latin1').split('\n', 801);
  const train = writeText(work, 'ggyyg-800.csv', lines.join('\n') + '\n');
  // Training rows whose photon exchange (member B) also lies inside the trained range: libampfit checks the
  // base model's domain at the exchanged momenta. Agreement is the point here, not generalisation.
  const values = lines.slice(1, 801).map((l) => l.split(',').slice(0, 20).map(Number));
  const lo = INPUTS.map((_, j) => Math.min(...values.map((v) => v[j])));
  const hi = INPUTS.map((_, j) => Math.max(...values.map((v) => v[j])));
  const exchanged = (v: number[]): number[] => [...v.slice(0, 8), ...v.slice(12, 16), ...v.slice(8, 12), ...v.slice(16)];
  const rows = lines.slice(1, 801).filter((_, i) => exchanged(values[i]).every((y, j) => y >= lo[j] && y <= hi[j])).slice(0, N);
  assert.equal(rows.length, N);
  const csv = writeText(work, 'points.csv', [lines[0], ...rows].join('\n') + '\n');
  const points = join(work, 'points.bin');
  writeDoubles(points, new Float64Array(rows.flatMap((l) => l.split(',').slice(0, 20).map(Number))));
  const dir = join(work, 'dsi');
  const config = validateConfig({
    data: { files: train, target: 'msq', momenta: { particles: [{ name: 'p1', type: 'g' }, { name: 'p2', type: 'g' }, { name: 'p3', type: 'a' }, { name: 'p4', type: 'a' }, { name: 'p5', type: 'g' }] } },
    model_type: 'ds', features: 'momenta+invariants', ds_latent: 8, depth: 1, width: 16, activation: 'gelu', target_transform: 'log-standardize',
    uncertainty: 'ensemble', ensemble_members: 2, steps_per_epoch: 20, epochs: 2, decay_epochs: 2, batch_size: 64, threads: 1, seed: 3,
  }, 'blha-dsi');
  await runTraining({ config, outDir: dir, log: memoryLogger() });
  // A function set as train-set writes it: A is the model, B(p) = 0.5 · A(p with the photons p3, p4 exchanged), D(p) = 2 · B(p exchanged).
  const set = join(work, 'set');
  mkdirSync(set);
  const swapped = INPUTS.map((n) => n.replace(/^p3_/, 'q4_').replace(/^p4_/, 'p3_').replace(/^q4_/, 'p4_'));
  writeFileSync(join(set, 'set.json'), JSON.stringify({ name: 'ggyyg', inputs: INPUTS, functions: [
    { name: 'A', model: '../dsi' }, { name: 'B', from: 'A', map: `(${swapped.join(', ')})`, factor: 0.5 }, { name: 'C', from: 'A', map: `(1-p1_E, ${INPUTS.slice(1).join(', ')})` },
    // A chain: the exchange twice is no exchange, and 2 · 0.5 = 1, so D = A.
    { name: 'D', from: 'B', map: `(${swapped.join(', ')})`, factor: 2 },
  ] }));
  return { lhole, dir, set, points, csv };
}
const ready = skip === false ? fixture() : null;

/** `ampfit predict` of the points: value and σ_syst columns. */
function predict(args: readonly string[], f: Fixture, name: string): { value: Float64Array; sigma: Float64Array } {
  const [value, sigma] = predictColumns(args, f.csv, join(work, `${name}.csv`), ['prediction', 'sigma_syst']);
  return { value, sigma };
}

const CONTRACT = `# OLE_contract.lh: the answer to Sherpa's order file, subprocess ids after '|'
InterfaceVersion       BLHA2        | OK
Model                  SM           | OK
CorrectionType         QCD          | OK
IRregularisation       CDR          | OK
AlphasPower            3            | OK
AlphaPower             2            | OK
AmpfitParameter        alpha_s 0.118
AmpfitParameter        mass(23) 91.1876

AmplitudeType          LoopInduced  | OK
AmpfitModel            dsi
21 21 -> 22 22 21      | 1 1
AmpfitSet              set
AmpfitMember           B
21 21 -> 22 22 21      | 1 2   # the photon exchange of A, halved
AmpfitMember           D
21 21 -> 22 22 21      | 1 4

AmplitudeType          Loop         | OK
AmpfitModel            dsi
AmpfitBorn             dsi          # (a stand-in Born: checks the rval layout)
AmpfitScale            1000
21 21 -> 22 22 21      | 2 7 8
`;

interface Row { id: number; rval: number[]; acc: number; message: string; blha1: number[] }

function parse(lines: readonly string[]): Row[] {
  return lines.filter((l) => /^-?\d+ /.test(l)).map((l) => {
    const [left, right] = l.split(' | ');
    const m = /^(\S+) (\S+) (\S+) (\S+) (\S+) (\S+)(?: \((.*)\))?$/.exec(left);
    assert.ok(m !== null, l);
    return { id: Number(m[1]), rval: m.slice(2, 6).map(Number), acc: Number(m[6]), message: m[7] ?? '', blha1: right.split(' ').map(Number) };
  });
}

test('a Sherpa-style LH_OLE caller: OLP_Start, OLP_Info, OLP_SetParameter, then OLP_EvalSubProcess2/OLP_EvalSubProcess agree with ampfit predict (≤ 1e-12)', { skip }, async () => {
  const f = await (ready as Promise<Fixture>);
  const contract = writeText(work, 'OLE_contract.lh', CONTRACT);
  const out = run(f.lhole, [contract, f.points, String(N), '5', '1000', '1', '2', '4', '7', '8', '999']).split('\n');
  assert.equal(out[0], 'start 1 ');
  const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  assert.match(out[1], new RegExp(`^info ampfit ${version.replace(/\./g, '\\.')} ampfit surrogate amplitudes`));
  // Declared and equal: 1; declared and different: 0 with the reason; not declared: 2 (ignored).
  assert.deepEqual(out.slice(2, 7), [
    'param alpha_s 0.11799999999999999 1',
    'param alpha_s 0.20000000000000001 0 OLP_SetParameter: alpha_s = 0.20000000000000001, the surrogate was trained at 0.11799999999999999 (AmpfitParameter in the contract)',
    'param mass(23) 91.187600000000003 1',
    'param width(23) 2.4952000000000001 2',
    'param mass(6) 173.19999999999999 2',
  ]);
  const rows = parse(out);
  assert.equal(rows.length, 6 * N);
  const A = predict(['--model', f.dir], f, 'A');
  const B = predict(['--set', f.set, '--function', 'B'], f, 'B');
  const of = (id: number): Row[] => rows.filter((r) => r.id === id);
  // LoopInduced: rval[0] only (the caller's -1 stays in the rest); acc = σ/|value|; BLHA1 gives the same.
  for (const [id, want] of [[1, A], [2, B]] as const) {
    const r = of(id);
    const v = maxRelativeDifference(r.map((x) => x.rval[0]), want.value);
    assert.ok(v.max <= AGREEMENT, `id ${id}: max relative difference from ampfit predict ${v.max}`);
    const acc = maxRelativeDifference(r.map((x) => x.acc), Float64Array.from(want.value, (y, i) => want.sigma[i] / Math.abs(y)));
    assert.ok(acc.max <= AGREEMENT, `id ${id}: acc differs from predict's σ_syst/|value| by ${acc.max}`);
    const odd = r.find((x) => !(x.rval.slice(1).every((y) => y === -1) && x.blha1[0] === x.rval[0]));
    assert.equal(odd, undefined, 'LoopInduced writes rval[0] only, BLHA1 the same value');
    process.stderr.write(`BLHA id ${id}: max relative difference from ampfit predict ${v.max}, acc ${acc.max}\n`);
  }
  assert.ok(of(2).some((r, i) => Math.abs(r.rval[0] - 0.5 * of(1)[i].rval[0]) > 1e-6 * Math.abs(r.rval[0])), 'B is not simply A halved: the map acts');
  // The chain folds to the identity and factor 1: D is A to the bit, as predict --set says too.
  assert.deepEqual(of(4).map((r) => r.rval[0]), of(1).map((r) => r.rval[0]));
  const D = predict(['--set', f.set, '--function', 'D'], f, 'D');
  assert.ok(maxRelativeDifference(of(4).map((r) => r.rval[0]), D.value).max <= AGREEMENT);
  // Loop: (1/ε², 1/ε, finite, Born); here the stand-in Born is the model itself.
  const loop = of(7);
  assert.ok(loop.every((r, i) => r.rval[0] === 0 && r.rval[1] === 0 && r.rval[2] === of(1)[i].rval[0] && r.rval[3] === r.rval[2] && r.blha1.every((y, k) => y === r.rval[k])));
  assert.deepEqual(of(8).map((r) => r.rval), loop.map((r) => r.rval));
  const unknown = of(999);
  assert.ok(unknown.every((r) => Number.isNaN(r.rval[0]) && Number.isNaN(r.acc) && r.message === 'OLP_EvalSubProcess: no subprocess has id 999 in the contract'));
});

test('BLHA evaluation refuses, with NaN and a reason: another scale than AmpfitScale, unphysical momenta', { skip }, async () => {
  const f = await (ready as Promise<Fixture>);
  const contract = writeText(work, 'OLE_contract.lh', CONTRACT);
  const scale = parse(run(f.lhole, [contract, f.points, '2', '5', '91.1876', '7', '1']).split('\n'));
  assert.match(scale[0].message, /^subprocess 7: mu = 91\.187600000000003 GeV, the surrogate was trained at AmpfitScale 1000 GeV$/);
  assert.ok(Number.isNaN(scale[0].rval[3]) && Number.isNaN(scale[0].acc));
  assert.ok(Number.isFinite(scale[1].rval[0]), 'id 1 declares no scale');
  // Momentum not conserved: the first point with p5's pz shifted.
  const x = new Float64Array(readFileSync(f.points).buffer.slice(0, 160));
  x[19] += 40;
  const bad = join(work, 'bad.bin');
  writeDoubles(bad, x);
  const r = parse(run(f.lhole, [contract, bad, '1', '5', '1000', '1']).split('\n'));
  assert.ok(Number.isNaN(r[0].rval[0]) && Number.isNaN(r[0].acc));
  assert.match(r[0].message, /outside the model's domain/);
});

test('OLP_Start stops at a contract mistake with ierr 0 and the file and line', { skip }, async () => {
  const f = await (ready as Promise<Fixture>);
  const cases: [string, RegExp][] = [
    ['AmpfitModel dsi\n21 21 -> 22 22 21 | 1 1\n', /line 2: AmplitudeType Loop returns the Born in rval\[3\]: name a Born model with AmpfitBorn/],
    ['AmplitudeType LoopInduced\n21 21 -> 22 22 21 | 1 1\n', /line 2: no AmpfitModel or AmpfitMember line before this subprocess/],
    ['AmplitudeType LoopInduced\nAmpfitModel dsi\n21 21 -> 22 22 | 1 1\n', /line 3: the subprocess has 4 particles, its model takes 5/],
    ['AmplitudeType LoopInduced\nAmpfitModel dsi\n21 21 -> 22 22 21\n', /line 3: the subprocess has no ids: its answer must be '\| <count> <id> \.\.\.'/],
    ['AmplitudeType LoopInduced\nAmpfitModel dsi\n21 21 -> 22 22 21 | 1 1\n21 21 -> 22 22 21 | 1 1\n', /line 4: subprocess id 1 was already given on line 3/],
    ['AmplitudeType ccTree\n', /line 1: AmplitudeType must be Loop, Tree or LoopInduced/],
    ['AmpfitModel nothing-here\n', /line 1: cannot open model .*nothing-here/],
    ['AmpfitSet set\nAmpfitMember Z\n', /line 2: the function set in .*set has no function 'Z'/],
    ['AmpfitSet set\nAmpfitMember C\n', /line 2: member 'C' reflects input p1_E \(1-x\): four-momenta can only be permuted/],
    ['CorrectionType QCD | Error: unsupported flag\n', /line 1: the contract answers this line with an Error/],
    ['AmpfitModle dsi\n', /line 1: unknown Ampfit keyword/],
    ['InterfaceVersion BLHA2 | OK\n', /has no subprocess line/],
  ];
  for (const [text, want] of cases) {
    const contract = writeText(work, 'bad.lh', text);
    const line = run(f.lhole, [contract]).split('\n')[0];
    assert.match(line, /^start 0 /, text);
    assert.match(line, want, text);
    assert.ok(line.includes(contract), line);
  }
  // A coordinate model without a momentum map cannot take BLHA momenta.
  const zz = writeText(work, 'zz.lh', `AmplitudeType LoopInduced\nAmpfitModel ${join(REPO, 'test/fixtures/models/poly')}\n`);
  assert.match(run(f.lhole, [zz]).split('\n')[0], /^start 0 .*line 2: /);
});

test('OLP_Start, evaluations, a failed restart and ampfit_blha_finish are clean under valgrind memcheck (no invalid access, no leak)', { skip: skip !== false ? skip : spawnSync('valgrind', ['--version']).status === 0 ? false : 'valgrind is not installed' }, async () => {
  const f = await (ready as Promise<Fixture>);
  const contract = writeText(work, 'OLE_contract.lh', CONTRACT);
  for (const args of [[contract, f.points, '3', '5', '1000', '1', '2', '7', '999'], [writeText(work, 'half.lh', 'AmplitudeType LoopInduced\nAmpfitModel dsi\nAmpfitSet set\nAmpfitMember Z\n')]]) {
    const r = spawnSync('valgrind', ['--leak-check=full', '--errors-for-leak-kinds=definite,indirect', '--error-exitcode=99', f.lhole, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    assert.match(r.stderr, /ERROR SUMMARY: 0 errors/);
  }
});

test('a zz2d ratio model through its momentum map with a Born model: Loop gives (0, 0, ratio × Born, Born) as ampfit predict does (≤ 1e-12)', { skip }, async () => {
  const f = await (ready as Promise<Fixture>);
  const train = async (name: string, data: Record<string, unknown>): Promise<string> => {
    const config = validateConfig({ data: { files: SAMPLE_2D, max_rows: 1500, momentum_map: 'zz4l-2d', ...data }, model_type: 'poly', degree: 5, target_transform: 'log-standardize' }, name);
    await runTraining({ config, outDir: join(work, name), log: memoryLogger() });
    return join(work, name);
  };
  const ratio = await train('zz-ratio', { target: 'f01', born: 'f00' });
  const born = await train('zz-born', { target: 'f00' });
  const n = 40;
  // The reference: ampfit predict on the TypeScript map's coordinates of the same momenta.
  const { momenta: points, csv } = zzPoints(work, 'zz', n, 7);
  const [wantRatio] = predictColumns(['--model', ratio, '--ratio'], csv, join(work, 'zz-ratio.csv'), ['prediction_ratio']);
  const [wantBorn] = predictColumns(['--model', born], csv, join(work, 'zz-born.csv'), ['prediction']);
  const contract = writeText(work, 'zz.lh', 'AmplitudeType Loop\nAmpfitModel zz-ratio\nAmpfitBorn zz-born\n2 -2 -> 11 -11 13 -13 | 1 3\n');
  const out = run(f.lhole, [contract, points, String(n), '6', '91.1876', '3']).split('\n');
  assert.equal(out[0], 'start 1 ');
  const rows = parse(out);
  assert.equal(rows.length, n);
  assert.ok(rows.every((r) => r.rval[0] === 0 && r.rval[1] === 0 && Number.isNaN(r.acc)), 'no poles learned; a poly has no σ');
  const b = maxRelativeDifference(rows.map((r) => r.rval[3]), wantBorn);
  const v = maxRelativeDifference(rows.map((r) => r.rval[2]), Float64Array.from(wantRatio, (y, i) => y * wantBorn[i]));
  assert.ok(b.max <= AGREEMENT && v.max <= AGREEMENT, `Born ${b.max}, finite ${v.max}`);
  process.stderr.write(`BLHA zz2d Loop: max relative difference from ampfit predict: finite ${v.max}, Born ${b.max}\n`);
});

test('OLP_EvalSubProcess2 from 4 threads after one OLP_Start gives the bits of 1 thread, clean under helgrind', { skip: skip !== false ? skip : spawnSync('valgrind', ['--version']).status === 0 ? false : 'valgrind is not installed' }, async () => {
  const f = await (ready as Promise<Fixture>);
  const exe = join(work, 'blha_threads');
  run('gcc', ['-O2', '-g', '-std=c11', '-Wall', '-Wextra', '-Werror', '-I', join(RUNTIME, 'include'), join(REPO, 'test/runtime/callers/blha_threads.c'),
    join(RUNTIME, 'build/libampfit.a'), '-lm', '-pthread', '-o', exe]);
  const contract = writeText(work, 'OLE_contract.lh', CONTRACT);
  assert.equal(run(exe, [contract, f.points, String(N), '5', '2', '4']).trim(), 'identical 1');
  const r = spawnSync('valgrind', ['--tool=helgrind', '--error-exitcode=99', exe, contract, f.points, '8', '5', '2', '3'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr.slice(-4000));
  assert.match(r.stderr, /ERROR SUMMARY: 0 errors/);
  assert.equal(r.stdout.trim(), 'identical 1');
});
