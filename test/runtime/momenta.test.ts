// Momenta in, amplitude out (native/runtime/src/momenta.c, src/data/momentumMap.ts):
// the zz4l maps are checked against MCFM's own momenta — the oracle's
// zz_momenta (../shared/oracle, GPL, built in a temporary copy, linked into
// test/runtime/zzmap.c) gives the momenta of a point x, and both the C and the
// TypeScript map must give x back to 1e-12, on random points and on rows of
// the shared data; then ampfit_eval_momenta on trained models against
// predict on the TypeScript map's coordinates (≤ 1e-12), with the Born
// multiplied in, and its refusals.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { zzOracleDir } from '../../bench/zzOracle.js';
import { validateConfig } from '../../src/config/load.js';
import { mapMomenta, mapMomentaRow, type MomentumMapName } from '../../src/data/momentumMap.js';
import { loadModel } from '../../src/models/surrogate.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { Rng } from '../../src/util/rng.js';
import { REPO, SAMPLE_2D, SHARED_DATA, tempDir } from '../helpers.js';
import { AGREEMENT, haveGcc, maxRelativeDifference } from '../export/fixtures.js';
import { buildPhysics, pointFile, runPhysics, RUNTIME } from './physicsDriver.js';

const work = tempDir('ampfit-momenta-');
const ZZ8D = join(SHARED_DATA, 'zz8d/zz8d_train_00.csv.gz');
const MZ = 91.1876;

/** The oracle-linked mapper and the physics driver, or why the tests cannot run. */
function build(): { zzmap: string; physics: string } | string {
  if (!haveGcc()) return 'gcc is not installed';
  if (spawnSync('gfortran', ['--version']).status !== 0) return 'gfortran is not installed (the oracle is Fortran)';
  let oracle: string;
  try {
    oracle = zzOracleDir();
  } catch (e) {
    return `the oracle does not build: ${(e as Error).message}`;
  }
  const physics = buildPhysics(work);
  const lib = join(RUNTIME, 'build/libampfit.a');
  const zzmap = join(work, 'zzmap');
  const a = spawnSync('gcc', ['-O2', '-std=c11', '-Wall', '-Werror', '-I', join(RUNTIME, 'include'), '-I', join(RUNTIME, 'src'), '-I', join(oracle, 'driver'),
    join(REPO, 'test/runtime/zzmap.c'), lib, join(oracle, 'libzzoracle.a'), '-lgfortran', '-lm', '-o', zzmap], { encoding: 'utf8' });
  assert.equal(a.status, 0, a.stderr);
  return { zzmap, physics };
}
const built = build();
const skip = typeof built === 'string' ? built : false;
const tools = typeof built === 'string' ? { zzmap: '', physics: '' } : built;

const file = (values: Float64Array): string => pointFile(work, values);

/** The oracle's momenta of rows of x1..x8 and libampfit's map of them back (code, 24 momenta, D coordinates per row). */
function oracleMap(x: Float64Array, n: number, map: 0 | 1 | 2): { codes: number[]; p: Float64Array; y: Float64Array } {
  const d = [8, 4, 2][map];
  const r = spawnSync(tools.zzmap, [file(x), String(n), String(map)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, n);
  const p = new Float64Array(24 * n);
  const y = new Float64Array(d * n);
  const codes = lines.map((l, i) => {
    const v = l.split(' ').map(Number);
    p.set(v.slice(1, 25), 24 * i);
    y.set(v.slice(25), d * i);
    return v[0];
  });
  return { codes, p, y };
}

/** Largest |a − b| over coordinates, the azimuths (periodic columns) on the circle. */
function worst(a: Float64Array, b: Float64Array, d: number, periodic: number[]): { max: number; at: number } {
  let max = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    let e = Math.abs(a[i] - b[i]);
    if (periodic.includes(i % d)) e = Math.min(e, 1 - e);
    if (!(e <= max)) { max = e; at = i; }
  }
  return { max, at };
}

