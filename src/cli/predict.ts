import { once } from 'node:events';
import { checkOutputPath, openOutputStream } from '../io/outputPath.js';
import { onInterrupt } from './interrupt.js';
import { resolveDataFiles } from '../data/files.js';
import { readCsvBlocks, newReadReport, type ColumnRequest } from '../data/csvReader.js';
import { loadModel } from '../models/surrogate.js';
import { inputRanges } from '../models/domain.js';
import { reportOutside } from './domainReport.js';
import { loadModelSet, type Evaluator } from '../sets/modelSet.js';
import { AmpfitError, DataError, RowError } from '../util/errors.js';
import type { PhysicalPrediction } from '../uncertainty/calibration.js';

export interface PredictFlags {
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
  const target = checkOutputPath(flags.output, { flag: '--output', force: flags.force === true });
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
  const sink = openOutputStream(target);
  const out = sink.stream;
  const uninstall = onInterrupt(() => sink.abort(), `no output was written to ${target.shown}`);
  const report = newReadReport();
  let headerWritten = false;
  let headerText = '';
  const d = model.d;
  // Rows already read from the current file: a row the model refuses (a
  // momentum check) is then named by its line (header = line 1; predict never skips rows).
  let file = '';
  let rowsBefore = 0;
  try {
    for await (const block of readCsvBlocks(files, { columns: requests, keepLines: true, blockRows: 8192, outsideRange }, report)) {
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
        if (e instanceof RowError) throw new DataError(block.file, rowsBefore + e.row + 2, e.column ?? (e.inputIndex === null ? null : model.inputs[e.inputIndex]), e.problem);
        throw e;
      }
      rowsBefore += block.rows;
      if (!headerWritten) {
        headerText = thisHeader;
        const extra = model.born !== null ? (useBorn ? ',prediction,prediction_ratio' : ',prediction_ratio') : ',prediction';
        out.write(headerText + extra + sigmaHeader(p) + '\n');
        headerWritten = true;
      }
      const lines = block.lines as string[];
      let text = '';
      for (let r = 0; r < block.rows; r++) {
        const sigma = p === null ? '' : sigmaCells(p, r, born === null ? 1 : born[r]);
        text += born !== null ? `${lines[r]},${ratio[r] * born[r]},${ratio[r]}${sigma}\n` : `${lines[r]},${ratio[r]}${sigma}\n`;
      }
      if (!out.write(text)) await once(out, 'drain');
      const failure = sink.failure();
      if (failure !== null) throw failure;
    }
    if (!headerWritten) throw new AmpfitError(`${flags.input}: no rows to predict`);
    await sink.commit();
  } catch (e) {
    sink.abort();
    throw e;
  } finally {
    uninstall();
  }
  process.stderr.write(`wrote ${report.rows} predictions to ${target.shown}\n`);
  reportOutside(report);
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

function sigmaHeader(p: PhysicalPrediction | null): string {
  if (p === null) return '';
  return p.sigmaStat === null ? ',sigma_syst' : ',sigma_syst,sigma_stat';
}

/** The σ cells of row r, scaled like the first prediction column. */
function sigmaCells(p: PhysicalPrediction, r: number, scale: number): string {
  const syst = `,${p.sigmaSyst[r] * scale}`;
  return p.sigmaStat === null ? syst : `${syst},${p.sigmaStat[r] * scale}`;
}
