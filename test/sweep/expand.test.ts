import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, expandSweep, jobId } from '../../src/sweep/expand.js';
import { jobStatuses, ResultsDir, type SweepRecord } from '../../src/sweep/results.js';
import { startMode } from '../../src/sweep/runJob.js';
import { batchScript } from '../../src/sweep/slurm.js';
import { parseSweep, readSweepFile, type SlurmExecutor } from '../../src/sweep/spec.js';
import { REPO, SAMPLE_2D, tempDir, writeText } from '../helpers.js';

const work = tempDir();
const source = join(work, 'sweep.json');
const BASE = { data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 400 }, model_type: 'bdt', n_estimators: 10 };

test('a grid of 2 × 3 values and 2 seeds gives 12 jobs in order, named by what varies', () => {
  const spec = parseSweep({ base: BASE, grid: { max_depth: [3, 5], learning_rate: [0.1, 0.2, 0.3], 'data.max_rows': [400] }, seeds: [1, 7], results: 'out' }, source);
  const jobs = expandSweep(spec);
  assert.equal(jobs.length, 12);
  assert.equal(new Set(jobs.map((j) => j.id)).size, 12);
  assert.ok(jobs.every((j) => /^[0-9a-f]{10}$/.test(j.id)));
  assert.deepEqual(jobs.slice(0, 3).map((j) => j.name), ['max_depth=3 learning_rate=0.1 seed=1', 'max_depth=3 learning_rate=0.1 seed=7', 'max_depth=3 learning_rate=0.2 seed=1']);
  assert.deepEqual(jobs[11].params, { max_depth: 5, learning_rate: 0.3, 'data.max_rows': 400, seed: 7 });
  assert.equal(jobs[11].config.max_depth, 5);
  assert.equal(jobs[11].config.seed, 7);
  assert.equal(jobs[11].config.name, 'max_depth=5 learning_rate=0.3 seed=7');
  assert.equal(spec.name, 'sweep');
  assert.equal(spec.results, join(work, 'out'));
});

test('job ids depend on the config only: not on key order, name, threads or backend', () => {
  const a = expandSweep(parseSweep({ base: BASE, grid: { max_depth: [3] }, results: 'r' }, source))[0];
  const reordered = { n_estimators: 10, model_type: 'bdt', threads: 2, name: 'other', data: { max_rows: 400, born: 'f00', target: 'f01', files: SAMPLE_2D } };
  const b = expandSweep(parseSweep({ base: reordered, grid: { max_depth: [3] }, results: 'r', executor: 'slurm' }, join(work, 'elsewhere.json')))[0];
  assert.equal(a.id, b.id);
  assert.equal(jobId({ ...a.config, backend: 'typescript' }), a.id);
  assert.notEqual(jobId({ ...a.config, max_depth: 4 }), a.id);
  assert.equal(canonicalJson({ b: [1, { d: 2, c: 3 }], a: 'x' }), '{"a":"x","b":[1,{"c":3,"d":2}]}');
  // Pinned: a change to the hashing would make every existing sweep train again.
  assert.equal(jobId({ seed: 1, model_type: 'bdt' }), 'a606f1f03a');
});

test('a set sweeps its trained functions (not derived or given ones), optionally a subset', () => {
  const manifest = writeText(work, 'set.json', JSON.stringify({
    inputs: ['x1', 'x2'],
    defaults: { model_type: 'bdt', n_estimators: 5 },
    functions: [
      { name: 'A', config: { data: { files: SAMPLE_2D, target: 'f01', born: 'f00' } } },
      { name: 'B', config: { data: { files: SAMPLE_2D, target: 'f00' } } },
      { name: 'C', from: 'A', map: '(x1, 1-x2)' },
      { name: 'Z', model: 'somewhere' },
    ],
  }));
  const all = expandSweep(parseSweep({ set: 'set.json', grid: { max_depth: [2, 3] }, results: 'r' }, source));
  assert.deepEqual(all.map((j) => j.name), ['A max_depth=2', 'A max_depth=3', 'B max_depth=2', 'B max_depth=3']);
  assert.deepEqual(all.map((j) => j.function), ['A', 'A', 'B', 'B']);
  assert.equal(all[2].config.n_estimators, 5);
  const some = expandSweep(parseSweep({ set: manifest, functions: ['B'], seeds: [3], results: 'r' }, source));
  assert.deepEqual(some.map((j) => [j.name, j.config.seed]), [['B', 3]]);
  assert.throws(() => expandSweep(parseSweep({ set: manifest, functions: ['C'], results: 'r' }, source)), /"functions" names 'C', not trained functions of .*set\.json \(those are: A, B\)/);
});

test('bad sweep files are refused with the file and the key', () => {
  const bad = (value: unknown, pattern: RegExp): void => {
    assert.throws(() => expandSweep(parseSweep(value, source)), pattern);
  };
  bad({ base: BASE, set: 's.json', results: 'r' }, /sweep\.json: give exactly one of "base" .* or "set"/);
  bad({ base: BASE, results: 'r', grid: { width: [] } }, /invalid sweep file .*sweep\.json:\n {2}grid\.width: at least one value/);
  bad({ base: BASE, results: 'r', grid: { 'bad key': [1] } }, /sweep\.json: grid key 'bad key' is not a config key/);
  bad({ base: BASE, results: 'r', grid: { max_depth: [3, 3] } }, /grid key 'max_depth' lists the value 3 twice/);
  bad({ base: BASE, results: 'r', grid: { seed: [1] }, seeds: [2] }, /"seed" is both a grid key and "seeds"/);
  bad({ base: BASE, results: 'r', grid: { max_dpth: [3, 4] } }, /invalid config .*sweep\.json, job 'max_dpth=3':\n {2}max_dpth: unknown key \(did you mean 'max_depth'\?\)/);
  bad({ base: BASE, results: 'r', executor: { type: 'slurm', time: '2 hours' } }, /executor\.time: a Slurm time limit/);
  bad({ base: BASE, results: 'r', grid: { threads: [1, 2] } }, /jobs 'threads=1' and 'threads=2' train the same config/);
});

