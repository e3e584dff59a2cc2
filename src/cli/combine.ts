import { basename } from 'node:path';
import { formatPrecisionTable } from '../metrics/table.js';
import { combineModels } from '../training/combine.js';
import { createLogger } from '../util/log.js';

export interface CombineFlags {
  model: string[];
  out: string;
  force?: boolean;
  wide?: boolean;
}

/** Averages trained models into one (src/training/combine.ts) and prints the members' and the mean's precision. */
export async function combineCommand(flags: CombineFlags): Promise<void> {
  const log = createLogger(process.stderr, false);
  const command = ['ampfit', 'combine', ...flags.model.flatMap((m) => ['--model', m]), '--out', flags.out].join(' ');
  const r = await combineModels(flags.model, flags.out, { force: flags.force === true, log, command });
  const members = r.header.provenance.combined_from ?? [];
  // Validation first: that is the split to choose by.
  for (const part of ['validation', 'test'] as const) {
    const mean = part === 'test' ? r.test : r.validation;
    const rows = [
      ...members.flatMap((m) => {
        const metrics = m.metrics[part];
        return metrics === null ? [] : [{ label: `${basename(m.model)} (init_seed ${m.init_seed})`, metrics }];
      }),
      ...(mean === null ? [] : [{ label: `mean of ${members.length}`, metrics: mean, params: r.header.parameter_count }]),
    ];
    if (rows.length > 0) process.stdout.write(`${part} split\n${formatPrecisionTable(rows, { wide: flags.wide === true })}\n`);
  }
  log.info(`model written to ${flags.out}`);
}
