import type { PrecisionMetrics } from './precision.js';

/** One row of the table: a regressor's label and its metrics. */
export interface TableRow {
  readonly label: string;
  readonly metrics: PrecisionMetrics;
  /** Extra columns shown after the label, e.g. parameter count. */
  readonly params?: number;
}

/**
 * Paper 1's Table 2 layout — regressor (parameters), R_τ for each τ, μ_δ, σ_δ —
 * followed by the |δ| quantiles and R², which the paper does not tabulate but a
 * user choosing a model wants to see.
 */
export function formatPrecisionTable(rows: readonly TableRow[]): string {
  if (rows.length === 0) return '(no rows)';
  const taus = Object.keys(rows[0].metrics.R_pct);
  const quantiles = Object.keys(rows[0].metrics.abs_delta_quantiles_pct);
  const header = [
    'regressor',
    'n test',
    ...taus.map((t) => `|δ|<${t}%`),
    'μ_δ (%)',
    'σ_δ (%)',
    ...quantiles.map((q) => `|δ| q${q} (%)`),
    'R²',
  ];
  const body = rows.map(({ label, metrics: m, params }) => [
    params === undefined ? label : `${label} (${params.toLocaleString('en-US')})`,
    String(m.n),
    ...taus.map((t) => m.R_pct[t].toFixed(2)),
    fmtSigned(m.mu_delta_pct),
    fmt(m.sigma_delta_pct),
    ...quantiles.map((q) => fmt(m.abs_delta_quantiles_pct[q])),
    m.r2.toFixed(9),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  const bad = rows.filter((r) => r.metrics.nonFinite > 0);
  for (const r of bad) out.push(`warning: ${r.label}: ${r.metrics.nonFinite} predictions are NaN or infinite`);
  return out.join('\n');
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return v >= 0.01 || v === 0 ? v.toFixed(4) : v.toExponential(2);
}

function fmtSigned(v: number): string {
  const s = fmt(Math.abs(v));
  return (v < 0 ? '-' : '+') + s;
}
