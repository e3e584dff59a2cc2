import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readModelFile } from '../../src/io/modelFile.js';
import { CHECKPOINT_STATE_FILE, checkpointEpoch as storedEpoch } from '../../src/models/checkpointFile.js';
import { LOCK_FILE } from '../../src/io/runLock.js';
import { REPO, SAMPLE_2D, tempDir, writeText } from '../helpers.js';

const BIN = join(REPO, 'bin/ampfit.js');
const env = { ...process.env, CI: 'true' };

// A small sk-DNN whose epochs take a few tenths of a second, so a kill lands mid-run.
const work = tempDir();
const config = writeText(
  work,
  'run.json',
  JSON.stringify({
    data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 4000 },
    model_type: 'skdnn', depth: 2, width: 12, batch_size: 128, steps_per_epoch: 400, epochs: 12, decay_epochs: 12, patience: 50, seed: 9,
  }),
);

function params(dir: string): Float64Array {
  return readModelFile(join(dir, 'model.ampfit')).arrays.params as Float64Array;
}

function checkpointEpoch(dir: string): number {
  try {
    return storedEpoch(join(dir, 'checkpoint')) ?? 0;
  } catch {
    return 0; // never happens with atomic writes; tolerated so the test reports the real failure
  }
}

test('a run killed with SIGKILL resumes from its last checkpoint and ends with the same weights as an uninterrupted run', async () => {
  const straight = join(work, 'straight');
  const r = spawnSync(process.execPath, [BIN, 'train', '--config', config, '--out', straight], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /reached epochs = 12/);

  const killed = join(work, 'killed');
  const child = spawn(process.execPath, [BIN, 'train', '--config', config, '--out', killed], { env, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const deadline = Date.now() + 60000;
  while (checkpointEpoch(killed) < 3 && Date.now() < deadline) await sleep(20);
  child.kill('SIGKILL');
  await exited;
  const epochAtKill = checkpointEpoch(killed);
  assert.ok(epochAtKill >= 3 && epochAtKill < 12, `killed after epoch ${epochAtKill}`);
  assert.ok(!existsSync(join(killed, 'model.ampfit')), 'the run finished before the kill: the test proves nothing');
  // kill -9 leaves the lock of a process that is gone: the next run takes it over.
  assert.equal(JSON.parse(readFileSync(join(killed, LOCK_FILE), 'utf8')).pid, child.pid);
  assert.ok(existsSync(join(killed, 'checkpoint', CHECKPOINT_STATE_FILE)), 'checkpoints are binary model-format files');

  const resumed = spawnSync(process.execPath, [BIN, 'train', '--config', config, '--out', killed, '--resume'], { env, encoding: 'utf8' });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, new RegExp(`took over a stale lock of PID ${child.pid} \\(started .*, no longer running\\)`));
  assert.ok(!existsSync(join(killed, LOCK_FILE)), 'the lock is released at the end');
  assert.match(resumed.stderr, new RegExp(`resuming after epoch ${epochAtKill}`));
  assert.deepEqual(params(killed), params(straight));
  const history = JSON.parse(readFileSync(join(killed, 'history.json'), 'utf8')) as unknown[];
  assert.equal(history.length, 12);
});

test('SIGINT stops cleanly with the best weights written; --resume refuses a changed config', async () => {
  const dir = join(work, 'interrupted');
  const child = spawn(process.execPath, [BIN, 'train', '--config', config, '--out', dir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60000;
  while (checkpointEpoch(dir) < 2 && Date.now() < deadline) await sleep(20);
  child.kill('SIGINT');
  // Not 0: the run did not finish; 130 = 128 + SIGINT, as a shell reports it.
  assert.equal(await exited, 130, stderr);
  assert.match(stderr, /interrupted; best validation MSE at epoch \d+/);
  assert.match(stderr, /training was interrupted by SIGINT \(the best model so far is kept\):\n  .* holds it; continue with --resume\n/);
  assert.match(stderr, /warning: interrupted: stopping at the next safe point\n.*  keeping the best model so far \(Ctrl-C again quits at once\)\n/);
  // Every line a person reads fits 80 columns (paths excepted: a temporary directory is as long as it is).
  for (const l of stderr.split('\n')) if (!l.includes('/')) assert.ok([...l].length <= 80, `${[...l].length} columns: ${l}`);
  assert.ok(existsSync(join(dir, 'model.ampfit')));
  assert.ok(!existsSync(join(dir, LOCK_FILE)));

  const changed = spawnSync(process.execPath, [BIN, 'train', '--config', config, '--out', dir, '--resume', '--set', 'width=16'], { env, encoding: 'utf8' });
  assert.equal(changed.status, 2);
  assert.match(changed.stderr, /config differs from the checkpointed run in width/);
});

test('SIGTERM exits 143 with the model and checkpoint kept; a second train into a locked --out fails at once naming the PID', async () => {
  const dir = join(work, 'terminated');
  // Long enough that it is still training when the second run and the signal come.
  const long = ['--set', 'epochs=100000', '--set', 'patience=100000', '--set', 'decay_epochs=100000'];
  const child = spawn(process.execPath, [BIN, 'train', '--config', config, '--out', dir, ...long], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60000;
  while (checkpointEpoch(dir) < 1 && Date.now() < deadline) await sleep(20);

  const t0 = Date.now();
  const second = spawnSync(process.execPath, [BIN, 'train', '--config', config, '--out', dir, '--force'], { env, encoding: 'utf8' });
  assert.equal(second.status, 2, second.stderr);
  assert.match(second.stderr, new RegExp(`is in use by another ampfit run \\(PID ${child.pid}, since `));
  assert.ok(Date.now() - t0 < 15000, 'refused before reading any data');

  child.kill('SIGTERM');
  assert.equal(await exited, 143, stderr);
  assert.match(stderr, /interrupted by SIGTERM/);
  assert.ok(existsSync(join(dir, 'model.ampfit')));
  assert.ok(checkpointEpoch(dir) >= 1);
});

test('--out onto an existing file is refused before any work', () => {
  const file = writeText(work, 'not-a-dir', 'x');
  const r = spawnSync(process.execPath, [BIN, 'train', '--config', config, '--out', file], { env, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^ampfit: --out .*not-a-dir is a file; it must be a directory/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
});
