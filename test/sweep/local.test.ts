import { checkpointEpoch as storedEpoch } from '../../src/models/checkpointFile.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatStatus } from '../../src/sweep/collect.js';
import { jobStatuses, ResultsDir } from '../../src/sweep/results.js';
import { runSweep } from '../../src/sweep/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { REPO, SAMPLE_2D, tempDir, writeText } from '../helpers.js';

const BIN = join(REPO, 'bin/ampfit.js');
const work = tempDir();
const DATA = { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 400 };
const noSlurm = (): null => null;

const bdtSweep = writeText(work, 'bdt.json', JSON.stringify({
  name: 'bdt',
  base: { data: DATA, model_type: 'bdt', n_estimators: 20, learning_rate: 0.3 },
  grid: { max_depth: [3, 5] },
  seeds: [1, 2],
  results: 'bdt-results',
  executor: { type: 'local', concurrency: 2 },
}));

function ampfit(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('--dry-run prints the Slurm batch script of the 4 jobs and writes nothing', async () => {
  let printed = '';
  const r = await runSweep({ file: bdtSweep, executor: 'slurm', dryRun: true, log: memoryLogger(), print: (t) => (printed += t) });
  assert.equal(r.slurm.length, 1);
  assert.equal(r.slurm[0].arrayJobId, null);
  assert.match(printed, /\n#SBATCH --array=0-3\n/);
  assert.match(printed, /\n#SBATCH --cpus-per-task=1\n/);
  assert.deepEqual(printed.trim().split('\n').slice(-4), r.jobs.map((j) => j.id));
  assert.equal(existsSync(join(work, 'bdt-results')), false);
});

test('the local pool trains 4 jobs 2 at a time; a re-run skips all 4', async () => {
  const log = memoryLogger();
  const r = await runSweep({ file: bdtSweep, log, print: () => undefined });
  assert.equal(r.jobs.length, 4);
  assert.deepEqual(r.submitted.map((s) => s.was), ['pending', 'pending', 'pending', 'pending']);
  assert.equal(r.local?.concurrency, 2);
  assert.deepEqual([...(r.local?.outcomes.values() ?? [])].map((o) => o.state), ['done', 'done', 'done', 'done']);
  for (const job of r.jobs) {
    const metrics = r.results.metrics(job.id);
    assert.equal(metrics?.test?.n, 80);
    assert.ok((metrics?.test?.R_pct['1'] ?? -1) >= 0);
    const record = r.results.readStatus(job.id);
    assert.equal(record?.state, 'done');
    assert.equal(record?.attempt, 1);
    assert.match(readFileSync(r.results.log(job.id), 'utf8'), /=== attempt 1 on .*ampfit train --config .*--set threads=1\n[\s\S]*model written to/);
  }
  assert.ok(log.lines.some((l) => /^\[4\/4\] [0-9a-f]{10} max_depth=\d seed=\d: done: R_1 /.test(l)), log.lines.join('\n'));

  const again = await runSweep({ file: bdtSweep, log: memoryLogger(), print: () => undefined });
  assert.equal(again.submitted.length, 0);
  assert.equal(again.alreadyDone.length, 4);
  assert.equal(again.local, null);
});

test('sweep status and collect: states, leaderboard by any metric, JSON and the report page', () => {
  const results = join(work, 'bdt-results');
  const status = ampfit(['sweep', 'status', results]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^4 jobs: 4 done\n/);
  const collect = ampfit(['sweep', 'collect', results, '--metric', 'R_1', '--json', join(work, 'board.json'), '--report', join(work, 'sweep.html'), '--speed-seconds', '0.05']);
  assert.equal(collect.code, 0, collect.stderr);
  assert.match(collect.stdout, /4 of 4 jobs done/);
  const board = JSON.parse(readFileSync(join(work, 'board.json'), 'utf8')) as Array<{
    rank: number; R_1: number; error: number; point: string; tied_with_next: boolean; metrics: { n: number; R_pct: Record<string, number> };
  }>;
  assert.deepEqual(board.map((b) => b.rank), [1, 2, 3, 4]);
  for (let i = 1; i < board.length; i++) assert.ok(board[i - 1].R_1 >= board[i].R_1);
  assert.ok(board.every((b) => b.R_1 === b.metrics.R_pct['1']));
  // Binomial errors, and ties where two rows differ by less than twice their combined error.
  for (const [i, b] of board.entries()) {
    const p = b.R_1 / 100;
    assert.ok(Math.abs(b.error - 100 * Math.sqrt((p * (1 - p)) / b.metrics.n)) < 1e-12);
    const next = board[i + 1];
    assert.equal(b.tied_with_next, next !== undefined && Math.abs(b.R_1 - next.R_1) < 2 * Math.hypot(b.error, next.error));
  }
  // Two seeds per grid point: the seeds collapse into mean ± std/√2.
  assert.deepEqual([...new Set(board.map((b) => b.point))].sort(), ['max_depth=3', 'max_depth=5']);
  const byPoint = collect.stdout.split('by grid point, over its seeds (error: std/√seeds):\n')[1].split('\n').slice(2, 4);
  for (const line of byPoint) {
    const [, point, seeds, mean, error] = /^\d+\s+(max_depth=\d)\s+(\d)\s+([\d.]+) ± ([\d.e-]+)/.exec(line) ?? [];
    const runs = board.filter((b) => b.point === point).map((b) => b.R_1);
    assert.equal(Number(seeds), 2);
    assert.equal(Number(mean), Number(((runs[0] + runs[1]) / 2).toFixed(3)));
    assert.ok(Math.abs(Number(error) - Math.abs(runs[0] - runs[1]) / 2) <= 1e-3 * Math.max(1, Number(error)), `${line}: ${runs}`);
  }
  const html = readFileSync(join(work, 'sweep.html'), 'utf8');
  assert.ok(html.includes('max_depth=5 seed=2'));
  const bad = ampfit(['sweep', 'collect', results, '--metric', 'R_5']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--metric R_5: job [0-9a-f]{10} .* has no such metric \(its R_τ: R_1, R_0\.1, R_0\.01\)/);
  const dry = ampfit(['sweep', bdtSweep, '--dry-run', '--executor', 'slurm']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /nothing to run: 4 done/);
});

test('a failed job shows its log tail; a killed job resumes from its checkpoint when the sweep runs again', async () => {
  const file = writeText(work, 'nn.json', JSON.stringify({
    name: 'nn',
    base: { data: DATA, model_type: 'skdnn', depth: 2, width: 6, batch_size: 64, steps_per_epoch: 1500, epochs: 25, decay_epochs: 25, patience: 100 },
    grid: { 'data.target': ['f01', 'no_such_column'] },
    results: 'nn-results',
    executor: { type: 'local', concurrency: 2, threads_per_job: 1 },
  }));
  const results = new ResultsDir(join(work, 'nn-results'));
  const running = runSweep({ file, log: memoryLogger(), print: () => undefined });
  // The sweep is written before anything runs, so the jobs' ids are known now.
  const [good, bad] = await waitForSweep(results);
  const deadline = Date.now() + 60000;
  let pid: number | undefined;
  while (Date.now() < deadline) {
    const record = results.readStatus(good);
    if (record?.state === 'running' && checkpointEpoch(results.model(good)) >= 3) {
      pid = record.pid;
      break;
    }
    await sleep(20);
  }
  assert.ok(pid !== undefined, 'the job never reached epoch 3');
  process.kill(pid, 'SIGKILL');
  const first = await running;
  const epochAtKill = checkpointEpoch(results.model(good));
  assert.ok(epochAtKill >= 3 && epochAtKill < 25, `killed after epoch ${epochAtKill}`);
  assert.deepEqual([first.local?.outcomes.get(good)?.problem, first.local?.outcomes.get(bad)?.problem], ['killed by SIGKILL', 'exit code 2']);
  const states = jobStatuses(results, noSlurm);
  assert.deepEqual(states.map((s) => s.state), ['failed', 'failed']);
  const text = formatStatus(results, states);
  assert.match(text, /^2 jobs: 2 failed\n/);
  assert.match(text, new RegExp(`--- ${bad} target=no_such_column failed; end of .*${bad}\\.log:\\n[\\s\\S]*no_such_column`));

  const second = await runSweep({ file, log: memoryLogger(), print: () => undefined });
  assert.deepEqual(second.submitted, [{ id: good, was: 'failed' }, { id: bad, was: 'failed' }]);
  assert.equal(second.local?.outcomes.get(good)?.state, 'done');
  assert.equal(second.local?.outcomes.get(good)?.resumed, true);
  assert.match(readFileSync(results.log(good), 'utf8'), new RegExp(`=== attempt 2 .*--resume[\\s\\S]*resuming after epoch ${epochAtKill}\\b`));
  assert.equal((JSON.parse(readFileSync(join(results.model(good), 'history.json'), 'utf8')) as unknown[]).length, 25);
  assert.equal(results.readStatus(bad)?.attempt, 2);
  assert.deepEqual(jobStatuses(results, noSlurm).map((s) => s.state), ['done', 'failed']);
});

async function waitForSweep(results: ResultsDir): Promise<string[]> {
  const deadline = Date.now() + 10000;
  while (!existsSync(results.sweepFile)) {
    if (Date.now() > deadline) throw new Error('the sweep never wrote sweep.json');
    await sleep(10);
  }
  return results.readSweep().jobs.map((j) => j.id);
}

function checkpointEpoch(dir: string): number {
  try {
    return storedEpoch(join(dir, 'checkpoint')) ?? 0;
  } catch {
    return 0;
  }
}

test('Ctrl-C on `ampfit sweep` stops the training at an epoch with its checkpoint; the next run resumes it', async () => {
  const file = writeText(work, 'ctrlc.json', JSON.stringify({
    name: 'ctrlc',
    base: { data: DATA, model_type: 'skdnn', depth: 2, width: 6, batch_size: 64, steps_per_epoch: 1500, epochs: 25, decay_epochs: 25, patience: 100 },
    results: 'ctrlc-results',
  }));
  const results = new ResultsDir(join(work, 'ctrlc-results'));
  const child = spawn(process.execPath, [BIN, 'sweep', file], { env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const [id] = await waitForSweep(results);
  const deadline = Date.now() + 60000;
  while (checkpointEpoch(results.model(id)) < 2 && Date.now() < deadline) await sleep(20);
  child.kill('SIGINT');
  assert.equal(await exited, 1, stderr);
  assert.match(stderr, /stopping: the running jobs save their checkpoints/);
  assert.equal(results.readStatus(id)?.state, 'interrupted');
  // One SIGTERM reached the training, so it saved its best weights (marked interrupted) before exiting.
  assert.match(results.modelHeader(id)?.training.stopped_because ?? '', /^interrupted/);
  const epochAtStop = checkpointEpoch(results.model(id));
  assert.ok(epochAtStop >= 2 && epochAtStop < 25, `stopped after epoch ${epochAtStop}`);

  const again = await runSweep({ file, log: memoryLogger(), print: () => undefined });
  assert.deepEqual(again.submitted, [{ id, was: 'interrupted' }]);
  assert.equal(again.local?.outcomes.get(id)?.state, 'done');
  assert.match(readFileSync(results.log(id), 'utf8'), new RegExp(`resuming after epoch ${epochAtStop}\\b`));
  assert.equal((JSON.parse(readFileSync(join(results.model(id), 'history.json'), 'utf8')) as unknown[]).length, 25);
});

test('a sweep over a function set trains each trained function; a results directory of another sweep is refused', async () => {
  writeText(work, 'fset.json', JSON.stringify({
    inputs: ['x1', 'x2'],
    defaults: { model_type: 'bdt', n_estimators: 10, max_depth: 3 },
    functions: [
      { name: 'A', config: { data: DATA } },
      { name: 'B', config: { data: { ...DATA, target: 'f00', born: null } } },
      { name: 'C', from: 'A', map: '(x1, 1-x2)', factor: -1 },
    ],
  }));
  const file = writeText(work, 'setsweep.json', JSON.stringify({ name: 'setsweep', set: 'fset.json', seeds: [4, 5], results: 'set-results', executor: { type: 'local', concurrency: 2 } }));
  // A live process of this host holding the lock: another local run of the sweep.
  const lock = join(work, 'set-results', 'local.lock');
  mkdirSync(dirname(lock), { recursive: true });
  writeFileSync(lock, JSON.stringify({ pid: process.ppid, host: hostname() }));
  await assert.rejects(runSweep({ file, log: memoryLogger(), print: () => undefined }), new RegExp(`another 'ampfit sweep' \\(pid ${process.ppid}\\) is running the jobs of .*set-results`));
  rmSync(lock);
  const r = await runSweep({ file, log: memoryLogger(), print: () => undefined });
  assert.equal(existsSync(lock), false);
  assert.deepEqual(r.jobs.map((j) => j.name), ['A seed=4', 'A seed=5', 'B seed=4', 'B seed=5']);
  assert.deepEqual([...(r.local?.outcomes.values() ?? [])].map((o) => o.state), ['done', 'done', 'done', 'done']);
  const b = r.jobs[3];
  const saved = JSON.parse(readFileSync(join(r.results.model(b.id), 'config.json'), 'utf8')) as { seed: number; data: { target: string }; n_estimators: number };
  assert.deepEqual([saved.seed, saved.data.target, saved.n_estimators], [5, 'f00', 10]);

  const other = writeText(work, 'other.json', JSON.stringify({ name: 'other', set: 'fset.json', results: 'set-results' }));
  await assert.rejects(runSweep({ file: other, log: memoryLogger(), print: () => undefined }), /set-results holds the results of sweep 'setsweep' \(.*setsweep\.json\); give sweep 'other' its own "results" directory/);
});
