import { gracefulInterrupt } from './interrupt.js';
import { loadConfig } from '../config/load.js';
import { runTraining } from '../training/run.js';
import { formatPrecisionTable } from '../metrics/table.js';
import { formatVerdictLine } from './verdictLine.js';
import { checkOutputPath, writeOutput } from '../io/outputPath.js';
import { createLogger } from '../util/log.js';
import { modelLabel } from '../models/labels.js';
import { signalExitCode } from './exitCodes.js';

export interface TrainFlags {
  config: string;
  out: string;
  data: string[];
  set: string[];
  skipBadRows?: boolean;
  resume?: boolean;
  force?: boolean;
  json?: string;
  quiet?: boolean;
  wide?: boolean;
}

export async function trainCommand(flags: TrainFlags): Promise<void> {
  const overrides = [...flags.set];
  if (flags.skipBadRows === true) overrides.push('data.skip_bad_rows=true');
  if (flags.data.length > 0) overrides.push(`data.files=${JSON.stringify(flags.data.map((d) => pathFromCwd(d)))}`);
  const config = loadConfig(flags.config, overrides);
  const json = flags.json === undefined ? null : checkOutputPath(flags.json, { flag: '--json', force: flags.force === true });
  const log = createLogger(process.stderr, flags.quiet === true);
  const interrupt = gracefulInterrupt(log);
  const result = await runTraining({
    config,
    outDir: flags.out,
    log,
    resume: flags.resume,
    force: flags.force,
    signal: interrupt.signal,
    command: process.argv.slice(1).join(' '),
  }).finally(interrupt.uninstall);
  const { header } = result;
  const rows = [];
  if (header.metrics.test !== null) rows.push({ label: `${modelLabel(header)} test`, metrics: header.metrics.test, params: header.parameter_count });
  rows.push({ label: `${modelLabel(header)} validation`, metrics: header.metrics.validation, params: header.parameter_count });
  process.stdout.write(formatPrecisionTable(rows, { wide: flags.wide === true }) + '\n');
  // The test split is the honest one; a run without one can only be judged on validation.
  const judged = header.metrics.test === null ? { split: 'validation', metrics: header.metrics.validation } : { split: 'test', metrics: header.metrics.test };
  process.stdout.write(formatVerdictLine(judged.metrics, judged.split) + '\n');
  if (json !== null) writeOutput(json, JSON.stringify(header.metrics, null, 2) + '\n');
  if (result.interruptedBy !== null) {
    // The model is valid but not what the config asked for: scripts must not take it for a finished run.
    process.stderr.write(`ampfit: training was interrupted by ${result.interruptedBy}; ${flags.out} holds the best model so far, continue with --resume\n`);
    process.exitCode = signalExitCode(result.interruptedBy);
  }
}

/** --data paths are the user's, relative to where the command runs. */
function pathFromCwd(p: string): string {
  return p.startsWith('/') ? p : `${process.cwd()}/${p}`;
}
