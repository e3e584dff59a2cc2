import { gracefulInterrupt } from './interrupt.js';
import { formatPrecisionTable, type TableRow } from '../metrics/table.js';
import { trainSet } from '../sets/trainSet.js';
import { createLogger } from '../util/log.js';
import { join } from 'node:path';
import { modelLabel } from '../models/labels.js';
import { formatVerdictLine } from './verdictLine.js';

export interface TrainSetFlags {
  manifest: string;
  out: string;
  set: string[];
  force?: boolean;
  quiet?: boolean;
}

/** Trains the set, then prints every trained member's test row and what each derived member is. */
export async function trainSetCommand(flags: TrainSetFlags): Promise<void> {
  const log = createLogger(process.stderr, flags.quiet === true);
  const interrupt = gracefulInterrupt(log);
  const result = await trainSet({
    manifest: flags.manifest, outDir: flags.out, log, overrides: flags.set, force: flags.force, signal: interrupt.signal, command: process.argv.slice(1).join(' '),
  }).finally(interrupt.uninstall);
  const rows: TableRow[] = [];
  const derived: string[] = [];
  const verdicts: string[] = [];
  for (const name of result.set.names) {
    const member = result.set.member(name);
    if (member.describe !== 'trained') {
      derived.push(`  ${name} = ${member.describe}`);
      continue;
    }
    const { header, regressor } = result.set.trainedModel(name);
    if (header.metrics.test !== null) {
      rows.push({ label: `${name} (${modelLabel(header, regressor)}) test`, metrics: header.metrics.test, params: header.parameter_count });
      verdicts.push(formatVerdictLine(header.metrics.test, `${name}, test`));
    }
  }
  if (rows.length > 0) process.stdout.write(`${formatPrecisionTable(rows)}\n${verdicts.join('\n')}\n`);
  if (derived.length > 0) process.stdout.write(`derived functions:\n${derived.join('\n')}\n`);
  process.stdout.write(`set written to ${join(flags.out, 'set.json')} (trained ${result.trained.length}, resumed ${result.resumed.length}, already done ${result.skipped.length})\n`);
}
