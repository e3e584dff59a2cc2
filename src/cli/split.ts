import { checkOutputPath, writeOutput } from '../io/outputPath.js';
import { modelSplitRows, type SplitPart } from '../training/splitExport.js';
import { AmpfitError } from '../util/errors.js';

export interface SplitFlags {
  model: string;
  out: string;
  part: string;
  force?: boolean;
}

/** Writes a model's test (validation, training) rows as CSV, every value exact (shortest round-trip decimal). */
export async function splitCommand(flags: SplitFlags): Promise<void> {
  if (!['test', 'validation', 'train'].includes(flags.part)) throw new AmpfitError(`--part must be test, validation or train, not '${flags.part}'`);
  const target = checkOutputPath(flags.out, { flag: '--out', force: flags.force === true, allowStdout: true });
  const s = await modelSplitRows(flags.model, flags.part as SplitPart);
  if (s.rows === 0) throw new AmpfitError(`${flags.model}: its ${flags.part} split is empty`);
  const w = s.columns.length;
  const lines = [s.columns.join(',')];
  for (let r = 0; r < s.rows; r++) lines.push(Array.from(s.values.subarray(r * w, (r + 1) * w), String).join(','));
  writeOutput(target, lines.join('\n') + '\n');
  process.stderr.write(`wrote ${target.shown}: the ${s.rows} rows of the model's ${flags.part} split\n`);
}
