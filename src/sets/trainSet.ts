// `ampfit train-set`: trains the functions of a set that need a regressor of
// their own, one after another, each into <out>/<name>/, then writes
// <out>/set.json. Derived functions cost nothing to train. Re-running skips
// functions whose model exists with the same config and resumes those
// interrupted mid-way from their checkpoint, so a long set survives being
// stopped. (`ampfit sweep` with a "set" runs the same per-function jobs on a
// local pool or a Slurm cluster, crossed with grids and seeds.)

import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { applyOverrides, validateConfig } from '../config/load.js';
import type { RunConfig } from '../config/schema.js';
import { MODEL_FILE, type ModelHeader } from '../io/modelStore.js';
import { readModelFile } from '../io/modelFile.js';
import { changedKeys } from '../models/checkpointConfig.js';
import { runTraining } from '../training/run.js';
import { AmpfitError, InterruptedError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { readManifest, type TrainedFunction } from './manifest.js';
import { loadModelSet, writeSetFile, type ModelSet } from './modelSet.js';

/** Keys a finished model may differ in and still count as this function's model. */
const IRRELEVANT_KEYS = new Set(['threads', 'backend', 'name']);

export interface TrainSetOptions {
  readonly manifest: string;
  readonly outDir: string;
  readonly log: Logger;
  /** `key=value` overrides applied to every trained function's config. */
  readonly overrides?: readonly string[];
  /** Retrain functions that already have a model. */
  readonly force?: boolean;
  /** Aborted to stop the function being trained at its next safe point (src/cli/interrupt.ts). */
  readonly signal?: AbortSignal;
  readonly command?: string;
}

export interface TrainSetResult {
  readonly trained: string[];
  readonly resumed: string[];
  readonly skipped: string[];
  readonly set: ModelSet;
}

export async function trainSet(opts: TrainSetOptions): Promise<TrainSetResult> {
  const set = readManifest(opts.manifest);
  const toTrain = set.functions.filter((f): f is TrainedFunction => f.kind === 'trained' && f.config !== null);
  // Every config is validated before the first training starts: a typo in the
  // 20th function must not surface hours into the run.
  const configs = new Map<string, RunConfig>(
    toTrain.map((f) => [f.name, validateConfig(applyOverrides(f.config as Record<string, unknown>, opts.overrides ?? []), `${opts.manifest}, function '${f.name}'`)]),
  );
  const derived = set.functions.length - set.functions.filter((f) => f.kind === 'trained').length;
  opts.log.info(`function set${set.name === '' ? '' : ` '${set.name}'`}: ${set.functions.length} functions, ${toTrain.length} to train, ${derived} derived`);
  mkdirSync(opts.outDir, { recursive: true });
  const result = { trained: [] as string[], resumed: [] as string[], skipped: [] as string[] };
  const modelPaths = new Map<string, string>();
  for (const f of set.functions) if (f.kind === 'trained' && f.modelDir !== null) modelPaths.set(f.name, f.modelDir);

  for (const [i, f] of toTrain.entries()) {
    const config = configs.get(f.name) as RunConfig;
    const dir = join(opts.outDir, f.name);
    modelPaths.set(f.name, f.name);
    const state = memberState(dir, config, opts.force === true);
    const tag = `[${i + 1}/${toTrain.length}] ${f.name}`;
    if (state === 'done') {
      opts.log.info(`${tag}: already trained in ${dir}, skipped`);
      result.skipped.push(f.name);
      continue;
    }
    opts.log.info(`${tag}: ${state === 'resume' ? 'resuming from its checkpoint' : 'training'} into ${dir}`);
    const run = await runTraining({ config, outDir: dir, log: opts.log, resume: state === 'resume', force: state === 'fresh-force', signal: opts.signal, command: opts.command });
    if (run.data.inputNames.join(',') !== set.inputs.join(',')) {
      throw new AmpfitError(`function '${f.name}' was trained on inputs (${run.data.inputNames.join(', ')}), the set declares (${set.inputs.join(', ')})`);
    }
    if (run.interruptedBy !== null) {
      throw new InterruptedError(run.interruptedBy, `interrupted by ${run.interruptedBy} while training '${f.name}'; its best weights so far are in ${dir}; run train-set again to resume`);
    }
    (state === 'resume' ? result.resumed : result.trained).push(f.name);
  }
  writeSetFile(opts.outDir, set, modelPaths);
  return { ...result, set: loadModelSet(opts.outDir) };
}

type MemberState = 'done' | 'resume' | 'fresh' | 'fresh-force';

function memberState(dir: string, config: RunConfig, force: boolean): MemberState {
  if (!existsSync(dir) || readdirSync(dir).length === 0) return 'fresh';
  if (force) return 'fresh-force';
  if (existsSync(join(dir, MODEL_FILE))) {
    const saved = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const changed = changedKeys(saved, config, IRRELEVANT_KEYS);
    if (changed.length > 0) {
      throw new AmpfitError(`${dir} holds a model trained with a different config (${changed.join(', ')} differ); retrain with --force or choose another --out`);
    }
    // A model saved on Ctrl-C is the best so far, not the finished training.
    const interrupted = readModelFile<ModelHeader>(join(dir, MODEL_FILE)).header.training.stopped_because.startsWith('interrupted');
    return interrupted && existsSync(join(dir, 'checkpoint')) ? 'resume' : 'done';
  }
  if (existsSync(join(dir, 'checkpoint'))) return 'resume';
  throw new AmpfitError(`${dir} is neither a trained model nor an interrupted run; remove it or use --force`);
}
