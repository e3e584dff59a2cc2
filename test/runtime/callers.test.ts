// libampfit from real callers (issue 20, item 6): a C++ program with several
// std::threads sharing one ampfit::model (bit-identical to one thread, run
// under valgrind's helgrind), a Fortran program over the bind(C) module, and
// the Python ctypes module, each compiled or run as a user would, and each
// compared with what the `ampfit predict` command writes (≤ 1e-12 relative):
// coordinates in, and four-momenta in through a zz2d model's momentum map
// (ratio × a Born the caller passes); eval_fallback through each wrapper's
// callback, with the caller's exceptions carried back.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { validateConfig } from '../../src/config/load.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { REPO, SAMPLE_2D, SAMPLE_4D, tempDir, writeText } from '../helpers.js';
import { predictColumns } from './predictCli.js';
import { zzPoints } from './zzMomenta.js';
import { AGREEMENT, haveGcc, maxRelativeDifference, writeDoubles } from '../export/fixtures.js';

const RUNTIME = join(REPO, 'native/runtime');
const CALLERS = join(REPO, 'test/runtime/callers');
const work = tempDir('ampfit-callers-');
const has = (cmd: string): boolean => spawnSync(cmd, ['--version'], { encoding: 'utf8' }).status === 0;
const noGcc = haveGcc() ? false : 'gcc is not installed';

