import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../../src/data/dataset.js';
import { precisionMetrics } from '../../src/metrics/precision.js';
import { applyMap, compose, inverse, parseMap, type SignedPermutation } from '../../src/symmetry/coordinateMap.js';
import { loadModelSet } from '../../src/sets/modelSet.js';
import { trainSet } from '../../src/sets/trainSet.js';
import { createLogger } from '../../src/util/log.js';
import { REPO, SAMPLE_2D, tempDir, writeText } from '../helpers.js';

const quiet = createLogger(process.stderr, true);
const work = tempDir();
const X2 = ['x1', 'x2'];

// The shipped zz2d sample is function A. Derived members are written as data
// of their own: member M(x) = k · A(g·x) has the rows (g⁻¹·x_i, k · f01_i)
// with the same Born f00_i, so M's data are A's data moved and scaled, and a
// correct set predicts each member's data exactly as well as A predicts its own.
const base = {
  x: (await loadDataset({ files: [SAMPLE_2D], inputs: X2, target: 'f01', born: null, requirePositiveTarget: true, skipBadRows: false, maxRows: 8000 })),
  born: (await loadDataset({ files: [SAMPLE_2D], inputs: X2, target: 'f00', born: null, requirePositiveTarget: true, skipBadRows: false, maxRows: 8000 })).y,
};
const n = base.x.n;

/** Member data: the map from x to the point where A is evaluated, and the factor. */
const MEMBERS: Record<string, { from: string; map: string; factor?: number }> = {
  B: { from: 'A', map: '(1-x1, x2)', factor: 2 },
  C: { from: 'B', map: '(x2, x1)', factor: -1 },
  D: { from: 'A', map: '(x1, 1-x2)' },
};

/** The map and factor taking a member to A, following its chain. */
function toA(name: string): { g: SignedPermutation; k: number } {
  if (name === 'A') return { g: parseMap('(x1, x2)', X2, 'id'), k: 1 };
  const m = MEMBERS[name];
  const parent = toA(m.from);
  const own = parseMap(m.map, X2, name);
  // M(x) = k_M · P(g_M·x) = k_M · k_P · A(g_P·g_M·x)
  return { g: compose(parent.g, own), k: (m.factor ?? 1) * parent.k };
}

function writeMember(name: string): string {
  const { g, k } = toA(name);
  const x = applyMap(inverse(g), base.x.x, n);
  const lines = ['x1,x2,f00,f01'];
  for (let i = 0; i < n; i++) lines.push(`${x[2 * i]},${x[2 * i + 1]},${base.born[i]},${k * base.x.y[i]}`);
  return writeText(work, `${name}.csv`, lines.join('\n') + '\n');
}

const files = Object.fromEntries(['A', ...Object.keys(MEMBERS)].map((name) => [name, writeMember(name)]));
const manifest = writeText(
  work,
  'set.json',
  JSON.stringify({
    name: 'zz2d transformed copies',
    inputs: X2,
    defaults: { model_type: 'bdt', max_depth: 8, learning_rate: 0.2, n_estimators: 150, target_transform: 'log-standardize', threads: 1 },
    functions: [
      { name: 'A', config: { data: { files: 'A.csv', target: 'f01', born: 'f00' } } },
      ...Object.entries(MEMBERS).map(([name, m]) => ({ name, ...m })),
    ],
  }),
);
const out = join(work, 'trained');
const first = await trainSet({ manifest, outDir: out, log: quiet });

test('train-set trains only the independent function and writes the set', () => {
  assert.deepEqual(first.trained, ['A']);
  assert.deepEqual(readdirSync(out).sort(), ['A', 'set.json']);
  assert.equal(first.set.member('C').describe, '-2 × A(1-x2, x1)');
});

