import type { RunConfig } from '../../config/schema.js';

// Histogram gradient-boosted trees for squared error, parameter for parameter
// the semantics of XGBoost's `tree_method: "hist"` (grow_policy depthwise), so
// settings carry over. What was matched, and where XGBoost says so (dmlc/xgboost):
//
// - Gradients (reg:squarederror): g = pred − y, h = 1 per row.
// - Split gain (src/tree/split_evaluator.h, CalcSplitGain/CalcGainGivenWeight,
//   and src/tree/hist/evaluate_splits.h, EnumerateSplit):
//     loss_chg = G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)
//   with no factor ½ (the docs' formula has one; the code, which decides, does
//   not), a side with H ≤ 0 scoring 0, (G_R, H_R) = parent − (G_L, H_L), bins
//   enumerated in ascending order, left = bins up to and including the split
//   bin. The best candidate must beat the previous best strictly, starting from
//   0 (SplitEntry::loss_chg{0.0f}, NeedReplace): ties go to the lower feature,
//   then the lower bin.
// - min_child_weight (HistEvaluator::IsValid): a candidate is considered only
//   if H_L ≥ min_child_weight and H_R ≥ min_child_weight (H = row count here).
// - gamma / min_split_loss, and when a node splits at all (src/tree/hist/
//   expand_entry.h, CPUExpandEntry::IsValidImpl): the best split is applied
//   iff loss_chg > kRtEps (1e-6f, include/xgboost/base.h), H_L ≠ 0, H_R ≠ 0,
//   loss_chg ≥ gamma (not >) and depth < max_depth (root depth 0). hist runs
//   no prune updater (src/gbm/gbtree.cc: updater_seq "grow_quantile_histmaker"),
//   so gamma only stops splits top-down.
// - Leaf weight (src/tree/param.h CalcWeight): w = −G/(H+λ), 0 if H <
//   min_child_weight or H ≤ 0; the leaf value is w · eta (evaluate_splits.h
//   ApplyTreeSplit: left_weight * learning_rate), a tree that cannot split its
//   root is one leaf of value eta · w(root).
// - Depthwise growth to max_depth; children numbered as XGBoost's RegTree
//   allocates them (left = next free id, right = left + 1, nodes expanded in
//   level order).
// - subsample (src/tree/hist/sampler.h SampleGradient): per tree, each row is
//   kept with probability subsample (Bernoulli per row, not a fixed-size
//   sample); a dropped row gets gradient pair (0, 0) but stays in the tree's
//   row partition, so it still receives the leaf value it falls into.
// - colsample_bytree (src/common/random.h ColumnSampler::ColSample): per tree,
//   n = max(1, (int)(colsample · n_features)) features, the float product
//   truncated; chosen uniformly without replacement.
// - Early stopping (python-package/xgboost/callback.py EarlyStopping): on
//   validation RMSE, an improvement is strictly smaller (min_delta 0); stop
//   when early_stopping_rounds rounds in a row did not improve; the best
//   iteration is kept (ampfit drops the trees after it, XGBoost's sklearn
//   interface predicts with iteration_range up to it).
// - Decisions (src/predictor/predict_fn.h GetNextNode): left iff
//   float32(x) < split_condition, thresholds float32 (RegTree stores them as
//   bst_float and compares float inputs).
//
// Where ampfit deliberately differs, and what survives an export:
// - Gains, weights and sums are float64 (XGBoost: gradient sums in double,
//   gains and leaf values in float). Splits can therefore differ from XGBoost
//   only where two candidates tie within float32 rounding; leaf values and
//   base_score stay float64 in ampfit and are rounded to float32 on export.
// - Cut points are exact quantiles of the float32-rounded training values
//   (sorting, not XGBoost's weighted quantile sketch), placed between two
//   adjacent distinct float32 values (binning.ts).
// - base_score is the mean of the (transformed) training target, as
//   XGBoost ≥ 2.0 estimates it for squared error; it is recorded in the model.
// - Not supported: reg_alpha, max_delta_step, max_leaves, lossguide, missing
//   values (ampfit's data have none), colsample_bylevel/bynode.

/** XGBoost's kRtEps: a split must reduce the loss by more than this (a float32 constant). */
export const RT_EPS = Math.fround(1e-6);

export interface GbdtParams {
  readonly maxBin: number;
  readonly maxDepth: number;
  readonly learningRate: number;
  readonly minChildWeight: number;
  readonly lambda: number;
  readonly gamma: number;
  readonly subsample: number;
  readonly colsampleBytree: number;
  readonly nEstimators: number;
  readonly earlyStoppingRounds: number;
}

export function gbdtParams(c: RunConfig): GbdtParams {
  return {
    maxBin: c.max_bin,
    maxDepth: c.max_depth,
    learningRate: c.learning_rate,
    minChildWeight: c.min_child_weight,
    lambda: c.lambda,
    gamma: c.gamma,
    subsample: c.subsample,
    colsampleBytree: c.colsample_bytree,
    nEstimators: c.n_estimators,
    earlyStoppingRounds: c.early_stopping_rounds,
  };
}

/** XGBoost's CalcWeight (no L1, no max_delta_step): the unshrunk Newton step of a node. */
export function nodeWeight(g: number, h: number, p: Pick<GbdtParams, 'lambda' | 'minChildWeight'>): number {
  if (h < p.minChildWeight || h <= 0) return 0;
  return -g / (h + p.lambda);
}

/** XGBoost's CPUExpandEntry::IsValidImpl for the best split found at a node of this depth. */
export function splitAccepted(lossChg: number, hl: number, hr: number, depth: number, p: Pick<GbdtParams, 'gamma' | 'maxDepth'>): boolean {
  if (lossChg <= RT_EPS) return false;
  if (hl === 0 || hr === 0) return false;
  if (lossChg < p.gamma) return false;
  return depth < p.maxDepth;
}

/** Features per tree under colsample_bytree: max(1, (int)(float(colsample) · d)) in float32, as XGBoost. */
export function sampledFeatureCount(d: number, colsample: number): number {
  if (colsample >= 1) return d;
  return Math.min(d, Math.max(1, Math.floor(Math.fround(Math.fround(colsample) * d))));
}
