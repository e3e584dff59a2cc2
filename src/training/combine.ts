// `ampfit combine`: K models of one target, trained on one split with
// different init_seed (at the same time, one thread each, or on K nodes of a
// sweep), become one model that predicts their mean (src/models/averaged.ts).
// The members must agree on everything a prediction and its evaluation
// depend on — inputs, target, Born, target transform, input domain, data and
// split — or the mean would mix different things; the combined model is then
// evaluated on the members' own validation and test rows, so its metrics are
// those of a trained model.

import { copyFileSync, existsSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { take, takeRows } from '../data/dataset.js';
import { resolveDataFiles } from '../data/files.js';
import { splitRows } from '../data/split.js';
import { MODEL_FILE, readModel, saveModelDir, type ModelHeader } from '../io/modelStore.js';
import { ROW_FILTER_FILE } from '../io/rowFilterFile.js';
import { precisionMetrics, type PrecisionMetrics } from '../metrics/precision.js';
import { AveragedRegressor } from '../models/averaged.js';
import { loadModel, uncertainPredictorOf } from '../models/surrogate.js';
import { TargetTransform } from '../transforms/target.js';
import { AmpfitError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { prepareOutDir } from './outDir.js';
import { storedGraph, trainingDataset } from './run.js';

export interface CombineResult {
  readonly header: ModelHeader;
  readonly validation: PrecisionMetrics;
  readonly test: PrecisionMetrics | null;
}

/** What the members must share, by header key path, and why the mean needs it. */
const SHARED: readonly { readonly what: string; readonly get: (h: ModelHeader) => unknown }[] = [
  { what: 'inputs', get: (h) => h.inputs },
  { what: 'target', get: (h) => ({ column: h.target.column, born: h.target.born, require_positive: h.target.require_positive }) },
  { what: 'data (config data)', get: (h) => h.config.data },
  { what: 'split (config seed, test_fraction, validation_fraction)', get: (h) => [h.config.seed, h.config.test_fraction, h.config.validation_fraction] },
  { what: 'input domain', get: (h) => h.input_domain ?? null },
  { what: 'target transform (the mean is taken in its space)', get: (h) => h.target.transform },
];

/** A model given as its directory or as its model.ampfit. */
function modelDir(path: string): string {
  return path.endsWith(MODEL_FILE) ? dirname(path) : path;
}

export async function combineModels(dirs: readonly string[], outDir: string, opts: { force: boolean; log: Logger; command: string }): Promise<CombineResult> {
  if (dirs.length < 2) throw new AmpfitError(`combine needs at least 2 models, got ${dirs.length}`);
  const member = dirs.find((d) => resolve(modelDir(d)) === resolve(outDir));
  if (member !== undefined) throw new AmpfitError(`--out ${outDir} is one of the models being combined (${member})`);
  const headers = dirs.map((d) => readModel(d).header);
  const models = dirs.map((d) => loadModel(d));
  const first = headers[0];
  headers.forEach((h, k) => {
    if (k === 0) return;
    for (const s of SHARED) {
      if (!isDeepStrictEqual(s.get(h), s.get(first))) throw new AmpfitError(`${dirs[k]} and ${dirs[0]} differ in their ${s.what}: their mean is not one model`);
    }
  });
  models.forEach((m, k) => {
    if (uncertainPredictorOf(m.regressor) !== null) throw new AmpfitError(`${dirs[k]} learned σ: combine averages predictions only (train with uncertainty: ensemble for a mean with σ)`);
  });
  const seeds = headers.map((h) => h.config.init_seed ?? h.config.seed);
  const twin = seeds.findIndex((s, k) => seeds.indexOf(s) !== k);
  if (twin >= 0) opts.log.warn(`${dirs[twin]} has the same init_seed as another member (${seeds[twin]}): the same training gives the same model, so the mean gains nothing from it`);

  const regressor = new AveragedRegressor(models.map((m) => m.regressor));
  const transform = TargetTransform.fromJSON(first.target.transform);
  const config = first.config;
  const data = await trainingDataset(config, resolveDataFiles(config.data.files));
  const split = splitRows(data.n, config.seed, { test: config.test_fraction, validation: config.validation_fraction });
  const weightsOf = (idx: Uint32Array) => (data.weight === null || data.weight === undefined || config.data.weight === null ? null : { column: config.data.weight, values: take(data.weight, idx) });
  const evaluate = (idx: Uint32Array): PrecisionMetrics =>
    precisionMetrics(transform.inverseInPlace(regressor.predict(takeRows(data.x, data.d, idx), idx.length)), take(data.y, idx), config.taus, weightsOf(idx));
  const validation = evaluate(split.validation);
  const test = split.test.length > 0 ? evaluate(split.test) : null;

  const seconds = headers.map((h) => h.training.seconds);
  const header: ModelHeader = {
    ...first,
    regressor: regressor.serialize().spec,
    parameter_count: regressor.parameterCount(),
    training: {
      best_epoch: first.training.best_epoch,
      epochs_run: first.training.epochs_run,
      stopped_because: `the mean of ${dirs.length} models (ampfit combine), trained for ${seconds.map((s) => s.toFixed(0)).join(', ')} s`,
      seconds: Math.max(...seconds),
    },
    metrics: { validation, test },
    provenance: { ...first.provenance, created: new Date().toISOString(), command: opts.command, combined_from: dirs.map((d, k) => ({ model: d, init_seed: seeds[k], metrics: headers[k].metrics })) },
  };
  const lock = prepareOutDir(outDir, false, opts.force);
  try {
    saveModelDir(outDir, header, regressor.serialize(), [], storedGraph(header, regressor, transform, opts.log));
    // The members share their rows, so the first one's filter tells eval the combined model's training rows too.
    const filter = join(modelDir(dirs[0]), ROW_FILTER_FILE);
    if (existsSync(filter)) copyFileSync(filter, join(outDir, ROW_FILTER_FILE));
  } finally {
    lock.release();
  }
  return { header, validation, test };
}
