import type { BinMatrix, Kernels } from '../../kernels/types.js';
import type { StoredArray } from '../../io/modelFile.js';
import { AmpfitError } from '../../util/errors.js';
import { Rng, type RngState } from '../../util/rng.js';
import type { EpochRecord, TrainData } from '../regressor.js';
import { binRows, computeCuts, type BinCuts } from './binning.js';
import { ForestBuilder, forestArrays, forestFromArrays, type Forest } from './forest.js';
import { growTree, GrowScratch, HistPool, rowSet, type GrowContext, type RowSet } from './grow.js';
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
  /** Sample weights (null: every row weighs 1); a row's (gradient, hessian) is w·(pred − y, 1), as XGBoost's. */
  private readonly wTrain: Float64Array | null;
  private readonly wVal: Float64Array | null;
  /** Σ w over training rows (n without weights): the root hessian. */
  private readonly hTrain: number;
  private readonly hVal: number;
  /** Validation rows binned with the training cuts: each new tree is walked on them. */
  private readonly valBins: BinMatrix;
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
  private readonly sums = new Float64Array(2);

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
    const train: RowSet = rowSet(binRows(data.xTrain, n, d, this.cuts), n, d, predTrain);
    this.valBins = binRows(data.xVal, nv, d, this.cuts);
    this.ctx = {
      kernels, d, cuts: this.cuts, params, train,
      gpair: new Float64Array(2 * n),
      pool: new HistPool(this.cuts.binOffset[d]),
      scratch: new GrowScratch(),
    };
    this.yTrain = data.yTrain;
    this.yVal = data.yVal;
    this.wTrain = data.wTrain ?? null;
    this.wVal = data.wVal ?? null;
    this.hTrain = this.wTrain === null ? n : weightSum(this.wTrain);
    this.hVal = this.wVal === null ? nv : weightSum(this.wVal);
    this.predVal = predVal;
    this.treeVal = new Float64Array(nv);
    const wv = this.wVal;
    let mean = 0;
    if (wv === null) for (let i = 0; i < nv; i++) mean += data.yVal[i];
    else for (let i = 0; i < nv; i++) mean += wv[i] * data.yVal[i];
    mean /= this.hVal;
    let sst = 0;
    if (wv === null) for (let i = 0; i < nv; i++) sst += (data.yVal[i] - mean) ** 2;
    else for (let i = 0; i < nv; i++) sst += wv[i] * (data.yVal[i] - mean) ** 2;
    this.valSst = sst;
    // Bernoulli(subsample) from one 32-bit draw: kept iff u < subsample·2^32.
    this.keepBelow = Math.floor(params.subsample * 2 ** 32);
    this.residuals();
  }

  /** A new run: base_score = (weighted) mean of the training target, as XGBoost ≥ 2.0 for squared error. */
  static start(kernels: Kernels, data: TrainData, params: GbdtParams, rng: Rng): Booster {
    const w = data.wTrain ?? null;
    let s = 0;
    if (w === null) for (let i = 0; i < data.yTrain.length; i++) s += data.yTrain[i];
    else for (let i = 0; i < data.yTrain.length; i++) s += w[i] * data.yTrain[i];
    const base = s / (w === null ? data.yTrain.length : weightSum(w));
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
    let h0 = this.hTrain;
    if (p.subsample < 1) {
      g0 = 0;
      h0 = 0;
      for (let i = 0; i < n; i++) {
        if (this.rng.nextUint32() < this.keepBelow) {
          g0 += gp[2 * i];
          h0 += gp[2 * i + 1];
        } else {
          gp[2 * i] = 0;
          gp[2 * i + 1] = 0;
        }
      }
    }
    const features = this.featureMask();
    const tree = growTree(ctx, g0, h0, features);
    this.forest.append(tree);
    this.round++;
    this.residuals();
    const trainMSE = this.trainSse / this.hTrain;
    // The new tree's leaf value for each validation row, walked on the binned
    // rows: the leaf forestPredict finds from the raw inputs (binning.ts), and
    // the value as it is, so predVal[i] += v has the bits of a leaf update.
    const tv = this.treeVal;
    ctx.kernels.treePredictBinned(
      this.valBins, ctx.d, tree.feature, tree.bin, tree.left, tree.value, tv,
    );
    const sse = addAndScore(this.predVal, tv, this.yVal, this.wVal);
    const valMSE = sse / this.hVal;
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
    const sums = this.sums;
    if (this.wTrain === null) gradients(this.ctx.train.pred, this.yTrain, this.ctx.gpair, sums);
    else weightedGradients(this.ctx.train.pred, this.yTrain, this.wTrain, this.ctx.gpair, sums);
    this.g0 = sums[0];
    this.trainSse = sums[1];
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

// The per-row loops of a round, as functions of their own: V8 optimises them
// whole on their first calls instead of on-stack-replacing them inside step(),
// whose optimised code was thrown away again every round (a branch of step()
// without type feedback yet).

/** gpair = (pred − y, 1) per row; sums = [Σ (pred − y), Σ (pred − y)²] in row order. */
function gradients(pred: Float64Array, y: Float64Array, gpair: Float64Array, sums: Float64Array): void {
  let g0 = 0;
  let sse = 0;
  const n = y.length;
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    const r = pred[i] - y[i];
    gpair[j] = r;
    gpair[j + 1] = 1;
    g0 += r;
    sse += r * r;
  }
  sums[0] = g0;
  sums[1] = sse;
}

/** gpair = w·(pred − y, 1) per row; sums = [Σ w(pred − y), Σ w(pred − y)²] in row order. */
function weightedGradients(pred: Float64Array, y: Float64Array, w: Float64Array, gpair: Float64Array, sums: Float64Array): void {
  let g0 = 0;
  let sse = 0;
  const n = y.length;
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    const r = pred[i] - y[i];
    gpair[j] = w[i] * r;
    gpair[j + 1] = w[i];
    g0 += w[i] * r;
    sse += w[i] * r * r;
  }
  sums[0] = g0;
  sums[1] = sse;
}

/** pred += tree (a tree's leaf value per row); returns Σ w(pred − y)² in row order (w = 1 when null). */
function addAndScore(pred: Float64Array, tree: Float64Array, y: Float64Array, w: Float64Array | null): number {
  let sse = 0;
  for (let i = 0; i < pred.length; i++) {
    pred[i] += tree[i];
    const r = pred[i] - y[i];
    sse += w === null ? r * r : w[i] * r * r;
  }
  return sse;
}

function weightSum(w: Float64Array): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i];
  return s;
}
