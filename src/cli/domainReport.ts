import type { ReadReport } from '../data/readers/index.js';

/** With --allow-outside-domain: how many rows lay outside the model's input domain, and where the first was. */
export function reportOutside(report: ReadReport): void {
  const o = report.outside;
  if (o.rows === 0 || o.first === null) return;
  const f = o.first;
  process.stderr.write(
    `warning: ${o.rows} row${o.rows === 1 ? '' : 's'} outside the model's input domain, where its output is an extrapolation ` +
      `(first: ${f.file}:${f.line}, column '${f.column}', ${f.problem})\n`,
  );
}
