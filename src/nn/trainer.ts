// Mini-batch training with Adam, a learning-rate schedule, early stopping on
// the validation loss (restoring the best weights), a time budget, clean stops
// on an AbortSignal, and checkpoints as plain objects (the caller does I/O).
// Optionally a second-order finishing phase follows Adam (settings.finish:
// Levenberg–Marquardt or Gauss–Newton–CG, src/nn/finish/), from Adam's best
// weights, each of its iterations validated and counted as an epoch.
// The loss is an Objective (src/nn/objective.ts): paper 1's MSE by default;
// the fields named *MSE hold the objective's loss.
//
// Inputs are already in the model's (transformed) target space; the trainer
// knows nothing about files or target transforms.
//
// Exact resumption: every random choice comes from the BatchStream's own Rng,
// the learning rate is a pure function of (epoch, step), and a snapshot holds
// everything else that evolves (params, Adam moments, stream state, step
// counters, best weights, patience counter, the objective's own state). So an
// interrupted-and-resumed run ends with bit-identical weights to an
// uninterrupted one.

import type { Kernels } from '../kernels/types.js';
import { ConfigError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { Adam, ADAM_DEFAULTS, checkAdamConfig, type AdamConfig } from './adam.js';
import { checkLmParameterCount, LevenbergMarquardt, LM_INITIAL_STATE, type Finisher, type LmState } from './finish/levenbergMarquardt.js';
import { GaussNewtonCg, GN_CG_DEFAULTS } from './finish/gaussNewtonCg.js';
import { BatchStream, type BatchStreamState } from './batch-stream.js';
import { parseNetworkConfig, type NetworkConfig } from './config.js';
import type { RegressionMetrics } from './evaluate.js';
import { decodeFloat64, encodeFloat64, type EncodedFloat64, type Float64Payload } from './f64-codec.js';
import { Network, PREDICT_CHUNK_ROWS } from './network.js';
import { MseObjective, type Objective } from './objective.js';
import { evenlySpacedRows } from '../data/dataset.js';
import type { NetworkFactory, TrainableNetwork } from './trainable.js';
import { learningRate, learningRateAtFraction, parseScheduleConfig, type ScheduleConfig } from './schedules.js';

export interface TrainingData {
  /** nTrain×inputDim, row-major. */
  readonly xTrain: Float64Array;
  readonly yTrain: Float64Array;
  /** nVal×inputDim, row-major. */
  readonly xVal: Float64Array;
  readonly yVal: Float64Array;
  /** Sample weights (mean 1 over the training rows); absent or null: every row weighs 1. */
  readonly wTrain?: Float64Array | null;
  readonly wVal?: Float64Array | null;
}

/** Hyperparameters; all of them are stored in snapshots. */
export interface TrainerSettings {
  /** Rows per step; default 512 (paper 1). */
  readonly batchSize: number;
  /**
   * Steps per epoch; null (default) = one pass over the training set, the
   * last batch short. A number draws full batches from a reshuffled stream
   * that crosses permutation boundaries (paper 1: 4000).
   */
  readonly stepsPerEpoch: number | null;
  readonly maxEpochs: number;
  /** Epochs without validation improvement before stopping; null = never. Default 200 (paper 1). */
  readonly patience: number | null;
  /** An epoch improves when valMSE < best − minDelta. Default 0. */
  readonly minDelta: number;
  /** Put the best-validation weights back into the network when run() ends. Default true. */
  readonly restoreBest: boolean;
  /** Default: exponential from 1e-3 to 1e-6 over maxEpochs epochs (paper 1's shape). */
  readonly schedule: ScheduleConfig;
  /**
   * null (default): the schedule advances with the steps taken. A number T:
   * it advances with training seconds instead and reaches its end after T s —
   * the schedule then fits any time budget whatever the machine's speed or
   * load, at the price of bit-reproducibility across runs.
   */
  readonly scheduleClockS: number | null;
  readonly adam: AdamConfig;
  /** Rows per chunk when evaluating the validation set. */
  readonly evalChunkRows: number;
  /** The finishing phase after Adam, or null (absent in snapshots written before it existed). */
  readonly finish: FinishSettings | null;
}

/** The finishing methods: explicit JᵀJ with Cholesky (≤ 12 000 parameters), or matrix-free CG on JᵀJ products (any size). */
export const FINISH_METHODS = ['levenberg-marquardt', 'gauss-newton-cg'] as const;
export type FinishMethod = (typeof FINISH_METHODS)[number];

/** A second-order phase after Adam, on the MSE objective only. */
export interface FinishSettings {
  readonly method: FinishMethod;
  /**
   * Training seconds (summed over resumed runs) after which Adam hands over;
   * null: when Adam stops by max epochs or early stopping.
   */
  readonly startS: number | null;
  /** Training rows the squared error is taken over (evenly spaced through the training set); null: all. */
  readonly rows: number | null;
  /** Iterations without validation improvement before the phase stops; null = never. */
  readonly patience: number | null;
  /** Most iterations; null = no limit. */
  readonly maxIterations: number | null;
  /** gauss-newton-cg: CG iterations per step at most, and the relative residual that ends a solve (absent in older snapshots: the defaults). */
  readonly cgIterations?: number;
  readonly cgTolerance?: number;
}

export interface EpochStats {
  /** 1-based number of the epoch just completed. */
  readonly epoch: number;
  /** Mean over the epoch's batches of the batch MSE. */
  readonly trainMSE: number;
  readonly valMSE: number;
  readonly valR2: number;
  /** Learning rate of the epoch's last step. */
  readonly lr: number;
  /** Training wall time so far, summed over resumed runs. */
  readonly elapsedS: number;
  /** Wall time of this epoch including validation. */
  readonly epochS: number;
  /** Training rows per second of stepping time (validation excluded). */
  readonly samplesPerS: number;
  /** Whether this epoch set a new best validation MSE. */
  readonly best: boolean;
  /** In the finishing phase (one Levenberg–Marquardt or Gauss–Newton iteration per epoch, lr 0): the damping μ after it. */
  readonly damping?: number;
  /** Gauss–Newton–CG: the CG iterations of the epoch's step. */
  readonly cgIterations?: number;
  /** 1-based epoch of the best validation MSE so far (0: none yet). */
  readonly bestEpoch: number;
}

export interface StepInfo {
  /** 1-based number of the epoch in progress. */
  readonly epoch: number;
  /** 0-based step within the epoch. */
  readonly step: number;
  readonly loss: number;
  readonly lr: number;
}

export type StopReason = 'max_epochs' | 'early_stopping' | 'time_budget' | 'aborted' | 'diverged';

export interface TrainResult {
  readonly stopReason: StopReason;
  /** Completed epochs, over all runs. */
  readonly epochs: number;
  /** 0 when no epoch completed; the metrics then describe the final weights. */
  readonly bestEpoch: number;
  readonly bestValMSE: number;
  readonly bestValR2: number;
  /** Whether the network now holds the best weights rather than the last ones. */
  readonly restoredBest: boolean;
  readonly elapsedS: number;
  readonly history: readonly EpochStats[];
}

/** Per-run behaviour, not part of snapshots. */
export interface TrainerRuntime {
  /** Stops cleanly at the next step boundary (e.g. wired to SIGINT). */
  readonly signal?: AbortSignal;
  /**
   * Seconds for this run(). When it runs out training stops after the step
   * under way; the steps of the partial epoch are validated as a short epoch.
   * Best weights are kept.
   */
  readonly timeBudgetS?: number;
  /** Called after each epoch; awaited, so it may write a checkpoint. */
  readonly onEpoch?: (stats: EpochStats) => void | Promise<void>;
  readonly onStep?: (info: StepInfo) => void;
  /** Milliseconds of work between yields to the event loop (so signals fire); default 50. */
  readonly yieldEveryMs?: number;
}

export type TrainerOptions = Partial<Omit<TrainerSettings, 'maxEpochs' | 'adam'>> & TrainerRuntime & {
  readonly maxEpochs: number;
  /** Missing fields take ADAM_DEFAULTS. */
  readonly adam?: Partial<AdamConfig>;
  /** Source of the shuffling order; default new Rng(0). The trainer owns it afterwards. */
  readonly rng?: Rng;
  /** What to minimise; default paper 1's MSE of `network`. Its params are what Adam, snapshots and best weights hold. */
  readonly objective?: Objective;
};

/** Settings a resumed run may change; the rest must stay as they were for exactness. */
export type ResumeOptions = TrainerRuntime & {
  readonly maxEpochs?: number;
  readonly patience?: number | null;
  /** Rebuilds the snapshot's objective on the rebuilt network (default: MSE); must match the snapshot's objective name. */
  readonly objective?: (network: TrainableNetwork) => Objective;
  /** Rebuilds the snapshot's network; default: a dense-op Network (dnn, skdnn). */
  readonly network?: NetworkFactory;
};

/** A: how weight vectors are held — base64 (JSON) or Float64Array (binary checkpoint files). */
export interface TrainerSnapshot<A extends Float64Payload = Float64Payload> {
  readonly format: 'ampfit-trainer-snapshot';
  readonly version: 1;
  /** The network's own config (NetworkConfig for dnn/skdnn). */
  readonly network: NetworkConfig | unknown;
  /** Absent in snapshots written before objectives existed: 'mse'. */
  readonly objective?: { readonly name: string; readonly state: unknown };
  readonly settings: TrainerSettings;
  readonly data: { readonly nTrain: number; readonly nVal: number; readonly fingerprint: number };
  readonly params: A;
  readonly adam: { readonly m: A; readonly v: A; readonly step: number };
  readonly stream: BatchStreamState;
  /** Completed epochs. */
  readonly epoch: number;
  /** Steps already done in the epoch in progress (0 at an epoch boundary). */
  readonly stepInEpoch: number;
  readonly epochLossSum: number;
  readonly epochSamples: number;
  readonly epochStepS: number;
  readonly lastLr: number;
  readonly best: {
    readonly params: A; readonly valMSE: number; readonly valR2: number; readonly epoch: number;
  } | null;
  /** Epochs since the last improvement. */
  readonly wait: number;
  readonly history: readonly EpochStats[];
  readonly elapsedS: number;
  /** Present when settings.finish is set: which phase runs, and the finishing method's state. */
  readonly finish?: { readonly phase: Phase; readonly lm: LmState };
}

type Phase = 'adam' | FinishMethod;

const DEFAULT_BATCH_SIZE = 512;
const DEFAULT_PATIENCE = 200;
const DEFAULT_YIELD_MS = 50;

interface BatchBuffers {
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** The batch's sample weights; null without weights. */
  readonly w: Float64Array | null;
}

function now(): number {
  return performance.now();
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class Trainer {
  readonly network: TrainableNetwork;
  readonly objective: Objective;
  readonly settings: TrainerSettings;
  /** Steps per epoch after resolving the one-pass default. */
  readonly stepsPerEpoch: number;

  private readonly kernels: Kernels;
  private readonly data: TrainingData;
  private readonly nTrain: number;
  private readonly fingerprint: number;
  private runtime: TrainerRuntime;
  private adam: Adam;
  private stream: BatchStream;
  private readonly idx: Uint32Array;
  private readonly batch: BatchBuffers;
  /** Buffers for the short last batch of one-pass epochs. */
  private shortBatch: BatchBuffers | null = null;

  private epoch = 0;
  private stepInEpoch = 0;
  private epochLossSum = 0;
  private epochSamples = 0;
  private epochStepMs = 0;
  private lastLr = NaN;
  private readonly bestParams: Float64Array;
  private best: { valMSE: number; valR2: number; epoch: number } | null = null;
  private wait = 0;
  private readonly hist: EpochStats[] = [];
  private elapsedBaseS = 0;
  private runStartMs: number | null = null;
  /** The last training weights while the network holds restored best weights. */
  private trainParams: Float64Array | null = null;
  private running = false;
  private phase: Phase = 'adam';
  private lmState: LmState = LM_INITIAL_STATE;
  private lm: Finisher | null = null;

  constructor(network: TrainableNetwork, data: TrainingData, options: TrainerOptions) {
    const settings = resolveSettings(options);
    this.network = network;
    this.objective = options.objective ?? new MseObjective(network);
    this.kernels = network.kernels;
    this.settings = settings;
    this.runtime = options;
    this.data = data;
    this.nTrain = checkData(data, network.inputDim);
    this.fingerprint = fingerprintData(data);
    this.stepsPerEpoch = settings.stepsPerEpoch ?? Math.ceil(this.nTrain / settings.batchSize);
    this.adam = new Adam(this.objective.params.length, settings.adam);
    this.stream = new BatchStream(this.nTrain, options.rng ?? new Rng(0));
    this.idx = new Uint32Array(settings.batchSize);
    this.batch = makeBatchBuffers(settings.batchSize, network.inputDim, (data.wTrain ?? null) !== null);
    this.bestParams = new Float64Array(this.objective.params.length);
    if ((data.wTrain ?? null) !== null && !this.objective.takesSampleWeights) {
      throw new ConfigError(`data.weight: the '${this.objective.name}' objective does not take sample weights (the squared error, 'mse', does)`);
    }
    if ((data.wTrain ?? null) !== null && settings.finish !== null) {
      throw new ConfigError('data.weight: the finishing phase fits unweighted residuals; set finish: null');
    }
    if (settings.finish !== null && this.objective.name !== 'mse') {
      throw new ConfigError(`finish: ${settings.finish.method} minimises a squared error; it cannot finish the '${this.objective.name}' objective`);
    }
    // Before Adam runs, not after: a network too large for the P×P matrices fails now.
    if (settings.finish?.method === 'levenberg-marquardt') checkLmParameterCount(this.objective.params.length);
  }

  /**
   * Rebuilds a trainer from a snapshot (after a JSON round trip is fine) on
   * the same data; run() then continues exactly where the snapshot was taken.
   */
  static resume(snapshot: TrainerSnapshot, kernels: Kernels, data: TrainingData, options: ResumeOptions = {}): Trainer {
    if (snapshot.format !== 'ampfit-trainer-snapshot' || snapshot.version !== 1) {
      throw new ConfigError(`not an ampfit trainer snapshot (version 1): format ${String(snapshot.format)}, version ${String(snapshot.version)}`);
    }
    const network = options.network !== undefined
      ? options.network(snapshot.network, kernels)
      : new Network(parseNetworkConfig(snapshot.network, 'snapshot.network'), kernels);
    const objective: Objective = options.objective === undefined ? new MseObjective(network) : options.objective(network);
    const savedName = snapshot.objective?.name ?? 'mse';
    if (savedName !== objective.name) throw new ConfigError(`snapshot trained the '${savedName}' objective, not '${objective.name}'`);
    const s = snapshot.settings;
    const t = new Trainer(network, data, {
      ...s,
      ...options,
      objective,
      patience: options.patience === undefined ? s.patience : options.patience,
      maxEpochs: options.maxEpochs ?? s.maxEpochs,
    });
    if (snapshot.data.nTrain !== t.nTrain || snapshot.data.nVal !== data.yVal.length || snapshot.data.fingerprint !== t.fingerprint) {
      throw new ConfigError(
        `snapshot was taken on different data (nTrain ${snapshot.data.nTrain}, nVal ${snapshot.data.nVal}, ` +
          `fingerprint ${snapshot.data.fingerprint}; now ${t.nTrain}, ${data.yVal.length}, ${t.fingerprint})`,
      );
    }
    const size = objective.params.length;
    objective.params.set(decodeExact(snapshot.params, size, 'snapshot.params'));
    if (snapshot.objective !== undefined) objective.setState?.(snapshot.objective.state);
    t.adam = Adam.fromState(
      {
        m: decodeExact(snapshot.adam.m, size, 'snapshot.adam.m'),
        v: decodeExact(snapshot.adam.v, size, 'snapshot.adam.v'),
        step: snapshot.adam.step,
      },
      s.adam,
    );
    t.stream = BatchStream.fromState(snapshot.stream);
    t.epoch = snapshot.epoch;
    t.stepInEpoch = snapshot.stepInEpoch;
    t.epochLossSum = snapshot.epochLossSum;
    t.epochSamples = snapshot.epochSamples;
    t.epochStepMs = snapshot.epochStepS * 1000;
    t.lastLr = snapshot.lastLr ?? NaN;
    if (snapshot.best !== null) {
      t.bestParams.set(decodeExact(snapshot.best.params, size, 'snapshot.best.params'));
      t.best = { valMSE: snapshot.best.valMSE, valR2: snapshot.best.valR2 ?? NaN, epoch: snapshot.best.epoch };
    }
    t.wait = snapshot.wait;
    t.hist.push(...snapshot.history);
    t.elapsedBaseS = snapshot.elapsedS;
    if (snapshot.finish !== undefined) {
      const phase = snapshot.finish.phase;
      if (phase !== 'adam' && phase !== s.finish?.method) throw new ConfigError(`snapshot is in the '${phase}' phase, but its settings finish with ${s.finish?.method ?? 'nothing'}`);
      t.phase = phase;
      t.lmState = snapshot.finish.lm;
    }
    return t;
  }

  get history(): readonly EpochStats[] {
    return this.hist;
  }

  /** Completed epochs. */
  get epochsDone(): number {
    return this.epoch;
  }

  /** Changes the per-run behaviour (signal, budget, callbacks) before the next run(). */
  setRuntime(runtime: TrainerRuntime): void {
    this.runtime = runtime;
  }

  /** The best-validation weights so far (a copy), or null before the first epoch. */
  bestWeights(): Float64Array | null {
    return this.best === null ? null : this.bestParams.slice();
  }

  /**
   * Trains until max epochs, early stopping, the time budget, the abort
   * signal, or a non-finite loss. Calling run() again after a stop continues
   * from the training state (not from the restored best weights).
   */
  async run(): Promise<TrainResult> {
    if (this.running) throw new Error('Trainer.run: already running');
    this.running = true;
    const params = this.objective.params;
    const s = this.settings;
    const rt = this.runtime;
    try {
      if (this.trainParams !== null) {
        params.set(this.trainParams);
        this.trainParams = null;
      }
      const runStart = now();
      this.runStartMs = runStart;
      const budgetMs = rt.timeBudgetS === undefined ? Infinity : rt.timeBudgetS * 1000;
      const yieldMs = rt.yieldEveryMs ?? DEFAULT_YIELD_MS;
      const patience = s.patience ?? Infinity;
      const spe = this.stepsPerEpoch;
      let lastYield = runStart;
      let reason: StopReason;

      const finish = s.finish;
      outer: for (;;) {
        if (this.phase !== 'adam' && finish !== null) {
          const r = await this.finishingIteration(finish, runStart + budgetMs, yieldMs);
          if (r !== null) {
            reason = r;
            break;
          }
          continue;
        }
        if (this.wait >= patience || this.epoch >= s.maxEpochs) {
          if (finish !== null) {
            this.enterFinishing(finish.method);
            continue;
          }
          reason = this.wait >= patience ? 'early_stopping' : 'max_epochs';
          break;
        }
        const epochStart = now();
        while (this.stepInEpoch < spe) {
          if (rt.signal?.aborted === true) {
            reason = 'aborted';
            break outer;
          }
          const t0 = now();
          if (finish !== null && finish.startS !== null && this.elapsedS() >= finish.startS) {
            // Hand over mid-epoch: the steps done so far are validated as a short epoch first.
            if (this.stepInEpoch > 0) {
              const stats = this.finishEpoch(epochStart);
              if (rt.onEpoch !== undefined) await rt.onEpoch(stats);
            }
            this.enterFinishing(finish.method);
            continue outer;
          }
          if (t0 - runStart >= budgetMs) {
            // The budget is kept to within one step (finishing the epoch overshot 60 s budgets by 10–20 %):
            // the steps of a partial epoch are validated as a short epoch, since with a cooled schedule they may hold the best weights.
            if (this.stepInEpoch > 0) {
              const stats = this.finishEpoch(epochStart);
              if (rt.onEpoch !== undefined) await rt.onEpoch(stats);
            }
            reason = 'time_budget';
            break outer;
          }
          const loss = this.step();
          const t1 = now();
          this.epochStepMs += t1 - t0;
          const step = this.stepInEpoch++;
          if (rt.onStep !== undefined) rt.onStep({ epoch: this.epoch + 1, step, loss, lr: this.lastLr });
          if (!Number.isFinite(loss)) {
            reason = 'diverged';
            break outer;
          }
          if (t1 - lastYield >= yieldMs) {
            await yieldToEventLoop();
            lastYield = now();
          }
        }
        const stats = this.finishEpoch(epochStart);
        if (rt.onEpoch !== undefined) await rt.onEpoch(stats);
        await yieldToEventLoop();
        lastYield = now();
        if (!(Number.isFinite(stats.trainMSE) && Number.isFinite(stats.valMSE))) {
          reason = 'diverged';
          break;
        }
      }
      return this.finishRun(reason);
    } finally {
      this.elapsedBaseS = this.elapsedS();
      this.runStartMs = null;
      this.running = false;
    }
  }

  /**
   * The complete training state as a plain JSON-serialisable object. Call it
   * between run()s or from inside onEpoch (the usual place for checkpoints).
   * With typed, the weight vectors are Float64Array copies instead of base64
   * (for the binary checkpoint file, src/models/checkpointFile.ts).
   */
  snapshot(): TrainerSnapshot<EncodedFloat64>;
  snapshot(typed: true): TrainerSnapshot<Float64Array>;
  snapshot(typed = false): TrainerSnapshot {
    const params = this.trainParams ?? this.objective.params;
    const a = this.adam;
    const obj = this.objective;
    return {
      format: 'ampfit-trainer-snapshot',
      version: 1,
      network: this.network.config,
      ...(obj.name === 'mse' ? {} : { objective: { name: obj.name, state: obj.getState?.() ?? null } }),
      settings: this.settings,
      data: { nTrain: this.nTrain, nVal: this.data.yVal.length, fingerprint: this.fingerprint },
      params: encodeFloat64(params, typed),
      adam: { m: encodeFloat64(a.m, typed), v: encodeFloat64(a.v, typed), step: a.step },
      stream: this.stream.getState(),
      epoch: this.epoch,
      stepInEpoch: this.stepInEpoch,
      epochLossSum: this.epochLossSum,
      epochSamples: this.epochSamples,
      epochStepS: this.epochStepMs / 1000,
      lastLr: this.lastLr,
      best: this.best === null ? null : { params: encodeFloat64(this.bestParams, typed), ...this.best },
      wait: this.wait,
      history: this.hist.slice(),
      elapsedS: this.elapsedS(),
      ...(this.settings.finish === null ? {} : { finish: { phase: this.phase, lm: this.lm?.state ?? this.lmState } }),
    };
  }

  /** Adam hands over: the finishing phase starts from the best weights so far, with its own patience count. */
  private enterFinishing(method: FinishMethod): void {
    if (this.best !== null) this.objective.params.set(this.bestParams);
    this.phase = method;
    this.wait = 0;
    this.stepInEpoch = 0;
    this.epochLossSum = 0;
    this.epochSamples = 0;
    this.epochStepMs = 0;
  }

  /** Rows of the training set the finishing phase fits: `rows` of them, evenly spaced (the split already shuffled them). */
  private finishingRows(rows: number | null): { x: Float64Array; y: Float64Array } {
    return evenlySpacedRows(this.data.xTrain, this.data.yTrain, this.network.inputDim, rows ?? this.nTrain);
  }

  /**
   * One finishing iteration as an epoch (validated, checkpointed
   * by onEpoch); returns why the run stops, or null to go on. An iteration
   * cut short by the signal or the budget leaves parameters and state as they
   * were, so the run resumes exactly.
   */
  private async finishingIteration(finish: FinishSettings, deadlineMs: number, yieldMs: number): Promise<StopReason | null> {
    const rt = this.runtime;
    if (finish.patience !== null && this.wait >= finish.patience) return 'early_stopping';
    if (finish.maxIterations !== null && this.lmState.iterations >= finish.maxIterations) return 'max_epochs';
    if (rt.signal?.aborted === true) return 'aborted';
    if (now() >= deadlineMs) return 'time_budget';
    if (this.lm === null) {
      const { x, y } = this.finishingRows(finish.rows);
      this.lm = finish.method === 'levenberg-marquardt'
        ? new LevenbergMarquardt(this.network, x, y, this.lmState)
        : new GaussNewtonCg(this.network, x, y, this.lmState, {
          maxCgIterations: finish.cgIterations ?? GN_CG_DEFAULTS.maxCgIterations,
          cgTolerance: finish.cgTolerance ?? GN_CG_DEFAULTS.cgTolerance,
        });
    }
    const start = now();
    let lastYield = start;
    let stoppedBy: StopReason | null = null;
    const it = await this.lm.iterate(async () => {
      if (rt.signal?.aborted === true) stoppedBy = 'aborted';
      else if (now() >= deadlineMs) stoppedBy = 'time_budget';
      if (stoppedBy !== null) return false;
      if (now() - lastYield >= yieldMs) {
        await yieldToEventLoop();
        lastYield = now();
      }
      return true;
    });
    if (it === null) return stoppedBy ?? 'aborted';
    this.lmState = this.lm.state;
    this.epochLossSum = it.mseAfter;
    this.stepInEpoch = 1;
    this.epochSamples = this.lm.rows;
    this.epochStepMs = now() - start;
    this.lastLr = 0;
    const stats: EpochStats = { ...this.finishEpoch(start), damping: it.mu, ...(it.cgIterations === undefined ? {} : { cgIterations: it.cgIterations }) };
    this.hist[this.hist.length - 1] = stats;
    if (rt.onEpoch !== undefined) await rt.onEpoch(stats);
    await yieldToEventLoop();
    return Number.isFinite(stats.valMSE) ? null : 'diverged';
  }

  /** One Adam step on the next batch; returns the batch loss. Allocates nothing (for the MSE objective). */
  private step(): number {
    const s = this.settings;
    const d = this.network.inputDim;
    const m = this.stream.next(this.idx, s.batchSize, s.stepsPerEpoch !== null);
    const buf = m === s.batchSize ? this.batch : this.shortBuffers(m);
    const { xTrain, yTrain } = this.data;
    const idx = this.idx;
    const bx = buf.x;
    const by = buf.y;
    for (let i = 0; i < m; i++) {
      const r = idx[i];
      const src = r * d;
      const dst = i * d;
      for (let j = 0; j < d; j++) bx[dst + j] = xTrain[src + j];
      by[i] = yTrain[r];
    }
    const bw = buf.w;
    const wTrain = this.data.wTrain ?? null;
    if (bw !== null && wTrain !== null) for (let i = 0; i < m; i++) bw[i] = wTrain[idx[i]];
    const obj = this.objective;
    const loss = obj.lossAndGradient(bx, by, m, bw);
    const lr = s.scheduleClockS === null
      ? learningRate(s.schedule, this.epoch, this.stepInEpoch, this.stepsPerEpoch)
      : learningRateAtFraction(s.schedule, this.elapsedS() / s.scheduleClockS, this.stepsPerEpoch);
    this.adam.update(this.kernels, obj.params, obj.grads, lr);
    this.lastLr = lr;
    this.epochLossSum += loss;
    this.epochSamples += m;
    return loss;
  }

  private shortBuffers(m: number): BatchBuffers {
    if (this.shortBatch === null || this.shortBatch.y.length !== m) {
      this.shortBatch = makeBatchBuffers(m, this.network.inputDim, this.batch.w !== null);
    }
    return this.shortBatch;
  }

  private validate(): RegressionMetrics {
    return this.objective.evaluate(this.data.xVal, this.data.yVal, this.settings.evalChunkRows, this.data.wVal ?? null);
  }

  private finishEpoch(epochStart: number): EpochStats {
    const metrics = this.validate();
    const epoch = this.epoch + 1;
    const improved = this.best === null ? Number.isFinite(metrics.mse) : metrics.mse < this.best.valMSE - this.settings.minDelta;
    if (improved) {
      this.best = { valMSE: metrics.mse, valR2: metrics.r2, epoch };
      this.bestParams.set(this.objective.params);
      this.wait = 0;
    } else {
      this.wait++;
    }
    const stats: EpochStats = {
      epoch,
      trainMSE: this.epochLossSum / this.stepInEpoch,
      valMSE: metrics.mse,
      valR2: metrics.r2,
      lr: this.lastLr,
      elapsedS: this.elapsedS(),
      epochS: (now() - epochStart) / 1000,
      samplesPerS: this.epochStepMs > 0 ? this.epochSamples / (this.epochStepMs / 1000) : NaN,
      best: improved,
      bestEpoch: this.best?.epoch ?? 0,
    };
    this.hist.push(stats);
    this.epoch = epoch;
    this.stepInEpoch = 0;
    this.epochLossSum = 0;
    this.epochSamples = 0;
    this.epochStepMs = 0;
    return stats;
  }

  private finishRun(reason: StopReason): TrainResult {
    const params = this.objective.params;
    let bestEpoch = 0;
    let bestValMSE: number;
    let bestValR2: number;
    let restoredBest = false;
    if (this.best !== null) {
      ({ epoch: bestEpoch, valMSE: bestValMSE, valR2: bestValR2 } = this.best);
      if (this.settings.restoreBest) {
        this.trainParams = params.slice();
        params.set(this.bestParams);
        restoredBest = true;
      }
    } else {
      // Stopped inside the first epoch: the only weights there are get measured.
      ({ mse: bestValMSE, r2: bestValR2 } = this.validate());
    }
    return {
      stopReason: reason, epochs: this.epoch, bestEpoch, bestValMSE, bestValR2, restoredBest,
      elapsedS: this.elapsedS(), history: this.hist.slice(),
    };
  }

  private elapsedS(): number {
    return this.elapsedBaseS + (this.runStartMs === null ? 0 : (now() - this.runStartMs) / 1000);
  }
}

function makeBatchBuffers(m: number, d: number, weighted: boolean): BatchBuffers {
  return { x: new Float64Array(m * d), y: new Float64Array(m), w: weighted ? new Float64Array(m) : null };
}

function resolveSettings(o: TrainerOptions): TrainerSettings {
  const posInt = (v: number, key: string): number => {
    if (!(Number.isInteger(v) && v >= 1)) throw new ConfigError(`training.${key}: expected a positive integer, got ${v}`);
    return v;
  };
  const maxEpochs = o.maxEpochs;
  if (!(Number.isInteger(maxEpochs) && maxEpochs >= 0)) {
    throw new ConfigError(`training.maxEpochs: expected an integer ≥ 0, got ${maxEpochs}`);
  }
  const minDelta = o.minDelta ?? 0;
  if (!(Number.isFinite(minDelta) && minDelta >= 0)) throw new ConfigError(`training.minDelta: expected a number ≥ 0, got ${minDelta}`);
  const adam = { ...ADAM_DEFAULTS, ...o.adam };
  checkAdamConfig(adam, 'training.adam');
  const evalChunkRows = posInt(o.evalChunkRows ?? PREDICT_CHUNK_ROWS, 'evalChunkRows');
  const schedule = parseScheduleConfig(
    o.schedule ?? { kind: 'exponential', initialLr: 1e-3, finalLr: 1e-6, decayEpochs: Math.max(maxEpochs, 1) },
    'training.schedule',
  );
  return {
    batchSize: posInt(o.batchSize ?? DEFAULT_BATCH_SIZE, 'batchSize'),
    stepsPerEpoch: o.stepsPerEpoch == null ? null : posInt(o.stepsPerEpoch, 'stepsPerEpoch'),
    maxEpochs,
    patience: o.patience === null ? null : posInt(o.patience ?? DEFAULT_PATIENCE, 'patience'),
    minDelta,
    restoreBest: o.restoreBest ?? true,
    schedule,
    scheduleClockS: o.scheduleClockS == null ? null : positiveSeconds(o.scheduleClockS),
    adam,
    evalChunkRows,
    finish: o.finish == null ? null : checkFinish(o.finish),
  };
}

function checkFinish(f: FinishSettings): FinishSettings {
  const count = (v: number | null, key: string): void => {
    if (v !== null && !(Number.isInteger(v) && v >= 1)) throw new ConfigError(`finish.${key}: expected a positive integer or null, got ${v}`);
  };
  if (!FINISH_METHODS.includes(f.method)) throw new ConfigError(`finish.method: expected one of ${FINISH_METHODS.join(', ')}, got ${String(f.method)}`);
  if (f.startS !== null && !(Number.isFinite(f.startS) && f.startS >= 0)) throw new ConfigError(`finish.startS: expected seconds ≥ 0 or null, got ${f.startS}`);
  count(f.rows, 'rows');
  count(f.patience, 'patience');
  count(f.maxIterations, 'maxIterations');
  count(f.cgIterations ?? null, 'cgIterations');
  const tol = f.cgTolerance;
  if (tol !== undefined && !(tol > 0 && tol < 1)) throw new ConfigError(`finish.cgTolerance: expected a number in (0, 1), got ${tol}`);
  if (f.startS === null && f.patience === null && f.maxIterations === null) {
    throw new ConfigError('finish: with neither a start time nor patience nor maxIterations the phase has no end; set one');
  }
  const base = { method: f.method, startS: f.startS, rows: f.rows, patience: f.patience, maxIterations: f.maxIterations };
  if (f.method === 'levenberg-marquardt') return base;
  return { ...base, cgIterations: f.cgIterations ?? GN_CG_DEFAULTS.maxCgIterations, cgTolerance: f.cgTolerance ?? GN_CG_DEFAULTS.cgTolerance };
}

function positiveSeconds(v: number): number {
  if (!(Number.isFinite(v) && v > 0)) throw new ConfigError(`training.scheduleClockS: expected seconds > 0, got ${v}`);
  return v;
}

function checkData(data: TrainingData, d: number): number {
  const nTrain = data.yTrain.length;
  const nVal = data.yVal.length;
  if (nTrain < 1) throw new ConfigError('training data: no training rows');
  if (nVal < 1) throw new ConfigError('training data: no validation rows (needed for early stopping and the best weights)');
  if (data.xTrain.length !== nTrain * d) {
    throw new ConfigError(`training data: xTrain has ${data.xTrain.length} values, expected ${nTrain} rows × ${d}`);
  }
  if (data.xVal.length !== nVal * d) {
    throw new ConfigError(`training data: xVal has ${data.xVal.length} values, expected ${nVal} rows × ${d}`);
  }
  return nTrain;
}

/**
 * A cheap hash of (up to) 64 evenly spaced values of each array, so resuming
 * on different data fails loudly instead of silently training on it.
 */
function fingerprintData(data: TrainingData): number {
  const bits = new Uint32Array(2);
  const f = new Float64Array(bits.buffer);
  let h = 0x811c9dc5;
  for (const a of [data.xTrain, data.yTrain, data.xVal, data.yVal, ...(data.wTrain === undefined || data.wTrain === null ? [] : [data.wTrain])]) {
    const stride = Math.max(1, Math.floor(a.length / 64));
    for (let i = 0; i < a.length; i += stride) {
      f[0] = a[i];
      h = Math.imul(h ^ bits[0], 0x01000193);
      h = Math.imul(h ^ bits[1], 0x01000193);
    }
    h = Math.imul(h ^ a.length, 0x01000193);
  }
  return h >>> 0;
}

function decodeExact(v: Float64Payload | readonly number[], length: number, what: string): Float64Array {
  const a = decodeFloat64(v, what);
  if (a.length !== length) throw new ConfigError(`${what}: ${a.length} values, the network has ${length} parameters`);
  return a;
}
