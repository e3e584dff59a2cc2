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
import { precisionMetrics, type PrecisionMetrics } from '../metrics/precision.js';
import { formatPrecisionTable } from '../metrics/table.js';
import { formatVerdictLine } from './verdictLine.js';
import { checkOutputPath, writeOutput } from '../io/outputPath.js';
import { AmpfitError, RowError } from '../util/errors.js';
import { modelLabel } from './labels.js';
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
    metrics = precisionMetrics(pred, data.y, taus);
    uncertainty = model.uncertaintyMetrics(data.x, data.n, data.y);
    label = flags.label ?? modelLabel(model.header);
    params = model.header.parameter_count;
  } else {
    if (flags.predictions === undefined || flags.truth === undefined) {
      throw new AmpfitError('eval needs --model and --data, or --predictions and --truth');
    }
    const columns = [
      { name: flags.pred, check: 'finite' as const },
      { name: flags.truth, check: flags.allowNegative === true ? ('nonzero' as const) : ('positive' as const) },
    ];
    const pred = new GrowableF64('predictions');
    const truth = new GrowableF64('truth');
    for await (const block of readDataBlocks(resolveDataFiles(flags.predictions), { columns, format: formatFromFlags(flags, []) })) {
      pred.appendStrided(block.values, 0, 2, block.rows);
      truth.appendStrided(block.values, 1, 2, block.rows);
    }
    const p = pred.finish();
    if (p.length === 0) throw new AmpfitError(`${flags.predictions}: no rows`);
    metrics = precisionMetrics(p, truth.finish(), taus);
    label = flags.label ?? flags.pred;
  }
  process.stdout.write(formatPrecisionTable([{ label, metrics, params }], { wide: flags.wide === true }) + '\n');
  process.stdout.write(formatVerdictLine(metrics, 'these rows') + '\n');
  if (uncertainty !== null) process.stdout.write(formatUncertainty(uncertainty) + '\n');
  if (json !== null) writeOutput(json, JSON.stringify(uncertainty === null ? metrics : { ...metrics, uncertainty }, null, 2) + '\n');
}

