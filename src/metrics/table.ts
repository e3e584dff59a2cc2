import type { PrecisionMetrics } from './precision.js';
import { binomialStderrPct } from './verdict.js';

/** One row of the table: a regressor's label and its metrics. */
export interface TableRow {
  readonly label: string;
  readonly metrics: PrecisionMetrics;
  /** Extra columns shown after the label, e.g. parameter count. */
  readonly params?: number;
}

export interface TableOptions {
  /** All columns (quantiles, R², parameter counts) however wide; default: fit `width`. */
  readonly wide?: boolean;
  /** Columns of the terminal the narrow form must fit (default 80). */
  readonly width?: number;
}

export const NARROW_WIDTH = 80;

/**
 * Paper 1's Table 2 layout — regressor (parameters), R_τ for each τ, μ_δ, σ_δ —
 * with the binomial standard error on every R_τ. The wide form adds the |δ|
 * quantiles and R², which the paper does not tabulate but a user choosing a
 * model wants to see; the narrow default keeps to 80 columns, because a
 * table that wraps cannot be read (those numbers stay in metrics.json).
 */
export function formatPrecisionTable(rows: readonly TableRow[], options: TableOptions = {}): string {
  if (rows.length === 0) return '(no rows)';
  const out = options.wide === true ? wideTable(rows) : narrowTable(rows, options.width ?? NARROW_WIDTH);
  for (const r of rows.filter((row) => row.metrics.nonFinite > 0)) out.push(`warning: ${r.label}: ${r.metrics.nonFinite} predictions are NaN or infinite`);
  return out.join('\n');
}

function wideTable(rows: readonly TableRow[]): string[] {
  const taus = Object.keys(rows[0].metrics.R_pct);
  const quantiles = Object.keys(rows[0].metrics.abs_delta_quantiles_pct);
  const header = ['regressor', 'n test', ...taus.map(rHead), 'μ_δ (%)', 'σ_δ (%)', ...quantiles.map((q) => `|δ| q${q} (%)`), 'R²'];
  const body = rows.map(({ label, metrics: m, params }) => [
    withParams(label, params),
    String(m.n),
    ...taus.map((t) => rCell(m, t, ' ± ')),
    fmtSigned(m.mu_delta_pct),
    fmt(m.sigma_delta_pct),
    ...quantiles.map((q) => fmt(m.abs_delta_quantiles_pct[q])),
    m.r2.toFixed(9),
  ]);
  return layout(header, body);
}

function narrowTable(rows: readonly TableRow[], width: number): string[] {
  const taus = Object.keys(rows[0].metrics.R_pct);
  const header = ['regressor', 'n', ...taus.map(rHead), 'μ_δ (%)', 'σ_δ (%)'];
  const numbers = rows.map(({ metrics: m }) => [String(m.n), ...taus.map((t) => rCell(m, t, '±')), fmtSigned(m.mu_delta_pct), fmt(m.sigma_delta_pct)]);
  const rest = header.slice(1).reduce((s, h, i) => s + 2 + Math.max(h.length, ...numbers.map((r) => r[i].length)), 0);
  // The label gets what the numbers leave: parameter counts first, then its tail.
  const room = Math.max(header[0].length, width - rest);
  const full = rows.map(({ label, params }) => withParams(label, params));
  // All rows or none show their parameter count, so the column reads alike.
  const labels = full.every((l) => l.length <= room) ? full : rows.map(({ label }) => shorten(label, room));
  return layout(header, rows.map((_, i) => [labels[i], ...numbers[i]]));
}

/** Cut from the middle: the last word ("test", "validation") tells the rows apart. */
function shorten(label: string, room: number): string {
  if (label.length <= room) return label;
  const tail = label.slice(label.lastIndexOf(' ') + 1);
  const head = room - tail.length - 2;
  return head >= 4 ? `${label.slice(0, head).trimEnd()}… ${tail}` : `${label.slice(0, room - 1)}…`;
}

function layout(header: string[], body: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

/** Paper 1 writes R_1, R_0.1: the share (%) of points with |δ| below τ %. */
function rHead(tau: string): string {
  return `R_${tau} (%)`;
}

function rCell(m: PrecisionMetrics, tau: string, sep: string): string {
  // From R and n, not m.R_stderr_pct: metrics written by older versions lack it.
  return `${m.R_pct[tau].toFixed(2)}${sep}${binomialStderrPct(m.R_pct[tau], m.n).toFixed(2)}`;
}

function withParams(label: string, params: number | undefined): string {
  return params === undefined ? label : `${label} (${params.toLocaleString('en-US')})`;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return v >= 0.01 || v === 0 ? v.toFixed(4) : v.toExponential(2);
}

function fmtSigned(v: number): string {
  const s = fmt(Math.abs(v));
  return (v < 0 ? '-' : '+') + s;
}
