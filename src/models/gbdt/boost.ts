import type { Kernels } from '../../kernels/types.js';
import type { StoredArray } from '../../io/modelFile.js';
import { AmpfitError } from '../../util/errors.js';
import { Rng, type RngState } from '../../util/rng.js';
import type { EpochRecord, TrainData } from '../regressor.js';
import { binRows, computeCuts, type BinCuts } from './binning.js';
import { ForestBuilder, forestArrays, forestFromArrays, type Forest } from './forest.js';
import { growTree, HistPool, rowSet, type GrowContext, type RowSet } from './grow.js';
import { sampledFeatureCount, type GbdtParams } from './params.js';

// The boosting loop for squared error: per round, gradients g = pred − y and
// hessians 1 (0 for rows dropped by subsample), one tree, its leaves added to
// the training and validation predictions, early stopping on validation RMSE
// (params.ts). Training predictions are updated per leaf from the row
// partition (grow.ts), validation predictions by walking the new tree. All
// state that the next round depends on — the forest, the
// predictions, the early-stopping counters and the RNG — is in snapshot(), so
// a resumed run continues bit for bit.

export interface RoundStats {
  readonly round: number;
  readonly trainMSE: number;
  readonly valMSE: number;
  readonly valR2: number;
  /** This round set a new best validation RMSE. */
  readonly best: boolean;
}

/** Everything a checkpoint holds besides the arrays (JSON). */
export interface BoosterState {
  readonly round: number;
  readonly bestRound: number;
  readonly bestRmse: number | null;
  readonly sinceBest: number;
  readonly rng: RngState;
  readonly baseScore: number;
  readonly history: EpochRecord[];
  readonly elapsedS: number;
}

export class Booster {
  readonly cuts: BinCuts;
  private readonly ctx: GrowContext;
  private readonly yTrain: Float64Array;
  private readonly yVal: Float64Array;
  private readonly xVal: Float64Array;
  private readonly predVal: Float64Array;
  private readonly treeVal: Float64Array;
  private readonly valSst: number;
  private readonly keepBelow: number;
  round = 0;
  bestRound = 0;
  bestRmse = Infinity;
  sinceBest = 0;
  history: EpochRecord[] = [];
  /** Seconds trained in earlier sessions of a resumed run. */
  elapsedBefore = 0;
  private g0 = 0;
  private trainSse = 0;

  private constructor(
    kernels: Kernels, data: TrainData, readonly params: GbdtParams, private readonly rng: Rng,
    readonly forest: ForestBuilder, predTrain: Float64Array, predVal: Float64Array,
  ) {
    const { d } = data;
    const n = data.yTrain.length;
    const nv = data.yVal.length;
    if (n === 0) throw new AmpfitError('bdt: no training rows');
    if (nv === 0) throw new AmpfitError('bdt: early stopping needs validation rows (validation_fraction > 0 and enough data)');
    this.cuts = computeCuts(data.xTrain, n, d, params.maxBin);
    const train: RowSet = rowSet(binRows(data.xTrain, n, d, this.cuts), n, predTrain);
    this.ctx = {
      kernels, d, cuts: this.cuts, params, train,
      gpair: new Float64Array(2 * n),
      pool: new HistPool(this.cuts.binOffset[d]),
    };
    this.yTrain = data.yTrain;
    this.yVal = data.yVal;
    this.xVal = data.xVal;
    this.predVal = predVal;
    this.treeVal = new Float64Array(nv);
    let mean = 0;
    for (let i = 0; i < nv; i++) mean += data.yVal[i];
    mean /= nv;
    let sst = 0;
    for (let i = 0; i < nv; i++) sst += (data.yVal[i] - mean) ** 2;
    this.valSst = sst;
    // Bernoulli(subsample) from one 32-bit draw: kept iff u < subsample·2^32.
    this.keepBelow = Math.floor(params.subsample * 2 ** 32);
    this.residuals();
  }

  /** A new run: base_score = mean of the training target, as XGBoost ≥ 2.0 for squared error. */
  static start(kernels: Kernels, data: TrainData, params: GbdtParams, rng: Rng): Booster {
    let s = 0;
    for (let i = 0; i < data.yTrain.length; i++) s += data.yTrain[i];
    const base = s / data.yTrain.length;
    return new Booster(
      kernels, data, params, rng, new ForestBuilder(data.d, base),
      new Float64Array(data.yTrain.length).fill(base), new Float64Array(data.yVal.length).fill(base),
    );
  }

