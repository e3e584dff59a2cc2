// `ampfit train --data … --target …` without a config: the model and recipe
// are chosen from what the data show, by rules that follow ampfit's own
// measurements (bench/RESULTS.md and the README's tables), and every choice
// comes with its reason so the user can see it and override it with --set.
// The result is an ordinary raw config: it is validated like a file's, and
// the run directory's config.json reproduces the run with --config.

import type { DataScan } from '../data/scan.js';
import { ConfigError } from '../util/errors.js';
import { formatDuration } from '../util/log.js';
import type { RawConfig } from './load.js';
import { KEY_MODEL_TYPES } from './applicability.js';

export interface ChosenConfig {
  readonly raw: RawConfig;
  /** One line per choice: what, and why. */
  readonly reasons: readonly string[];
}

export interface ChoiceRequest {
  readonly scan: DataScan;
  readonly target: string;
  readonly born: string | null;
  readonly timeBudgetS: number;
  readonly incoming: number;
}

/**
 * Up to this budget a small network beats the 30-minute ones on one core
 * (zz4d without symmetries, one thread, validation split, DNN 4-32 against
 * DNN 8-72: R_1 89.1 / 72.3 % at 60 s, 97.0 / 96.4 % at 5 min, 99.07 /
 * 98.63 % at 15 min; R_0.1 72.7 / 69.6 % at 15 min).
 */
const SMALL_NETWORK_UP_TO_S = 900;

/** Momenta must balance to this (relative to the incoming energy) to be read as a 2 → n process. */
const CONSERVATION = 1e-6;

export function chooseConfig(req: ChoiceRequest): ChosenConfig {
  const { scan } = req;
  const reasons: string[] = [];
  const what = req.born === null ? `${req.target}` : `${req.target}/${req.born}`;
  const data: Record<string, unknown> = { files: [...scan.files], target: req.target };
  if (req.born !== null) data.born = req.born;
  const raw: RawConfig = { name: what, data, time_budget_s: req.timeBudgetS };

  if (scan.negative > 0 && scan.positive > 0) {
    data.require_positive_target = false;
    reasons.push(`target: ${what} changes sign (${scan.negative} of ${scan.rows} sampled rows < 0): asinh-standardised, relative errors against |${what}|`);
  } else if (scan.negative > 0) {
    throw new ConfigError(`${what} is negative in all ${scan.rows} sampled rows: regress its negative (a column of −${what}) or write a config with data.require_positive_target: false`);
  } else {
    reasons.push(`target: ${what} is positive in the ${scan.rows} sampled rows: log-standardised (the ampfit recipe)`);
  }

  if (scan.coordinates.length > 0) chooseCoordinateModel(raw, scan, req.timeBudgetS, reasons);
  else if (scan.particles.length >= 3) chooseMomentumModel(raw, data, scan, req.incoming, reasons);
  else {
    throw new ConfigError(
      `cannot tell the inputs of ${scan.files[0]}: no x1..xD columns and no particles with <name>_E, _px, _py, _pz columns (columns: ${scan.header.join(', ')}); write a config with data.inputs`,
    );
  }
  reasons.push(`budget: ${formatDuration(req.timeBudgetS)}; the learning rate cools from 3e-3 to 1e-6 over it (lr_clock time)`);
  return { raw, reasons };
}

