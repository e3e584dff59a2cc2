import { verdictOfMetrics, type PrecisionMetrics } from '../metrics/precision.js';
import { formatVerdict } from '../metrics/verdict.js';

/** The line printed under every train and eval table (and, for weighted metrics, a line saying so). */
export function formatVerdictLine(metrics: PrecisionMetrics, split: string): string {
  const v = verdictOfMetrics(metrics);
  const verdict = v === null ? `verdict (${split}): R_1 and the 90 % quantile of |δ| were not kept` : formatVerdict(v, split);
  const w = metrics.weighted;
  return w === undefined ? verdict : `${verdict}\nweighted by '${w.column}': shares count weight; errors use n_eff ${Math.round(w.n_eff)} of ${metrics.n}`;
}
