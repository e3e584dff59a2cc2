import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readModelFile, writeModelFile, type StoredArray } from '../io/modelFile.js';
import { AmpfitError, ModelFileError } from '../util/errors.js';

// Training state on disk in the model file format (src/io/modelFile.ts): the
// state's JSON, with every typed array moved into the binary blob and left
// as {"$array": "<name>"} in its place. JSON with base64 weights (what
// checkpoints were before) needs ~4× the weights as one string; at ~12 M
// parameters that passes V8's longest string and the run died at its first
// checkpoint. Atomic and checksummed like a model; old trainer.json
// checkpoints are still read.

export const CHECKPOINT_STATE_FILE = 'trainer.ampfit';
const LEGACY_JSON_FILE = 'trainer.json';
const FORMAT = 'ampfit-trainer-checkpoint';

const TYPED = [Float64Array, Float32Array, Int32Array, Uint32Array, Uint16Array, Uint8Array] as const;

function isStoredArray(v: unknown): v is StoredArray {
  return TYPED.some((ctor) => v instanceof ctor);
}

/** Writes state (plain data and typed arrays) into dir/trainer.ampfit, atomically. */
export function writeCheckpointState(dir: string, state: object): void {
  const arrays: Record<string, StoredArray> = {};
  const strip = (v: unknown): unknown => {
    if (isStoredArray(v)) {
      const name = `a${Object.keys(arrays).length}`;
      arrays[name] = v;
      return { $array: name };
    }
    if (Array.isArray(v)) return v.map(strip);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x)]));
    return v;
  };
  writeModelFile(join(dir, CHECKPOINT_STATE_FILE), { format: FORMAT, state: strip(state) }, arrays);
  // A JSON checkpoint from an older ampfit is now out of date.
  rmSync(join(dir, LEGACY_JSON_FILE), { force: true });
}

/** Whether dir holds training state (binary or legacy JSON). */
export function checkpointStatePath(dir: string): string | null {
  for (const name of [CHECKPOINT_STATE_FILE, LEGACY_JSON_FILE]) if (existsSync(join(dir, name))) return join(dir, name);
  return null;
}

/** Reads what writeCheckpointState wrote (typed arrays restored), or a legacy trainer.json. */
export function readCheckpointState<T>(dir: string): T {
  const path = checkpointStatePath(dir);
  if (path === null) throw new AmpfitError(`--resume: ${dir} holds no training state (${CHECKPOINT_STATE_FILE})`);
  if (path.endsWith('.json')) {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as T;
    } catch (e) {
      throw new ModelFileError(`checkpoint ${path}: ${(e as Error).message}`);
    }
  }
  const { header, arrays } = readModelFile<{ format?: unknown; state?: unknown }>(path);
  if (header.format !== FORMAT) throw new ModelFileError(`checkpoint ${path}: format is '${String(header.format)}', not '${FORMAT}'`);
  const restore = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(restore);
    if (typeof v === 'object' && v !== null) {
      const ref = (v as { $array?: unknown }).$array;
      if (typeof ref === 'string' && Object.keys(v).length === 1) {
        const a = arrays[ref];
        if (a === undefined) throw new ModelFileError(`checkpoint ${path}: array '${ref}' is missing`);
        return a;
      }
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, restore(x)]));
    }
    return v;
  };
  return restore(header.state) as T;
}

/** The state's own JSON header, without loading the arrays' meaning (for progress checks in tests and sweeps). */
export function checkpointEpoch(dir: string): number | null {
  const path = checkpointStatePath(dir);
  if (path === null) return null;
  const state = readCheckpointState<{ epoch?: unknown }>(dir);
  return typeof state.epoch === 'number' ? state.epoch : null;
}
