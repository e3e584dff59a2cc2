import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readModelFile } from '../../src/io/modelFile.js';
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
  const f = join(dir, 'checkpoint/trainer.json');
  if (!existsSync(f)) return 0;
  try {
    return (JSON.parse(readFileSync(f, 'utf8')) as { epoch: number }).epoch;
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

  const resumed = spawnSync(process.execPath, [BIN, 'train', '--config', config, '--out', killed, '--resume'], { env, encoding: 'utf8' });
  assert.equal(resumed.status, 0, resumed.stderr);
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
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /interrupted; best validation MSE at epoch \d+/);
  assert.ok(existsSync(join(dir, 'model.ampfit')));

  const changed = spawnSync(process.execPath, [BIN, 'train', '--config', config, '--out', dir, '--resume', '--set', 'width=16'], { env, encoding: 'utf8' });
  assert.equal(changed.status, 2);
  assert.match(changed.stderr, /config differs from the checkpointed run in width/);
});
