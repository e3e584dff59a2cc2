import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AmpfitError } from '../util/errors.js';

// One training per run directory. Two runs writing one --out would each
// checkpoint and save over the other and both exit 0 with a model neither
// trained. The lock is a file created with O_EXCL (atomic on local
// filesystems and on NFSv3+), holding who owns it. A lock whose process is
// gone (kill -9, a crash, a node that rebooted) is stale and taken over; the
// process start time guards against a reused PID. A lock from another host
// cannot be checked from here and is refused with the way out.

export const LOCK_FILE = '.ampfit.lock';

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** Kernel start time of the process (Linux /proc, clock ticks since boot), null where unknown. */
  readonly start: string | null;
  readonly since: string;
  readonly command: string;
}

export interface RunLock {
  readonly path: string;
  /** What was taken over, for the log (null: the directory was free). */
  readonly tookOver: string | null;
  release(): void;
}

/** Locks dir (which must exist) for this process, or throws naming the process that holds it. */
export function lockRunDir(dir: string, command = process.argv.slice(1).join(' ')): RunLock {
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), start: processStart(process.pid), since: new Date().toISOString(), command };
  let tookOver: string | null = null;
  if (!tryCreate(path, me)) {
    const owner = readOwner(path);
    if (owner !== null && isAlive(owner)) throw busy(dir, owner);
    // Move the stale lock aside under a name of our own: of two processes taking over at once, only one rename succeeds.
    const aside = `${path}.stale.${process.pid}`;
    try {
      renameSync(path, aside);
    } catch {
      throw new AmpfitError(`${dir} is being locked by another ampfit run right now; try again`);
    }
    const moved = readOwner(aside);
    if (moved !== null && isAlive(moved)) {
      // Someone took the lock between our read and the rename: give it back.
      try {
        linkSync(aside, path);
      } catch {
        // a third process holds it now; either way it is not ours
      }
      unlinkQuiet(aside);
      throw busy(dir, moved);
    }
    unlinkQuiet(aside);
    if (!tryCreate(path, me)) throw new AmpfitError(`${dir} is being locked by another ampfit run right now; try again`);
    tookOver = owner === null ? 'an unreadable lock file' : `a stale lock of PID ${owner.pid} (started ${owner.since}, no longer running)`;
  }
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    const owner = readOwner(path);
    if (owner !== null && owner.pid === me.pid && owner.host === me.host) unlinkQuiet(path);
  };
  // process.exit() (a second Ctrl-C) skips finally blocks but not 'exit' listeners.
  process.on('exit', release);
  return { path, tookOver, release };
}

function busy(dir: string, owner: LockOwner): AmpfitError {
  const where = owner.host === hostname() ? `PID ${owner.pid}` : `PID ${owner.pid} on host ${owner.host}`;
  const remote = owner.host === hostname() ? '' : `; if that process is gone, delete ${join(dir, LOCK_FILE)}`;
  return new AmpfitError(`${dir} is in use by another ampfit run (${where}, since ${owner.since}: ${owner.command})${remote}; choose another --out or wait for it to finish`);
}

function tryCreate(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new AmpfitError(`cannot create the lock file ${path}: ${(e as Error).message}`);
  }
  try {
    writeSync(fd, JSON.stringify(owner) + '\n');
  } finally {
    closeSync(fd);
  }
  return true;
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof o.pid !== 'number' || typeof o.host !== 'string') return null;
    return { pid: o.pid, host: o.host, start: typeof o.start === 'string' ? o.start : null, since: String(o.since), command: String(o.command) };
  } catch {
    // Empty (a crash between create and write) or garbage: nobody can own it.
    return null;
  }
}

function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = processStart(owner.pid);
  return owner.start === null || start === null || start === owner.start;
}

/** Field 22 of /proc/<pid>/stat: when the process started; distinguishes a reused PID. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