  /** Continues from snapshot(): the same data and params must be given. */
  static resume(kernels: Kernels, data: TrainData, params: GbdtParams, state: BoosterState, arrays: Record<string, StoredArray>): Booster {
    const predTrain = arrays.pred_train;
    const predVal = arrays.pred_val;
    if (!(predTrain instanceof Float64Array) || predTrain.length !== data.yTrain.length ||
        !(predVal instanceof Float64Array) || predVal.length !== data.yVal.length) {
      throw new AmpfitError('bdt checkpoint: predictions do not match the data (a different data set or split?)');
    }
    const forest = forestFromArrays(arrays, data.d, state.baseScore);
    if (forest.treeOffset.length - 1 !== state.round) throw new AmpfitError('bdt checkpoint: tree count does not match its round');
    const b = new Booster(kernels, data, params, Rng.fromState(state.rng), ForestBuilder.from(forest), predTrain.slice(), predVal.slice());
    b.round = state.round;
    b.bestRound = state.bestRound;
    b.bestRmse = state.bestRmse ?? Infinity;
    b.sinceBest = state.sinceBest;
    b.history = state.history.slice();
    b.elapsedBefore = state.elapsedS;
    return b;
  }

  get done(): boolean {
    return this.round >= this.params.nEstimators || (this.round > 0 && this.sinceBest >= this.params.earlyStoppingRounds);
  }

  get stoppedEarly(): boolean {
    return this.round > 0 && this.sinceBest >= this.params.earlyStoppingRounds;
  }

  /** One boosting round. */
  step(): RoundStats {
    const { ctx, params: p } = this;
    const n = this.yTrain.length;
    const gp = ctx.gpair;
    let g0 = this.g0;
    let h0 = n;
    if (p.subsample < 1) {
      g0 = 0;
      h0 = 0;
      for (let i = 0; i < n; i++) {
        if (this.rng.nextUint32() < this.keepBelow) {
          g0 += gp[2 * i];
          h0 += 1;
        } else {
          gp[2 * i] = 0;
          gp[2 * i + 1] = 0;
        }
      }
    }
    const features = this.featureMask();
    this.forest.append(growTree(ctx, g0, h0, features));
    this.round++;
    this.residuals();
    const trainMSE = this.trainSse / n;
    // The new tree's leaf values for the validation rows (0 + v = v exactly,
    // so predVal[i] += v gets the bits of a leaf update from a partition).
    const f = this.forest.view();
    const t0 = f.treeOffset[this.round - 1];
    const t1 = f.treeOffset[this.round];
    const tv = this.treeVal;
    ctx.kernels.forestPredict(
      this.xVal, tv.length, ctx.d, Int32Array.from([0, t1 - t0]), f.feature.subarray(t0, t1), f.threshold.subarray(t0, t1),
      f.left.subarray(t0, t1), f.value.subarray(t0, t1), 0, tv,
    );
    let sse = 0;
    const pv = this.predVal;
    const yv = this.yVal;
    for (let i = 0; i < pv.length; i++) {
      pv[i] += tv[i];
      const r = pv[i] - yv[i];
      sse += r * r;
    }
    const valMSE = sse / pv.length;
    const rmse = Math.sqrt(valMSE);
    const best = this.round === 1 || rmse < this.bestRmse;
    if (best) {
      this.bestRmse = rmse;
      this.bestRound = this.round;
      this.sinceBest = 0;
    } else {
      this.sinceBest++;
    }
    return { round: this.round, trainMSE, valMSE, valR2: this.valSst > 0 ? 1 - sse / this.valSst : NaN, best };
  }

  /** The forest up to the best round (early stopping keeps the best iteration). */
  bestForest(): Forest {
    const b = ForestBuilder.from(this.forest.view());
    b.truncate(this.bestRound);
    return b.build();
  }

  snapshot(elapsedS: number): { state: BoosterState; arrays: Record<string, StoredArray> } {
    return {
      state: {
        round: this.round,
        bestRound: this.bestRound,
        bestRmse: Number.isFinite(this.bestRmse) ? this.bestRmse : null,
        sinceBest: this.sinceBest,
        rng: this.rng.getState(),
        baseScore: this.forest.baseScore,
        history: this.history,
        elapsedS,
      },
      arrays: { ...forestArrays(this.forest.view()), pred_train: this.ctx.train.pred, pred_val: this.predVal },
    };
  }

  /** Gradients of squared error at the current predictions (hessian 1), their sum, and the training SSE. */
  private residuals(): void {
    const gp = this.ctx.gpair;
    const pred = this.ctx.train.pred;
    const y = this.yTrain;
    let g0 = 0;
    let sse = 0;
    for (let i = 0; i < y.length; i++) {
      const r = pred[i] - y[i];
      gp[2 * i] = r;
      gp[2 * i + 1] = 1;
      g0 += r;
      sse += r * r;
    }
    this.g0 = g0;
    this.trainSse = sse;
  }

  /** colsample_bytree: the features this tree may split on. */
  private featureMask(): Uint8Array {
    const d = this.ctx.d;
    const take = sampledFeatureCount(d, this.params.colsampleBytree);
    const mask = new Uint8Array(d);
    if (take >= d) return mask.fill(1);
    const order = this.rng.permutation(d);
    for (let i = 0; i < take; i++) mask[order[i]] = 1;
    return mask;
  }
}
