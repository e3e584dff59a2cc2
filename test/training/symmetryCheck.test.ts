import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/load.js';
import { applyMap, parseMap } from '../../src/symmetry/coordinateMap.js';
import { checkWithModel, checkWithPairs } from '../../src/symmetry/check.js';
import { runSymmetryCheck, type DeclaredMap } from '../../src/training/symmetryCheck.js';
import { createLogger } from '../../src/util/log.js';
import { Rng } from '../../src/util/rng.js';
import { SAMPLE_2D, SAMPLE_4D, SHARED_DATA } from '../helpers.js';

const quiet = createLogger(process.stderr, true);

/** f(x) = 1 + x1² + (x2 − ½)² + 0.3 x3 x4 + ε x3: symmetric in x2 → 1 − x2 always, in x3 ↔ x4 only for ε = 0. */
function target(x: Float64Array, n: number, eps: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => {
    const [a, b, c, d] = x.subarray(i * 4, i * 4 + 4);
    return 1 + a * a + (b - 0.5) ** 2 + 0.3 * c * d + eps * c;
  });
}

function uniform(n: number, d: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n * d }, () => rng.uniform());
}

const X4 = ['x1', 'x2', 'x3', 'x4'];
const maps = [
  { name: 'fb', map: parseMap('(x1, 1-x2, x3, x4)', X4, 'fb') },
  { name: 'm34', map: parseMap('(x1, x2, x4, x3)', X4, 'm34') },
  { name: 'x1', map: parseMap('(1-x1, x2, x3, x4)', X4, 'x1') },
];

test('model check: a sign test that keeps true symmetries (|z| small) and catches a 1 % violation through a model with 1 % noise', () => {
  const n = 20000;
  const x = uniform(n, 4, 1);
  const truth = target(x, n, 0.05);
  // A "model" that is the truth times independent ~1 % errors: a stand-in whose error we control.
  const noise = new Rng(2);
  const model = (p: Float64Array, m: number): Float64Array => target(p, m, 0.05).map((v) => v * (1 + 0.01 * noise.normal()));
  const [fb, m34, x1] = checkWithModel(model, x, truth, 4, maps);
  assert.ok(Math.abs(fb.z) < 4, `fb holds: z = ${fb.z}`);
  assert.equal(fb.verdict, 'holds');
  assert.ok(m34.z > 4, `m34 is broken by ε = 0.05: z = ${m34.z}`);
  assert.equal(m34.verdict, 'violated');
  assert.ok(x1.z > 50 && x1.verdict === 'violated', `x1 → 1 − x1 is far from a symmetry: z = ${x1.z}`);
  assert.ok(Math.abs(fb.resolutionPct - 0.674) < 0.03, `median |δ| of 1 % Gaussian errors is 0.674 %: ${fb.resolutionPct}`);
});

test('model check: a model too coarse to see what a map changes is "unresolved", not "holds"', () => {
  const n = 5000;
  const x = uniform(n, 4, 3);
  const truth = target(x, n, 0.2);
  // Knows only the x1 dependence (and a little of x3 + x4): nearly invariant under every map that leaves x1 alone.
  const blind = (p: Float64Array, m: number): Float64Array => Float64Array.from({ length: m }, (_, i) => 1.5 + p[i * 4] ** 2 + 1e-4 * (p[i * 4 + 2] + 2 * p[i * 4 + 3]));
  const [, m34] = checkWithModel(blind, x, truth, 4, maps);
  assert.equal(m34.verdict, 'unresolved');
});

