// A sweep through a real Slurm: the test starts a single-node cluster on
// localhost (munged, slurmctld, slurmd; see slurmCluster.ts), submits a sweep
// of 4 small sk-DNN trainings as one job array, cancels one task mid-run,
// and checks that the re-run resubmits exactly that job, which resumes from
// its checkpoint. Without Slurm installed the test fails: CI installs it
// (.ci/run), and a skipped test would hide a broken executor.

import { checkpointEpoch as storedEpoch } from '../../src/models/checkpointFile.js';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ResultsDir, jobStatuses, type StatusRecord } from '../../src/sweep/results.js';
import { REPO, SAMPLE_2D, tempDir, writeText } from '../helpers.js';
import { findProgram, SLURM_PROGRAMS, SlurmCluster, waitFor } from './slurmCluster.js';

const BIN = join(REPO, 'bin/ampfit.js');
const EPOCHS = 30;
const cluster = new SlurmCluster();
after(() => cluster.stop());

function ampfit(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...cluster.env, CI: 'true' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The states as `ampfit sweep status` sees them, squeue included. */
function statuses(results: string): Array<{ id: string; state: string; record: StatusRecord | null }> {
  const r = ampfit(['sweep', 'status', results, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Array<{ id: string; state: string; record: StatusRecord | null }>;
}

function checkpointEpoch(dir: string): number {
  try {
    return storedEpoch(join(dir, 'checkpoint')) ?? 0;
  } catch {
    return 0;
  }
}

test('a sweep of 4 jobs runs as one Slurm job array; a cancelled task is resubmitted alone and resumes its checkpoint', { timeout: 180000 }, async () => {
  const missing = SLURM_PROGRAMS.filter((p) => findProgram(p) === null);
  assert.deepEqual(missing, [], `Slurm is not installed (missing ${missing.join(', ')}): apt-get install slurm-wlm munge (.ci/run does)`);
  await cluster.start();

  const work = tempDir();
  const results = join(work, 'results');
  // Epochs of ~0.1 s, so a task is still training when the test cancels it.
  const sweepFile = writeText(work, 'sweep.json', JSON.stringify({
    name: 'slurm-test',
    base: {
      data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 600 },
      model_type: 'skdnn', depth: 2, width: 8, batch_size: 64, steps_per_epoch: 3000, epochs: EPOCHS, decay_epochs: EPOCHS, patience: 1000,
    },
    grid: { width: [6, 8] },
    seeds: [1, 2],
    results: 'results',
    executor: { type: 'slurm', partition: 'test', cpus_per_task: 1, time: '10:00' },
  }));

  const first = ampfit(['sweep', sweepFile]);
  assert.equal(first.code, 0, first.stderr + cluster.logs());
  assert.match(first.stderr, /4 jobs in .*; 0 done, 0 queued or running, 4 to run \(4 new, 0 failed, 0 interrupted\)/);
  const arrayId = /submitted 4 jobs as Slurm array job (\d+)/.exec(first.stdout)?.[1];
  assert.ok(arrayId !== undefined, first.stdout);
  const sweep = new ResultsDir(results).readSweep();
  assert.equal(sweep.jobs.length, 4);
  const list = readdirSync(join(results, 'slurm')).filter((f) => f.endsWith('.jobs'));
  assert.equal(list.length, 1);
  const ids = readFileSync(join(results, 'slurm', list[0]), 'utf8').trim().split('\n');
  assert.deepEqual(ids, sweep.jobs.map((j) => j.id));

  // Cancel the last task once it has checkpointed a few epochs.
  const victim = ids[3];
  const victimDir = join(results, 'jobs', victim);
  await waitFor(`task ${arrayId}_3 to checkpoint 3 epochs`, 90000, () => checkpointEpoch(victimDir) >= 3, 50);
  const cancel = cluster.run('scancel', [`${arrayId}_3`]);
  assert.equal(cancel.status, 0, cancel.stderr);
  const settled = await waitFor('the array to finish', 90000, () => {
    const s = statuses(results);
    return s.every((j) => j.state !== 'queued' && j.state !== 'running') ? s : null;
  }, 500);
  const byId = new Map(settled.map((s) => [s.id, s]));
  assert.deepEqual(settled.map((s) => s.state), ['done', 'done', 'done', 'interrupted'], JSON.stringify(settled, null, 1));
  const epochAtKill = checkpointEpoch(victimDir);
  assert.ok(epochAtKill >= 3 && epochAtKill < EPOCHS, `cancelled after epoch ${epochAtKill}`);
  for (const [i, id] of ids.slice(0, 3).entries()) {
    const record = byId.get(id)?.record;
    assert.deepEqual(record?.slurm, { array_job_id: arrayId, task_id: i });
    const metrics = JSON.parse(readFileSync(join(results, 'jobs', id, 'metrics.json'), 'utf8')) as { test: { n: number; R_pct: Record<string, number> } };
    assert.equal(metrics.test.n, 120);
    assert.deepEqual(Object.keys(metrics.test.R_pct).sort(), ['0.01', '0.1', '1']);
    assert.equal((JSON.parse(readFileSync(join(results, 'jobs', id, 'history.json'), 'utf8')) as unknown[]).length, EPOCHS);
    // Each task's Slurm output names its job.
    assert.match(readFileSync(join(results, 'slurm', list[0].replace(/\.jobs$/, `_${i}.out`)), 'utf8'), new RegExp(`task ${i}: job ${id}`));
  }

  const second = ampfit(['sweep', sweepFile]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /3 done, 0 queued or running, 1 to run \(0 new, 0 failed, 1 interrupted\)/);
  const secondArray = /submitted 1 jobs as Slurm array job (\d+)/.exec(second.stdout)?.[1];
  assert.ok(secondArray !== undefined && secondArray !== arrayId, second.stdout);
  const lists = readdirSync(join(results, 'slurm')).filter((f) => f.endsWith('.jobs')).sort();
  assert.equal(lists.length, 2);
  assert.deepEqual(readFileSync(join(results, 'slurm', lists[1]), 'utf8').trim().split('\n'), [victim]);
  await waitFor('the resubmitted job to finish', 90000, () => {
    const s = jobStatuses(new ResultsDir(results), () => null).find((j) => j.job.id === victim);
    return s !== undefined && (s.state === 'done' || s.state === 'failed' || s.state === 'interrupted');
  }, 300);
  const final = statuses(results);
  assert.deepEqual(final.map((s) => s.state), ['done', 'done', 'done', 'done']);
  const victimRecord = final[3].record;
  assert.equal(victimRecord?.attempt, 2);
  assert.equal(victimRecord?.resumed, true);
  assert.deepEqual(victimRecord?.slurm, { array_job_id: secondArray, task_id: 0 });
  assert.match(readFileSync(join(results, 'logs', `${victim}.log`), 'utf8'), new RegExp(`resuming after epoch ${epochAtKill}\\b`));
  assert.equal((JSON.parse(readFileSync(join(victimDir, 'history.json'), 'utf8')) as unknown[]).length, EPOCHS);
  assert.ok(existsSync(join(victimDir, 'model.ampfit')));

  const third = ampfit(['sweep', sweepFile]);
  assert.equal(third.code, 0, third.stderr);
  assert.match(third.stdout, /nothing to run: 4 done, 0 queued or running/);
  const board = ampfit(['sweep', 'collect', results]);
  assert.equal(board.code, 0, board.stderr);
  assert.match(board.stdout, /4 of 4 jobs done/);
  assert.equal(board.stdout.split('\n').filter((l) => /^\d+\s+[0-9a-f]{10}\s/.test(l)).length, 4);
});
