// The VEGAS demo (native/runtime/demo/vegas_zz.c, `make -C native/runtime demo`),
// built against GSL and the zz oracle (../shared/oracle, GPL, a temporary copy)
// and run with few calls on a briefly trained zz8d model. The three runs share
// the seed, so where the fallback takes every point (tol 0) its integral is the
// exact run's to the last digit, and where it takes none (tol +inf) the
// surrogate run's: both are identities of the gating, not of the model.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { zzOracleDir } from '../../bench/zzOracle.js';
import { validateConfig } from '../../src/config/load.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { SHARED_DATA, tempDir } from '../helpers.js';
import { haveGcc } from '../export/fixtures.js';
import { RUNTIME } from './physicsDriver.js';

const work = tempDir('ampfit-vegas-');
const ZZ8D = join(SHARED_DATA, 'zz8d/zz8d_train_00.csv.gz');

function build(): string {
  if (!haveGcc()) return 'gcc is not installed';
  if (!existsSync('/usr/include/gsl/gsl_monte_vegas.h')) return 'GSL is not installed (Debian libgsl-dev)';
  if (!existsSync(ZZ8D)) return `${ZZ8D} is not there`;
  let oracle: string;
  try {
    oracle = zzOracleDir();
  } catch (e) {
    return `the oracle does not build: ${(e as Error).message}`;
  }
  const exe = join(work, 'vegas_zz');
  const make = spawnSync('make', ['-C', RUNTIME, 'demo', `ORACLE=${oracle}`, `DEMO=${exe}`], { encoding: 'utf8' });
  assert.equal(make.status, 0, make.stderr);
  return exe;
}
const exe = build();
const skip = existsSync(exe) ? false : exe;

interface Row { integral: number; error: number; exactPercent: number }

function demo(model: string, tol: string): Map<string, Row> {
  const r = spawnSync(exe, [model, '--calls', '2000', '--tol', tol, '--seed', '7'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const rows = new Map<string, Row>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(exact|surrogate|surrogate\+fallback)\s+(\S+)\s+(\S+)\s+\S+\s+\S+\s+\S+\s+(\S+)/.exec(line);
    if (m !== null) rows.set(m[1], { integral: Number(m[2]), error: Number(m[3]), exactPercent: Number(m[4]) });
  }
  assert.equal(rows.size, 3, r.stdout);
  return rows;
}

test('vegas_zz: exact, surrogate and surrogate + fallback; tol 0 reproduces the exact run, tol +inf the surrogate run', { skip }, async () => {
  const dir = join(work, 'zz8d');
  const config = validateConfig({
    data: { files: ZZ8D, target: 'f01', born: 'f00', require_positive_target: false, max_rows: 1500 }, model_type: 'dnn', depth: 1, width: 8,
    activation: 'silu', uncertainty: 'heteroscedastic', target_transform: 'asinh-standardize', steps_per_epoch: 20, epochs: 2, decay_epochs: 2, batch_size: 64, threads: 1, seed: 3,
  }, 'zz8d');
  await runTraining({ config, outDir: dir, log: memoryLogger() });
  const all = demo(dir, '0');
  const exact = all.get('exact');
  assert.ok(exact !== undefined && exact.integral > 0 && exact.error > 0 && exact.exactPercent === 100);
  assert.deepEqual(all.get('surrogate+fallback'), exact);
  assert.equal(all.get('surrogate')?.exactPercent, 0);
  const none = demo(dir, 'inf');
  assert.deepEqual(none.get('surrogate+fallback'), none.get('surrogate'));
  assert.deepEqual(none.get('exact'), exact);
});
