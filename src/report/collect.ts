// Model directories → ReportData. Reads each model's files (model.ampfit,
// metrics.json, history.json), reloads the rows it was tested on (its config's
// data files, seed and split fractions — exactly runTraining's test split —
// or the --data files), predicts them again with loadModel to get δ per point
// for the heat maps, and times predict() for the speed column. The assembly
// from arrays (assembleReport) is separate so that tests, and a later
// uncertainty model, can feed it points directly.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { keyApplies } from '../config/applicability.js';
import { expressionNames, parseExpression } from '../config/expression.js';
import { resolveCoordinates, type CoordinatesConfig, type ResolvedCoordinate } from '../config/coordinates.js';
import type { RunConfig } from '../config/schema.js';
import type { Dataset } from '../data/dataset.js';
import { resolveDataFiles } from '../data/files.js';
import { heldOutRows } from '../training/heldOut.js';
import { MODEL_FILE, modelFilePath, type ModelMetrics } from '../io/modelStore.js';
import { getKernels } from '../kernels/index.js';
import { histogram, linearEdges, logEdges, precisionMetrics, relativeErrors, type PrecisionMetrics } from '../metrics/precision.js';
import type { EpochRecord } from '../models/regressor.js';
import { loadModel, type Surrogate } from '../models/surrogate.js';
import { graphLabel, regressorGraph } from '../models/labels.js';
import { graphFacts } from '../graph/facts.js';
import type { ModelGraph } from '../graph/ops.js';
import { AmpfitError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { AMPFIT_VERSION } from '../util/version.js';
import type { ScaledPull } from '../uncertainty/calibration.js';
import { configDifferences, niceEdges, finiteExtent, heatMap, profile, sharedDeltaRangePct, uncertaintySummary } from './summarize.js';
import type { CoordinateInfo, EvalSplit, HeatStat, ModelReport, Profile, ReportData, SpeedResult } from './types.js';

/** Predictions for a report: the value, and a per-point σ (same units) when the model learns one. */
export interface PointPredictions {
  readonly pred: Float64Array;
  readonly sigma: Float64Array | null;
}

/**
 * How the report gets predictions from a loaded model. Models with learned
 * uncertainties (a later issue) return their σ here, and the pull and σ-vs-|δ|
 * panels appear; tests pass a predictor with a synthetic σ.
 */
export type Predictor = (model: Surrogate, x: Float64Array, n: number) => PointPredictions;

/** The model's own predictions; σ is the learned σ_syst when the model has one (the pulls are systematic pulls). */
export const surrogatePredictor: Predictor = (model, x, n) => {
  if (!model.hasUncertainty) return { pred: model.predict(x, n), sigma: null };
  const p = model.predictUncertain(x, n);
  return { pred: p.value, sigma: p.sigmaSyst };
};

/** One model's facts and points, before aggregation (the label is made unique then). */
export interface ModelInput extends Pick<ModelReport, 'label' | 'dir' | 'modelType' | 'inputs' | 'parameterCount' | 'modelBytes' | 'training'> {
  readonly split: EvalSplit;
  /** The metrics to tabulate; null computes them from the points. */
  readonly metrics: PrecisionMetrics | null;
  readonly taus: readonly number[];
  readonly history: readonly EpochRecord[];
  /** n × inputs.length, row-major. */
  readonly x: Float64Array;
  readonly truth: Float64Array;
  readonly pred: Float64Array;
  readonly sigma: Float64Array | null;
  readonly speed: SpeedResult | null;
  /** The config's coordinate names and maps (absent: none). */
  readonly coordinates?: CoordinatesConfig;
  /** The run's resolved config, for the column of keys that differ between runs (absent: not compared). */
  readonly config?: Readonly<Record<string, unknown>> | null;
  /** metrics.json's scaled statistical pulls on this split (absent: none). */
  readonly scaledPulls?: readonly ScaledPull[] | null;
}

export interface AssembleOptions {
  readonly title?: string;
  readonly source: string;
  /** Heat-map coordinates; default the first two inputs of the first model. */
  readonly coords?: readonly [string, string] | null;
  /** Heat-map bins per coordinate. */
  readonly bins?: number;
  readonly heatStat?: HeatStat;
  /** Half-width of the signed-δ histogram in percent; default from the data (sharedDeltaRangePct). */
  readonly deltaRangePct?: number | null;
  readonly warnings?: readonly string[];
}

export const DEFAULT_BINS = 20;
/** Bins of the signed-δ histogram (metrics.json's count). */
export const DELTA_BINS = 100;

/** Aggregates per-point predictions of several models into the report's data. */
export function assembleReport(models: readonly ModelInput[], opts: AssembleOptions): ReportData {
  if (models.length === 0) throw new AmpfitError('report: no models');
  const warnings = [...(opts.warnings ?? [])];
  const own = models.map((m) => resolveCoordinates(m.coordinates ?? {}, m.inputs, `${m.dir}/config.json`));
  const coordinates = mergeCoordinates(models, own, warnings);
  const named = coordinates.filter((c) => models.some((m) => m.coordinates?.[c.name] !== undefined)).map((c) => c.name);
  // One axis, one meaning: a column one model's config names is mapped the same way for every model that has it.
  const shared: CoordinatesConfig = Object.fromEntries(coordinates.filter((c) => named.includes(c.name)).map((c) => [c.name, { label: c.label, map: c.map }]));
  const resolved = models.map((m) => resolveCoordinates(coordinatesFor(shared, m.inputs), m.inputs, `${m.dir}/config.json`));
  const coords = resolveCoords(models, opts.coords ?? null, named, warnings);
  const bins = opts.bins ?? DEFAULT_BINS;
  const deltas = models.map((m) => relativeErrors(m.pred, m.truth));
  const range = opts.deltaRangePct ?? sharedDeltaRangePct(deltas);
  if (!(range > 0)) throw new AmpfitError(`report: the signed-δ range must be positive, got ${range}`);
  const labelOf = new Map(coordinates.map((c) => [c.name, c.label]));
  // Mapped columns, each computed once: a map is an expression walked per point.
  const columns = models.map((m, i) => {
    const cache = new Map<string, Float64Array>();
    return (name: string): Float64Array => {
      let col = cache.get(name);
      if (col === undefined) {
        col = resolved[i].find((c) => c.name === name)!.column(m.x, m.truth.length);
        cache.set(name, col);
      }
      return col;
    };
  });

  let xEdges: number[] = [];
  let yEdges: number[] = [];
  const coordCols = coords === null ? null : columns.map((col) => ({ x: col(coords[0]), y: col(coords[1]) }));
  if (coordCols !== null) {
    xEdges = niceEdges(...finiteExtent(coordCols.map((c) => c.x)), bins);
    yEdges = niceEdges(...finiteExtent(coordCols.map((c) => c.y)), bins);
  }
  // Profiles of the named coordinates (what the config calls physics), or of every input when none is named.
  const profiled = (named.length > 0 ? named : coordinates.map((c) => c.name)).flatMap((name) => {
    const having = models.flatMap((m, i) => (m.inputs.includes(name) ? [i] : []));
    const [lo, hi] = finiteExtent(having.map((i) => columns[i](name)));
    if (!(hi >= lo)) {
      warnings.push(`coordinate ${name} (${labelOf.get(name)}) has no finite value: no δ profile`);
      return [];
    }
    return [{ name, edges: niceEdges(lo, hi, bins) }];
  });
  const diff = configDifferences(models.map((m) => m.config ?? null), (key, c) => keyApplies(key.split('.')[0], String(c.model_type)));

  const labels = uniqueLabels(models);
  const reports = models.map((m, i): ModelReport => {
    const delta = deltas[i];
    const recomputed = precisionMetrics(m.pred, m.truth, m.taus);
    if (m.metrics !== null && !sameMetrics(m.metrics, recomputed)) {
      warnings.push(
        `${labels[i]}: the metrics recomputed on the ${m.split} split (R_1 ${fmt(recomputed.R_pct['1'])} %, n ${recomputed.n}) differ from ` +
          `metrics.json (R_1 ${fmt(m.metrics.R_pct['1'])} %, n ${m.metrics.n}): have the data files changed since training? ` +
          'The table shows metrics.json; the plots show the recomputed points.',
      );
    }
    const absd = new Float64Array(delta.length);
    // As precisionMetrics does: a NaN prediction is the worst error, not a missing one.
    for (let k = 0; k < delta.length; k++) absd[k] = Number.isNaN(delta[k]) ? Infinity : Math.abs(delta[k]);
    return {
      id: `m${i + 1}`,
      label: labels[i],
      dir: m.dir,
      modelType: m.modelType,
      inputs: m.inputs,
      parameterCount: m.parameterCount,
      modelBytes: m.modelBytes,
      training: m.training,
      split: m.split,
      metrics: m.metrics ?? recomputed,
      deltaHistogram: histogram(delta, linearEdges(-range / 100, range / 100, DELTA_BINS)),
      absDeltaHistogram: histogram(absd, logEdges(-8, 1, 5)),
      history: m.history,
      heatmap:
        coords === null || coordCols === null ? null : heatMap({ x: labelOf.get(coords[0])!, y: labelOf.get(coords[1])! }, coordCols[i].x, coordCols[i].y, delta, xEdges, yEdges),
      profiles: profiled.filter((p) => m.inputs.includes(p.name)).map((p): Profile => profile({ name: p.name, label: labelOf.get(p.name)! }, columns[i](p.name), delta, p.edges)),
      configValues: diff.values[i],
      scaledPulls: m.scaledPulls ?? null,
      speed: m.speed,
      uncertainty: m.sigma === null ? null : uncertaintySummary(m.pred, m.truth, m.sigma),
    };
  });
  for (const r of reports) {
    for (const p of r.profiles) {
      if (p.skipped > 0) warnings.push(`${r.label}: ${p.skipped} points with a non-finite ${p.label} or δ are not in its δ profile`);
    }
  }
  return {
    title: opts.title ?? 'ampfit report',
    created: new Date().toISOString(),
    ampfitVersion: AMPFIT_VERSION,
    source: opts.source,
    coords,
    coordinates,
    differingKeys: diff.keys,
    heatStat: opts.heatStat ?? 'mean',
    deltaRangePct: range,
    models: reports,
    warnings,
  };
}

/** The shared coordinates a model's inputs can evaluate (a map may read inputs another model lacks). */
function coordinatesFor(shared: CoordinatesConfig, inputs: readonly string[]): CoordinatesConfig {
  const ok = Object.entries(shared).filter(([name, c]) => inputs.includes(name) && (c.map === null || expressionNames(parseExpression(c.map)).every((v) => inputs.includes(v))));
  return Object.fromEntries(ok);
}

/**
 * One axis title per coordinate over all models: named coordinates first (in
 * the first naming model's order), then the other inputs. Models that name
 * a coordinate differently are told; the first one's name is used.
 */
function mergeCoordinates(models: readonly ModelInput[], resolved: readonly ResolvedCoordinate[][], warnings: string[]): CoordinateInfo[] {
  const named: CoordinateInfo[] = [];
  const plain: CoordinateInfo[] = [];
  const from = new Map<string, string>();
  models.forEach((m, i) => {
    const order = [...Object.keys(m.coordinates ?? {}), ...m.inputs];
    for (const name of order) {
      const r = resolved[i].find((c) => c.name === name)!;
      const isNamed = m.coordinates?.[name] !== undefined;
      const earlier = named.find((c) => c.name === name);
      if (earlier !== undefined) {
        if (isNamed && (earlier.label !== r.label || earlier.map !== r.map)) {
          warnings.push(`coordinate ${name}: ${m.label} names it '${r.label}'${r.map === null ? '' : ` = ${r.map}`}, ${from.get(name)} '${earlier.label}'${earlier.map === null ? '' : ` = ${earlier.map}`}; the axes use the latter`);
        }
        continue;
      }
      const info = { name, label: r.label, map: r.map };
      if (isNamed) {
        named.push(info);
        from.set(name, m.label);
        const k = plain.findIndex((c) => c.name === name);
        if (k >= 0) plain.splice(k, 1);
      } else if (!plain.some((c) => c.name === name)) {
        plain.push(info);
      }
    }
  });
  return [...named, ...plain];
}

/**
 * The heat map's pair: the one asked for, else the first two named
 * coordinates all models have, else the first model's first two inputs.
 */
function resolveCoords(models: readonly ModelInput[], wanted: readonly [string, string] | null, named: readonly string[], warnings: string[]): readonly [string, string] | null {
  if (wanted !== null) {
    if (wanted[0] === wanted[1]) throw new AmpfitError(`--coords: the two coordinates must differ (got ${wanted[0]} twice)`);
    for (const m of models) {
      for (const c of wanted) {
        if (!m.inputs.includes(c)) throw new AmpfitError(`--coords: ${m.label} has no input '${c}' (its inputs: ${m.inputs.join(', ')})`);
      }
    }
    return wanted;
  }
  const shared = named.filter((c) => models.every((m) => m.inputs.includes(c)));
  if (shared.length >= 2) return [shared[0], shared[1]];
  const first = models[0].inputs;
  if (first.length < 2) {
    warnings.push(`${models[0].label} has one input: no heat map of δ over two coordinates`);
    return null;
  }
  const pick: [string, string] = [first[0], first[1]];
  for (const m of models) {
    if (!pick.every((c) => m.inputs.includes(c))) {
      throw new AmpfitError(`the models do not share the inputs ${pick.join(', ')} (${m.label} has ${m.inputs.join(', ')}): choose two with --coords`);
    }
  }
  return pick;
}

/** Labels as the training table prints them; repeated ones get their directory's name. */
function uniqueLabels(models: readonly ModelInput[]): string[] {
  const count = new Map<string, number>();
  for (const m of models) count.set(m.label, (count.get(m.label) ?? 0) + 1);
  const out = models.map((m) => ((count.get(m.label) ?? 0) > 1 ? `${m.label} [${basename(m.dir)}]` : m.label));
  // Two models in directories of the same name: number them so legends stay unambiguous.
  return out.map((l, i) => (out.indexOf(l) !== i || out.lastIndexOf(l) !== i ? `${l} #${i + 1}` : l));
}

/** Equal up to float rounding in the last bits (the native kernels' sums are not order-fixed across versions). */
function sameMetrics(a: PrecisionMetrics, b: PrecisionMetrics): boolean {
  if (a.n !== b.n) return false;
  const close = (x: number, y: number): boolean => x === y || Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
  return Object.keys(a.R_pct).every((k) => close(a.R_pct[k], b.R_pct[k] ?? NaN)) && close(a.mu_delta_pct, b.mu_delta_pct) && close(a.sigma_delta_pct, b.sigma_delta_pct);
}

function fmt(v: number | undefined): string {
  return v === undefined ? '?' : v.toFixed(2);
}

// ---------------------------------------------------------------------------
// Reading model directories

export interface CollectOptions extends Omit<AssembleOptions, 'source' | 'warnings'> {
  /** Evaluate every model on these files instead of its own test split. */
  readonly data?: readonly string[];
  /** Speed measurement; null skips it. */
  readonly speed?: { readonly batch: number; readonly seconds: number } | null;
  readonly predictor?: Predictor;
  readonly log?: Logger;
}

export const DEFAULT_SPEED = { batch: 4096, seconds: 1 } as const;

/**
 * Model directories, model.ampfit files, or folders whose subfolders are
 * model directories (a sweep's runs/), in the order given.
 */
export function expandModelPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new AmpfitError(`${p} does not exist`);
    if (statSync(p).isDirectory() && !existsSync(join(p, MODEL_FILE))) {
      const subs = readdirSync(p)
        .sort()
        .map((s) => join(p, s))
        .filter((s) => statSync(s).isDirectory() && existsSync(join(s, MODEL_FILE)));
      // A directory with neither: modelFilePath's message says why (e.g. training has not finished).
      if (subs.length === 0) modelFilePath(p);
      out.push(...subs);
    } else {
      out.push(p);
    }
  }
  return out;
}

