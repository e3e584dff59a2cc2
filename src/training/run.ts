import { checkMomentumMapInputs } from '../data/momentumMap.js';
import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { resolveCoordinates } from '../config/coordinates.js';
import type { RunConfig } from '../config/schema.js';
import { loadDataset, take, takeRows, type Dataset } from '../data/dataset.js';
import { resolveDataFiles } from '../data/files.js';
import { splitRows, type SplitIndices } from '../data/split.js';
import { prepareOutDir } from './outDir.js';
import { writeRowFilter } from '../io/rowFilterFile.js';
import { RowFilter } from '../data/rowFilter.js';
import { saveModelDir, MODEL_FILE, type ModelHeader, type Provenance } from '../io/modelStore.js';
import { precisionMetrics, type PrecisionMetrics } from '../metrics/precision.js';
import { regressorType } from '../models/registry.js';
import { withSymmetry } from '../models/symmetric.js';
import { trainingRange, UNIT_CUBE, unitCubeRange } from '../models/domain.js';
import { checkSymmetryDomain, resolveSymmetries } from '../symmetry/declared.js';
import { getKernels } from '../kernels/index.js';
import type { Kernels } from '../kernels/types.js';
import type { Regressor } from '../models/regressor.js';
import { TargetTransform } from '../transforms/target.js';
import { formatUncertainty, uncertaintyMetrics } from '../uncertainty/calibration.js';
import type { UncertainPredictor } from '../uncertainty/regressor.js';
import { Surrogate, uncertainPredictorOf } from '../models/surrogate.js';
import { modelGraph } from '../export/describe.js';
import { serializeGraph, type SerializedGraph } from '../graph/serialize.js';
import type { Logger } from '../util/log.js';
import { wrapText } from '../util/text.js';
import { formatDuration, teeLogger } from '../util/log.js';
import { Rng } from '../util/rng.js';
import { formatOptions, inputColumns, modelInputs } from './modelInputs.js';
import { checkAngleDomain, resolveInputStage } from '../features/angular.js';
import { AMPFIT_VERSION } from '../util/version.js';

export interface TrainRunOptions {
  readonly config: RunConfig;
  readonly outDir: string;
  readonly log: Logger;
  /** Continue from outDir's checkpoint. */
  readonly resume?: boolean;
  /** Replace an existing model in outDir. */
  readonly force?: boolean;
  /** Aborted (reason: the signal's name) to stop at the next safe point, keeping the best model so far. */
  readonly signal?: AbortSignal;
  readonly command?: string;
  /** A finished bdt keeps its checkpoint/ (by default removed: it holds a second copy of the forest, which model.ampfit has). */
  readonly keepCheckpoint?: boolean;
}

export interface TrainRunResult {
  readonly header: ModelHeader;
  readonly regressor: Regressor;
  readonly testMetrics: PrecisionMetrics | null;
  /** The data and split the model was trained on (for checks that need held-out points). */
  readonly data: Dataset;
  readonly split: SplitIndices;
  /** The signal that stopped training early (the model holds the best weights so far), or null. */
  readonly interruptedBy: NodeJS.Signals | null;
}

/** The rows a run's config reads, checked as training checks them (ampfit split reads them again). */
export function trainingDataset(config: RunConfig, files: readonly string[], keepTarget = false): Promise<Dataset> {
  return loadDataset({
    keepTarget,
    files: [...files],
    inputs: inputColumns(config),
    target: config.data.target,
    born: config.data.born,
    weight: config.data.weight,
    requirePositiveTarget: config.data.require_positive_target,
    skipBadRows: config.data.skip_bad_rows,
    maxRows: config.data.max_rows ?? undefined,
    inputRange: config.data.momenta === null ? unitCubeRange : undefined,
    format: formatOptions(config.data),
  });
}

/** The run's history in its directory: every log and progress line, timestamped. */
export const TRAIN_LOG = 'train.log';

/** The whole training job: data → split → transform → fit → metrics → model directory, holding outDir's lock throughout. */
export async function runTraining(opts: TrainRunOptions): Promise<TrainRunResult> {
  const lock = prepareOutDir(opts.outDir, opts.resume === true, opts.force === true);
  if (lock.tookOver !== null) opts.log.warn(`${opts.outDir}: took over ${lock.tookOver}`);
  try {
    return await trainInto(opts);
  } finally {
    lock.release();
  }
}

