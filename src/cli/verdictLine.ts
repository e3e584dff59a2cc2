import { verdictOfMetrics, type PrecisionMetrics } from '../metrics/precision.js';
import { formatVerdict } from '../metrics/verdict.js';

/** The line printed under every train and eval table. */
export function formatVerdictLine(metrics: PrecisionMetrics, split: string): string {
  const v = verdictOfMetrics(metrics);
  return v === null ? `verdict (${split}): R_1 and the 90 % quantile of |δ| were not kept` : formatVerdict(v, split);
}
