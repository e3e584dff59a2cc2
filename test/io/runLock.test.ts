import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, lockRunDir } from '../../src/io/runLock.js';
import { AmpfitError } from '../../src/util/errors.js';
import { tempDir } from '../helpers.js';

/** A PID that is certainly not running: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('a lock is exclusive, names its holder, and is released', () => {
  const dir = tempDir();
  const lock = lockRunDir(dir, 'ampfit train --out x');
  const owner = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
  assert.equal(owner.pid, process.pid);
  assert.equal(owner.command, 'ampfit train --out x');
  assert.equal(lock.tookOver, null);
  assert.throws(() => lockRunDir(dir), (e: unknown) => e instanceof AmpfitError && new RegExp(`in use by another ampfit run \\(PID ${process.pid}, since `).test(e.message));
  lock.release();
  assert.ok(!existsSync(join(dir, LOCK_FILE)));
  lockRunDir(dir).release();
});

test('a stale lock (dead PID, or a live PID that started at another time) and an unreadable one are taken over', () => {
  const dir = tempDir();
  const pid = deadPid();
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), start: '1', since: '2026-01-01T00:00:00Z', command: 'ampfit train' }));
  const a = lockRunDir(dir);
  assert.match(a.tookOver ?? '', new RegExp(`a stale lock of PID ${pid} \\(started 2026-01-01T00:00:00Z, no longer running\\)`));
  a.release();
  // PID reuse: this very PID's parent is alive, but the lock says it started at another time.
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), start: '1', since: 'then', command: 'old run' }));
  const b = lockRunDir(dir);
  assert.match(b.tookOver ?? '', /stale lock/);
  b.release();
  writeFileSync(join(dir, LOCK_FILE), '');
  const c = lockRunDir(dir);
  assert.equal(c.tookOver, 'an unreadable lock file');
  c.release();
});

test('a lock from another host cannot be checked and is refused with the file to delete', () => {
  const dir = tempDir();
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 4242, host: 'node17.cluster', start: null, since: 'then', command: 'ampfit train' }));
  assert.throws(() => lockRunDir(dir), new RegExp(`PID 4242 on host node17\\.cluster.*if that process is gone, delete ${join(dir, LOCK_FILE).replace(/[.]/g, '\\.')}`));
});
