// Reading a sweep's results: the status table and the leaderboard of its
// finished jobs by any test metric.

import type { PrecisionMetrics } from '../metrics/precision.js';
import { binomialStderrPct } from '../metrics/verdict.js';
import { AmpfitError } from '../util/errors.js';
import { formatDuration } from '../util/log.js';
import type { JobStatus, ResultsDir } from './results.js';
import type { JobOutcome } from './runJob.js';

export interface MetricSpec {
  readonly name: string;
  readonly higherIsBetter: boolean;
  readonly get: (m: PrecisionMetrics) => number | undefined;
}

/** R_<τ> (any τ the runs computed), r2, mu, sigma (|μ_δ| and σ_δ in %), q50/q90/q99/q99.9 (quantiles of |δ| in %). */
export function parseMetric(name: string): MetricSpec {
  const r = /^R_(.+)$/.exec(name);
  if (r !== null) return { name, higherIsBetter: true, get: (m) => m.R_pct[r[1]] };
  const q = /^q(50|90|99|99\.9)$/.exec(name);
  if (q !== null) return { name, higherIsBetter: false, get: (m) => m.abs_delta_quantiles_pct[q[1]] };
  switch (name) {
    case 'r2':
      return { name, higherIsBetter: true, get: (m) => m.r2 };
    case 'mu':
      return { name, higherIsBetter: false, get: (m) => Math.abs(m.mu_delta_pct) };
    case 'sigma':
      return { name, higherIsBetter: false, get: (m) => m.sigma_delta_pct };
    default:
      throw new AmpfitError(`--metric '${name}' is not a metric: use R_<tau> (R_1, R_0.1), r2, mu, sigma, q50, q90, q99 or q99.9`);
  }
}

export interface LeaderboardRow {
  readonly rank: number;
  readonly id: string;
  readonly name: string;
  /** The grid point: the job's name without its seed (jobs of one point differ in the seed only). */
  readonly point: string;
  readonly value: number;
  /** The value's binomial standard error over the split's points, for R_τ (in %); null for other metrics. */
  readonly error: number | null;
  /** Within two combined standard errors of the next row: the order of the two is not resolved. */
  readonly tiedWithNext: boolean;
  readonly metrics: PrecisionMetrics;
  readonly split: 'test' | 'validation';
  readonly modelDir: string;
}

/** √(R(1 − R)/n) in %, the binomial standard error of an R_τ over n points; null for metrics that are not a fraction. */
export function binomialError(metric: MetricSpec, m: PrecisionMetrics): number | null {
  if (!metric.name.startsWith('R_')) return null;
  return m.n > 0 ? binomialStderrPct(metric.get(m) ?? NaN, m.n) : null;
}

/** Whether a and b (each with a standard error or none) differ by less than twice their combined error. */
function tied(a: number, ea: number | null, b: number, eb: number | null): boolean {
  if (ea === null || eb === null) return a === b;
  return Math.abs(a - b) < 2 * Math.hypot(ea, eb);
}

/** Done jobs ranked by the metric on their test split (validation when a run has no test split). */
export function leaderboard(results: ResultsDir, statuses: readonly JobStatus[], metric: MetricSpec): LeaderboardRow[] {
  const rows: Array<Omit<LeaderboardRow, 'rank' | 'tiedWithNext'>> = [];
  for (const s of statuses) {
    if (s.state !== 'done') continue;
    const saved = results.metrics(s.job.id);
    if (saved === null) continue;
    const split = saved.test !== null ? 'test' : 'validation';
    const m = saved.test ?? saved.validation;
    const value = metric.get(m);
    if (value === undefined) {
      throw new AmpfitError(`--metric ${metric.name}: job ${s.job.id} (${s.job.name}) has no such metric (its R_τ: ${Object.keys(m.R_pct).map((t) => `R_${t}`).join(', ')})`);
    }
    const point = [s.job.function, ...Object.entries(s.job.params).filter(([k]) => k !== 'seed').map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)]
      .filter((p) => p !== null).join(' ');
    rows.push({ id: s.job.id, name: s.job.name, point, value, error: binomialError(metric, m), metrics: m, split, modelDir: results.model(s.job.id) });
  }
  const sign = metric.higherIsBetter ? -1 : 1;
  rows.sort((a, b) => sign * (a.value - b.value) || (a.id < b.id ? -1 : 1));
  return rows.map((r, i) => {
    const next = rows[i + 1];
    return { ...r, rank: i + 1, tiedWithNext: next !== undefined && tied(r.value, r.error, next.value, next.error) };
  });
}

/** One grid point over its seeds: the metric's mean, the seeds' sample standard deviation and the standard error of the mean. */
export interface PointRow {
  readonly rank: number;
  readonly point: string;
  readonly seeds: number;
  readonly mean: number;
  /** Sample standard deviation over the seeds (null for one seed). */
  readonly std: number | null;
  /** std/√seeds, or for one seed its binomial error (null when the metric has none). */
  readonly error: number | null;
  readonly tiedWithNext: boolean;
}

/** The leaderboard's jobs collapsed by grid point, ranked by the mean over seeds. */
export function pointLeaderboard(rows: readonly LeaderboardRow[], metric: MetricSpec): PointRow[] {
  const groups = new Map<string, LeaderboardRow[]>();
  for (const r of rows) groups.set(r.point, [...(groups.get(r.point) ?? []), r]);
  const points = [...groups].map(([point, rs]) => {
    const k = rs.length;
    const mean = rs.reduce((s, r) => s + r.value, 0) / k;
    const std = k > 1 ? Math.sqrt(rs.reduce((s, r) => s + (r.value - mean) ** 2, 0) / (k - 1)) : null;
    return { point, seeds: k, mean, std, error: std !== null ? std / Math.sqrt(k) : rs[0].error };
  });
  const sign = metric.higherIsBetter ? -1 : 1;
  points.sort((a, b) => sign * (a.mean - b.mean) || (a.point < b.point ? -1 : 1));
  return points.map((p, i) => {
    const next = points[i + 1];
    return { ...p, rank: i + 1, tiedWithNext: next !== undefined && tied(p.mean, p.error, next.mean, next.error) };
  });
}

