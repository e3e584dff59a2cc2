// `ampfit symmetry check`: gathers the pairs the statistics in check.ts need.
//   model — an existing model (not itself invariant under the map) on its
//           test split or on --data rows, or else a probe model that this
//           command trains for a few minutes without any symmetry;
//   pairs — data files computed at transformed points (--pairs), or points
//           matched inside the data (--match).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunConfig } from '../config/schema.js';
import { loadDataset, take, takeRows } from '../data/dataset.js';
import { resolveDataFiles } from '../data/files.js';
import { loadModel, Surrogate } from '../models/surrogate.js';
import { SymmetricRegressor } from '../models/symmetric.js';
import { heldOutRows } from './heldOut.js';
import { runTraining } from './run.js';
import { formatOptions } from './modelInputs.js';
import { TargetTransform } from '../transforms/target.js';
import { AmpfitError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { formatMap, mapKey, parseMap, type MapSpec } from '../symmetry/coordinateMap.js';
import { checkWithModel, checkWithPairs, DEFAULT_PAIR_TOLERANCE_PCT, DEFAULT_Z_MAX, UNRESOLVED_RATIO, type MapCheck, type ModelCheckResult, type PairCheckResult } from '../symmetry/check.js';

export interface DeclaredMap {
  readonly name: string;
  readonly map: MapSpec;
}

export type CheckSource =
  | { readonly kind: 'model'; readonly modelDir: string; readonly dataFiles: string[] | null }
  | { readonly kind: 'probe'; readonly config: RunConfig; readonly probe: ProbeKind; readonly budgetS: number; readonly keepDir: string | null }
  | { readonly kind: 'pairs'; readonly config: RunConfig; readonly pairFiles: string[] | null; readonly coordTol: number; readonly tolerancePct: number };

export interface SymmetryCheckReport {
  readonly source: string;
  readonly inputs: string[];
  readonly points: number;
  /** Each map in image notation, by name. */
  readonly images: Record<string, string>;
  readonly results: (ModelCheckResult | PairCheckResult)[];
  /** The sign-test threshold the model verdicts used. */
  readonly zMax: number;
}

export const DEFAULT_PROBE_BUDGET_S = 60;

/**
 * The probe: 'bdt' (default) — boosted trees, depth 8, learning rate 0.1, up
 * to 500 rounds with early stopping — or 'config': the config's own model.
 * Trees learn the coarse shape that non-symmetries change within seconds: on
 * the shipped zz8d (100k rows) they separate the one symmetry from five
 * near-misses with |z| > 20 in ~5 s, where an sk-DNN 3-48 needs a minute.
 */
export type ProbeKind = 'bdt' | 'config';

const BDT_PROBE = { model_type: 'bdt', max_depth: 8, learning_rate: 0.1, n_estimators: 500, early_stopping_rounds: 25 } as const;

export async function runSymmetryCheck(maps: readonly DeclaredMap[], source: CheckSource, log: Logger, zMax = DEFAULT_Z_MAX): Promise<SymmetryCheckReport> {
  if (maps.length === 0) throw new AmpfitError('symmetry check: no maps to check; declare "symmetries" in the config or pass --map name=(…)');
  switch (source.kind) {
    case 'model':
      return checkExistingModel(maps, source.modelDir, source.dataFiles, log, zMax);
    case 'probe':
      return checkWithProbe(maps, source.probe === 'bdt' ? { ...source.config, ...BDT_PROBE } : source.config, source.budgetS, source.keepDir, log, zMax);
    case 'pairs':
      return checkPairs(maps, source, log);
  }
}

function resolve(maps: readonly DeclaredMap[], inputs: readonly string[]): MapCheck[] {
  return maps.map((m) => ({ name: m.name, map: parseMap(m.map, inputs, `symmetry '${m.name}'`) }));
}

function images(maps: readonly MapCheck[], inputs: readonly string[]): Record<string, string> {
  return Object.fromEntries(maps.map((m) => [m.name, formatMap(m.map, inputs)]));
}

async function checkExistingModel(maps: readonly DeclaredMap[], modelDir: string, dataFiles: string[] | null, log: Logger, zMax: number): Promise<SymmetryCheckReport> {
  const model = loadModel(modelDir);
  const resolved = resolve(maps, model.inputs);
  if (model.regressor instanceof SymmetricRegressor) {
    const built = new Set(model.regressor.group.elements.map(mapKey));
    const trivial = resolved.filter((m) => built.has(mapKey(m.map)));
    if (trivial.length > 0) {
      throw new AmpfitError(
        `symmetry check: ${modelDir} was trained with the symmetry built in (${model.regressor.mode}), so it is invariant under ` +
          `${trivial.map((m) => `'${m.name}'`).join(', ')} by construction and cannot test it; use a model trained with symmetry_mode "none", or let the check train a probe (no --model)`,
      );
    }
  }
  const rows = await heldOutRows(model.header, dataFiles, new Map(), modelDir);
  if (rows.warning !== null) log.warn(rows.warning);
  log.info(`checking ${resolved.length} map${resolved.length === 1 ? '' : 's'} with ${modelDir} on ${rows.truth.length} rows (${rows.split === 'data' ? '--data files' : `its ${rows.split} split`})`);
  return {
    source: `model ${modelDir} on ${rows.split === 'data' ? 'the --data rows' : `its ${rows.split} split`}`,
    inputs: [...model.inputs],
    points: rows.truth.length,
    images: images(resolved, model.inputs),
    results: checkWithModel((x, n) => model.predict(x, n), rows.x, rows.truth, model.d, resolved, zMax),
    zMax,
  };
}

async function checkWithProbe(maps: readonly DeclaredMap[], config: RunConfig, budgetS: number, keepDir: string | null, log: Logger, zMax: number): Promise<SymmetryCheckReport> {
  if (config.test_fraction === 0) throw new AmpfitError('symmetry check: the probe model needs held-out points; set test_fraction > 0');
  // The probe must not know the symmetries it tests, and must cool its
  // learning rate within the budget whatever the machine's speed.
  const probeConfig: RunConfig = { ...config, symmetry_mode: 'none', time_budget_s: budgetS, lr_clock: 'time' };
  const dir = keepDir ?? mkdtempSync(join(tmpdir(), 'ampfit-symmetry-probe-'));
  log.info(`training a probe model (${config.model_type}, no symmetry) for at most ${budgetS} s${keepDir === null ? '' : ` into ${keepDir}`}`);
  try {
    const run = await runTraining({ config: probeConfig, outDir: dir, log, force: keepDir !== null });
    const model = new Surrogate(run.header, run.regressor, TargetTransform.fromJSON(run.header.target.transform));
    const resolved = resolve(maps, run.data.inputNames);
    const x = takeRows(run.data.x, run.data.d, run.split.test);
    const y = take(run.data.y, run.split.test);
    log.info(`checking ${resolved.length} map${resolved.length === 1 ? '' : 's'} on the probe's ${y.length} test rows`);
    return {
      source: `probe model (${config.model_type}, ${budgetS} s) on its test split`,
      inputs: run.data.inputNames,
      points: y.length,
      images: images(resolved, run.data.inputNames),
      results: checkWithModel((p, n) => model.predict(p, n), x, y, run.data.d, resolved, zMax),
      zMax,
    };
  } finally {
    if (keepDir === null) rmSync(dir, { recursive: true, force: true });
  }
}

async function checkPairs(
  maps: readonly DeclaredMap[],
  source: { config: RunConfig; pairFiles: string[] | null; coordTol: number; tolerancePct: number },
  log: Logger,
): Promise<SymmetryCheckReport> {
  const c = source.config.data;
  const spec = {
    inputs: c.inputs,
    target: c.target,
    born: c.born,
    requirePositiveTarget: c.require_positive_target,
    skipBadRows: c.skip_bad_rows,
    maxRows: c.max_rows ?? undefined,
    format: formatOptions(c),
  };
  const a = await loadDataset({ ...spec, files: resolveDataFiles(c.files) });
  const b = source.pairFiles === null ? a : await loadDataset({ ...spec, inputs: a.inputNames, files: source.pairFiles });
  const resolved = resolve(maps, a.inputNames);
  log.info(`matching ${a.n} points against ${source.pairFiles === null ? 'the same data' : `${b.n} points of ${source.pairFiles.length} pair file(s)`} (coordinates within ${source.coordTol})`);
  return {
    source: source.pairFiles === null ? 'points matched inside the data' : `pair files ${source.pairFiles.join(', ')}`,
    inputs: a.inputNames,
    points: a.n,
    images: images(resolved, a.inputNames),
    results: checkWithPairs(a, b, a.d, resolved, { coordTol: source.coordTol, tolerancePct: source.tolerancePct }),
    zMax: DEFAULT_Z_MAX,
  };
}

/** The verdict table printed by the CLI. */
export function formatCheckReport(r: SymmetryCheckReport): string {
  const fmt = (v: number): string => (Number.isFinite(v) ? (Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(3) : v.toExponential(2)) : '—');
  const header = ['symmetry', 'map', 'pairs', 'median |Δf|/f %', 'p90 %', 'max %'];
  const modelMode = r.results.some((x) => x.method === 'model');
  if (modelMode) header.push('model |δ| % at x', 'at g·x', 'sign-test z');
  else header.push('unmatched');
  header.push('verdict');
  const rows = r.results.map((x) => {
    const row = [x.name, r.images[x.name], String(x.pairs), fmt(x.medianPct), fmt(x.p90Pct), fmt(x.maxPct)];
    if (x.method === 'model') row.push(fmt(x.resolutionPct), fmt(x.mirroredMedianPct), x.z.toFixed(1) + (x.approximate ? '*' : ''));
    else row.push(String(x.unmatched));
    row.push(x.verdict === 'violated' ? 'VIOLATED' : x.verdict);
    return row;
  });
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((row) => row[j].length)));
  const line = (cells: string[]): string => cells.map((c, j) => c.padEnd(widths[j])).join('  ').trimEnd();
  const notes = [`source: ${r.source}; ${r.points} points; inputs ${r.inputs.join(', ')}`];
  if (modelMode) {
    notes.push(`a symmetry holds when the model is no worse at g·x than at x (sign test, |z| ≈ 1 by chance; VIOLATED when z ≥ ${r.zMax})`);
    if (r.results.some((x) => x.verdict === 'unresolved')) {
      notes.push(`unresolved: the model's prediction hardly changes under the map (median |Δf| < ${UNRESOLVED_RATIO} × its own error), so it cannot tell; train a better probe (--budget, --probe)`);
    }
  }
  else notes.push(`a symmetry holds when every matched pair agrees within the tolerance (${r.results[0]?.method === 'pairs' ? r.results[0].tolerancePct : DEFAULT_PAIR_TOLERANCE_PCT} %)`);
  if (r.results.some((x) => x.method === 'model' && x.approximate)) notes.push('* the map is not its own inverse: the sign test is then approximate');
  return [line(header), ...rows.map(line), '', ...notes].join('\n');
}
