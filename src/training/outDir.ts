import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_FILE } from '../io/modelStore.js';
import { LOCK_FILE, lockRunDir, type RunLock } from '../io/runLock.js';
import { AmpfitError } from '../util/errors.js';

// The run directory of one training: created, locked for this process
// (src/io/runLock.ts), and checked to hold nothing the run would overwrite by
// accident, before any data is read.

/** Creates and locks the run directory, then checks it holds nothing this run would overwrite by accident. */
export function prepareOutDir(dir: string, resume: boolean, force: boolean): RunLock {
  const state = outDirState(dir);
  if (state === 'file') throw new AmpfitError(`--out ${dir} is a file; it must be a directory (new or empty, or a run to --resume or --force)`);
  if (state === 'missing' && resume) throw new AmpfitError(`--resume: ${dir} does not exist, nothing to resume`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new AmpfitError(`--out ${dir}: cannot create the directory: ${(e as Error).message}`);
  }
  const lock = lockRunDir(dir);
  try {
    guardOutDir(dir, resume, force);
  } catch (e) {
    lock.release();
    throw e;
  }
  return lock;
}

function outDirState(dir: string): 'missing' | 'file' | 'dir' {
  try {
    return statSync(dir).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

/** Never overwrite a finished model or a resumable run by accident. */
function guardOutDir(dir: string, resume: boolean, force: boolean): void {
  const entries = readdirSync(dir).filter((e) => e !== LOCK_FILE);
  if (resume) {
    if (!entries.includes('checkpoint')) throw new AmpfitError(`--resume: ${dir} holds no checkpoint/ to resume from`);
    return;
  }
  if (force) {
    // A stale checkpoint must not be mistaken for this run's later.
    rmSync(join(dir, 'checkpoint'), { recursive: true, force: true });
    return;
  }
  if (entries.length > 0) {
    throw new AmpfitError(
      `${dir} is not empty${entries.includes(MODEL_FILE) ? ' (it holds a trained model)' : ''}; ` +
        'choose another --out, continue an interrupted run with --resume, or replace it with --force',
    );
  }
}