/** Grid points with their seeds' mean ± standard error; '≈' marks a point the next cannot be told apart from. */
export function formatPointLeaderboard(rows: readonly PointRow[], metric: MetricSpec): string {
  const head = ['#', 'grid point', 'seeds', `${metric.name} mean ± error`, 'std', ''];
  const body = rows.map((r) => [
    String(r.rank), r.point === '' ? '(one point)' : r.point, String(r.seeds),
    r.error === null ? fmt(r.mean) : `${fmt(r.mean)} ± ${fmt(r.error)}`, r.std === null ? '—' : fmt(r.std), r.tiedWithNext ? '≈ next' : '',
  ]);
  return table(head, body);
}

export function formatLeaderboard(rows: readonly LeaderboardRow[], metric: MetricSpec): string {
  // The ranking metric gets a column of its own unless it is one of the standard ones.
  const own = !['R_1', 'R_0.1', 'sigma'].includes(metric.name);
  const head = ['#', 'id', 'job', ...(own ? [metric.name] : []), 'R_1 %', 'R_0.1 %', 'σ_δ %', 'n', ''];
  // R_τ with its binomial standard error: differences below it are noise.
  const withError = (tau: string, m: PrecisionMetrics): string => {
    const v = m.R_pct[tau];
    const e = binomialError(parseMetric(`R_${tau}`), m);
    return e === null || v === undefined ? fmt(v) : `${fmt(v)} ± ${fmt(e)}`;
  };
  const body = rows.map((r) => [
    String(r.rank),
    r.id,
    r.name,
    ...(own ? [r.error === null ? fmt(r.value) : `${fmt(r.value)} ± ${fmt(r.error)}`] : []),
    withError('1', r.metrics),
    withError('0.1', r.metrics),
    fmt(r.metrics.sigma_delta_pct),
    `${r.metrics.n}${r.split === 'test' ? '' : ' (val)'}`,
    r.tiedWithNext ? '≈ next' : '',
  ]);
  return table(head, body);
}

export function formatStatus(results: ResultsDir, statuses: readonly JobStatus[]): string {
  const counts = new Map<string, number>();
  for (const s of statuses) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  const order = ['done', 'running', 'queued', 'interrupted', 'failed', 'pending'];
  const summary = `${statuses.length} jobs: ${order.filter((k) => counts.has(k)).map((k) => `${counts.get(k)} ${k}`).join(', ')}`;
  const rows = statuses.map((s) => [s.job.id, s.job.name, s.state, detail(results, s)]);
  const lines = [summary, table(['id', 'job', 'state', 'detail'], rows)];
  for (const s of statuses) {
    if (s.state !== 'failed') continue;
    const tail = results.logTail(s.job.id);
    lines.push(`\n--- ${s.job.id} ${s.job.name} failed; end of ${results.log(s.job.id)}:`, ...tail.map((l) => `  ${l}`));
  }
  return lines.join('\n');
}

function detail(results: ResultsDir, s: JobStatus): string {
  const r = s.record;
  const parts: string[] = [];
  switch (s.state) {
    case 'done': {
      const m = results.metrics(s.job.id);
      const t = m?.test ?? m?.validation;
      if (t !== undefined) parts.push(`R_1 ${fmt(t.R_pct['1'])} %, R_0.1 ${fmt(t.R_pct['0.1'])} %`);
      if (r?.seconds !== undefined && r.seconds > 0) parts.push(formatDuration(r.seconds));
      break;
    }
    case 'running':
      if (r?.host !== undefined) parts.push(`on ${r.host}${r.pid === undefined ? '' : ` pid ${r.pid}`}`);
      if (r?.slurm !== undefined) parts.push(`Slurm ${r.slurm.array_job_id}_${r.slurm.task_id}`);
      if (r?.started !== undefined) parts.push(`for ${formatDuration((Date.now() - Date.parse(r.started)) / 1000)}`);
      if (r?.resumed === true) parts.push('resumed');
      break;
    case 'failed':
      if (r?.exit_code !== undefined && r.exit_code !== null) parts.push(`exit code ${r.exit_code}`);
      if (r?.signal !== undefined && r.signal !== null) parts.push(`killed by ${r.signal}`);
      break;
    case 'interrupted':
      parts.push(results.hasCheckpointState(s.job.id) ? 'resumes from its checkpoint' : 'restarts (no checkpoint)');
      break;
    default:
      break;
  }
  if (s.note !== null) parts.push(s.note);
  if (r !== null && r.attempt > 1) parts.push(`attempt ${r.attempt}`);
  return parts.join('; ');
}

export function describeOutcome(results: ResultsDir, id: string, outcome: JobOutcome): string {
  if (outcome.state !== 'done') return `${outcome.state} (${outcome.problem ?? 'no result'}); log ${results.log(id)}`;
  const m = results.metrics(id);
  const t = m?.test ?? m?.validation;
  return `done${outcome.resumed ? ' (resumed)' : ''}${t === undefined ? '' : `: R_1 ${fmt(t.R_pct['1'])} %, R_0.1 ${fmt(t.R_pct['0.1'])} %`}`;
}

function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(3) : v.toExponential(2);
}

function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
