import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunConfig } from '../config/schema.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { AmpfitError } from '../util/errors.js';

// Model types that checkpoint keep the run's config beside their state, so
// --resume can refuse a config that would make the checkpoint meaningless.

const CHECKPOINT_CONFIG = 'config.json';

export function saveCheckpointConfig(dir: string, config: RunConfig): void {
  writeJsonAtomic(join(dir, CHECKPOINT_CONFIG), config);
}

/**
 * Throws unless the checkpoint file exists and the config differs from the
 * checkpointed one only in `resumable` keys. `unit` names what must have
 * finished for a checkpoint to exist ("epoch", "round").
 */
export function checkResumable(dir: string, file: string, config: RunConfig, resumable: ReadonlySet<string>, unit: string): void {
  if (!existsSync(file)) throw new AmpfitError(`--resume: ${file} does not exist (no ${unit} finished before the run stopped?)`);
  const saved = JSON.parse(readFileSync(join(dir, CHECKPOINT_CONFIG), 'utf8')) as Record<string, unknown>;
  const changed = changedKeys(saved, config, resumable);
  if (changed.length > 0) {
    throw new AmpfitError(`--resume: the config differs from the checkpointed run in ${changed.join(', ')}; only ${[...resumable].join(', ')} may change`);
  }
}

/** Top-level keys whose values differ between a saved config and this one, except those in `allowed`. */
export function changedKeys(saved: Record<string, unknown>, config: RunConfig, allowed: ReadonlySet<string>): string[] {
  const now = config as unknown as Record<string, unknown>;
  return Object.keys({ ...saved, ...now }).filter((k) => !allowed.has(k) && JSON.stringify(saved[k]) !== JSON.stringify(now[k]));
}