function chooseCoordinateModel(raw: RawConfig, scan: DataScan, budgetS: number, reasons: string[]): void {
  const d = scan.coordinates.length;
  const inputs = `${d} coordinate input${d === 1 ? '' : 's'} (${scan.coordinates[0]}..${scan.coordinates[d - 1]})`;
  if (d <= 5 && budgetS <= SMALL_NETWORK_UP_TO_S) {
    Object.assign(raw, { model_type: 'dnn', depth: 4, width: 32 });
    reasons.push(`model: DNN 4-32 for ${inputs}: up to 15 minutes a small network learns most (zz4d, 15 min, one thread, validation: R_1 99.07 % against 98.63 % for DNN 8-72)`);
  } else if (d <= 2) {
    Object.assign(raw, { model_type: 'dnn', depth: 8, width: 56 });
    reasons.push(`model: DNN 8-56 for ${inputs}, as examples/zz2d-best.json: past 15 minutes the wider network wins (zz2d, 30 min, one thread: R_0.01 84.1 % against 78.4 % for DNN 4-32 with Levenberg–Marquardt)`);
  } else if (d <= 5) {
    Object.assign(raw, { model_type: 'dnn', depth: 8, width: 72 });
    reasons.push(`model: DNN 8-72 for ${inputs}, the network of examples/zz4d-best.json (30 min); against DNN 4-32 it is measured only up to 15 minutes, where 4-32 wins`);
  } else {
    Object.assign(raw, { model_type: 'skdnn', depth: 9, width: 50 });
    reasons.push(`model: sk-DNN 9-50 for ${inputs} (zz8d, 30 min: R_1 20.7 %); if some inputs are decay angles, declaring them ("angular", examples/zz8d-best.json) gave 2-5× lower median error`);
  }
  reasons.push('symmetries: none declared; averaging over one the amplitude has helps (zz2d demo, x2 → 1 − x2: R_0.1 38.4 % → 44.2 %): declare it in a config ("symmetries", see ampfit symmetry check)');
}

function chooseMomentumModel(raw: RawConfig, data: Record<string, unknown>, scan: DataScan, incoming: number, reasons: string[]): void {
  const imbalance = scan.momentumImbalance ?? Infinity;
  if (!(imbalance <= CONSERVATION)) {
    throw new ConfigError(
      `the four-momenta of ${scan.particles.join(', ')} do not balance with the first ${incoming} incoming (|Σ in − Σ out|/E_in up to ${imbalance.toExponential(2)} in the sampled rows): ` +
        'give the number of incoming particles with --incoming, or write a config with data.momenta',
    );
  }
  // Types only matter to Deep Sets (shared embeddings); MLP-I reads every particle on its own.
  data.momenta = { particles: scan.particles.map((name) => ({ name, type: name })), incoming };
  Object.assign(raw, { model_type: 'mlp', features: 'momenta+invariants', activation: 'gelu', depth: 3, width: 92, batch_size: 1024, steps_per_epoch: 50, lr_schedule: 'cosine' });
  reasons.push(
    `inputs: four-momenta of ${scan.particles.length} particles (${scan.particles.join(', ')}), ${incoming} incoming; they balance to ${imbalance.toExponential(1)} in the sampled rows`,
  );
  reasons.push('model: MLP-I 3-92 (momenta and the logs of all s_ij, GELU), as examples/ggyyg-best.json (ggyyg, 2 min, one thread: R_1 95.4 %, against 54.1 % for DSI and 41.1 % for KAN)');
}

/** '90', '90s', '10m', '1.5h' → seconds. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h)?\s*$/.exec(text);
  if (m === null) throw new ConfigError(`--budget '${text}' is not a duration: give seconds (600), or 90s, 10m, 1.5h`);
  const unit = m[2] ?? 's';
  const seconds = Number(m[1]) * (unit === 'h' ? 3600 : unit === 's' ? 1 : 60);
  if (!(seconds > 0)) throw new ConfigError(`--budget '${text}' must be positive`);
  return seconds;
}

/**
 * The choice for another model type than the one chosen (`--set
 * model_type=bdt`): the chosen keys that type does not read go, so it trains
 * with its own defaults instead of failing on the network's depth and width.
 */
export function retarget(chosen: ChosenConfig, type: string): ChosenConfig {
  if (chosen.raw.model_type === type) return chosen;
  const raw: RawConfig = { ...chosen.raw, model_type: type };
  const dropped: string[] = [];
  for (const [key, types] of Object.entries(KEY_MODEL_TYPES)) {
    if (key in raw && !(types as readonly string[]).includes(type)) {
      delete raw[key];
      dropped.push(key);
    }
  }
  const reasons = chosen.reasons.map((r) => (r.startsWith('model: ') ? `model: ${type}, as --set asks, with its own defaults${dropped.length === 0 ? '' : ` (dropped ${dropped.join(', ')})`}` : r));
  return { raw, reasons };
}
