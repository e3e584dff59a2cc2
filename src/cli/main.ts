import { combineCommand } from './combine.js';
import { splitCommand } from './split.js';
import { Command, Option } from 'commander';
import { AmpfitError, InterruptedError } from '../util/errors.js';
import { clipText } from '../util/text.js';
import { EXIT, signalExitCode } from './exitCodes.js';
import { AMPFIT_VERSION } from '../util/version.js';
import { trainCommand } from './train.js';
import { predictCommand } from './predict.js';
import { evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { EXPORT_FORMATS } from '../export/index.js';
import { DEFAULT_BINS, DEFAULT_SPEED } from '../report/collect.js';
import type { ReportFlags } from './report.js';
import { SYMMETRY_CHECK_DEFAULTS, symmetryCheckCommand } from './symmetry.js';
import { trainSetCommand, type TrainSetFlags } from './trainSet.js';
import { sweepCollectCommand, sweepRunCommand, sweepStatusCommand, sweepTaskCommand } from './sweep.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function buildCli(): Command {
  const program = new Command('ampfit')
    .description('High-precision float64 surrogates of particle-physics amplitudes')
    .version(AMPFIT_VERSION)
    .showHelpAfterError();

  program
    .command('train')
    .description('train a regressor as the config says (or, without --config, as chosen from the data), print its precision table, write the model directory')
    .option('--config <file>', 'run configuration (JSON); without it, --data and --target, and ampfit chooses the model and recipe from the data')
    .requiredOption('--out <dir>', 'model directory to write')
    .option('--data <glob>', 'data files (folder, glob or file; repeatable), overriding the config', collect, [])
    .option('--target <column>', "the column to regress (with --born: the higher-order one, divided by the Born)")
    .option('--born <column>', 'the tree-level column the target is divided by (paper 1\'s Born-normalised ratio)')
    .option('--budget <duration>', 'training time: seconds, or 90s, 10m, 1.5h (without --config: default 10m)')
    .option('--incoming <n>', 'without --config, for four-momentum data: how many particles come in (default 2)')
    .option('--set <key=value>', 'override a config key, e.g. --set width=36 --set data.max_rows=10000 (repeatable)', collect, [])
    .option('--skip-bad-rows', 'skip (and count in the report) rows with bad cells instead of stopping')
    .option('--resume', 'continue an interrupted run from the checkpoint in --out')
    .option('--force', 'replace the model already in --out (and an existing --json file)')
    .option('--json <file>', "also write the test metrics as JSON ('-': standard output)")
    .option('--quiet', 'print only the table and the verdict')
    .option('--wide', 'print every column of the table (|δ| quantiles, R², parameters), not only what fits 80 columns')
    .option('--keep-checkpoint', 'bdt: keep checkpoint/ after a finished run (removed by default; an interrupted run always keeps it)')
    .action(trainCommand);

  program
    .command('predict')
    .description("write the input's rows plus a 'prediction' column in the target's original units")
    .option('--model <dir>', 'model directory or model.ampfit file')
    .option('--set <dir>', 'a trained function set (ampfit train-set), with --function')
    .option('--function <name>', 'the member of --set to evaluate')
    .requiredOption('--input <file>', 'CSV(.gz), HDF5, Parquet, .npy/.npz or LHE with the model\'s input columns (a glob of files with one header is allowed)')
    .requiredOption('--output <file>', "CSV to write ('-': standard output); a name ending in .parquet or .h5/.hdf5 writes that format")
    .option('--dataset <path>', 'HDF5 input: the 2-D dataset or group of column datasets; .npz: the member with a 2-D array')
    .option('--columns <list>', 'names of a 2-D array\'s columns (.npy, HDF5 2-D dataset), comma-separated')
    .option('--force', 'replace an existing --output file')
    .option('--allow-outside-domain', "predict rows outside the model's input domain too (counted and reported) instead of refusing them")
    .option('--ratio', "for a Born-normalised model, predict the ratio target/born (no Born column needed)")
    .action(predictCommand);

  program
    .command('eval')
    .description('precision table (paper 1, Table 2) of a model on data, or of any predictions against truth')
    .option('--model <dir>', 'model directory or model.ampfit file')
    .option('--data <glob>', 'data with the model\'s input and target columns', collect, [])
    .option('--dataset <path>', 'HDF5 --data: the 2-D dataset or group of column datasets; .npz: the member with a 2-D array')
    .option('--columns <list>', 'names of a 2-D array\'s columns (.npy, HDF5 2-D dataset), comma-separated')
    .option('--predictions <file>', 'CSV holding predictions and truth')
    .option('--truth <column>', 'truth column of --predictions')
    .option('--pred <column>', 'prediction column of --predictions', 'prediction')
    .option('--taus <list>', 'R_τ thresholds in percent, comma-separated', '1,0.1,0.01')
    .option('--allow-negative', 'accept negative truths (δ then divides by |truth|)')
    .option('--weight <column>', 'a column of positive sample weights: R_τ, moments and quantiles count weight instead of rows')
    .option('--allow-outside-domain', "evaluate rows outside the model's input domain too (counted and reported) instead of refusing them")
    .option('--label <text>', 'row label in the table')
    .addOption(new Option('--json <file>', "also write the metrics as JSON ('-': standard output)"))
    .option('--force', 'replace an existing --json file')
    .option('--wide', 'print every column of the table (|δ| quantiles, R², parameters), not only what fits 80 columns')
    .action(evalCommand);

  program
    .command('split')
    .description("write the rows of a model's own test split (or --part validation|train) as CSV, read again from its data files with its seed")
    .requiredOption('--model <dir>', 'model directory or model.ampfit file')
    .option('--out <file>', "the CSV to write ('-': standard output)")
    .option('--write <file>', 'the same as --out')
    .option('--part <part>', 'test, validation or train', 'test')
    .option('--force', 'replace an existing --out file')
    .action(splitCommand);

  program
    .command('combine')
    .description('average models of one target trained on one split with different init_seed (a seed ensemble) into one model; prints the precision of each and of the mean')
    .requiredOption('--model <dir>', 'a model directory (repeat: two or more)', collect, [])
    .requiredOption('--out <dir>', 'model directory to write')
    .option('--force', 'replace the model already in --out')
    .option('--wide', 'print every column of the table')
    .action(combineCommand);

  program
    .command('export')
    .description('write the model as ONNX (float64 graph), as C99 source with a Fortran interface, or (boosted trees) as an XGBoost JSON model')
    .requiredOption('--model <dir>', 'model directory or model.ampfit file')
    .addOption(new Option('--format <format>', 'onnx: one .onnx file; c: <name>.c, <name>.h and <name>.f90; ampfit: a model.ampfit with its graph, for libampfit').choices(EXPORT_FORMATS).makeOptionMandatory())
    .requiredOption('--out <path>', 'the .onnx file (onnx) or the directory to write into (c)')
    .option('--name <name>', "C/Fortran function prefix and graph name, sanitised (default: the model directory's name)")
    .option('--force', 'replace existing output files')
    .action(exportCommand);

  program
    .command('report')
    .description('one self-contained HTML page comparing models: δ histograms, δ heat maps, training curves, precision and speed table')
    .argument('<models...>', 'model directories, model.ampfit files, or folders of model directories')
    .option('--out <file>', 'HTML page to write', 'report.html')
    .option('--images <dir>', 'also write every plot as SVG and PNG into this folder (for papers)')
    .option('--coords <a,b>', 'the two inputs of the δ heat maps (default: the first two inputs)')
    .option('--bins <n>', 'heat-map bins per coordinate', String(DEFAULT_BINS))
    .option('--heat <stat>', "heat-map colour: 'mean' (mean δ, shows bias) or 'abs' (mean |δ|)", 'mean')
    .option('--data <glob>', "evaluate on these files instead of each model's test split (repeatable)", collect, [])
    .option('--delta-range <pct>', 'half-width of the signed-δ histogram in percent (default: fitted to the models)')
    .option('--title <text>', 'page title')
    .option('--batch <n>', 'points per predict() call when measuring speed', String(DEFAULT_SPEED.batch))
    .option('--speed-seconds <s>', 'time spent measuring each model\'s speed', String(DEFAULT_SPEED.seconds))
    .option('--threads <n>', 'kernel threads for the speed measurement (default: all cores, or AMPFIT_THREADS)')
    .option('--png-scale <k>', 'PNG pixels per SVG pixel', '2')
    .option('--force', 'replace an existing --out page')
    // Loaded on use: Vega, Vega-Lite and resvg would add their start-up time to every other command.
    .action(async (models: string[], flags: ReportFlags) => (await import('./report.js')).reportCommand(models, flags));

  program
    .command('train-set')
    .description('train the functions of a set that need their own regressor (the others are trained ones at mapped coordinates), then write <out>/set.json')
    .requiredOption('--manifest <file>', 'the function set (JSON: inputs, defaults, functions)')
    .requiredOption('--out <dir>', 'set directory: one model directory per trained function, and set.json')
    .option('--set <key=value>', "override a config key of every trained function (repeatable)", collect, [])
    .option('--force', 'retrain functions that already have a model')
    .option('--quiet', 'print only the tables')
    .action(async (flags: TrainSetFlags) => trainSetCommand(flags));

  const sweep = program.command('sweep').description('train a grid of configs × seeds × functions of a set, on the local cores or as one Slurm job array; status and leaderboard of its results');
  sweep
    .command('run <sweep.json>', { isDefault: true })
    .description("run the sweep's jobs that are not done yet (ampfit sweep <sweep.json> does the same)")
    .option('--executor <type>', "'local' or 'slurm', overriding the sweep file's")
    .option('--concurrency <n>', 'local executor: jobs at once (default: the sweep file\'s, else the number of cores)')
    .option('--dry-run', 'print what would run (for Slurm: the batch script) and run nothing')
    .option('--quiet', 'print only the summary')
    .action(sweepRunCommand);
  sweep
    .command('status <results-dir>')
    .description('every job of the sweep: done, running, queued, interrupted, failed (with the end of its log) or pending')
    .option('--json', 'print the states as JSON')
    .action(sweepStatusCommand);
  sweep
    .command('collect <results-dir>')
    .description("leaderboard of the finished jobs by a test metric, optionally a report page comparing them")
    .option('--metric <name>', 'R_<tau> (R_0.1, R_1), r2, mu, sigma, q50, q90, q99 or q99.9', 'R_0.1')
    .option('--report <file>', 'also write the HTML report (ampfit report) of the finished jobs')
    .option('--speed-seconds <s>', "report: time spent measuring each model's speed", String(DEFAULT_SPEED.seconds))
    .option('--json <file>', 'also write the leaderboard as JSON')
    .option('--force', 'replace existing --json and --report files')
    .action(sweepCollectCommand);
  sweep
    .command('task <results-dir>', { hidden: true })
    .description('one Slurm array task: train the job on line index+1 of --list')
    .requiredOption('--list <file>', 'the submission\'s job list')
    .requiredOption('--index <i>', 'the array task index')
    .action(sweepTaskCommand);

  const symmetry = program.command('symmetry').description('symmetries of the target: f(g·x) = f(x) for coordinate maps g');
  symmetry
    .command('check')
    .description("test on data whether each declared map is a symmetry: with a model (an existing one, or a probe this command trains) or with pairs of data points; exit status 1 unless all hold")
    .option('--config <file>', 'run configuration: its data, its "symmetries", and the probe model to train')
    .option('--model <dir>', 'judge with this trained model (on its test split, or on --data rows) instead of training a probe')
    .option('--data <glob>', 'data files, overriding the config (with --model: held-out rows to check on)', collect, [])
    .option('--set <key=value>', 'override a config key (repeatable)', collect, [])
    .option('--map <name=image>', "a map to check besides the config's, e.g. --map 'fb=(x1, 1-x2, x4, x3)' (repeatable)", collect, [])
    .option('--pairs <glob>', 'data computed at transformed points: each point of the data is matched with the point at g·x here', collect, [])
    .option('--match', 'match points at g·x inside the data itself')
    .option('--probe <kind>', "probe model: 'bdt' (boosted trees, seconds) or 'config' (the config's model)", 'bdt')
    .option('--budget <s>', 'at most this many seconds of training for the probe model', SYMMETRY_CHECK_DEFAULTS.budget)
    .option('--probe-out <dir>', 'keep the probe model in this directory')
    .option('--z-max <z>', 'sign-test z from which a map counts as violated', SYMMETRY_CHECK_DEFAULTS.zMax)
    .option('--tolerance <pct>', 'pairs: largest relative difference (%) of a symmetry', SYMMETRY_CHECK_DEFAULTS.tolerance)
    .option('--coord-tol <t>', 'pairs: coordinates closer than this are the same point', SYMMETRY_CHECK_DEFAULTS.coordTol)
    .option('--json <file>', 'also write the results as JSON')
    .option('--force', 'replace an existing --json file')
    .option('--quiet', 'print only the table')
    .action(symmetryCheckCommand);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  // `ampfit predict --output - | head`: the reader left. Exit as a tool killed by SIGPIPE would (128 + 13), without a stack.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT.sigpipe);
    throw e;
  });
  try {
    await buildCli().parseAsync(argv);
    // A command that ran to the end may still report a negative verdict this way.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof InterruptedError) {
      process.stderr.write(`ampfit: ${clipText(e.message, MAX_MESSAGE)}\n`);
      return signalExitCode(e.signal);
    }
    if (e instanceof AmpfitError) {
      process.stderr.write(`ampfit: ${clipText(e.message, MAX_MESSAGE)}\n`);
      return EXIT.error;
    }
    // The file system refusing (no space, no permission, a path that is a directory) is the user's to fix, not a bug.
    if (isSystemError(e)) {
      process.stderr.write(`ampfit: ${clipText(e.message, MAX_MESSAGE)}\n`);
      return EXIT.error;
    }
    throw e;
  }
}

/** Longest message printed: a data file's whole first line can be megabytes. */
const MAX_MESSAGE = 2000;

const SYSTEM_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ENOSPC', 'EROFS', 'EEXIST', 'EMFILE', 'EDQUOT', 'EFBIG', 'ENAMETOOLONG', 'ELOOP', 'EBUSY', 'ETXTBSY']);

function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && SYSTEM_CODES.has((e as NodeJS.ErrnoException).code as string) &&
    typeof (e as NodeJS.ErrnoException).syscall === 'string';
}
