import { checkResumable, saveCheckpointConfig } from './checkpointConfig.js';
import type { GraphBuilder } from '../graph/builder.js';
import type { Buf } from '../graph/ops.js';
import { BUDGET_DRIVEN_EPOCHS } from '../config/recipe.js';
import { CHECKPOINT_STATE_FILE, checkpointStatePath, readCheckpointState, writeCheckpointState } from './checkpointFile.js';
import { join } from 'node:path';
import type { RunConfig } from '../config/schema.js';
import { getKernels } from '../kernels/index.js';
import type { Kernels } from '../kernels/types.js';
import {
  Network, Trainer, describeNetwork, parseNetworkConfig,
  type EpochStats, type FinishSettings, type NetworkConfig, type NetworkFactory, type ScheduleConfig, type StopReason, type TrainableNetwork,
  type TrainerSnapshot,
} from '../nn/index.js';
import { AmpfitError } from '../util/errors.js';
import { describeStructured, isStructuredConfig, restoreStructured } from '../nn/structuredNetwork.js';
import { networkSetup } from './networkSetup.js';
import { parseTrainerSnapshot } from '../nn/snapshotSchema.js';
import { progressHeader, progressRow, sci, type ProgressColumn } from '../util/progressTable.js';
import { formatDuration, type Logger } from '../util/log.js';
import type { Rng } from '../util/rng.js';
import { loadUncertain } from '../uncertainty/regressor.js';
import { describeUncertainty, uncertainRegressorOf, uncertaintyObjective } from '../uncertainty/setup.js';
import { float64Array, type EmittedOutput, type EpochRecord, type FitContext, type FitResult, type Regressor, type RegressorType, type SerializedRegressor, type TrainData } from './regressor.js';

// Networks trained by the Trainer as pipeline model types — paper 1's DNN and
// sk-DNN here, paper 2's families in layered.ts (each a NetworkFamily): config → network → Trainer,
// on the MSE or, with config `uncertainty` (any family), on a
// learned-uncertainty objective (src/uncertainty/), with a checkpoint after every epoch so an interrupted run resumes (losing at
// most the epoch in progress) and ends with the same weights as an
// uninterrupted one.

/** Least time between two within-epoch status updates. */
const STATUS_MS = 500;

/** Config keys a resumed run may change; any other change makes the checkpoint meaningless. */
const RESUMABLE_CHANGES = new Set(['epochs', 'patience', 'time_budget_s', 'threads', 'backend', 'name']);

/** How one family of networks is created for a run, rebuilt from its stored config, and named in logs. */
export interface NetworkFamily {
  readonly type: string;
  /** A new network for this run's config and input width, initialised from rng; `outputs` > 1 for a (mean, log σ²) or structured head. */
  create(config: RunConfig, inputDim: number, kernels: Kernels, rng: Rng, outputs?: number): TrainableNetwork;
  /** Rebuilds a network (parameters unset) from the config a snapshot or model file stored. */
  readonly restore: NetworkFactory;
  /** "sk-DNN 9-36 (4D, silu)"-style description of a stored config. */
  describe(config: unknown): string;
}

export class NeuralRegressor implements Regressor {
  constructor(readonly network: TrainableNetwork, readonly type: string) {}

  parameterCount(): number {
    return this.network.paramCount;
  }

  predict(x: Float64Array, n: number): Float64Array {
    return this.network.predict(x, n);
  }

  serialize(): SerializedRegressor {
    return { spec: { type: this.type, network: this.network.config }, arrays: { params: this.network.params.slice() } };
  }

  emit(g: GraphBuilder, x: Buf): EmittedOutput {
    return { value: this.network.emit(g, x), sigma: null };
  }
}

export function networkConfigFor(config: RunConfig, inputDim: number): NetworkConfig {
  if (config.model_type !== 'dnn' && config.model_type !== 'skdnn') throw new AmpfitError(`not a neural model type: ${config.model_type}`);
  if (config.activation === 'rational') throw new AmpfitError(`activation 'rational' needs model_type 'mlp' or 'ds', not '${config.model_type}'`);
  return parseNetworkConfig(
    { type: config.model_type, inputDim, depth: config.depth, width: config.width, activation: { name: config.activation, param: config.activation_param } },
    'config',
  );
}

