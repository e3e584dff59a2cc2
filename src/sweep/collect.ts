// Reading a sweep's results: the status table and the leaderboard of its
// finished jobs by any test metric.

import type { PrecisionMetrics } from '../metrics/precision.js';
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
  readonly value: number;
  readonly metrics: PrecisionMetrics;
  readonly split: 'test' | 'validation';
  readonly modelDir: string;
}

/** Done jobs ranked by the metric on their test split (validation when a run has no test split). */
export function leaderboard(results: ResultsDir, statuses: readonly JobStatus[], metric: MetricSpec): LeaderboardRow[] {
  const rows: Array<Omit<LeaderboardRow, 'rank'>> = [];
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
    rows.push({ id: s.job.id, name: s.job.name, value, metrics: m, split, modelDir: results.model(s.job.id) });
  }
  const sign = metric.higherIsBetter ? -1 : 1;
  rows.sort((a, b) => sign * (a.value - b.value) || (a.id < b.id ? -1 : 1));
  return rows.map((r, i) => ({ ...r, rank: i + 1 }));
}

export function formatLeaderboard(rows: readonly LeaderboardRow[], metric: MetricSpec): string {
  // The ranking metric gets a column of its own unless it is one of the standard ones.
  const own = !['R_1', 'R_0.1', 'sigma'].includes(metric.name);
  const head = ['#', 'id', 'job', ...(own ? [metric.name] : []), 'R_1 %', 'R_0.1 %', 'σ_δ %', 'n'];
  const body = rows.map((r) => [
    String(r.rank),
    r.id,
    r.name,
    ...(own ? [fmt(r.value)] : []),
    fmt(r.metrics.R_pct['1']),
    fmt(r.metrics.R_pct['0.1']),
    fmt(r.metrics.sigma_delta_pct),
    `${r.metrics.n}${r.split === 'test' ? '' : ' (val)'}`,
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
