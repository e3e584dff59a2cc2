// The report's data model: everything the page, the charts and the images
// show, gathered once by collect.ts (from model directories) or built directly
// from arrays (tests, and any caller that has predictions of its own). Plain
// JSON-able values only, so a ReportData can be embedded in a page or saved.

import type { Histogram, PrecisionMetrics } from '../metrics/precision.js';
import type { EpochRecord } from '../models/regressor.js';
import type { HeldOutSplit } from '../training/heldOut.js';
import type { ScaledPull } from '../uncertainty/calibration.js';

export interface ReportData {
  readonly title: string;
  /** ISO time the report was made. */
  readonly created: string;
  readonly ampfitVersion: string;
  /** Where the evaluation points came from, in words ("each model's test split", "--data files …"). */
  readonly source: string;
  /** The heat maps' coordinates (input column names); null when a model has fewer than two inputs. */
  readonly coords: readonly [string, string] | null;
  /**
   * Every coordinate of the models' inputs with its axis title and map (the
   * config's `coordinates`; unnamed inputs are their own label): named ones
   * first, in config order.
   */
  readonly coordinates: readonly CoordinateInfo[];
  /** The config keys (dotted paths) whose values differ between the models, sorted; empty for one model. */
  readonly differingKeys: readonly string[];
  /** Which statistic of δ the heat maps colour: the mean of δ (bias) or of |δ| (size). */
  readonly heatStat: HeatStat;
  /** Half-width in percent of the signed-δ histogram's range, shared by all models. */
  readonly deltaRangePct: number;
  readonly models: readonly ModelReport[];
  /** Things a reader must know (e.g. recomputed metrics differ from metrics.json). */
  readonly warnings: readonly string[];
}

export type HeatStat = 'mean' | 'abs';

export interface CoordinateInfo {
  /** The input column. */
  readonly name: string;
  /** Axis title: the config's label, else the name. */
  readonly label: string;
  /** The map's expression, null when the axis shows the input itself. */
  readonly map: string | null;
}

/** Which rows the metrics, histograms and heat map of a model describe. */
export type EvalSplit = HeldOutSplit;

export interface ModelReport {
  /** Short unique key ("m1", "m2", …), used in chart names and HTML ids. */
  readonly id: string;
  /** Paper 1's name ("sk-DNN 9-36"), made unique across the report. */
  readonly label: string;
  readonly dir: string;
  /** The config's model_type ("dnn", "ds", …), whatever wraps it. */
  readonly modelType: string;
  readonly inputs: readonly string[];
  readonly parameterCount: number;
  /** Size of model.ampfit in bytes. */
  readonly modelBytes: number;
  readonly training: { readonly bestEpoch: number; readonly epochsRun: number; readonly stoppedBecause: string; readonly seconds: number } | null;
  readonly split: EvalSplit;
  /**
   * The table's numbers. For the test split these are metrics.json's, read
   * as written at training time; on --data they are computed here.
   */
  readonly metrics: PrecisionMetrics;
  /** Signed δ (as a fraction) in linear bins over ±deltaRangePct. */
  readonly deltaHistogram: Histogram;
  /** |δ| (as a fraction) in metrics.json's log bins (5 per decade). */
  readonly absDeltaHistogram: Histogram;
  readonly history: readonly EpochRecord[];
  /** Null when the report has no coordinates (models with one input). */
  readonly heatmap: HeatMap | null;
  /** δ in bins of each profiled coordinate (the named ones, else every input) that the model has. */
  readonly profiles: readonly Profile[];
  /** Values of the report's differingKeys in this model's config (JSON text; null: the key is absent). */
  readonly configValues: readonly (string | null)[];
  /**
   * metrics.json's scaled statistical pulls (paper 2, eq. 39) on the
   * evaluated split, K = 1, 2, 4, … M; null for models without members and on --data.
   */
  readonly scaledPulls: readonly ScaledPull[] | null;
  /** Null when speed was not measured (reports built from arrays). */
  readonly speed: SpeedResult | null;
  /** Present only for models whose predictions carry a per-point σ. */
  readonly uncertainty: UncertaintySummary | null;
}

/** δ aggregated in bins of two coordinates (paper 1, Fig. 7). */
export interface HeatMap {
  readonly xName: string;
  readonly yName: string;
  readonly xEdges: readonly number[];
  readonly yEdges: readonly number[];
  /** Only cells holding points; empty cells have no mean and are left blank. */
  readonly cells: readonly HeatCell[];
}

/** The distribution of δ in bins of one coordinate: median and the central 68 % and 95 % (percent). */
export interface Profile {
  readonly name: string;
  readonly label: string;
  readonly edges: readonly number[];
  /** Non-empty bins only. */
  readonly bins: readonly ProfileBin[];
  /** Points whose coordinate or δ is not finite, left out. */
  readonly skipped: number;
}

export interface ProfileBin {
  readonly i: number;
  readonly n: number;
  readonly medianPct: number;
  /** 16th and 84th percentiles of δ. */
  readonly lo68Pct: number;
  readonly hi68Pct: number;
  /** 2.5th and 97.5th percentiles of δ. */
  readonly lo95Pct: number;
  readonly hi95Pct: number;
}

export interface HeatCell {
  readonly ix: number;
  readonly iy: number;
  readonly n: number;
  /** Mean of δ over the cell's points, in percent. */
  readonly meanDeltaPct: number;
  /** Mean of |δ| over the cell's points, in percent. */
  readonly meanAbsDeltaPct: number;
}

export interface SpeedResult {
  readonly pointsPerS: number;
  /** Points per predict() call. */
  readonly batch: number;
  /** Kernel threads the prediction ran on. */
  readonly threads: number;
  /** "native kernels", "TypeScript kernels" or "TypeScript (single-threaded)". */
  readonly backend: string;
  /** Points predicted and wall-clock seconds spent, after one warm-up batch. */
  readonly points: number;
  readonly seconds: number;
}

/**
 * Calibration of a learned per-point σ (paper 2): pulls t = (pred − true)/σ
 * should follow a unit Gaussian, and the relative σ should track |δ|.
 */
export interface UncertaintySummary {
  readonly n: number;
  /** Pulls in linear bins over [−5, 5]. */
  readonly pullHistogram: Histogram;
  readonly pullMean: number;
  readonly pullStd: number;
  /** Fraction of points with |t| < 1 (0.683 when calibrated). */
  readonly within1Sigma: number;
  /** 2-D histogram of (σ/|true|, |δ|), both in percent, in log bins. */
  readonly sigmaVsDelta: {
    readonly sigmaEdgesPct: readonly number[];
    readonly deltaEdgesPct: readonly number[];
    /** Non-empty cells only. */
    readonly cells: readonly { readonly ix: number; readonly iy: number; readonly n: number }[];
    /** Points outside the edges (not drawn). */
    readonly outside: number;
  };
}
