import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseConfig, parseDuration } from '../../src/config/fromData.js';
import { validateConfig } from '../../src/config/load.js';
import type { DataScan } from '../../src/data/scan.js';

function scan(over: Partial<DataScan>): DataScan {
  return { files: ['/d/a.csv'], header: ['x1', 'x2', 'x3', 'x4', 'f00', 'f01'], coordinates: ['x1', 'x2', 'x3', 'x4'], particles: [], rows: 1000, negative: 0, positive: 1000, momentumImbalance: null, ...over };
}

test('coordinates: the network follows the dimension and the budget, and every choice has a reason', () => {
  const long = chooseConfig({ scan: scan({}), target: 'f01', born: 'f00', timeBudgetS: 1800, incoming: 2 });
  const config = validateConfig(long.raw, 'chosen');
  assert.equal(config.model_type, 'dnn');
  assert.deepEqual([config.depth, config.width], [8, 72]);
  assert.equal(config.target_transform, 'log-standardize');
  assert.equal(config.lr_clock, 'time');
  assert.equal(config.time_budget_s, 1800);
  assert.equal(config.data.born, 'f00');
  assert.deepEqual(long.reasons.map((r) => r.split(':')[0]), ['target', 'model', 'symmetries', 'budget']);
  assert.match(long.reasons[1], /DNN 8-72 for 4 coordinate inputs \(x1\.\.x4\)/);

  const short = validateConfig(chooseConfig({ scan: scan({}), target: 'f01', born: 'f00', timeBudgetS: 900, incoming: 2 }).raw, 'chosen');
  assert.deepEqual([short.model_type, short.depth, short.width], ['dnn', 4, 32]);
  const twoD = validateConfig(chooseConfig({ scan: scan({ coordinates: ['x1', 'x2'] }), target: 'f01', born: null, timeBudgetS: 1800, incoming: 2 }).raw, 'chosen');
  assert.deepEqual([twoD.depth, twoD.width, twoD.data.born], [8, 56, null]);
  const eightD = chooseConfig({ scan: scan({ coordinates: ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8'] }), target: 'f01', born: 'f00', timeBudgetS: 1800, incoming: 2 });
  assert.deepEqual([eightD.raw.model_type, eightD.raw.depth, eightD.raw.width], ['skdnn', 9, 50]);
  assert.match(eightD.reasons[1], /decay angles/);
});

test('a target that changes sign is asinh-standardised; one that is always negative is refused', () => {
  const mixed = chooseConfig({ scan: scan({ negative: 3, positive: 997 }), target: 'f01', born: 'f00', timeBudgetS: 600, incoming: 2 });
  const config = validateConfig(mixed.raw, 'chosen');
  assert.equal(config.data.require_positive_target, false);
  assert.equal(config.target_transform, 'asinh-standardize');
  assert.match(mixed.reasons[0], /f01\/f00 changes sign \(3 of 1000 sampled rows < 0\)/);
  assert.throws(() => chooseConfig({ scan: scan({ negative: 1000, positive: 0 }), target: 'f01', born: null, timeBudgetS: 600, incoming: 2 }), /f01 is negative in all 1000 sampled rows/);
});

test('four-momenta give MLP-I when they balance, and a clear error when they do not', () => {
  const particles = ['p1', 'p2', 'p3', 'p4', 'p5'];
  const header = [...particles.flatMap((p) => ['E', 'px', 'py', 'pz'].map((c) => `${p}_${c}`)), 'msq'];
  const ok = chooseConfig({ scan: scan({ header, coordinates: [], particles, momentumImbalance: 1e-13 }), target: 'msq', born: null, timeBudgetS: 600, incoming: 2 });
  const config = validateConfig(ok.raw, 'chosen');
  assert.equal(config.model_type, 'mlp');
  assert.equal(config.features, 'momenta+invariants');
  assert.equal(config.data.momenta?.particles.length, 5);
  assert.equal(config.data.momenta?.incoming, 2);
  assert.throws(
    () => chooseConfig({ scan: scan({ header, coordinates: [], particles, momentumImbalance: 0.3 }), target: 'msq', born: null, timeBudgetS: 600, incoming: 1 }),
    /do not balance with the first 1 incoming \(\|Σ in − Σ out\|\/E_in up to 3\.00e-1.*--incoming/,
  );
  assert.throws(() => chooseConfig({ scan: scan({ header: ['a', 'b', 'y'], coordinates: [], particles: [] }), target: 'y', born: null, timeBudgetS: 60, incoming: 2 }), /cannot tell the inputs of \/d\/a\.csv.*columns: a, b, y/);
});

test('budgets read as seconds, minutes or hours', () => {
  assert.equal(parseDuration('600'), 600);
  assert.equal(parseDuration('90s'), 90);
  assert.equal(parseDuration('10m'), 600);
  assert.equal(parseDuration('1.5h'), 5400);
  assert.throws(() => parseDuration('10 minutes'), /--budget '10 minutes' is not a duration/);
  assert.throws(() => parseDuration('0'), /must be positive/);
});
