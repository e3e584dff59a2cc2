// Learning-rate schedules, sorted in order of increasing complexity. Each is a
// plain JSON config; the rate is a pure function of (epoch, step within the
// epoch, steps per epoch), so a resumed run sees exactly the rates an
// uninterrupted one would.
//
// The decaying schedules are evaluated per step on continuous time
// t = epoch + step / stepsPerEpoch (epochs, 0-based), like Keras' schedules
// with staircase = false, and hold their final value once t ≥ decayEpochs.
// One-cycle follows PyTorch's OneCycleLR, which counts integer steps.

import { ConfigError } from '../util/errors.js';

export interface ConstantSchedule {
  readonly kind: 'constant';
  readonly lr: number;
}

/** Paper 1: lr = initial·(final/initial)^(t/T), cooled from 1e-3 to 1e-6 over 2500 epochs. */
export interface ExponentialSchedule {
  readonly kind: 'exponential';
  readonly initialLr: number;
  readonly finalLr: number;
  readonly decayEpochs: number;
}

/** lr = final + (initial − final)·(1 − t/T)^power (Keras PolynomialDecay; power 1 is linear). */
export interface PolynomialSchedule {
  readonly kind: 'polynomial';
  readonly initialLr: number;
  readonly finalLr: number;
  readonly decayEpochs: number;
  readonly power: number;
}

/** lr = final + (initial − final)·(1 + cos(π t/T))/2 (paper 2's DS(I) runs). */
export interface CosineSchedule {
  readonly kind: 'cosine';
  readonly initialLr: number;
  readonly finalLr: number;
  readonly decayEpochs: number;
}

/**
 * PyTorch's OneCycleLR (two phases): from maxLr/divFactor up to maxLr over
 * the first pctStart of totalEpochs, then down to maxLr/(divFactor·finalDivFactor).
 * PyTorch anneals both phases with a cosine by default (anneal_strategy
 * 'cos'); `warmup: 'linear'` makes only the first phase a straight line.
 */
export interface OneCycleSchedule {
  readonly kind: 'one_cycle';
  readonly maxLr: number;
  readonly totalEpochs: number;
  readonly pctStart: number;
  readonly divFactor: number;
  readonly finalDivFactor: number;
  readonly warmup: 'cos' | 'linear';
}

export type ScheduleConfig =
  | ConstantSchedule
  | ExponentialSchedule
  | PolynomialSchedule
  | CosineSchedule
  | OneCycleSchedule;

export type ScheduleKind = ScheduleConfig['kind'];

/** Paper 1's schedule. */
export function paperExponentialSchedule(decayEpochs = 2500): ExponentialSchedule {
  return { kind: 'exponential', initialLr: 1e-3, finalLr: 1e-6, decayEpochs };
}

/** Learning rate for the step `step` (0-based) of epoch `epoch` (0-based). */
export function learningRate(s: ScheduleConfig, epoch: number, step: number, stepsPerEpoch: number): number {
  switch (s.kind) {
    case 'constant':
      return s.lr;
    case 'exponential': {
      const f = decayFraction(s.decayEpochs, epoch, step, stepsPerEpoch);
      return s.initialLr * Math.pow(s.finalLr / s.initialLr, f);
    }
    case 'polynomial': {
      const f = decayFraction(s.decayEpochs, epoch, step, stepsPerEpoch);
      return s.finalLr + (s.initialLr - s.finalLr) * Math.pow(1 - f, s.power);
    }
    case 'cosine': {
      const f = decayFraction(s.decayEpochs, epoch, step, stepsPerEpoch);
      return cosineAnneal(s.initialLr, s.finalLr, f);
    }
    case 'one_cycle':
      return oneCycle(s, epoch * stepsPerEpoch + step, s.totalEpochs * stepsPerEpoch);
  }
}

/**
 * Learning rate once the fraction f (clamped to [0, 1]) of the schedule's span
 * has passed — its decay_epochs, or total epochs for one_cycle — for
 * schedules driven by a clock other than the step count.
 */