function zz8dRows(n: number): { x: Float64Array; f00: Float64Array; f01: Float64Array } {
  const lines = gunzipSync(readFileSync(ZZ8D)).toString('latin1').split('\n', n + 1).slice(1);
  const x = new Float64Array(8 * n);
  const f00 = new Float64Array(n);
  const f01 = new Float64Array(n);
  lines.forEach((l, i) => {
    const v = l.split(',').map(Number);
    x.set(v.slice(0, 8), 8 * i);
    f00[i] = v[8];
    f01[i] = v[9];
  });
  return { x, f00, f01 };
}

function randomPoints(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const x = Float64Array.from({ length: 8 * n }, () => rng.uniform());
  // Corners of the cube's faces: threshold, the beams' directions, the mass edges, the decay poles.
  const edges = [[1e-9, 0.5, 0, 1, 0.5, 0.5, 0.5, 0.5], [1, 1e-7, 1, 0, 1e-6, 0.25, 1 - 1e-6, 0.75], [0.999, 1 - 1e-7, 0.5, 0.5, 0.9, 1e-9, 0.1, 1 - 1e-9]];
  edges.forEach((e, k) => x.set(e, 8 * k));
  return x;
}

const TS_C = 1e-15;

test('zz4l-8d: C and TypeScript maps give the oracle\'s x back from MCFM\'s momenta to 1e-12 (random points, edges, shared data rows)', { skip }, () => {
  const sets: [string, Float64Array][] = [['random', randomPoints(4000, 20)]];
  if (existsSync(ZZ8D)) sets.push(['zz8d_train_00', zz8dRows(3000).x]);
  for (const [label, x] of sets) {
    const n = x.length / 8;
    const { codes, p, y } = oracleMap(x, n, 0);
    assert.ok(codes.every((c) => c === 0), `${label}: every point maps`);
    const c = worst(y, x, 8, [5, 7]);
    assert.ok(c.max <= 1e-12, `${label} C: worst |x' − x| ${c.max} at row ${Math.floor(c.at / 8)}, x${(c.at % 8) + 1}`);
    const ts = mapMomenta('zz4l-8d', p, n);
    const t = worst(ts, x, 8, [5, 7]);
    assert.ok(t.max <= 1e-12, `${label} TypeScript: worst |x' − x| ${t.max}`);
    const tc = worst(ts, y, 8, []);
    assert.ok(tc.max <= TS_C, `${label}: TypeScript and C maps differ by ${tc.max}`);
    process.stderr.write(`zz4l-8d ${label} (${n} points): worst |x' − x| C ${c.max.toExponential(2)}, TS ${t.max.toExponential(2)}; C vs TS ${tc.max.toExponential(2)}\n`);
  }
});

test('zz4l-4d takes x1..x4 of the same momenta; zz4l-2d takes on-shell Z pairs to x1, x2 of zz2d and refuses off-shell ones', { skip }, () => {
  const n = 500;
  const x = randomPoints(n, 21);
  const four = oracleMap(x, n, 1);
  const want4 = Float64Array.from({ length: 4 * n }, (_, i) => x[8 * Math.floor(i / 4) + (i % 4)]);
  assert.ok(four.codes.every((c) => c === 0));
  assert.ok(worst(four.y, want4, 4, []).max <= 1e-12);
  assert.ok(worst(mapMomenta('zz4l-4d', four.p, n), want4, 4, []).max <= 1e-12);
  // zz2d points through the 8-D mapping: m34 = m56 = 50 + 80·x3 = m_Z, √ŝ of zz2d's range.
  const rng = new Rng(22);
  const xm = (MZ - 50) / 80;
  const m = 50 + 80 * xm;
  const x2 = Float64Array.from({ length: 2 * n }, () => rng.uniform());
  const x8 = new Float64Array(8 * n);
  for (let i = 0; i < n; i++) {
    const rts = 2 * MZ + x2[2 * i] * (1000 - 2 * MZ);
    x8.set([(rts - 2 * m) / (3000 - 2 * m), x2[2 * i + 1], xm, xm, rng.uniform(), rng.uniform(), rng.uniform(), rng.uniform()], 8 * i);
  }
  const two = oracleMap(x8, n, 2);
  assert.ok(two.codes.every((c) => c === 0));
  assert.ok(worst(two.y, x2, 2, []).max <= 1e-12, `zz4l-2d worst ${worst(two.y, x2, 2, []).max}`);
  assert.ok(worst(mapMomenta('zz4l-2d', two.p, n), two.y, 2, []).max <= TS_C);
  // zz8d points have m34 ≠ m_Z: zz2d refuses them (code 3), naming the masses.
  const off = oracleMap(x.subarray(0, 8 * 10), 10, 2);
  assert.ok(off.codes.every((c) => c === 3));
  assert.match(mapMomentaRow('zz4l-2d', off.p, 0, new Float64Array(2), 0) ?? '', /zz4l-2d has on-shell bosons: m34 = .* GeV and m56 = .* must both be m_Z/);
});

