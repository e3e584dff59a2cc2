import assert from 'node:assert/strict';
import { test } from 'node:test';
import { learningRate, learningRateAtFraction, parseScheduleConfig, type ScheduleConfig } from '../../src/nn/index.js';
import { ConfigError } from '../../src/util/errors.js';

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-12 * Math.abs(expected), `${what}: ${actual} vs ${expected}`);
}

test('constant', () => {
  assert.equal(learningRate({ kind: 'constant', lr: 3e-4 }, 17, 5, 10), 3e-4);
});

test('exponential: paper 1 cooling 1e-3 → 1e-6 over 2500 epochs, per step', () => {
  const s = parseScheduleConfig({ kind: 'exponential', initialLr: 1e-3, finalLr: 1e-6, decayEpochs: 2500 });
  close(learningRate(s, 0, 0, 4000), 1e-3, 'start');
  close(learningRate(s, 1250, 0, 4000), 1e-3 * Math.sqrt(1e-3), 'half way');
  close(learningRate(s, 833, 1333, 4000), 1e-3 * 10 ** (-3 * (833 + 1333 / 4000) / 2500), 'mid-epoch');
  close(learningRate(s, 2500, 0, 4000), 1e-6, 'end');
  close(learningRate(s, 4000, 7, 4000), 1e-6, 'held');
  assert.ok(learningRate(s, 3, 1, 10) < learningRate(s, 3, 0, 10), 'decays within an epoch');
});

test('polynomial and cosine', () => {
  const p = parseScheduleConfig({ kind: 'polynomial', initialLr: 1e-2, finalLr: 1e-4, decayEpochs: 10, power: 2 });
  close(learningRate(p, 5, 0, 3), 1e-4 + (1e-2 - 1e-4) * 0.25, 'poly half');
  close(learningRate(p, 12, 0, 3), 1e-4, 'poly held');
  const linear = parseScheduleConfig({ kind: 'polynomial', initialLr: 1, finalLr: 0, decayEpochs: 4 });
  close(learningRate(linear, 1, 1, 2), 1 - 1.5 / 4, 'default power 1');
  const c: ScheduleConfig = { kind: 'cosine', initialLr: 1e-3, finalLr: 1e-5, decayEpochs: 100 };
  close(learningRate(c, 0, 0, 10), 1e-3, 'cos start');
  close(learningRate(c, 50, 0, 10), (1e-3 + 1e-5) / 2, 'cos half');
  close(learningRate(c, 25, 0, 10), 1e-5 + (1e-3 - 1e-5) * (1 + Math.SQRT1_2) / 2, 'cos quarter');
  close(learningRate(c, 100, 0, 10), 1e-5, 'cos end');
});

test('one-cycle matches PyTorch OneCycleLR (max_lr 1, total_steps 100, defaults)', () => {
  // 10 epochs × 10 steps = 100 steps. PyTorch: initial 1/25 = 0.04, min 0.04/1e4,
  // warm-up ends at step 0.3·100 − 1 = 29, the cycle at step 99; cosine both ways.
  const s = parseScheduleConfig({ kind: 'one_cycle', maxLr: 1, totalEpochs: 10 });
  assert.deepEqual(s, {
    kind: 'one_cycle', maxLr: 1, totalEpochs: 10, pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4, warmup: 'cos',
  });
  const lr = (k: number): number => learningRate(s, Math.floor(k / 10), k % 10, 10);
  close(lr(0), 0.04, 'step 0');
  close(lr(29), 1, 'peak');
  close(lr(10), 1 + (0.04 - 1) / 2 * (Math.cos(Math.PI * 10 / 29) + 1), 'warming');
  close(lr(64), (1 + 4e-6) / 2, 'half way down');
  close(lr(99), 4e-6, 'last step');
  close(lr(150), 4e-6, 'held after the cycle');
  const lin = parseScheduleConfig({ kind: 'one_cycle', maxLr: 1, totalEpochs: 10, warmup: 'linear' });
  close(learningRate(lin, 1, 0, 10), 0.04 + 0.96 * 10 / 29, 'linear warm-up');
  close(learningRate(lin, 6, 4, 10), (1 + 4e-6) / 2, 'linear variant anneals down by cosine');
});

test('bad schedules fail with the key', () => {
  assert.throws(() => parseScheduleConfig({ kind: 'step' }), ConfigError);
  assert.throws(() => parseScheduleConfig({ kind: 'exponential', initialLr: 1e-3, finalLr: 0, decayEpochs: 5 }),
    /schedule\.finalLr/);
  assert.throws(() => parseScheduleConfig({ kind: 'one_cycle', maxLr: 1, totalEpochs: 5, pctStart: 1.5 }),
    /schedule\.pctStart/);
});

test('by fraction of the span (the time clock): same curve as by epochs, clamped at both ends', () => {
  const s = parseScheduleConfig({ kind: 'exponential', initialLr: 3e-3, finalLr: 1e-6, decayEpochs: 40 });
  close(learningRateAtFraction(s, 0, 1000), 3e-3, 'start');
  close(learningRateAtFraction(s, 0.5, 1000), learningRate(s, 20, 0, 1000), 'half way');
  close(learningRateAtFraction(s, 0.3125, 1000), learningRate(s, 12, 500, 1000), 'mid-epoch');
  close(learningRateAtFraction(s, 1, 1000), 1e-6, 'end');
  close(learningRateAtFraction(s, 7, 1000), 1e-6, 'past the end');
  close(learningRateAtFraction(s, -1, 1000), 3e-3, 'before the start');
  const oc = parseScheduleConfig({ kind: 'one_cycle', maxLr: 1, totalEpochs: 10 });
  close(learningRateAtFraction(oc, 0.3, 10), learningRate(oc, 3, 0, 10), 'one_cycle peak');
  assert.equal(learningRateAtFraction({ kind: 'constant', lr: 2e-4 }, 0.7, 10), 2e-4);
});
