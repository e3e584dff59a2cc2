// Names a Keras, PyTorch, scikit-learn or XGBoost user would type, resolved
// into ampfit's own key for the chosen model type before validation — only
// where the meaning is the same. A name the model type reads itself (bdt's
// learning_rate) is never renamed; giving both a name and its target is an
// error naming both.

import { ConfigError } from '../util/errors.js';
import { capabilities, MODEL_TYPES, type ModelTypeName } from './modelTypes.js';

type Family = 'network' | 'trees' | 'any';

/** alias → the key it means, per family of model types. */
const ALIASES: Readonly<Record<string, Partial<Record<Family, string>>>> = {
  lr: { network: 'initial_lr', trees: 'learning_rate' },
  learning_rate: { network: 'initial_lr' },
  max_epochs: { network: 'epochs', trees: 'n_estimators' },
  num_epochs: { network: 'epochs', trees: 'n_estimators' },
  n_epochs: { network: 'epochs', trees: 'n_estimators' },
  num_boost_round: { trees: 'n_estimators' },
  early_stopping_patience: { network: 'patience', trees: 'early_stopping_rounds' },
  n_jobs: { any: 'threads' },
  nthread: { any: 'threads' },
  num_threads: { any: 'threads' },
};

/** Names people guess for which ampfit has no key of the same meaning: what to use instead, for the unknown-key message. */
export const NO_EQUIVALENT: Readonly<Record<string, string>> = {
  weight_decay: "ampfit's Adam has no weight decay (L2) term; bdt's L2 penalty on leaf values is 'lambda'",
  dropout: 'networks have no dropout; early stopping on validation (patience) is what limits overfitting',
  optimizer: "networks train with Adam, then optionally Levenberg–Marquardt ('finish')",
};

function family(type: ModelTypeName): Family {
  return capabilities(type).network ? 'network' : type === 'bdt' ? 'trees' : 'any';
}

/**
 * raw with every alias of its model type renamed (a copy; raw itself is
 * untouched). `defaults` are the resolved defaults: an alias that is another
 * model type's own key and holds its default next to its target (a saved
 * config.json lists every key) is left for the applicability check, which
 * accepts it.
 */
export function resolveAliases(raw: Record<string, unknown>, defaults: Record<string, unknown>): Record<string, unknown> {
  const type = typeof raw.model_type === 'string' && (MODEL_TYPES as readonly string[]).includes(raw.model_type) ? (raw.model_type as ModelTypeName) : (defaults.model_type as ModelTypeName);
  let out: Record<string, unknown> | null = null;
  for (const [alias, targets] of Object.entries(ALIASES)) {
    if (!(alias in raw)) continue;
    const target = targets[family(type)] ?? targets.any;
    if (target === undefined) continue;
    if (target in raw && alias in defaults && Object.is(raw[alias], defaults[alias])) continue;
    if (target in raw) throw new ConfigError(`config: '${alias}' and '${target}' mean the same for model_type '${type}'; give one of them`);
    out ??= { ...raw };
    out[target] = out[alias];
    delete out[alias];
  }
  return out ?? raw;
}
