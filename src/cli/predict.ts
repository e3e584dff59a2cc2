import { once } from 'node:events';
import { checkOutputPath, openOutputStream } from '../io/outputPath.js';
import { onInterrupt } from './interrupt.js';
import { resolveDataFiles } from '../data/files.js';
import { readDataBlocks, newReadReport, type ColumnRequest } from '../data/readers/index.js';
import { columnarFormatOf, openColumnarOutput, type ColumnarOutput } from '../io/columnarOutput.js';
import { formatFromFlags, type FormatFlags } from './formatFlags.js';
import { loadModel } from '../models/surrogate.js';
import { inputRanges } from '../models/domain.js';
import { reportOutside } from './domainReport.js';
import { loadModelSet, type Evaluator } from '../sets/modelSet.js';
import { AmpfitError, DataError, RowError } from '../util/errors.js';
import type { PhysicalPrediction } from '../uncertainty/calibration.js';

export interface PredictFlags extends FormatFlags {
  model?: string;
  set?: string;
  function?: string;
  input: string;
  output: string;
  ratio?: boolean;
  force?: boolean;
  allowOutsideDomain?: boolean;
}

/**
 * Streams the input through the model: each row is copied as it was read
 * (same order, same text) with the prediction appended, so files of any size
 * pass through in constant memory. The output appears under its name only
 * when complete. Models with learned uncertainties add sigma_syst (and for
 * BNNs and ensembles sigma_stat) in the units of the first prediction column:
 * times the Born term when the prediction is.
 */
export async function predictCommand(flags: PredictFlags): Promise<void> {
  const columnar = columnarFormatOf(flags.output);
  const target = checkOutputPath(flags.output, { flag: '--output', force: flags.force === true, allowStdout: columnar === null });
  const model = evaluatorFor(flags);
  const useBorn = model.born !== null && flags.ratio !== true;
  const ranges = inputRanges(model.domain, model.inputs);
  const requests: ColumnRequest[] = model.inputs.map((name, j) => {
    const range = ranges[j];
    return range === null ? { name, check: 'finite' } : { name, check: 'finite', range };
  });
  const outsideRange = flags.allowOutsideDomain === true ? 'count' : 'error';
  if (useBorn) requests.push({ name: model.born as string, check: 'positive' });
  const files = resolveDataFiles(flags.input);
  const format = formatFromFlags(flags, model.inputs);
  // CSV out: each row as read, plus the predictions. Parquet/HDF5 out: the columns the model read, plus the predictions, all float64.
  const sink = columnar === null ? openOutputStream(target) : null;
  let table: ColumnarOutput | null = null;
  const abort = (): void => {
    sink?.abort();
    table?.abort();
  };
  const uninstall = onInterrupt(abort, `no output was written to ${target.shown}`);
  const report = newReadReport();
  let headerWritten = false;
  let headerText = '';
  const d = model.d;
  // Rows already read from the current file: a row the model refuses (a
  // momentum check) is then named by its line or row (predict never skips rows).
  let file = '';
  let rowsBefore = 0;
  try {
    for await (const block of readDataBlocks(files, { columns: requests, keepLines: columnar === null, blockRows: 8192, outsideRange, format }, report)) {
      const thisHeader = block.header.join(',');
      if (headerWritten && thisHeader !== headerText) {
        throw new AmpfitError(`${block.file}: header differs from the first input file's, so its rows cannot share one output file`);
      }
      const stride = requests.length;
      const x = new Float64Array(block.rows * d);
      const born = useBorn ? new Float64Array(block.rows) : null;
      for (let r = 0; r < block.rows; r++) {
        for (let j = 0; j < d; j++) x[r * d + j] = block.values[r * stride + j];
        if (born !== null) born[r] = block.values[r * stride + d];
      }
      if (block.file !== file) {
        file = block.file;
        rowsBefore = 0;
      }
      let p: PhysicalPrediction | null;
      let ratio: Float64Array;
      try {
        p = model.hasUncertainty ? model.predictUncertain(x, block.rows) : null;
        ratio = p?.value ?? model.predict(x, block.rows);
      } catch (e) {
        if (e instanceof RowError) {
          const first = block.unit === 'line' ? 2 : 1;
          throw new DataError(block.file, rowsBefore + e.row + first, e.column ?? (e.inputIndex === null ? null : model.inputs[e.inputIndex]), e.problem, block.unit);
        }
        throw e;
      }
      rowsBefore += block.rows;
      const extra = predictionColumns(model.born !== null, useBorn, p);
      if (!headerWritten) {
        headerText = thisHeader;
        if (sink !== null) sink.stream.write(headerText + ',' + extra.join(',') + '\n');
        else table = await openColumnarOutput(target, columnar as NonNullable<typeof columnar>, [...requests.map((q) => q.name), ...extra]);
        headerWritten = true;
      }
      if (table !== null) {
        table.append(predictionTable(block.values, block.rows, stride, ratio, born, p, model.born !== null), block.rows);
        continue;
      }
      const out = (sink as NonNullable<typeof sink>).stream;
      const lines = block.lines as string[];
      let text = '';
      for (let r = 0; r < block.rows; r++) {
        const sigma = p === null ? '' : sigmaCells(p, r, born === null ? 1 : born[r]);
        text += born !== null ? `${lines[r]},${ratio[r] * born[r]},${ratio[r]}${sigma}\n` : `${lines[r]},${ratio[r]}${sigma}\n`;
      }
      if (!out.write(text)) await once(out, 'drain');
      const failure = (sink as NonNullable<typeof sink>).failure();
      if (failure !== null) throw failure;
    }
    if (!headerWritten) throw new AmpfitError(`${flags.input}: no rows to predict`);
    await (sink ?? (table as ColumnarOutput)).commit();
  } catch (e) {
    abort();
    throw e;
  } finally {
    uninstall();
  }
  process.stderr.write(`wrote ${report.rows} predictions to ${target.shown}\n`);
  reportOutside(report);
}

