import { z } from 'zod';
import { checkResumable, saveCheckpointConfig } from '../checkpointConfig.js';
import { parseStored } from '../../io/storedJson.js';
import { rngStateSchema } from '../../util/rngSchema.js';
import type { GraphBuilder } from '../../graph/builder.js';
import type { Buf } from '../../graph/ops.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunConfig } from '../../config/schema.js';
import { readModelFile, writeModelFile } from '../../io/modelFile.js';
import { getKernels } from '../../kernels/index.js';
import type { Kernels } from '../../kernels/types.js';
import { AmpfitError } from '../../util/errors.js';
import { progressHeader, progressRow, sci, type ProgressColumn } from '../../util/progressTable.js';
import { formatDuration, type Logger } from '../../util/log.js';
import { kernelsFor } from '../neural.js';
import type { EmittedOutput, EpochRecord, FitContext, FitResult, Regressor, RegressorType, SerializedRegressor, TrainData } from '../regressor.js';
import { Booster, type BoosterState, type RoundStats } from './boost.js';
import { forestArrays, forestBytes, forestFromArrays, nNodes, nTrees, predictForest, type Forest } from './forest.js';
import { gbdtParams, type GbdtParams } from './params.js';

// model_type "bdt": histogram gradient-boosted trees (XGBoost hist semantics,
// params.ts) as a pipeline model type. Training checkpoints every
// CHECKPOINT_S seconds and whenever it stops (Ctrl-C, time budget), so
// --resume continues and ends with the model an uninterrupted run gives.

export { FOREST_BYTES_PER_NODE, forestBytes, type Forest } from './forest.js';

const CHECKPOINT_FILE = 'bdt.ampfit';
const CHECKPOINT_S = 30;
const PROGRESS_S = 2;
/** Longest stretch of rounds without yielding to the event loop (so Ctrl-C is seen). */
const YIELD_MS = 50;
/** Config keys a resumed run may change; any other change makes the checkpoint meaningless. */
const RESUMABLE_CHANGES = new Set(['n_estimators', 'early_stopping_rounds', 'time_budget_s', 'threads', 'backend', 'name']);

/** A trained forest as a Regressor. parameterCount() is the number of tree nodes (internal nodes and leaves). */
export class GbdtRegressor implements Regressor {
  readonly type = 'bdt';

  constructor(readonly forest: Forest, readonly params: GbdtParams, private readonly kernels: Kernels) {}

  parameterCount(): number {
    return nNodes(this.forest);
  }

  predict(x: Float64Array, n: number): Float64Array {
    if (x.length !== n * this.forest.nFeatures) throw new AmpfitError(`bdt: x has ${x.length} values, expected ${n} rows × ${this.forest.nFeatures} inputs`);
    return predictForest(this.kernels, this.forest, x, n);
  }

  emit(g: GraphBuilder, x: Buf): EmittedOutput {
    const f = this.forest;
    return {
      value: g.forest(x, {
        inputDim: f.nFeatures, baseScore: f.baseScore, treeOffset: f.treeOffset, feature: f.feature, threshold: f.threshold, left: f.left, value: f.value,
        statistics: { cover: f.cover, gain: f.gain, learningRate: this.params.learningRate },
      }),
      sigma: null,
    };
  }

  serialize(): SerializedRegressor {
    const f = this.forest;
    return {
      spec: {
        type: 'bdt',
        d: f.nFeatures,
        base_score: f.baseScore,
        n_trees: nTrees(f),
        n_nodes: nNodes(f),
        model_bytes: forestBytes(f),
        params: this.params,
      },
      arrays: forestArrays(f),
    };
  }
}