export function learningRateAtFraction(s: ScheduleConfig, f: number, stepsPerEpoch: number): number {
  const span = s.kind === 'constant' ? 1 : s.kind === 'one_cycle' ? s.totalEpochs : s.decayEpochs;
  const v = Math.min(1, Math.max(0, f)) * span;
  const epoch = Math.floor(v);
  return learningRate(s, epoch, (v - epoch) * stepsPerEpoch, stepsPerEpoch);
}

/** min(t/T, 1) with t = epoch + step/stepsPerEpoch. */
function decayFraction(decayEpochs: number, epoch: number, step: number, stepsPerEpoch: number): number {
  const t = epoch + step / stepsPerEpoch;
  return t >= decayEpochs ? 1 : t / decayEpochs;
}

function cosineAnneal(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
}

function oneCycle(s: OneCycleSchedule, k: number, totalSteps: number): number {
  const initialLr = s.maxLr / s.divFactor;
  const minLr = initialLr / s.finalDivFactor;
  // PyTorch's phase boundaries, kept as floats exactly as it computes them.
  const warmEnd = s.pctStart * totalSteps - 1;
  const end = totalSteps - 1;
  if (k <= warmEnd && warmEnd > 0) {
    const pct = k / warmEnd;
    return s.warmup === 'linear' ? initialLr + (s.maxLr - initialLr) * pct : cosineAnneal(initialLr, s.maxLr, pct);
  }
  const start = Math.max(warmEnd, 0);
  // PyTorch raises past the last step; holding the minimum is kinder to extra epochs.
  const pct = end > start ? Math.min((k - start) / (end - start), 1) : 1;
  return cosineAnneal(s.maxLr, minLr, pct);
}

/**
 * Validates an untrusted JSON schedule and fills defaults: polynomial power 1;
 * one-cycle pctStart 0.3, divFactor 25, finalDivFactor 1e4, warmup 'cos'
 * (PyTorch's defaults). Throws ConfigError naming the bad key.
 */
export function parseScheduleConfig(value: unknown, where = 'schedule'): ScheduleConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${where}: expected an object with a 'kind'`);
  }
  const o = value as Record<string, unknown>;
  const num = (key: string, dflt?: number, check: (v: number) => boolean = (v) => v > 0, what = 'a positive number'): number => {
    const v = o[key] ?? dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) {
      throw new ConfigError(`${where}.${key}: expected ${what}, got ${JSON.stringify(o[key]) ?? 'nothing'}`);
    }
    return v;
  };
  switch (o.kind) {
    case 'constant':
      return { kind: 'constant', lr: num('lr') };
    case 'exponential':
      return { kind: 'exponential', initialLr: num('initialLr'), finalLr: num('finalLr'), decayEpochs: num('decayEpochs') };
    case 'polynomial':
      return {
        kind: 'polynomial', initialLr: num('initialLr'), finalLr: num('finalLr', undefined, (v) => v >= 0, 'a number ≥ 0'),
        decayEpochs: num('decayEpochs'), power: num('power', 1),
      };
    case 'cosine':
      return {
        kind: 'cosine', initialLr: num('initialLr'), finalLr: num('finalLr', undefined, (v) => v >= 0, 'a number ≥ 0'),
        decayEpochs: num('decayEpochs'),
      };
    case 'one_cycle': {
      const warmup = o.warmup ?? 'cos';
      if (warmup !== 'cos' && warmup !== 'linear') {
        throw new ConfigError(`${where}.warmup: expected 'cos' or 'linear', got ${JSON.stringify(warmup)}`);
      }
      return {
        kind: 'one_cycle', maxLr: num('maxLr'), totalEpochs: num('totalEpochs'),
        pctStart: num('pctStart', 0.3, (v) => v > 0 && v < 1, 'a number in (0, 1)'),
        divFactor: num('divFactor', 25), finalDivFactor: num('finalDivFactor', 1e4), warmup,
      };
    }
    default:
      throw new ConfigError(
        `${where}.kind: expected constant, exponential, polynomial, cosine or one_cycle, got ${JSON.stringify(o.kind) ?? 'nothing'}`,
      );
  }
}