test('every derived member predicts its own data exactly as well as A predicts A, point by point', async () => {
  const set = loadModelSet(out);
  const ratio = async (name: string): Promise<{ x: Float64Array; truth: Float64Array }> => {
    const d = await loadDataset({ files: [files[name]], inputs: X2, target: 'f01', born: 'f00', requirePositiveTarget: false, skipBadRows: false });
    return { x: d.x, truth: d.y };
  };
  const a = await ratio('A');
  const deltaA = precisionMetrics(set.predict('A', a.x, n), a.truth, [1, 0.1]);
  assert.ok(deltaA.R_pct['1'] > 50, `A is a usable model: R_1 ${deltaA.R_pct['1']}`);
  const predA = set.predict('A', a.x, n);
  for (const name of Object.keys(MEMBERS)) {
    const m = await ratio(name);
    const pred = set.predict(name, m.x, n);
    const metrics = precisionMetrics(pred, m.truth, [1, 0.1]);
    assert.equal(metrics.R_pct['1'], deltaA.R_pct['1'], `${name}: R_1`);
    assert.equal(metrics.R_pct['0.1'], deltaA.R_pct['0.1'], `${name}: R_0.1`);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const dM = (pred[i] - m.truth[i]) / Math.abs(m.truth[i]);
      const dA = (predA[i] - a.truth[i]) / Math.abs(a.truth[i]);
      worst = Math.max(worst, Math.abs(Math.sign(toA(name).k) * dM - dA));
    }
    assert.ok(worst < 1e-12, `${name}: δ equals A's δ at the matching point to ${worst}`);
  }
});

test('ampfit predict --set --function writes the member in target units (ratio × its Born column)', () => {
  const output = join(work, 'C-pred.csv');
  const r = spawnSync(process.execPath, [join(REPO, 'bin/ampfit.js'), 'predict', '--set', out, '--function', 'C', '--input', files.C, '--output', output], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const rows = readFileSync(output, 'utf8').trim().split('\n');
  assert.equal(rows[0], 'x1,x2,f00,f01,prediction,prediction_ratio');
  const set = loadModelSet(out);
  const [x1, x2, f00] = rows[5].split(',').map(Number);
  const ratio = set.predict('C', Float64Array.from([x1, x2]), 1)[0];
  assert.equal(Number(rows[5].split(',')[5]), ratio);
  assert.equal(Number(rows[5].split(',')[4]), ratio * f00);
  const bad = spawnSync(process.execPath, [join(REPO, 'bin/ampfit.js'), 'predict', '--set', out, '--function', 'Z', '--input', files.C, '--output', join(work, 'Z-pred.csv')], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /has no function 'Z' \(it has A, B, C, D\)/);
});

test('running train-set again skips the trained function; a changed config is refused', async () => {
  const again = await trainSet({ manifest, outDir: out, log: quiet });
  assert.deepEqual(again.skipped, ['A']);
  assert.deepEqual(again.trained, []);
  await assert.rejects(trainSet({ manifest, outDir: out, log: quiet, overrides: ['max_depth=5'] }), /holds a model trained with a different config \(max_depth differ\); retrain with --force/);
});

test('ampfit train-set prints the table and a verdict line per trained function; run again, it trains nothing and shows the same', () => {
  const setOut = join(work, 'cli-set');
  const run = () => spawnSync(process.execPath, [join(REPO, 'bin/ampfit.js'), 'train-set', '--manifest', manifest, '--out', setOut], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  const r = run();
  assert.equal(r.status, 0, r.stderr);
  const verdicts = r.stdout.split('\n').filter((l) => l.startsWith('verdict'));
  assert.equal(verdicts.length, 1, r.stdout);
  const m = JSON.parse(readFileSync(join(setOut, 'A', 'metrics.json'), 'utf8')).test;
  assert.equal(verdicts[0], `verdict (A, test): R_1 > 90 % ${m.verdict.marginal ? 'undecided' : m.verdict.holds ? 'holds' : 'fails'}: ${m.verdict.R_1_pct.toFixed(2)} ± ${m.verdict.R_1_stderr_pct.toFixed(2)} %; 90 % have |δ| < ${m.verdict.tau90_pct.toPrecision(3)} %`);
  // Every line but the one naming the set's path fits 80 columns.
  for (const line of r.stdout.trimEnd().split('\n')) if (!line.startsWith('set written')) assert.ok(line.length <= 80, line);
  const again = run();
  assert.equal(again.status, 0, again.stderr);
  // Nothing is trained again; the set's table and verdict are shown as they stand.
  assert.match(again.stdout, /\(trained 0, resumed 0, already done 1\)/);
  assert.deepEqual(again.stdout.split('\n').filter((l) => l.startsWith('verdict')), verdicts);
});