async function fit(data: TrainData, ctx: FitContext): Promise<FitResult> {
  const { config, log } = ctx;
  const params = gbdtParams(config);
  const kernels = kernelsFor(config);
  const dir = ctx.checkpointDir;
  let budget = config.time_budget_s ?? undefined;
  let booster: Booster;
  const tPrep = performance.now();
  if (ctx.resume) {
    if (dir === null) throw new AmpfitError('--resume needs a checkpoint directory');
    const { state, arrays } = readCheckpoint(dir, config);
    booster = Booster.resume(kernels, data, params, state, arrays);
    if (budget !== undefined) budget = Math.max(0, budget - state.elapsedS);
    log.info(`resuming after round ${state.round} (${formatDuration(state.elapsedS)} trained so far)`);
  } else {
    booster = Booster.start(kernels, data, params, ctx.rng.fork('bdt'));
    if (dir !== null) {
      mkdirSync(dir, { recursive: true });
      saveCheckpointConfig(dir, config);
    }
  }
  const bins = booster.cuts.thresholds.map((t) => t.length + 1);
  // One fact per line, so that each fits 80 columns.
  log.info(`bdt: ${data.yTrain.length.toLocaleString('en-US')} training rows binned in ${((performance.now() - tPrep) / 1000).toFixed(2)}s (bins per feature: ${bins.join(', ')})`);
  log.info(`  max_depth ${params.maxDepth}, eta ${params.learningRate}, lambda ${params.lambda}, gamma ${params.gamma}, min_child_weight ${params.minChildWeight}`);
  log.info(`  subsample ${params.subsample}, colsample_bytree ${params.colsampleBytree}; up to ${params.nEstimators} rounds, early stopping after ${params.earlyStoppingRounds}`);
  log.info(`  ${kernels.backend} kernels, ${kernels.threads()} thread${kernels.threads() === 1 ? '' : 's'}${budget === undefined ? '' : `, time budget ${formatDuration(budget)}`}`);

  const t0 = performance.now();
  const sessionS = (): number => (performance.now() - t0) / 1000;
  const checkpoint = (): void => {
    if (dir === null) return;
    const { state, arrays } = booster.snapshot(booster.elapsedBefore + sessionS());
    writeModelFile(join(dir, CHECKPOINT_FILE), { format: 'ampfit-bdt-checkpoint', ...state }, arrays);
  };
  const progress = progressReporter(log, params.nEstimators, budget, booster.round);
  let lastCheckpoint = performance.now();
  let lastYield = performance.now();
  let stop: 'aborted' | 'time_budget' | null = null;
  while (!booster.done) {
    if (ctx.signal.aborted) {
      stop = 'aborted';
      break;
    }
    if (budget !== undefined && sessionS() >= budget) {
      stop = 'time_budget';
      break;
    }
    const stats = booster.step();
    booster.history.push(toRecord(stats, params.learningRate, booster.elapsedBefore + sessionS()));
    progress(stats, booster, sessionS(), booster.done);
    if (performance.now() - lastCheckpoint >= CHECKPOINT_S * 1000) {
      checkpoint();
      lastCheckpoint = performance.now();
    }
    if (performance.now() - lastYield >= YIELD_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  }
  checkpoint();
  if (booster.round === 0) throw new AmpfitError('bdt: stopped before the first round finished; nothing to keep');
  const forest = booster.bestForest();
  log.info(`bdt: kept ${nTrees(forest)} of ${booster.round} trees, ${nNodes(forest).toLocaleString('en-US')} nodes, ${(forestBytes(forest) / 1e6).toFixed(2)} MB`);
  log.info(`  best validation RMSE ${booster.bestRmse.toExponential(4)} at round ${booster.bestRound}`);
  return {
    model: new GbdtRegressor(forest, params, kernels),
    history: booster.history,
    stoppedBecause: describeStop(stop, booster, config),
  };
}

function toRecord(s: RoundStats, eta: number, elapsedS: number): EpochRecord {
  return { epoch: s.round, trainLoss: s.trainMSE, valLoss: s.valMSE, valR2: s.valR2, lr: eta, elapsedS };
}

function describeStop(stop: 'aborted' | 'time_budget' | null, b: Booster, c: RunConfig): string {
  const best = `best validation RMSE at round ${b.bestRound} of ${b.round}`;
  if (stop === 'aborted') return `interrupted; ${best} (resume with --resume)`;
  if (stop === 'time_budget') return `time budget of ${c.time_budget_s} s used; ${best}`;
  if (b.stoppedEarly) return `early stopping (no better validation RMSE for ${c.early_stopping_rounds} rounds); ${best}`;
  return `reached n_estimators = ${c.n_estimators}; ${best}`;
}

/** The boosting table (src/util/progressTable.ts): one row every PROGRESS_S seconds, the first and the last. */
const ROUND_COLUMNS: ProgressColumn[] = [
  { title: 'round', width: 6 }, { title: 'train RMSE', width: 8 }, { title: 'val RMSE', width: 8 }, { title: '1−R²', width: 8 },
  { title: 'best', width: 6 }, { title: 'rnd/s', width: 5 }, { title: 'nodes', width: 6 }, { title: 'ETA', width: 6 },
];

function progressReporter(log: Logger, maxRounds: number, budgetS: number | undefined, firstRound: number) {
  let lastAt = -Infinity;
  let headed = false;
  return (s: RoundStats, b: Booster, sessionS: number, final: boolean): void => {
    const now = performance.now();
    if (!(final || s.round === firstRound + 1 || now - lastAt >= PROGRESS_S * 1000)) return;
    lastAt = now;
    const rate = (s.round - firstRound) / Math.max(sessionS, 1e-9);
    let eta = (maxRounds - s.round) / rate;
    if (budgetS !== undefined) eta = Math.min(eta, Math.max(0, budgetS - sessionS));
    if (!headed) {
      headed = true;
      log.info(progressHeader(ROUND_COLUMNS));
    }
    const nodes = b.forest.nodeCount;
    log.progress(progressRow(ROUND_COLUMNS, [
      String(s.round), sci(Math.sqrt(s.trainMSE)), sci(Math.sqrt(s.valMSE)), sci(1 - s.valR2, 2),
      `${b.bestRound}${s.best ? '*' : ' '}`, rate.toFixed(1), nodes < 1e5 ? String(nodes) : `${(nodes / 1000).toFixed(0)}k`, formatDuration(eta),
    ]));
  };
}

const BOOSTER_STATE: z.ZodType<BoosterState> = z.looseObject({
  round: z.number().int().nonnegative(),
  bestRound: z.number().int().nonnegative(),
  bestRmse: z.number().nullable(),
  sinceBest: z.number().int().nonnegative(),
  rng: rngStateSchema,
  baseScore: z.number(),
  history: z.array(z.looseObject({
    epoch: z.number().int(), trainLoss: z.number(), valLoss: z.number(), valR2: z.number(), lr: z.number(), elapsedS: z.number(), damping: z.number().optional(),
  })),
  elapsedS: z.number(),
});

function readCheckpoint(dir: string, config: RunConfig): { state: BoosterState; arrays: ReturnType<typeof readModelFile>['arrays'] } {
  const file = join(dir, CHECKPOINT_FILE);
  checkResumable(dir, file, config, RESUMABLE_CHANGES, 'round');
  const { header, arrays } = readModelFile<{ format?: unknown }>(file);
  if (header.format !== 'ampfit-bdt-checkpoint') throw new AmpfitError(`--resume: ${file} is not a bdt checkpoint`);
  return { state: parseStored(BOOSTER_STATE, header, `checkpoint ${file}: not a bdt state ampfit can resume`), arrays };
}

function load(s: SerializedRegressor): Regressor {
  const { d, base_score: base, params } = s.spec as { d: number; base_score: number; params: GbdtParams };
  if (!Number.isInteger(d) || d < 1 || typeof base !== 'number' || typeof params !== 'object' || params === null) {
    throw new AmpfitError('bdt: model spec lacks d, base_score or params');
  }
  return new GbdtRegressor(forestFromArrays(s.arrays, d, base), params, getKernels('auto'));
}

export const bdtType: RegressorType = { type: 'bdt', fit, load };