export async function collectReport(paths: readonly string[], opts: CollectOptions = {}): Promise<ReportData> {
  const files = expandModelPaths(paths);
  const predictor = opts.predictor ?? surrogatePredictor;
  const speed = opts.speed === undefined ? DEFAULT_SPEED : opts.speed;
  const warnings: string[] = [];
  const cache = new Map<string, Promise<Dataset>>();
  const dataFiles = opts.data !== undefined && opts.data.length > 0 ? resolveDataFiles(opts.data) : null;
  const inputs: ModelInput[] = [];
  for (const path of files) {
    const file = modelFilePath(path);
    const dir = dirname(file);
    const model = loadModel(file);
    const h = model.header;
    const graph = regressorGraph(h.inputs, model.regressor);
    const label = graphLabel(h, graph);
    const points = await heldOutRows(model.header, dataFiles, cache, label);
    if (points.warning !== null) warnings.push(points.warning);
    const n = points.truth.length;
    opts.log?.info(`${label} (${dir}): ${n} ${points.split === 'data' ? '--data' : points.split} points`);
    const { pred, sigma } = predictor(model, points.x, n);
    const timing = speed === null ? null : measureSpeed(model, points.x, n, speed.batch, speed.seconds, graph);
    if (timing !== null) {
      // Two lines, so that each fits 80 columns with a model's label.
      opts.log?.info(`${label}: ${Math.round(timing.pointsPerS).toLocaleString('en-US')} points/s`);
      opts.log?.info(`  (batch ${timing.batch}, ${timing.backend}, ${timing.threads} thread${timing.threads === 1 ? '' : 's'})`);
    }
    const saved = readJson<ModelMetrics>(join(dir, 'metrics.json')) ?? h.metrics;
    inputs.push({
      label,
      dir,
      modelType: h.config.model_type,
      inputs: h.inputs,
      parameterCount: h.parameter_count,
      modelBytes: statSync(file).size,
      training: { bestEpoch: h.training.best_epoch, epochsRun: h.training.epochs_run, stoppedBecause: h.training.stopped_because, seconds: h.training.seconds },
      split: points.split,
      metrics: points.split === 'test' ? saved.test : points.split === 'validation' ? saved.validation : null,
      taus: h.config.taus,
      history: readJson<EpochRecord[]>(join(dir, 'history.json')) ?? [],
      coordinates: (h.config as Partial<RunConfig>).coordinates ?? {},
      config: h.config as unknown as Record<string, unknown>,
      scaledPulls: points.split === 'test' ? saved.uncertainty?.test?.pull_stat_scaled ?? null : points.split === 'validation' ? saved.uncertainty?.validation.pull_stat_scaled ?? null : null,
      x: points.x,
      truth: points.truth,
      pred,
      sigma,
      speed: timing,
    });
  }
  const source =
    dataFiles === null
      ? "each model's test split: its config's data files, seed and split fractions, exactly as in training"
      : `the --data files (${dataFiles.length}: ${dataFiles.map((f) => basename(f)).join(', ')})`;
  return assembleReport(inputs, { ...opts, source, warnings });
}