/** Boost along z by rapidity eta, then rotate about z by phi: the partonic CM frame's momenta as a lab frame sees them. */
function labFrame(p: Float64Array, eta: number, phi: number): Float64Array {
  const out = new Float64Array(p.length);
  const ch = Math.cosh(eta);
  const sh = Math.sinh(eta);
  for (let k = 0; k < p.length; k += 4) {
    const [e, px, py, pz] = [p[k], p[k + 1], p[k + 2], p[k + 3]];
    out[k] = ch * e + sh * pz;
    out[k + 1] = Math.cos(phi) * px - Math.sin(phi) * py;
    out[k + 2] = Math.sin(phi) * px + Math.cos(phi) * py;
    out[k + 3] = sh * e + ch * pz;
  }
  return out;
}

test('the maps are Lorentz invariant: lab-frame momenta (boosted along the beam, rotated) give the same x; unphysical momenta are refused with a reason', { skip }, () => {
  const n = 300;
  const x = randomPoints(n, 23).subarray(0, 8 * n);
  const { p } = oracleMap(x, n, 0);
  const lab = labFrame(p, 0.7, 1.1);
  const got = mapMomenta('zz4l-8d', lab, n);
  const w = worst(got, x, 8, [5, 7]);
  // A boost of γ = cosh 0.7 costs a few ulps of the momenta, amplified by the boson boosts (γ ≤ 30).
  assert.ok(w.max <= 1e-10, `lab frame: worst |x' − x| ${w.max}`);
  const bad = (edit: (q: Float64Array) => void): string | null => {
    const q = p.slice(0, 24);
    edit(q);
    return mapMomentaRow('zz4l-8d', q, 0, new Float64Array(8), 0);
  };
  assert.match(bad((q) => { q[8] = -q[8]; }) ?? '', /energy of e-.*not positive/);
  assert.match(bad((q) => { q[9] += 1e-3 * q[0]; }) ?? '', /momentum not conserved/);
  assert.match(bad((q) => { q[8] += 1; q[12] -= 1; }) ?? "", /e- is not massless/);
  assert.match(bad((q) => { q[3] = Number.NaN; }) ?? '', /u_pz is not finite/);
  assert.equal(bad(() => undefined), null);
});

// Models: a Born-normalised zz8d DNN with a learned σ, and a zz2d polynomial of the target itself.
const quick = { steps_per_epoch: 20, epochs: 2, decay_epochs: 2, batch_size: 64, threads: 1, seed: 3 };

async function train(name: string, data: Record<string, unknown>, keys: Record<string, unknown>): Promise<string> {
  const dir = join(work, name);
  const config = validateConfig({ data: { max_rows: 1500, ...data }, ...keys }, name);
  await runTraining({ config, outDir: dir, log: memoryLogger() });
  return dir;
}

interface Out { status: number; message: string; value: Float64Array; sigma: Float64Array }

