import { gracefulInterrupt } from './interrupt.js';
import { applyOverrides, loadConfig, validateConfig } from '../config/load.js';
import { chooseConfig, parseDuration, retarget } from '../config/fromData.js';
import { wrapText } from '../util/text.js';
import type { RunConfig } from '../config/schema.js';
import { scanData } from '../data/scan.js';
import { resolveDataFiles } from '../data/files.js';
import { ConfigError } from '../util/errors.js';
import { runTraining } from '../training/run.js';
import { formatPrecisionTable } from '../metrics/table.js';
import { formatVerdictLine } from './verdictLine.js';
import { checkOutputPath, writeOutput } from '../io/outputPath.js';
import { createLogger, type Logger } from '../util/log.js';
import { modelLabel } from '../models/labels.js';
import { signalExitCode } from './exitCodes.js';

export interface TrainFlags {
  config?: string;
  out: string;
  data: string[];
  target?: string;
  born?: string;
  budget?: string;
  incoming?: string;
  set: string[];
  skipBadRows?: boolean;
  resume?: boolean;
  force?: boolean;
  json?: string;
  quiet?: boolean;
  wide?: boolean;
  keepCheckpoint?: boolean;
}

export async function trainCommand(flags: TrainFlags): Promise<void> {
  const overrides = [...flags.set];
  if (flags.skipBadRows === true) overrides.push('data.skip_bad_rows=true');
  const log = createLogger(process.stderr, flags.quiet === true);
  const config = flags.config === undefined ? await configFromData(flags, overrides, log) : loadConfig(flags.config, [...fileOverrides(flags), ...overrides]);
  const json = flags.json === undefined ? null : checkOutputPath(flags.json, { flag: '--json', force: flags.force === true });
  const interrupt = gracefulInterrupt(log);
  const result = await runTraining({
    config,
    outDir: flags.out,
    log,
    resume: flags.resume,
    force: flags.force,
    signal: interrupt.signal,
    command: process.argv.slice(1).join(' '),
    keepCheckpoint: flags.keepCheckpoint,
  }).finally(interrupt.uninstall);
  const { header } = result;
  const label = modelLabel(header, result.regressor);
  const rows = [];
  if (header.metrics.test !== null) rows.push({ label: `${label} test`, metrics: header.metrics.test, params: header.parameter_count });
  rows.push({ label: `${label} validation`, metrics: header.metrics.validation, params: header.parameter_count });
  process.stdout.write(formatPrecisionTable(rows, { wide: flags.wide === true }) + '\n');
  // The test split is the honest one; a run without one can only be judged on validation.
  const judged = header.metrics.test === null ? { split: 'validation', metrics: header.metrics.validation } : { split: 'test', metrics: header.metrics.test };
  process.stdout.write(formatVerdictLine(judged.metrics, judged.split) + '\n');
  if (json !== null) writeOutput(json, JSON.stringify(header.metrics, null, 2) + '\n');
  if (result.interruptedBy !== null) {
    // The model is valid but not what the config asked for: scripts must not take it for a finished run.
    process.stderr.write(`ampfit: training was interrupted by ${result.interruptedBy} (the best model so far is kept):\n  ${flags.out} holds it; continue with --resume\n`);
    process.exitCode = signalExitCode(result.interruptedBy);
  }
}

/** The flags that replace a config file's keys. */
function fileOverrides(flags: TrainFlags): string[] {
  const out: string[] = [];
  if (flags.data.length > 0) out.push(`data.files=${JSON.stringify(flags.data.map((d) => pathFromCwd(d)))}`);
  if (flags.target !== undefined) out.push(`data.target=${JSON.stringify(flags.target)}`);
  if (flags.born !== undefined) out.push(`data.born=${JSON.stringify(flags.born)}`);
  if (flags.budget !== undefined) out.push(`time_budget_s=${parseDuration(flags.budget)}`);
  if (flags.incoming !== undefined) throw new ConfigError('--incoming is for runs without --config; a config gives data.momenta.incoming');
  return out;
}

/** No config: look at the data, choose, say what was chosen and why. */
async function configFromData(flags: TrainFlags, overrides: readonly string[], log: Logger): Promise<RunConfig> {
  if (flags.data.length === 0 || flags.target === undefined) {
    throw new ConfigError('train needs --config, or --data and --target (ampfit then chooses the model and recipe from the data)');
  }
  const incoming = flags.incoming === undefined ? 2 : Number(flags.incoming);
  if (!Number.isInteger(incoming) || incoming < 1) throw new ConfigError(`--incoming '${flags.incoming}' must be a positive whole number`);
  const files = resolveDataFiles(flags.data.map((d) => pathFromCwd(d)));
  const born = flags.born ?? null;
  const scan = await scanData({ files, target: flags.target, born, sampleRows: SCAN_ROWS, incoming });
  const first = chooseConfig({ scan, target: flags.target, born, timeBudgetS: parseDuration(flags.budget ?? '10m'), incoming });
  const asked = applyOverrides({}, overrides).model_type;
  const chosen = typeof asked === 'string' ? retarget(first, asked) : first;
  log.info(`no config: chosen from the first ${scan.rows} rows of ${files.length === 1 ? files[0] : `${files.length} files`}`);
  log.info('(config.json in the run directory repeats it; --set changes any key):');
  // The logger's timestamp takes 9 of the 80 columns.
  for (const r of chosen.reasons) for (const line of wrapText(r, 69, '    ')) log.info(`  ${line}`);
  return validateConfig(applyOverrides(chosen.raw, overrides), 'the options chosen from the data');
}

/** Rows the data scan reads: enough to see a sign change or a bad momentum layout, quick on any format. */
const SCAN_ROWS = 20_000;

/** --data paths are the user's, relative to where the command runs. */
function pathFromCwd(p: string): string {
  return p.startsWith('/') ? p : `${process.cwd()}/${p}`;
}