async function trainInto(opts: TrainRunOptions): Promise<TrainRunResult> {
  const { config, outDir } = opts;
  // The full history of the run, whatever the terminal kept.
  const log = teeLogger(opts.log, join(outDir, TRAIN_LOG));
  const t0 = performance.now();

  const files = resolveDataFiles(config.data.files);
  log.info(`reading ${files.length} file${files.length === 1 ? '' : 's'}${config.data.max_rows === null ? '' : ` (at most ${config.data.max_rows} rows)`}`);
  const data = await trainingDataset(config, files);
  const tLoad = (performance.now() - t0) / 1000;
  log.info(
    `read ${data.n} rows × ${data.d} inputs (${data.inputNames.join(', ')}) in ${tLoad.toFixed(1)}s` +
      (data.report.skipped > 0 ? `; SKIPPED ${data.report.skipped} bad rows: ${JSON.stringify(data.report.skippedByProblem)}` : ''),
  );
  for (const s of data.report.skippedExamples) log.warn(`skipped ${s.file}:${s.line}${s.column === null ? '' : ` column '${s.column}'`}: ${s.problem}`);

  checkMomentumMapInputs(config.data.momentum_map, data.inputNames);
  const symmetries = resolveSymmetries(config.symmetries, data.inputNames);
  // The report's coordinate names: a name the files lack fails now, not when the report is made.
  resolveCoordinates(config.coordinates, data.inputNames, 'config');
  checkSymmetryDomain(symmetries, data);
  checkAngleDomain(resolveInputStage(config, data.inputNames), data);

  const split = splitRows(data.n, config.seed, { test: config.test_fraction, validation: config.validation_fraction });
  log.info(`split (seed ${config.seed}): ${split.train.length} train, ${split.validation.length} validation, ${split.test.length} test`);
  const inputs = modelInputs(config, data, split.train);
  const yTrainPhys = take(data.y, split.train);
  const transform = TargetTransform.fit(config.target_transform, yTrainPhys);
  const yValPhys = take(data.y, split.validation);

  const weights = sampleWeights(data.weight ?? null, split);
  if (weights !== null) log.info(`sample weights: column '${config.data.weight}', scaled to mean 1 over the training rows (Kish n_eff ${weights.nEffTrain.toFixed(0)} of ${split.train.length})`);
  const baseType = regressorType(config.model_type);
  const type = symmetries.length > 0 && config.symmetry_mode !== 'none' ? withSymmetry(baseType, config.symmetry_mode, symmetries, data.d) : baseType;
  // The caller owns Ctrl-C (src/cli/interrupt.ts gracefulInterrupt): an aborted signal stops training at the next safe point.
  const signal = opts.signal ?? new AbortController().signal;
  const tFit = performance.now();
  const fit = await type.fit(
    {
      d: inputs.d,
      xTrain: takeRows(inputs.x, inputs.d, split.train),
      yTrain: transform.forward(yTrainPhys),
      xVal: takeRows(inputs.x, inputs.d, split.validation),
      yVal: transform.forward(yValPhys),
      bornTrain: data.born === null ? null : take(data.born, split.train),
      bornVal: data.born === null ? null : take(data.born, split.validation),
      wTrain: weights?.train ?? null,
      wVal: weights?.validation ?? null,
    },
    {
      config,
      rng: new Rng(config.init_seed ?? config.seed).fork('model'),
      log,
      signal,
      checkpointDir: join(outDir, 'checkpoint'),
      resume: opts.resume === true,
      transform,
      inputNames: inputs.names,
    },
  );
  const interruptedBy: NodeJS.Signals | null = signal.aborted ? (signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT') : null;
  const fitSeconds = (performance.now() - tFit) / 1000;
  log.info(`training ended after ${formatDuration(fitSeconds)}:`);
  for (const line of wrapText(fit.stoppedBecause, 67, '  ')) log.info(`  ${line}`);

  const weightsOf = (idx: Uint32Array) => (data.weight === null || data.weight === undefined || config.data.weight === null ? null : { column: config.data.weight, values: take(data.weight, idx) });
  const evaluate = (idx: Uint32Array, truth: Float64Array): PrecisionMetrics =>
    precisionMetrics(transform.inverseInPlace(fit.model.predict(takeRows(inputs.x, inputs.d, idx), idx.length)), truth, config.taus, weightsOf(idx));
  const model = inputs.wrap(fit.model);
  const validation = evaluate(split.validation, yValPhys);
  const test = split.test.length > 0 ? evaluate(split.test, take(data.y, split.test)) : null;
  // fit.model reads the model inputs (the momentum features, if any), as inputs.x holds them; a symmetric wrapper averages σ like the value.
  const learned = uncertainPredictorOf(fit.model);
  const pulls = (m: UncertainPredictor, idx: Uint32Array, truth: Float64Array) => uncertaintyMetrics(m, transform, takeRows(inputs.x, inputs.d, idx), truth, inputs.d);
  const uncertainty = learned !== null
    ? { test: split.test.length > 0 ? pulls(learned, split.test, take(data.y, split.test)) : null, validation: pulls(learned, split.validation, yValPhys) }
    : null;
  if (uncertainty !== null) {
    log.info(`${uncertainty.test === null ? 'validation' : 'test'} split: ${formatUncertainty(uncertainty.test ?? uncertainty.validation)}`);
  }

  const best = fit.history.reduce((b, r) => (r.valLoss < b.valLoss ? r : b), fit.history[0]);
  const header: ModelHeader = {
    format: 'ampfit-model',
    regressor: model.serialize().spec,
    inputs: data.inputNames,
    target: {
      column: config.data.target,
      born: config.data.born,
      transform: transform.toJSON(),
      require_positive: config.data.require_positive_target,
    },
    input_domain: config.data.momenta === null ? UNIT_CUBE : trainingRange(data.x, data.n, data.d),
    parameter_count: model.parameterCount(),
    training: { best_epoch: best?.epoch ?? 0, epochs_run: fit.history.length, stopped_because: fit.stoppedBecause, seconds: fitSeconds },
    metrics: uncertainty === null ? { test, validation } : { test, validation, uncertainty },
    provenance: provenance(config, getKernels(config.backend), data, split, opts.command ?? ''),
    config,
  };
  saveModelDir(outDir, header, model.serialize(), fit.history, storedGraph(header, model, transform, log));
  // So that eval can tell rows the model has seen from a test (their precision measures the fit, not the prediction).
  writeRowFilter(outDir, RowFilter.of(data.x, data.d, data.y, [split.train, split.validation]));
  log.info(`model written to ${join(outDir, MODEL_FILE)}`);
  if (config.model_type === 'bdt' && interruptedBy === null && opts.keepCheckpoint !== true) {
    // Only an interrupted run resumes; a finished forest's checkpoint would be dead weight as large as the model.
    rmSync(join(outDir, 'checkpoint'), { recursive: true, force: true });
    log.info('checkpoint/ removed (the run finished; --keep-checkpoint keeps it)');
  }
  return { header, regressor: model, testMetrics: test, data, split, interruptedBy };
}

/** The live model's graph for model.ampfit (what libampfit evaluates), or null with a warning for a model that has no graph form. */
export function storedGraph(header: ModelHeader, model: Regressor, transform: TargetTransform, log: Logger): SerializedGraph | null {
  try {
    return serializeGraph(modelGraph(new Surrogate(header, model, transform)));
  } catch (e) {
    log.warn(`model.ampfit is written without its graph, so libampfit cannot load it: ${(e as Error).message}`);
    return null;
  }
}

/** The weight column split like the rows, scaled so the training rows' mean is 1 (a learning rate then means what it means unweighted). */
function sampleWeights(w: Float64Array | null, split: SplitIndices): { train: Float64Array; validation: Float64Array; nEffTrain: number } | null {
  if (w === null) return null;
  const train = take(w, split.train);
  const validation = take(w, split.validation);
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < train.length; i++) {
    sum += train[i];
    squares += train[i] * train[i];
  }
  const scale = train.length / sum;
  for (let i = 0; i < train.length; i++) train[i] *= scale;
  for (let i = 0; i < validation.length; i++) validation[i] *= scale;
  return { train, validation, nEffTrain: (sum * sum) / squares };
}

function provenance(config: RunConfig, kernels: Kernels, data: Dataset, split: SplitIndices, command: string): Provenance {
  return {
    ampfit_version: AMPFIT_VERSION,
    created: new Date().toISOString(),
    seed: config.seed,
    node: process.version,
    host: hostname(),
    backend: `${kernels.backend} kernels, ${kernels.threads()} thread${kernels.threads() === 1 ? '' : 's'}`,
    command,
    data_files: data.report.files.map((f) => ({ ...f })),
    rows_read: data.n,
    rows_skipped: data.report.skipped,
    skipped_by_problem: data.report.skippedByProblem,
    split: { train: split.train.length, validation: split.validation.length, test: split.test.length },
  };
}