function run(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, env: env ?? process.env });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}:\n${r.stderr}\n${r.stdout.slice(0, 2000)}`);
  return r.stdout;
}

function buildLibrary(): void {
  run('make', ['-C', RUNTIME, '-s']);
}

const N = 300;
const M = 30;

interface Fixture {
  dir: string;
  points: string;
  want: Float64Array;
  wantSigma: Float64Array;
  /** The zz2d ratio model with a momentum map, its momenta file, and predict's ratio × the Born 1 + i/M. */
  zz: string;
  momenta: string;
  wantMomenta: Float64Array;
}

/** A zz2d polynomial of f01/f00 with the zz4l-2d momentum map; the reference is predict --ratio on the TypeScript map's coordinates. */
async function momentumFixture(): Promise<{ zz: string; momenta: string; wantMomenta: Float64Array }> {
  const zz = join(work, 'zz2d-map');
  const config = validateConfig({ data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 1500, momentum_map: 'zz4l-2d' }, model_type: 'poly', degree: 5,
    target_transform: 'log-standardize' }, 'callers-zz');
  await runTraining({ config, outDir: zz, log: memoryLogger() });
  const { momenta, csv } = zzPoints(work, 'zz', M, 11);
  const [ratio] = predictColumns(['--model', zz, '--ratio'], csv, join(work, 'zz-predicted.csv'), ['prediction_ratio']);
  return { zz, momenta, wantMomenta: ratio.map((y, i) => y * (1 + i / M)) };
}

/** An ensemble sk-DNN (it has a learned σ) trained briefly, N sample rows, and what `ampfit predict --ratio` writes for them (the ratio and its σ_syst, as ampfit_eval returns them). */
async function fixture(): Promise<Fixture> {
  buildLibrary();
  const lines = gunzipSync(readFileSync(SAMPLE_4D)).toString('latin1').split('\n', N + 1);
  const csv = writeText(work, 'rows.csv', lines.join('\n') + '\n');
  const x = new Float64Array(lines.slice(1).flatMap((l) => l.split(',').slice(0, 4).map(Number)));
  const points = join(work, 'points.bin');
  writeDoubles(points, x);
  const dir = join(work, 'model');
  const config = validateConfig({
    data: { files: SAMPLE_4D, target: 'f01', born: 'f00', max_rows: 1500 }, target_transform: 'log-standardize', model_type: 'skdnn', depth: 1, width: 8,
    activation: 'elu', uncertainty: 'ensemble', ensemble_members: 2, steps_per_epoch: 20, epochs: 2, decay_epochs: 2, batch_size: 64, threads: 1, seed: 3,
  }, 'callers');
  await runTraining({ config, outDir: dir, log: memoryLogger() });
  const [want, wantSigma] = predictColumns(['--model', dir, '--ratio'], csv, join(work, 'predicted.csv'), ['prediction_ratio', 'sigma_syst']);
  return { dir, points, want, wantSigma, ...(await momentumFixture()) };
}
const ready = noGcc === false ? fixture() : null;

/** The first `n` "value sigma" lines as two arrays. */
function columns(lines: readonly string[], n: number): { value: Float64Array; sigma: Float64Array } {
  const rows = lines.slice(0, n).map((l) => l.trim().split(/\s+/).map(Number));
  assert.equal(rows.length, n);
  return { value: Float64Array.from(rows, (r) => r[0]), sigma: Float64Array.from(rows, (r) => r[1]) };
}

function agrees(label: string, got: { value: Float64Array; sigma: Float64Array }, want: Float64Array, wantSigma: Float64Array): void {
  const v = maxRelativeDifference(got.value, want);
  assert.ok(v.max <= AGREEMENT, `${label}: values differ from ampfit predict by ${v.max} (relative) at ${v.at}: ${got.value[v.at]} vs ${want[v.at]}`);
  const s = maxRelativeDifference(got.sigma, wantSigma);
  assert.ok(s.max <= AGREEMENT, `${label}: σ differs from ampfit predict by ${s.max} (relative) at ${s.at}`);
  process.stderr.write(`${label}: max relative difference from ampfit predict: value ${v.max}, σ ${s.max}\n`);
}

/** The "momenta value sigma" lines: ratio × Born as predict gives it (a poly has no σ: NaN). */
function agreesMomenta(label: string, lines: readonly string[], f: Fixture): void {
  const got = columns(lines.filter((l) => l.startsWith('momenta ') && !l.startsWith('momenta status')).map((l) => l.slice(8)), M);
  const v = maxRelativeDifference(got.value, f.wantMomenta);
  assert.ok(v.max <= AGREEMENT, `${label} eval_momenta: ${v.max} from predict --ratio × Born at ${v.at}`);
  assert.ok(got.sigma.every(Number.isNaN), `${label}: a poly has no σ`);
  process.stderr.write(`${label} eval_momenta: max relative difference from ampfit predict × Born: ${v.max}\n`);
}

const noGxx = noGcc !== false ? noGcc : has('g++') ? false : 'g++ is not installed';
test('C++: 4 std::threads sharing one ampfit::model give the bits of 1 thread and agree with ampfit predict (≤ 1e-12); errors are ampfit::error', { skip: noGxx }, async () => {
  const f = await (ready as Promise<Fixture>);
  const exe = join(work, 'threads');
  run('g++', ['-std=c++20', '-O2', '-Wall', '-Wextra', '-Werror', '-I', join(RUNTIME, 'include'), join(CALLERS, 'threads.cpp'), join(RUNTIME, 'build/libampfit.a'),
    '-lm', '-pthread', '-o', exe]);
  const lines = run(exe, [f.dir, f.points, String(N), '4', f.zz, f.momenta, String(M)]).split('\n');
  agrees('C++', columns(lines, N), f.want, f.wantSigma);
  assert.equal(lines[N], 'identical 1');
  assert.match(lines[N + 1], /^error 1 cannot open model .*model\.not-there/);
  // tol 0: every point (σ > 0) goes to the callback, once; its exception comes back as itself; a coordinate model has no particles (AMPFIT_ERR_UNSUPPORTED).
  assert.deepEqual(lines.slice(N + 2, N + 5), [`fallback 1 ${N} 1`, 'thrown no exact function here', 'particles error 4']);
  agreesMomenta('C++', lines, f);
});

test('C++ threads under valgrind helgrind: no data race reported on the shared handle', { skip: noGxx !== false ? noGxx : has('valgrind') ? false : 'valgrind is not installed' }, async () => {
  const f = await (ready as Promise<Fixture>);
  const exe = join(work, 'threads-g');
  run('g++', ['-std=c++20', '-O1', '-g', '-I', join(RUNTIME, 'include'), join(CALLERS, 'threads.cpp'), join(RUNTIME, 'build/libampfit.a'), '-lm', '-pthread', '-o', exe]);
  // 40 points keep helgrind's ~100× slowdown to seconds; 3 threads still overlap.
  const r = spawnSync('valgrind', ['--tool=helgrind', '--error-exitcode=99', exe, f.dir, f.points, '40', '3'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, `helgrind exit ${r.status}:\n${r.stderr.slice(-4000)}`);
  assert.match(r.stderr, /ERROR SUMMARY: 0 errors/);
  assert.ok(r.stdout.includes('identical 1'));
});

test('Fortran: the bind(C) module loads, evaluates one point per column, and returns messages as Fortran strings (≤ 1e-12 of ampfit predict)', { skip: noGcc !== false ? noGcc : has('gfortran') ? false : 'gfortran is not installed' }, async () => {
  const f = await (ready as Promise<Fixture>);
  const exe = join(work, 'caller-f');
  // The module's .mod file goes to the work directory (-J), not the source tree.
  run('gfortran', ['-std=f2008', '-Wall', '-Werror', '-O2', '-J', work, join(RUNTIME, 'fortran/ampfit.f90'), join(CALLERS, 'caller.f90'), join(RUNTIME, 'build/libampfit.a'),
    '-lm', '-pthread', '-o', exe]);
  const lines = run(exe, [f.dir, f.points, String(N), f.zz, f.momenta, String(M)]).split('\n');
  assert.equal(lines[0], 'status 0');
  agrees('Fortran', columns(lines.slice(1), N), f.want, f.wantSigma);
  assert.match(lines[N + 1], /^error 1 cannot open model .*model\.not-there: No such file or directory$/);
  const version = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  assert.equal(lines[N + 2], `version ${version.version}`);
  assert.match(lines[N + 3], /^particles 4 .*declares no momentum map/);
  assert.equal(lines[N + 4], 'momenta status 0');
  agreesMomenta('Fortran', lines, f);
});

test('Python: the ctypes module evaluates to float64 numpy arrays with σ (≤ 1e-12 of ampfit predict) and raises AmpfitError with the message', { skip: noGcc !== false ? noGcc : has('/usr/bin/python3') ? false : 'python3 is not installed' }, async () => {
  const f = await (ready as Promise<Fixture>);
  const env = { ...process.env, PYTHONPATH: join(RUNTIME, 'python'), AMPFIT_LIBRARY: join(RUNTIME, 'build/libampfit.so'), PYTHONDONTWRITEBYTECODE: '1' };
  const lines = run('/usr/bin/python3', [join(CALLERS, 'caller.py'), f.dir, f.points, String(N), f.zz, f.momenta, String(M)], env).split('\n');
  agrees('Python', columns(lines, N), f.want, f.wantSigma);
  assert.equal(lines[N], 'names x1,x2,x3,x4 kind coordinates sigma 1 type skdnn');
  assert.match(lines[N + 1], /^error 1 cannot open model .*model\.not-there/);
  assert.equal(lines[N + 2], 'error 5 x must have shape (n, 4), got (300, 3)');
  // tol 0: exact gets every point, as the rows of x; its ValueError comes back as itself.
  assert.deepEqual(lines.slice(N + 3, N + 6), [`fallback 1 ${N} 1 1`, 'raised no exact function here', 'particles error 4']);
  agreesMomenta('Python', lines, f);
  // A wrong library path is an AmpfitError too, naming the path.
  const bad = spawnSync('/usr/bin/python3', ['-c', 'import ampfit\ntry:\n  ampfit.Model("m", library="/nonexistent/libampfit.so")\nexcept ampfit.AmpfitError as e:\n  print(e.status, e.message)'],
    { encoding: 'utf8', env });
  assert.match(bad.stdout, /^1 cannot load libampfit from \/nonexistent\/libampfit\.so/);
});
