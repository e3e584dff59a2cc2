import { wrapText } from '../util/text.js';
import { parseStrictNumber } from '../data/number.js';
import { resolveDataFiles } from '../data/files.js';
import { loadDataset } from '../data/dataset.js';
import { inputRanges } from '../models/domain.js';
import { reportOutside } from './domainReport.js';
import { locateRow } from '../training/modelInputs.js';
import { readDataBlocks } from '../data/readers/index.js';
import { formatFromFlags, type FormatFlags } from './formatFlags.js';
import { GrowableF64 } from '../data/growable.js';
import { loadModel } from '../models/surrogate.js';
import { readRowFilter } from '../io/rowFilterFile.js';
import { precisionMetrics, type PrecisionMetrics } from '../metrics/precision.js';
import { formatPrecisionTable } from '../metrics/table.js';
import { formatVerdictLine } from './verdictLine.js';
import { checkOutputPath, writeOutput } from '../io/outputPath.js';
import { AmpfitError, RowError } from '../util/errors.js';
import { modelLabel } from '../models/labels.js';
import { formatUncertainty, type UncertaintyMetrics } from '../uncertainty/calibration.js';

export interface EvalFlags extends FormatFlags {
  model?: string;
  data: string[];
  predictions?: string;
  truth?: string;
  pred: string;
  taus: string;
  allowNegative?: boolean;
  label?: string;
  json?: string;
  force?: boolean;
  allowOutsideDomain?: boolean;
  wide?: boolean;
  /** A column of sample weights: the metrics count weight instead of rows. */
  weight?: string;
}

function weighting(column: string | undefined, values: Float64Array | null): { column: string; values: Float64Array } | null {
  return column === undefined || values === null ? null : { column, values };
}

/** How many of eval's rows the model was trained or validated on (by its row filter), with the filter's false-positive rate. */
interface SeenRows {
  readonly rows: number;
  readonly of: number;
  readonly false_positive_rate: number;
}

function seenRows(model: string, x: Float64Array, d: number, y: Float64Array, n: number): SeenRows | null {
  const filter = readRowFilter(model);
  if (filter === null) return null;
  let rows = 0;
  for (let i = 0; i < n; i++) if (filter.has(x, d, y, i)) rows++;
  return { rows, of: n, false_positive_rate: filter.falsePositiveRate };
}

export async function evalCommand(flags: EvalFlags): Promise<void> {
  const json = flags.json === undefined ? null : checkOutputPath(flags.json, { flag: '--json', force: flags.force === true });
  const taus = flags.taus.split(',').map((t) => {
    const v = parseStrictNumber(t);
    if (!(v > 0)) throw new AmpfitError(`--taus: '${t}' is not a positive number`);
    return v;
  });
  let label: string;
  let metrics: PrecisionMetrics;
  let params: number | undefined;
  let uncertainty: UncertaintyMetrics | null = null;
  let seen: SeenRows | null = null;
  if (flags.model !== undefined) {
    if (flags.predictions !== undefined) throw new AmpfitError('give either --model with --data, or --predictions with --truth, not both');
    if (flags.data.length === 0) throw new AmpfitError('--model needs --data (the rows to evaluate on)');
    const model = loadModel(flags.model);
    const ranges = inputRanges(model.domain, model.inputs);
    const t = model.header.target;
    const data = await loadDataset({
      files: resolveDataFiles(flags.data),
      inputs: model.inputs,
      target: t.column,
      born: t.born,
      weight: flags.weight ?? null,
      requirePositiveTarget: flags.allowNegative !== true && t.require_positive,
      skipBadRows: false,
      inputRange: (_name, j) => ranges[j],
      outsideRange: flags.allowOutsideDomain === true ? 'count' : 'error',
      format: formatFromFlags(flags, model.inputs),
    });
    reportOutside(data.report);
    // For a Born-normalised model δ of the ratio equals δ of the target column.
    let pred: Float64Array;
    try {
      pred = model.predict(data.x, data.n);
    } catch (e) {
      // A momentum model refuses unphysical rows; name the file and line.
      throw e instanceof RowError ? locateRow(e, data.report) : e;
    }
    metrics = precisionMetrics(pred, data.y, taus, weighting(flags.weight, data.weight ?? null));
    seen = seenRows(flags.model, data.x, data.d, data.y, data.n);
    uncertainty = model.uncertaintyMetrics(data.x, data.n, data.y);
    label = flags.label ?? modelLabel(model.header, model.regressor);
    params = model.header.parameter_count;
  } else {
    if (flags.predictions === undefined || flags.truth === undefined) {
      throw new AmpfitError('eval needs --model and --data, or --predictions and --truth');
    }
    const columns = [
      { name: flags.pred, check: 'finite' as const },
      { name: flags.truth, check: flags.allowNegative === true ? ('nonzero' as const) : ('positive' as const) },
      ...(flags.weight === undefined ? [] : [{ name: flags.weight, check: 'positive' as const }]),
    ];
    const pred = new GrowableF64('predictions');
    const truth = new GrowableF64('truth');
    const weight = flags.weight === undefined ? null : new GrowableF64('weight');
    for await (const block of readDataBlocks(resolveDataFiles(flags.predictions), { columns, format: formatFromFlags(flags, []) })) {
      pred.appendStrided(block.values, 0, columns.length, block.rows);
      truth.appendStrided(block.values, 1, columns.length, block.rows);
      weight?.appendStrided(block.values, 2, columns.length, block.rows);
    }
    const p = pred.finish();
    if (p.length === 0) throw new AmpfitError(`${flags.predictions}: no rows`);
    metrics = precisionMetrics(p, truth.finish(), taus, weighting(flags.weight, weight?.finish() ?? null));
    label = flags.label ?? flags.pred;
  }
  process.stdout.write(formatPrecisionTable([{ label, metrics, params }], { wide: flags.wide === true }) + '\n');
  process.stdout.write(formatVerdictLine(metrics, 'these rows') + '\n');
  if (uncertainty !== null) process.stdout.write(formatUncertainty(uncertainty) + '\n');
  if (seen !== null && seen.rows > 0) {
    const expected = seen.false_positive_rate * seen.of;
    const text =
      `warning: ${seen.rows} of ${seen.of} rows (${((100 * seen.rows) / seen.of).toFixed(2)} %) are rows the model was trained or validated on ` +
      `(its row filter; about ${expected < 1 ? expected.toPrecision(2) : Math.round(expected)} would match by chance): ` +
      'on them the table measures the fit, not a test. `ampfit split --model … --out test.csv` writes the model\'s own test split';
    process.stderr.write(wrapText(text, 80, '  ').join('\n') + '\n');
  }
  const extra = { ...(uncertainty === null ? {} : { uncertainty }), ...(seen === null ? {} : { seen_in_training: seen }) };
  if (json !== null) writeOutput(json, JSON.stringify({ ...metrics, ...extra }, null, 2) + '\n');
}