export function scheduleFor(c: RunConfig): ScheduleConfig {
  const base = { initialLr: c.initial_lr, finalLr: c.final_lr, decayEpochs: c.decay_epochs };
  switch (c.lr_schedule) {
    case 'constant':
      return { kind: 'constant', lr: c.initial_lr };
    case 'exponential':
      return { kind: 'exponential', ...base };
    case 'polynomial':
      return { kind: 'polynomial', ...base, power: c.lr_power };
    case 'cosine':
      return { kind: 'cosine', ...base };
    case 'one_cycle':
      // PyTorch OneCycleLR defaults; initial_lr is the peak.
      return { kind: 'one_cycle', maxLr: c.initial_lr, totalEpochs: c.decay_epochs, pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4, warmup: 'cos' };
  }
}

export function kernelsFor(config: Pick<RunConfig, 'backend' | 'threads'>): Kernels {
  const kernels = getKernels(config.backend);
  if (config.threads !== null) kernels.setThreads(config.threads);
  return kernels;
}

function fit(family: NetworkFamily) {
  return async (data: TrainData, ctx: FitContext): Promise<FitResult> => {
    const { config, log } = ctx;
    const kernels = kernelsFor(config);
    const setup = networkSetup(family.create, config, data, ctx, kernels);
    const trainingData = setup.trainingData;
    const dir = ctx.checkpointDir;
    const uncertainty = uncertaintyObjective(config, data.yTrain.length, ctx.rng);
    const objective = uncertainty ?? setup.objective;
    let trainer: Trainer;
    let budget = config.time_budget_s ?? undefined;
    if (ctx.resume) {
      if (dir === null) throw new AmpfitError('--resume needs a checkpoint directory');
      const snapshot = readCheckpoint(dir, config);
      trainer = Trainer.resume(snapshot, kernels, trainingData, { maxEpochs: config.epochs, patience: config.patience, network: family.restore, objective });
      // The budget covers the whole run, resumed parts included.
      if (budget !== undefined) budget = Math.max(0, budget - snapshot.elapsedS);
      log.info(`resuming after epoch ${snapshot.epoch} (${formatDuration(snapshot.elapsedS)} trained so far)`);
    } else {
      const network = setup.create(ctx.rng.fork('init'));
      trainer = new Trainer(network, trainingData, {
        maxEpochs: config.epochs,
        batchSize: config.batch_size,
        stepsPerEpoch: config.steps_per_epoch,
        patience: config.patience,
        schedule: scheduleFor(config),
        scheduleClockS: config.lr_clock === 'time' ? adamSeconds(config) : null,
        finish: finishSettings(config),
        rng: ctx.rng.fork('batches'),
        objective: objective?.(network),
      });
      if (dir !== null) saveCheckpointConfig(dir, config);
    }
    const net = trainer.network;
    // One fact per line, so that each fits 80 columns.
    log.info(
      `${family.describe(net.config)}: ${trainer.objective.params.length.toLocaleString('en-US')} parameters; ` +
        `${kernels.backend} kernels, ${kernels.threads()} thread${kernels.threads() === 1 ? '' : 's'}`,
    );
    if (uncertainty !== undefined) log.info(`  loss: heteroscedastic NLL; ${describeUncertainty(config)}`);
    else if (setup.lossNote !== null) log.info(`  loss: ${setup.lossNote}`);
    log.info(
      `  batch ${trainer.settings.batchSize} × ${trainer.stepsPerEpoch} steps/epoch, patience ${config.patience}` +
        (config.epochs >= BUDGET_DRIVEN_EPOCHS ? '' : `, at most ${config.epochs} epochs`) +
        (budget === undefined ? '' : `, time budget ${formatDuration(budget)}`),
    );
    log.info(
      `  ${config.lr_schedule} lr ${config.initial_lr} → ${config.final_lr}` +
        (config.lr_clock === 'time' ? ` over ${formatDuration(config.time_budget_s ?? 0)} of training` : ''),
    );
    log.info(`  losses and R²(t) in the transformed target space t (${config.target_transform})`);
    const lossName = uncertainty === undefined ? 'MSE' : 'NLL';
    const progress = progressReporter(log, config.epochs, budget, lossName);
    let lastStatus = 0;
    const steps = trainer.stepsPerEpoch;
    trainer.setRuntime({
      signal: ctx.signal,
      timeBudgetS: budget,
      onEpoch: (stats) => {
        if (dir !== null) writeCheckpointState(dir, trainer.snapshot(true));
        progress(stats);
      },
      // The live line moves within an epoch (a 17 s epoch would otherwise show nothing), at most twice a second.
      onStep: (s) => {
        const now = performance.now();
        if (now - lastStatus < STATUS_MS) return;
        lastStatus = now;
        log.status(`epoch ${s.epoch}${config.epochs >= BUDGET_DRIVEN_EPOCHS ? '' : `/${config.epochs}`}  step ${s.step + 1}/${steps}  batch ${lossName} ${s.loss.toExponential(3)}  lr ${s.lr.toExponential(2)}`);
      },
    });
    const result = await trainer.run();
    if (result.stopReason === 'diverged') {
      log.warn('training diverged (non-finite loss); keeping the best weights from before — lower initial_lr');
    }
    return {
      model: uncertainty === undefined ? new NeuralRegressor(setup.final(net), family.type) : uncertainRegressorOf(trainer.objective, config, data, log),
      history: result.history.map(toRecord),
      stoppedBecause: describeStop(result.stopReason, config, result.bestEpoch, result.epochs, lossName, result.history.at(-1)?.damping !== undefined),
    };
  };
}

