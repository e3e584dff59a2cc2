import { ConfigError } from '../util/errors.js';
import { MODEL_TYPES, type RunConfigInput } from './schema.js';
import { typesWith } from './modelTypes.js';

// Which model types read which config keys. A key of another model type
// ("learning_rate": 3e-3 on an sk-DNN, where the network's rate is
// initial_lr) used to be accepted and ignored, and the user trained with a
// setting they never chose. Keys not listed apply to every model type. A new
// key is one entry here; `satisfies` keeps the names honest.
//
// A listed key that holds its default value is not an error, so the resolved
// config.json a model directory keeps can be trained again as it is.

type ModelType = (typeof MODEL_TYPES)[number];

// The families of keys, from the model types' capability records (modelTypes.ts).
const NETWORKS = typesWith((t) => t.network);
const FIXED_ACTIVATION_NETWORKS = typesWith((t) => t.activation !== 'none');
const RATIONAL = typesWith((t) => t.activation === 'rational');
const UNCERTAIN = typesWith((t) => t.uncertainty);
const TREES = ['bdt'] as const satisfies readonly ModelType[];

export const KEY_MODEL_TYPES = {
  depth: NETWORKS,
  width: NETWORKS,
  activation: FIXED_ACTIVATION_NETWORKS,
  activation_param: FIXED_ACTIVATION_NETWORKS,
  rational_groups: RATIONAL,
  rational_degrees: RATIONAL,
  rational_init: RATIONAL,
  rational_init_range: RATIONAL,
  kan_grid: ['kan'],
  kan_range: ['kan'],
  ds_latent: ['ds'],
  ds_embed_depth: ['ds'],
  lgatr_heads: ['lgatr'],
  degree: ['poly'],
  ridge: ['poly'],
  max_bin: TREES,
  max_depth: TREES,
  learning_rate: TREES,
  eta: TREES,
  min_child_weight: TREES,
  lambda: TREES,
  reg_lambda: TREES,
  gamma: TREES,
  min_split_loss: TREES,
  subsample: TREES,
  colsample_bytree: TREES,
  n_estimators: TREES,
  early_stopping_rounds: TREES,
  uncertainty: UNCERTAIN,
  bnn_prior_width: UNCERTAIN,
  bnn_last_layer_only: UNCERTAIN,
  bnn_samples: UNCERTAIN,
  ensemble_members: UNCERTAIN,
  ensemble_beta: UNCERTAIN,
  calibrate_sigma: UNCERTAIN,
  initial_lr: NETWORKS,
  final_lr: NETWORKS,
  lr_schedule: NETWORKS,
  decay_epochs: NETWORKS,
  lr_clock: NETWORKS,
  finish: NETWORKS,
  lr_power: NETWORKS,
  batch_size: NETWORKS,
  steps_per_epoch: NETWORKS,
  epochs: NETWORKS,
  patience: NETWORKS,
} as const satisfies Partial<Record<keyof RunConfigInput, readonly ModelType[]>>;

/** Whether a model type reads a top-level config key (keys not listed apply to every type). */
export function keyApplies(key: string, modelType: string): boolean {
  const types = (KEY_MODEL_TYPES as Partial<Record<string, readonly string[]>>)[key];
  return types === undefined || types.includes(modelType);
}

/** What the network keys mean for a model type that has none of them, to say in the error. */
const HINTS: Partial<Record<string, string>> = {
  learning_rate: "for networks the learning rate is 'initial_lr' (and 'final_lr')",
  eta: "for networks the learning rate is 'initial_lr' (and 'final_lr')",
  epochs: "boosted trees count rounds with 'n_estimators'",
  patience: "boosted trees stop early after 'early_stopping_rounds'",
  max_depth: "networks have 'depth' (layers or blocks)",
  depth: "boosted trees have 'max_depth'",
};

/**
 * Throws for every key of `raw` (the user's config, before defaults) that
 * the chosen model type does not read, unless it holds the resolved default
 * `defaults[key]` (so a saved config.json trains again).
 */
export function checkKeysApply(raw: Record<string, unknown>, defaults: Record<string, unknown>, source: string): void {
  const type = typeof raw.model_type === 'string' ? raw.model_type : defaults.model_type;
  if (!MODEL_TYPES.includes(type as ModelType)) return; // the schema reports a bad model_type
  const problems: string[] = [];
  for (const [key, types] of Object.entries(KEY_MODEL_TYPES) as [string, readonly ModelType[]][]) {
    if (!(key in raw) || types.includes(type as ModelType)) continue;
    if (JSON.stringify(raw[key]) === JSON.stringify(defaultOf(key, defaults))) continue;
    const hint = HINTS[key];
    problems.push(`  ${key}: applies to model_type ${types.map((t) => `'${t}'`).join(', ')}, not '${String(type)}', which would ignore it${hint === undefined ? '' : ` (${hint})`}`);
  }
  if (problems.length > 0) throw new ConfigError(`invalid config ${source}:\n${problems.join('\n')}`);
}

/** XGBoost's aliases resolve into ampfit's own keys. */
const ALIAS_OF: Partial<Record<string, string>> = { eta: 'learning_rate', reg_lambda: 'lambda', min_split_loss: 'gamma' };

function defaultOf(key: string, defaults: Record<string, unknown>): unknown {
  return defaults[ALIAS_OF[key] ?? key];
}
