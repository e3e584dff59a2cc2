// The trainer snapshot as stored in a checkpoint (src/models/checkpointFile.ts),
// validated with zod like the config: a damaged or hand-edited checkpoint
// fails at --resume with the path of the bad field, not as a TypeError deep
// inside the trainer. The network's own config and an objective's state are
// checked by the network family and the objective that read them.

import { z } from 'zod';
import { parseStored } from '../io/storedJson.js';
import { rngStateSchema } from '../util/rngSchema.js';
import type { TrainerSnapshot } from './trainer.js';

const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const count = z.number().int().nonnegative();
const positiveInt = z.number().int().positive();

/** A float64 vector: a typed array (binary checkpoints) or base64 (legacy JSON ones). */
const float64 = z.union([
  z.instanceof(Float64Array),
  z.object({ encoding: z.literal('f64le-base64'), length: count, data: z.string() }),
]);

const schedule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant'), lr: finite }),
  z.object({ kind: z.literal('exponential'), initialLr: finite, finalLr: finite, decayEpochs: finite }),
  z.object({ kind: z.literal('polynomial'), initialLr: finite, finalLr: finite, decayEpochs: finite, power: finite }),
  z.object({ kind: z.literal('cosine'), initialLr: finite, finalLr: finite, decayEpochs: finite }),
  z.object({
    kind: z.literal('one_cycle'), maxLr: finite, totalEpochs: finite, pctStart: finite, divFactor: finite, finalDivFactor: finite,
    warmup: z.enum(['cos', 'linear']),
  }),
]);

const settings = z.looseObject({
  batchSize: positiveInt,
  stepsPerEpoch: positiveInt.nullable(),
  maxEpochs: count,
  patience: count.nullable(),
  minDelta: finite,
  restoreBest: z.boolean(),
  schedule,
  scheduleClockS: finite.nullable(),
  adam: z.object({ beta1: finite, beta2: finite, eps: finite }),
  evalChunkRows: positiveInt,
  // Absent in snapshots written before the finishing phase existed.
  finish: z.object({
    method: z.enum(['levenberg-marquardt', 'gauss-newton-cg']),
    startS: finite.nullable(),
    rows: positiveInt.nullable(),
    patience: count.nullable(),
    maxIterations: count.nullable(),
    cgIterations: positiveInt.optional(),
    cgTolerance: finite.optional(),
  }).nullable().default(null),
});

const epochStats = z.object({
  epoch: count,
  trainMSE: z.number(),
  valMSE: z.number(),
  valR2: z.number(),
  lr: z.number(),
  elapsedS: z.number(),
  epochS: z.number(),
  samplesPerS: z.number(),
  best: z.boolean(),
  damping: z.number().optional(),
  cgIterations: count.optional(),
  bestEpoch: count,
});

const snapshot = z.looseObject({
  format: z.literal('ampfit-trainer-snapshot'),
  version: z.literal(1),
  network: z.unknown(),
  objective: z.object({ name: z.string(), state: z.unknown() }).optional(),
  settings,
  data: z.object({ nTrain: count, nVal: count, fingerprint: z.number() }),
  params: float64,
  adam: z.object({ m: float64, v: float64, step: count }),
  stream: z.object({ n: count, rngState: rngStateSchema, started: z.boolean(), pos: count }),
  epoch: count,
  stepInEpoch: count,
  epochLossSum: z.number(),
  epochSamples: count,
  epochStepS: z.number(),
  lastLr: z.number(),
  best: z.object({ params: float64, valMSE: z.number(), valR2: z.number(), epoch: count }).nullable(),
  wait: count,
  history: z.array(epochStats),
  elapsedS: z.number(),
  finish: z.object({
    phase: z.enum(['adam', 'levenberg-marquardt', 'gauss-newton-cg']),
    lm: z.object({ mu: finite, iterations: count, rejected: count }),
  }).optional(),
});

/** The snapshot read from `where`, checked field by field. */
export function parseTrainerSnapshot(value: unknown, where: string): TrainerSnapshot {
  return parseStored(snapshot, value, `checkpoint ${where}: not a trainer snapshot ampfit can resume`) as TrainerSnapshot;
}