test('pair check: matches g·x among the points and compares targets exactly; no partner means "no pairs"', () => {
  const n = 3000;
  const a = uniform(n, 4, 5);
  const g = maps[1].map;
  // B: the same function (ε = 0, so m34 holds) at the transformed points, shuffled.
  const bx = applyMap(g, a, n);
  const order = new Rng(6).permutation(n);
  const bxShuffled = new Float64Array(n * 4);
  order.forEach((r, i) => bxShuffled.set(bx.subarray(r * 4, r * 4 + 4), i * 4));
  const [m34] = checkWithPairs({ x: a, y: target(a, n, 0) }, { x: bxShuffled, y: target(bxShuffled, n, 0) }, 4, [maps[1]]);
  assert.equal(m34.pairs, n);
  assert.equal(m34.unmatched, 0);
  assert.equal(m34.verdict, 'holds');
  assert.ok(m34.maxPct < 1e-12);
  const [broken] = checkWithPairs({ x: a, y: target(a, n, 0.01) }, { x: bxShuffled, y: target(bxShuffled, n, 0.01) }, 4, [maps[1]]);
  assert.equal(broken.verdict, 'violated');
  const [none] = checkWithPairs({ x: a, y: target(a, n, 0) }, { x: a, y: target(a, n, 0) }, 4, [maps[2]]);
  assert.equal(none.verdict, 'no pairs');
  assert.equal(none.unmatched, n);
});

// The shipped data: the check must find exactly the symmetries the data card lists.
const DATA_CARD: { label: string; files: string; positive: boolean; inputs: string[]; maps: Record<string, [string, boolean]> }[] = [
  {
    label: 'zz2d (repo sample)',
    files: SAMPLE_2D,
    positive: true,
    inputs: ['x1', 'x2'],
    maps: { fb: ['(x1, 1-x2)', true], 'x1-mirror': ['(1-x1, x2)', false], swap12: ['(x2, x1)', false] },
  },
  {
    label: 'zz4d (repo sample)',
    files: SAMPLE_4D,
    positive: true,
    inputs: X4,
    maps: {
      fb: ['(x1, 1-x2, x3, x4)', true],
      m34: ['(x1, x2, x4, x3)', true],
      'fb+m34': ['(x1, 1-x2, x4, x3)', true],
      'x1-mirror': ['(1-x1, x2, x3, x4)', false],
      'x3-mirror': ['(x1, x2, 1-x3, x4)', false],
    },
  },
  {
    label: 'zz8d (first 100k rows)',
    files: join(SHARED_DATA, 'zz8d/zz8d_train_00.csv.gz'),
    positive: false,
    inputs: ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8'],
    maps: {
      'boson-swap': ['(x1, 1-x2, x4, x3, x7, x8, x5, x6)', true],
      fb: ['(x1, 1-x2, x3, x4, x5, x6, x7, x8)', false],
      m34: ['(x1, x2, x4, x3, x5, x6, x7, x8)', false],
      'fb+m34': ['(x1, 1-x2, x4, x3, x5, x6, x7, x8)', false],
      'phi-mirror': ['(x1, x2, x3, x4, x5, 1-x6, x7, 1-x8)', false],
    },
  },
];

for (const card of DATA_CARD) {
  test(`symmetry check on ${card.label} finds exactly the data card's symmetries`, { skip: !existsSync(card.files) && 'shared data not present' }, async () => {
    const config = validateConfig(
      {
        data: { files: card.files, target: 'f01', born: 'f00', require_positive_target: card.positive },
        target_transform: card.positive ? 'log-standardize' : 'asinh-standardize',
        threads: 1,
      },
      card.label,
    );
    const declared: DeclaredMap[] = Object.entries(card.maps).map(([name, [map]]) => ({ name, map }));
    const report = await runSymmetryCheck(declared, { kind: 'probe', config, probe: 'bdt', budgetS: 60, keepDir: null }, quiet);
    assert.deepEqual(report.inputs, card.inputs);
    for (const r of report.results) {
      if (r.method !== 'model') throw new Error('expected model checks');
      const holds = card.maps[r.name][1];
      if (holds) assert.ok(r.verdict === 'holds' && Math.abs(r.z) < 4, `${r.name} holds on ${card.label}: z = ${r.z.toFixed(1)}, ${r.verdict}`);
      else assert.ok(r.verdict === 'violated' && r.z > 10, `${r.name} is not a symmetry of ${card.label}: z = ${r.z.toFixed(1)}, ${r.verdict}`);
    }
  });
}