function readJson<T>(path: string): T | null {
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/**
 * Points per second of model.predict (the physical-units prediction an event
 * generator calls) on the given rows, in calls of `batch` points, after one
 * warm-up call, for at least `seconds` of wall-clock time. `graph`: the
 * model's (regressorGraph), when the caller has it already.
 */
export function measureSpeed(
  model: Surrogate, x: Float64Array, n: number, batch: number, seconds: number,
  graph: ModelGraph | null = regressorGraph(model.inputs, model.regressor),
): SpeedResult {
  if (!(batch >= 1)) throw new AmpfitError(`speed batch must be at least 1, got ${batch}`);
  const d = model.d;
  const b = Math.min(Math.floor(batch), n);
  model.predict(x.subarray(0, b * d), b);
  let points = 0;
  let offset = 0;
  const t0 = performance.now();
  let elapsed = 0;
  do {
    const m = Math.min(b, n - offset);
    model.predict(x.subarray(offset * d, (offset + m) * d), m);
    points += m;
    offset = offset + m >= n ? 0 : offset + m;
    elapsed = (performance.now() - t0) / 1000;
  } while (elapsed < seconds);
  return { pointsPerS: points / elapsed, batch: b, points, seconds: elapsed, ...predictionThreads(graph) };
}

/**
 * Which kernels a model predicts with: a graph with no kernel op (a
 * polynomial, also when wrapped) evaluates in plain TypeScript loops; networks
 * and trees call the kernels (native when built). A model with no graph form
 * yet (L-GATr) is a network on the kernels.
 */
function predictionThreads(graph: ModelGraph | null): { backend: string; threads: number } {
  if (graph !== null && graphFacts(graph).kernelOps === 0) return { backend: 'TypeScript (single-threaded)', threads: 1 };
  const k = getKernels('auto');
  return { backend: k.backend === 'native' ? 'native kernels' : 'TypeScript kernels', threads: k.threads() };
}