/** Seconds of the time budget Adam runs for: all of it, or what the finishing phase leaves. */
function adamSeconds(c: RunConfig): number | null {
  if (c.time_budget_s === null) return null;
  return c.finish?.share == null ? c.time_budget_s : c.time_budget_s * (1 - c.finish.share);
}

function finishSettings(c: RunConfig): FinishSettings | null {
  const f = c.finish;
  if (f === null) return null;
  return {
    method: f.method,
    startS: f.share === null ? null : adamSeconds(c),
    rows: f.rows,
    patience: f.patience,
    maxIterations: f.max_iterations,
    ...(f.method === 'gauss-newton-cg' ? { cgIterations: f.cg_iterations, cgTolerance: f.cg_tolerance } : {}),
  };
}

function readCheckpoint(dir: string, config: RunConfig): TrainerSnapshot {
  checkResumable(dir, checkpointStatePath(dir) ?? join(dir, CHECKPOINT_STATE_FILE), config, RESUMABLE_CHANGES, 'epoch');
  return parseTrainerSnapshot(readCheckpointState<unknown>(dir), checkpointStatePath(dir) ?? dir);
}

/**
 * The epoch table: lossName 'MSE', or 'NLL' for uncertainty objectives (the
 * trainer's *MSE fields then hold the NLL). 1 − R² rather than R²: at the
 * precision these models reach, R² is 0.99999… and its digits are all nines.
 * Finishing iterations show the damping μ in the lr column and Jacobian
 * rows per second (Levenberg–Marquardt) or the step's CG iterations
 * (Gauss–Newton–CG); the header is printed again when they start.
 */
function progressReporter(log: Logger, maxEpochs: number, budgetS: number | undefined, lossName: string): (s: EpochStats) => void {
  let firstElapsed: number | null = null;
  let firstEpoch = 0;
  type Phase = 'adam' | 'lm' | 'gn';
  let phase: Phase | null = null;
  const columns = (ph: Phase): ProgressColumn[] => [
    { title: 'epoch', width: 5 }, { title: `train ${lossName}`, width: 9 }, { title: `val ${lossName}`, width: 9 },
    { title: '1−R²(t)', width: 8 }, { title: { adam: 'lr', lm: 'LM μ', gn: 'GN μ' }[ph], width: 7 },
    { title: { adam: 'k/s', lm: 'krow/s', gn: 'CG it' }[ph], width: 4 },
    { title: 'best', width: 6 }, { title: 'ETA', width: 6 },
  ];
  return (s) => {
    if (firstElapsed === null) {
      firstElapsed = s.elapsedS - s.epochS;
      firstEpoch = s.epoch - 1;
    }
    const now: Phase = s.cgIterations !== undefined ? 'gn' : s.damping !== undefined ? 'lm' : 'adam';
    if (phase !== now) {
      phase = now;
      log.info(progressHeader(columns(now)));
    }
    const perEpoch = (s.elapsedS - firstElapsed) / (s.epoch - firstEpoch);
    let eta = (maxEpochs - s.epoch) * perEpoch;
    if (budgetS !== undefined) eta = Math.min(eta, Math.max(0, budgetS - (s.elapsedS - firstElapsed)));
    log.progress(progressRow(columns(now), [
      String(s.epoch), sci(s.trainMSE), sci(s.valMSE), sci(1 - s.valR2, 2),
      s.damping === undefined ? s.lr.toExponential(1) : s.damping.toExponential(1),
      s.cgIterations !== undefined ? String(s.cgIterations) : (s.samplesPerS / 1000).toFixed(s.damping === undefined ? 0 : 1),
      `${s.bestEpoch}${s.best ? '*' : ' '}`, formatDuration(eta),
    ]));
  };
}