test('job states: records checked against processes and Slurm, and what a re-run does with each', () => {
  const results = new ResultsDir(join(work, 'states'));
  const ids = ['aaaaaaaaaa', 'bbbbbbbbbb', 'cccccccccc', 'dddddddddd', 'eeeeeeeeee', 'ffffffffff', '0000000000', '1111111111'];
  const jobs: SweepRecord['jobs'] = ids.map((id) => ({ id, name: id.slice(0, 1), function: null, params: {} }));
  const now = { attempt: 1 };
  results.writeStatus(ids[1], { ...now, state: 'running', host: hostname(), pid: process.pid });
  results.writeStatus(ids[2], { ...now, state: 'running', host: hostname(), pid: 2 ** 22 + 12345 }); // above pid_max: never alive
  results.writeStatus(ids[3], { ...now, state: 'running', host: hostname(), pid: 1, slurm: { array_job_id: '12', task_id: 3 } });
  results.writeStatus(ids[4], { ...now, state: 'queued', submission: 's1' });
  writeFileSync(join(mkdir(results.slurmDir), 's1.json'), JSON.stringify({ array_job_id: '13', jobs: ['x', ids[4]] }));
  results.writeStatus(ids[5], { ...now, state: 'done' });
  results.writeStatus(ids[6], { ...now, state: 'failed', exit_code: 2 });
  mkdir(join(results.model(ids[7]), 'checkpoint'));
  writeFileSync(join(results.model(ids[7]), 'checkpoint', 'config.json'), '{}');

  const states = (active: string[] | null): string[] => jobStatuses(results, () => (active === null ? null : new Set(active)), jobs).map((s) => s.state);
  assert.deepEqual(states(['12_3', '13_1']), ['pending', 'running', 'interrupted', 'running', 'queued', 'failed', 'failed', 'interrupted']);
  assert.deepEqual(states([]), ['pending', 'running', 'interrupted', 'interrupted', 'pending', 'failed', 'failed', 'interrupted']);
  // Without squeue the records are trusted.
  assert.deepEqual(states(null).slice(3, 5), ['running', 'queued']);

  assert.equal(startMode(results, ids[0]), 'fresh');
  assert.equal(startMode(results, ids[7]), 'force'); // a checkpoint/ with only its config: killed before the first epoch
  writeFileSync(join(results.model(ids[7]), 'checkpoint', 'trainer.json'), '{}');
  assert.equal(startMode(results, ids[7]), 'resume');
});

test('the Slurm batch script: one array, resources from the sweep file, the task command', () => {
  const executor: SlurmExecutor = { type: 'slurm', partition: 'maxcpu', account: 'uhh', time: '1-00:00:00', cpus_per_task: 4, mem: '8G', max_parallel: 20, sbatch: ['--constraint=EPYC'], setup: ['module load nodejs/20'], node: 'node' };
  const script = batchScript({ sweepName: 'zz', results: new ResultsDir('/shared/zz'), executor, stamp: 'S', count: 25 });
  const sbatch = script.split('\n').filter((l) => l.startsWith('#SBATCH'));
  assert.deepEqual(sbatch, [
    '#SBATCH --job-name=ampfit-zz',
    '#SBATCH --array=0-24%20',
    '#SBATCH --output=/shared/zz/slurm/S_%a.out',
    '#SBATCH --nodes=1',
    '#SBATCH --ntasks=1',
    '#SBATCH --cpus-per-task=4',
    '#SBATCH --partition=maxcpu',
    '#SBATCH --account=uhh',
    '#SBATCH --time=1-00:00:00',
    '#SBATCH --mem=8G',
    '#SBATCH --constraint=EPYC',
  ]);
  assert.match(script, /\nmodule load nodejs\/20\nexec 'node' '.*\/bin\/ampfit\.js' sweep task '\/shared\/zz' --list '\/shared\/zz\/slurm\/S\.jobs' --index "\$SLURM_ARRAY_TASK_ID"\n$/);
});

test('the example sweeps in examples/sweeps/ expand', () => {
  const local = readSweepFile(join(REPO, 'examples/sweeps/zz2d-width.json'));
  const jobs = expandSweep(local);
  assert.equal(jobs.length, 8);
  assert.equal(jobs[0].name, 'width=16 depth=2 seed=1');
  assert.equal(jobs[0].config.name, 'zz2d demo width=16 depth=2 seed=1');
  assert.equal((jobs[0].config.data as { files: string }).files, SAMPLE_2D);
  assert.equal(local.results, join(REPO, 'runs/zz2d-width'));
  const slurm = readSweepFile(join(REPO, 'examples/sweeps/zz4d-slurm.json'));
  assert.equal(expandSweep(slurm).length, 12);
  assert.equal(slurm.executor.type, 'slurm');
});

function mkdir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
