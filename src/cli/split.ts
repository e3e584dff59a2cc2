import { checkOutputPath, writeOutput } from '../io/outputPath.js';
import { modelSplitRows, type SplitPart } from '../training/splitExport.js';
import { AmpfitError } from '../util/errors.js';

export interface SplitFlags {
  model: string;
  out?: string;
  /** The name for --out (`ampfit split --write test.csv`). */
  write?: string;
  part: string;
  force?: boolean;
}

/** Writes a model's test (validation, training) rows as CSV, every value exact (shortest round-trip decimal). */
export async function splitCommand(flags: SplitFlags): Promise<void> {
  if (!['test', 'validation', 'train'].includes(flags.part)) throw new AmpfitError(`--part must be test, validation or train, not '${flags.part}'`);
  if (flags.out !== undefined && flags.write !== undefined) throw new AmpfitError('give --out or --write (the same), not both');
  const out = flags.out ?? flags.write;
  if (out === undefined) throw new AmpfitError("ampfit split needs --out <file> (or --write <file>): the CSV to write ('-': standard output)");
  const target = checkOutputPath(out, { flag: flags.out === undefined ? '--write' : '--out', force: flags.force === true, allowStdout: true });
  const s = await modelSplitRows(flags.model, flags.part as SplitPart);
  if (s.rows === 0) throw new AmpfitError(`${flags.model}: its ${flags.part} split is empty`);
  const w = s.columns.length;
  const lines = [s.columns.join(',')];
  for (let r = 0; r < s.rows; r++) lines.push(Array.from(s.values.subarray(r * w, (r + 1) * w), String).join(','));
  writeOutput(target, lines.join('\n') + '\n');
  process.stderr.write(`wrote ${target.shown}: the ${s.rows} rows of the model's ${flags.part} split\n`);
}