/** ampfit_eval_momenta ('momenta') or ampfit_eval ('eval') through the driver: status, message, value and σ per point. */
function physics(args: string[], n: number): Out {
  const r = runPhysics(tools.physics, args);
  if (r.rows.length > 0) assert.equal(r.rows.length, n);
  return { status: r.status, message: r.message, value: Float64Array.from(r.rows, (v) => v[0]), sigma: Float64Array.from(r.rows, (v) => v[1]) };
}

/** ampfit_n_particles and ampfit_info of a model. */
function particles(model: string): { status: number; message: string; n: number; info: { momentum_map: string | null; particles: string[] | null; born: string | null } } {
  const r = runPhysics(tools.physics, [model, 'particles']);
  return { status: r.status, message: r.message, n: Number(r.keys.get('particles')), info: JSON.parse(r.keys.get('info') ?? '') as never };
}

const zz8dSkip = skip !== false ? skip : existsSync(ZZ8D) ? false : `${ZZ8D} is not there`;

test('ampfit_eval_momenta on a zz8d model (zz4l-8d, Born ratio, σ): ratio × Born and σ × |Born| as predict on the mapped x (≤ 1e-12)', { skip: zz8dSkip }, async () => {
  const dir = await train('zz8d-map', { files: ZZ8D, target: 'f01', born: 'f00', momentum_map: 'zz4l-8d', require_positive_target: false },
    { model_type: 'dnn', depth: 1, width: 8, activation: 'silu', uncertainty: 'heteroscedastic', target_transform: 'standardize', ...quick });
  const info = particles(dir);
  assert.deepEqual([info.status, info.n, info.info.momentum_map, info.info.particles, info.info.born], [0, 6, 'zz4l-8d', ['u', 'ubar', 'e-', 'e+', 'mu-', 'mu+'], 'f00']);
  const n = 400;
  const rows = zz8dRows(2000 + n);
  const x = rows.x.subarray(8 * 2000);
  const born = rows.f00.subarray(2000);
  const { p } = oracleMap(x, n, 0);
  const got = physics([dir, 'momenta', file(p), String(n), file(born)], n);
  assert.equal(got.status, 0, got.message);
  const m = loadModel(dir);
  const mapped = mapMomenta('zz4l-8d', p, n);
  const want = m.predictTarget(mapped, n, born);
  const u = m.predictUncertain(mapped, n);
  const v = maxRelativeDifference(got.value, want);
  assert.ok(v.max <= AGREEMENT, `value: ${v.max} at ${v.at}`);
  const s = maxRelativeDifference(got.sigma, u.sigmaSyst.map((e, i) => e * Math.abs(born[i])));
  assert.ok(s.max <= AGREEMENT, `σ: ${s.max}`);
  // The same as ampfit_eval on the data's own x, to the map's precision.
  const direct = physics([dir, 'eval', file(x), String(n)], n);
  const d = maxRelativeDifference(got.value, direct.value.map((e, i) => e * born[i]));
  assert.ok(d.max <= 1e-9, `momenta vs the data's x: ${d.max}`);
  // No Born for a Born-ratio model: an argument error. Unphysical rows: NaN, the rest evaluated, the first reason named.
  assert.equal(physics([dir, 'momenta', file(p), String(n), 'null'], n).status, 5);
  const bad = p.slice(0, 24 * 3);
  bad[24 + 17] += 5; // μ⁻ px of row 1: momentum not conserved
  bad[2 * 24 + 8] = -bad[2 * 24 + 8];
  const r = physics([dir, 'momenta', file(bad), '3', file(born.subarray(0, 3))], 3);
  assert.equal(r.status, 7);
  assert.match(r.message, /^ampfit_eval_momenta: 2 of 3 points are outside the model's domain \(NaN\); the first, point 1: momentum not conserved/);
  assert.ok(r.value[0] === got.value[0] && Number.isNaN(r.value[1]) && Number.isNaN(r.value[2]) && Number.isNaN(r.sigma[1]));
});

test('ampfit_eval_momenta on a zz2d model of the target itself (zz4l-2d, no Born), and the models that cannot take momenta', { skip }, async () => {
  const dir = await train('zz2d-map', { files: SAMPLE_2D, target: 'f00', momentum_map: 'zz4l-2d' }, { model_type: 'poly', degree: 5, target_transform: 'log-standardize' });
  const n = 200;
  const rng = new Rng(24);
  const xm = (MZ - 50) / 80;
  const m = 50 + 80 * xm;
  const x8 = new Float64Array(8 * n);
  for (let i = 0; i < n; i++) {
    const rts = 2 * MZ + rng.uniform() * (1000 - 2 * MZ);
    x8.set([(rts - 2 * m) / (3000 - 2 * m), rng.uniform(), xm, xm, rng.uniform(), rng.uniform(), rng.uniform(), rng.uniform()], 8 * i);
  }
  const { p } = oracleMap(x8, n, 2);
  const got = physics([dir, 'momenta', file(p), String(n), 'null'], n);
  assert.equal(got.status, 0, got.message);
  const v = maxRelativeDifference(got.value, loadModel(dir).predict(mapMomenta('zz4l-2d', p, n), n));
  assert.ok(v.max <= AGREEMENT, `value: ${v.max}`);
  // A coordinate model without a map: unsupported, saying what to declare.
  const plain = await train('zz2d-plain', { files: SAMPLE_2D, target: 'f00' }, { model_type: 'poly', degree: 3, target_transform: 'log-standardize' });
  const r = particles(plain);
  assert.deepEqual([r.status, r.info.momentum_map, r.info.particles, r.info.born], [4, null, null, null]);
  assert.match(r.message, /declares no momentum map \(config data.momentum_map\)/);
  assert.equal(physics([plain, 'momenta', file(p), '1', 'null'], 1).status, 4);
  // A map whose coordinates are not the data's: refused at training.
  await assert.rejects(train('zz2d-wrong', { files: SAMPLE_2D, target: 'f00', momentum_map: 'zz4l-8d' }, { model_type: 'poly', degree: 3 }),
    /data.momentum_map 'zz4l-8d' gives the coordinates x1, x2, x3, x4, x5, x6, x7, x8; the data's inputs are x1, x2/);
  assert.throws(() => validateConfig({ data: { files: 'x.csv', target: 'msq', momentum_map: 'zz4l-2d', momenta: { particles: [{ name: 'a', type: 'g' }, { name: 'b', type: 'g' }, { name: 'c', type: 'g' }] } }, model_type: 'mlp' }, 'c'),
    /momentum_map/);
});

test('ampfit_eval_momenta on a momentum-input model hands the momenta to the graph (= ampfit_eval)', { skip }, () => {
  const out = join(work, 'dsi.ampfit');
  const e = spawnSync(process.execPath, [join(REPO, 'bin/ampfit.js'), 'export', '--format', 'ampfit', '--model', join(REPO, 'test/fixtures/models/dsi'), '--out', out], { encoding: 'utf8' });
  assert.equal(e.status, 0, e.stderr);
  const info = particles(out);
  assert.deepEqual([info.n, info.info.particles, info.info.momentum_map], [5, ['p1', 'p2', 'p3', 'p4', 'p5'], null]);
  const lines = gunzipSync(readFileSync(join(SHARED_DATA, 'ggyyg/ggyyg_train_00.csv.gz'))).toString('latin1').split('\n', 101).slice(1);
  const n = 100;
  const p = new Float64Array(lines.flatMap((l) => l.split(',').slice(0, 20).map(Number)));
  const got = physics([out, 'momenta', file(p), String(n), 'null'], n);
  const direct = physics([out, 'eval', file(p), String(n)], n);
  assert.equal(got.status, direct.status, got.message);
  assert.deepEqual(got.value, direct.value);
});