function toRecord(s: EpochStats): EpochRecord {
  return {
    epoch: s.epoch, trainLoss: s.trainMSE, valLoss: s.valMSE, valR2: s.valR2, lr: s.lr, elapsedS: s.elapsedS,
    ...(s.damping === undefined ? {} : { damping: s.damping }),
  };
}

/** finishing: the run ended in the finishing phase (whose epochs are its iterations). */
function describeStop(reason: StopReason, c: RunConfig, bestEpoch: number, epochs: number, lossName: string, finishing: boolean): string {
  const best = `best validation ${lossName} at epoch ${bestEpoch} of ${epochs}`;
  switch (reason) {
    case 'early_stopping':
      return finishing
        ? `finishing phase: no better validation ${lossName} for ${c.finish?.patience} ${c.finish?.method} iterations; ${best}`
        : `early stopping (no better validation ${lossName} for ${c.patience} epochs); ${best}`;
    case 'max_epochs':
      return finishing ? `finishing phase: reached max_iterations = ${c.finish?.max_iterations}; ${best}` : `reached epochs = ${c.epochs}; ${best}`;
    case 'time_budget':
      return `time budget of ${c.time_budget_s} s used; ${best}`;
    case 'aborted':
      return `interrupted; ${best} (resume with --resume)`;
    case 'diverged':
      return `diverged (non-finite loss); ${best}`;
  }
}

function load(family: NetworkFamily) {
  return (s: SerializedRegressor): Regressor => {
    if (s.spec.uncertainty !== undefined) return loadUncertain(s, family.restore);
    const network = family.restore(s.spec.network, getKernels('auto'));
    const params = float64Array(s, 'params', family.type);
    if (params.length !== network.paramCount) {
      throw new AmpfitError(`model holds ${params.length} parameters, ${family.describe(network.config)} needs ${network.paramCount}`);
    }
    network.params.set(params);
    return new NeuralRegressor(network, family.type);
  };
}

/** A model type for a family of networks trained by the Trainer. */
export function neuralType(family: NetworkFamily): RegressorType {
  return { type: family.type, fit: fit(family), load: load(family) };
}

/** Paper 1's DNN and sk-DNN: plans of dense ops. */
function denseFamily(type: 'dnn' | 'skdnn'): NetworkFamily {
  return {
    type,
    create(config, inputDim, kernels, rng, outputs = 1) {
      const base = networkConfigFor({ ...config, model_type: type }, inputDim);
      const network = new Network(outputs === 1 ? base : { ...base, outputs }, kernels);
      network.init(rng);
      return network;
    },
    restore: function restore(config: unknown, kernels: Kernels): TrainableNetwork {
      if (isStructuredConfig(config)) return restoreStructured(config, kernels, restore, 'model.regressor.network');
      return new Network(parseNetworkConfig(config, 'model.regressor.network'), kernels);
    },
    describe: function describe(config: unknown): string {
      if (isStructuredConfig(config)) return describeStructured(config, describe);
      return describeNetwork(parseNetworkConfig(config, 'model.regressor.network'));
    },
  };
}

export const dnnType: RegressorType = neuralType(denseFamily('dnn'));
export const skdnnType: RegressorType = neuralType(denseFamily('skdnn'));