/** The names of the columns predict adds, in order. */
function predictionColumns(hasBorn: boolean, useBorn: boolean, p: PhysicalPrediction | null): string[] {
  const names = hasBorn ? (useBorn ? ['prediction', 'prediction_ratio'] : ['prediction_ratio']) : ['prediction'];
  if (p !== null) names.push(...(p.sigmaStat === null ? ['sigma_syst'] : ['sigma_syst', 'sigma_stat']));
  return names;
}

/** The block's columns and the prediction columns (as in the CSV output), one array per column. */
function predictionTable(values: Float64Array, rows: number, stride: number, ratio: Float64Array, born: Float64Array | null, p: PhysicalPrediction | null, hasBorn: boolean): Float64Array[] {
  const cols: Float64Array[] = [];
  for (let j = 0; j < stride; j++) {
    const c = new Float64Array(rows);
    for (let r = 0; r < rows; r++) c[r] = values[r * stride + j];
    cols.push(c);
  }
  const scaled = (v: Float64Array): Float64Array => (born === null ? v.slice(0, rows) : v.slice(0, rows).map((x, r) => x * born[r]));
  if (born !== null) cols.push(scaled(ratio));
  if (hasBorn || born === null) cols.push(ratio.slice(0, rows));
  if (p !== null) {
    cols.push(scaled(p.sigmaSyst));
    if (p.sigmaStat !== null) cols.push(scaled(p.sigmaStat));
  }
  return cols;
}

/** A single model (--model) or one member of a function set (--set with --function). */
function evaluatorFor(flags: PredictFlags): Evaluator {
  if (flags.set !== undefined) {
    if (flags.model !== undefined) throw new AmpfitError('give either --model or --set, not both');
    if (flags.function === undefined) throw new AmpfitError('--set needs --function <name> (the member to evaluate)');
    return loadModelSet(flags.set).member(flags.function);
  }
  if (flags.model === undefined) throw new AmpfitError('give --model <dir>, or --set <dir> with --function <name>');
  if (flags.function !== undefined) throw new AmpfitError('--function picks a member of a --set');
  return loadModel(flags.model);
}

/** The σ cells of row r, scaled like the first prediction column. */
function sigmaCells(p: PhysicalPrediction, r: number, scale: number): string {
  const syst = `,${p.sigmaSyst[r] * scale}`;
  return p.sigmaStat === null ? syst : `${syst},${p.sigmaStat[r] * scale}`;
}
