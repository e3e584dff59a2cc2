// Training speed of zz8d's recommended angular model (examples/zz8d-best.json:
// sk-DNN 3-128 on the production coordinates, harmonic head, Born-shape term)
// through the real pipeline (runTraining), on a fixed number of steps with the
// epoch clock, so the validation loss after those steps can be compared
// between builds: the same seed and steps give the same loss up to rounding.
//
//   npm run bench:angular-train -- [--data /work/shared/data/zz8d] [--rows 20000]
//     [--epochs 6] [--steps 100] [--threads 1,2] [--out /tmp/bench-angular]
//
// samples/s = the rows stepped in epochs 2..E over their wall time (epoch 1 is
// the JIT's warm-up); that time includes each epoch's validation pass
// (rows × validation_fraction forward only, ~2 % of the work at the defaults).
// Each line also says how many CPUs other processes kept busy meanwhile: this
// 2-core VM is shared, and a busy second core slows the 2-thread figure most.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.js';
import { runTraining } from '../src/training/run.js';
import { createLogger } from '../src/util/log.js';
import { foreignCpusSince, loadMark } from './machineLoad.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../../..');

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

interface EpochRecord {
  readonly epoch: number;
  readonly valLoss: number;
  readonly elapsedS: number;
}

async function main(): Promise<void> {
  const data = option('data', '/work/shared/data/zz8d');
  const rows = Number(option('rows', '20000'));
  const epochs = Number(option('epochs', '6'));
  const steps = Number(option('steps', '100'));
  const threads = option('threads', '1,2').split(',').map(Number);
  const outRoot = option('out', '/tmp/bench-angular');
  if (!(epochs >= 2)) throw new Error('--epochs must be at least 2 (epoch 1 is not timed)');
  const log = createLogger(process.stderr, true);
  for (const t of threads) {
    const config = loadConfig(join(REPO, 'examples/zz8d-best.json'), [
      `data.files=${data}`, `data.max_rows=${rows}`, `threads=${t}`, 'lr_clock=epochs', `epochs=${epochs}`,
      `steps_per_epoch=${steps}`, 'time_budget_s=null', `patience=${epochs}`,
    ]);
    const outDir = join(outRoot, `threads-${t}`);
    const mark = loadMark();
    await runTraining({ config, outDir, log, force: true });
    const foreign = foreignCpusSince(mark);
    const history = JSON.parse(readFileSync(join(outDir, 'history.json'), 'utf8')) as EpochRecord[];
    const first = history[0];
    const last = history[history.length - 1];
    const samplesPerS = ((last.epoch - first.epoch) * steps * config.batch_size) / (last.elapsedS - first.elapsedS);
    process.stdout.write(
      `threads=${t} samples_per_s=${samplesPerS.toFixed(0)} val_loss_after_${last.epoch * steps}_steps=${last.valLoss.toPrecision(17)} ` +
        `foreign_cpus=${foreign?.toFixed(2) ?? '?'}\n`,
    );
  }
}

await main();
