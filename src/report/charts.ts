// The report's plots as Vega-Lite specs, one Chart per figure, from
// ReportData. The same panels feed the page (compiled to Vega, drawn in the
// browser at the page's width) and the paper images (drawn headless in
// Node at fixed widths, render.ts), so the two never differ in content. Data
// are pre-aggregated (histograms, cell means, bin quantiles): the specs
// carry tens to a few thousand rows, not the test split.
//
// Every drawn mark gets a name; `marks` lists how many scenegraph items each
// named mark must have, which the tests compare with what rendered. This
// file holds the distributions of δ and R_τ; coordinateCharts.ts the heat
// maps and δ profiles, trainingCharts.ts the training curves and
// uncertaintyCharts.ts the pulls.

import type { Histogram } from '../metrics/precision.js';
import { binomialStderrPct } from '../metrics/verdict.js';
import { modelColorChannel, pointLayer, populatedRange, referenceLine, splitWords, stepPanel, stepRows, tauLines, WIDE_IMAGE, type Chart } from './chartKit.js';
import { heatMapChart, profileChart } from './coordinateCharts.js';
import { rStderrPct } from './summarize.js';
import { trainingChart, wallTimeChart } from './trainingCharts.js';
import { pullChart, scaledPullChart, sigmaDeltaChart } from './uncertaintyCharts.js';
import type { ReportData } from './types.js';

export { FONT, PALETTE, imageSpec, logTicks, modelColor, pageSpecs, populatedRange, type Chart } from './chartKit.js';

export function buildCharts(data: ReportData): Chart[] {
  const charts: Chart[] = [deltaChart(data), absDeltaChart(data), rTauChart(data)];
  if (data.coords !== null) charts.push(heatMapChart(data));
  if (data.models.some((m) => m.profiles.length > 0)) charts.push(profileChart(data));
  if (data.models.some((m) => m.history.length > 1)) charts.push(trainingChart(data), wallTimeChart(data));
  if (data.models.some((m) => m.uncertainty !== null)) charts.push(pullChart(data), sigmaDeltaChart(data));
  if (data.models.some((m) => m.scaledPulls !== null && m.scaledPulls.length > 0)) charts.push(scaledPullChart(data));
  return charts;
}

function outsideShare(h: Histogram): number {
  const n = h.counts.reduce((a, b) => a + b, 0) + h.underflow + h.overflow;
  return (100 * (h.underflow + h.overflow)) / n;
}

function pct(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 0.1 ? v.toFixed(2) : v.toPrecision(2);
}

function deltaChart(data: ReportData): Chart {
  const rows = data.models.flatMap((m) =>
    stepRows(m.label, m.deltaHistogram, 0, m.deltaHistogram.counts.length - 1, (e) => 100 * e, (k) => 100 * (m.deltaHistogram.edges[k + 1] - m.deltaHistogram.edges[k])),
  );
  const r = data.deltaRangePct;
  // Reference lines only where they stand apart from δ = 0 at this scale.
  const taus = tauLines(data).filter((t) => t < r && t >= r / 50);
  const rules = taus.flatMap((t) => [{ x: -t }, { x: t }]);
  const outside = data.models.filter((m) => outsideShare(m.deltaHistogram) > 0).map((m) => `${m.label} ${pct(outsideShare(m.deltaHistogram))} %`);
  return {
    id: 'delta',
    title: 'Distribution of δ',
    caption:
      `δ = (prediction − true)/|true| on ${splitWords(data)}, ${data.models[0].deltaHistogram.counts.length} bins over ±${r} % ` +
      '(the largest 99th percentile of |δ| of the models, rounded up), each normalised to unit area over all its points (paper 1, Fig. 6). ' +
      (taus.length > 0 ? `Dashed lines: δ = ±${taus.join(' %, ±')} %. ` : '') +
      (outside.length > 0 ? `Outside the range: ${outside.join('; ')}.` : 'No point lies outside the range.'),
    layout: 'wide',
    image: WIDE_IMAGE,
    panels: [stepPanel(data, 'delta', rows, rules, { title: 'δ (%)', scale: { domain: [-r, r], nice: false, zero: false } }, 'probability density (1/%)')],
    marks: { delta: rows.length, delta_tau: rules.length },
  };
}

function absDeltaChart(data: ReportData): Chart {
  const hs = data.models.map((m) => m.absDeltaHistogram);
  const [lo, hi] = populatedRange(hs);
  const rows = data.models.flatMap((m) =>
    stepRows(m.label, m.absDeltaHistogram, lo, hi, (e) => 100 * e, (k) => Math.log10(m.absDeltaHistogram.edges[k + 1] / m.absDeltaHistogram.edges[k])),
  );
  const x0 = 100 * hs[0].edges[lo];
  const x1 = 100 * hs[0].edges[hi + 1];
  const rules = tauLines(data).filter((t) => t > x0 && t < x1).map((t) => ({ x: t }));
  const over = data.models.filter((m) => m.absDeltaHistogram.overflow > 0).map((m) => `${m.label} ${pct(outsideShare(m.absDeltaHistogram))} %`);
  return {
    id: 'abs-delta',
    title: 'Distribution of |δ| (log-spaced bins)',
    caption:
      `|δ| on ${splitWords(data)} in metrics.json's bins (5 per decade), as density per decade normalised over all points; R_τ is the share left of the line at τ. ` +
      (rules.length > 0 ? `Dashed lines: |δ| = ${rules.map((r) => r.x).join(' %, ')} %. ` : '') +
      (over.length > 0 ? `Beyond ${pct(100 * hs[0].edges[hs[0].edges.length - 1])} % or not finite: ${over.join('; ')}.` : ''),
    layout: 'wide',
    image: WIDE_IMAGE,
    panels: [stepPanel(data, 'absdelta', rows, rules, { title: '|δ| (%)', scale: { type: 'log', domain: [x0, x1], nice: false }, axis: { format: '~g' } }, 'probability density (per decade)')],
    marks: { absdelta: rows.length, absdelta_tau: rules.length },
  };
}

export interface RTauRow {
  readonly model: string;
  /** τ in percent. */
  readonly tau: number;
  /** R_τ and R_τ ± one binomial standard error, in percent. */
  readonly r: number;
  readonly lo: number;
  readonly hi: number;
}

/**
 * R_τ as a function of τ at the edges of the |δ| histogram: the share of
 * points below each edge (underflow plus the bins before it, over all points
 * including the non-finite ones), ± its binomial standard error.
 */
export function rTauCurve(model: string, h: Histogram, from: number, to: number): RTauRow[] {
  const n = h.counts.reduce((a, b) => a + b, 0) + h.underflow + h.overflow;
  let below = h.underflow;
  for (let k = 0; k < from; k++) below += h.counts[k];
  const rows: RTauRow[] = [];
  for (let k = from; k <= to + 1; k++) {
    const r = (100 * below) / n;
    const se = binomialStderrPct(r, n);
    rows.push({ model, tau: 100 * h.edges[k], r, lo: r - se, hi: r + se });
    if (k <= to) below += h.counts[k];
  }
  return rows;
}

function rTauChart(data: ReportData): Chart {
  const [lo, hi] = populatedRange(data.models.map((m) => m.absDeltaHistogram));
  const curve = data.models.flatMap((m) => rTauCurve(m.label, m.absDeltaHistogram, lo, hi));
  // The table's numbers (metrics.json's on the test split), with its error bars.
  const points = data.models.flatMap((m) =>
    Object.keys(m.metrics.R_pct).flatMap((t) => {
      const r = m.metrics.R_pct[t];
      const se = rStderrPct(m.metrics, t)!;
      return Number(t) > 0 ? [{ model: m.label, tau: Number(t), r, lo: r - se, hi: r + se }] : [];
    }),
  );
  const x = { field: 'tau', type: 'quantitative' as const, title: 'τ (%)', scale: { type: 'log' as const, nice: false }, axis: { format: '~g' } };
  const color = modelColorChannel(data);
  return {
    id: 'r-tau',
    title: 'R_τ: share of points with |δ| < τ',
    caption:
      `R_τ on ${splitWords(data)} at every edge of the |δ| bins (line; band: ± one binomial standard error sqrt(R(1−R)/n)), ` +
      "and at the report's thresholds as the precision table gives them (points with ± one standard error bars). The dashed line is paper 1's 90 %.",
    layout: 'wide',
    image: WIDE_IMAGE,
    panels: [
      {
        height: 320,
        // Every layer shares the one colour legend (a layer with legend null beside one with a legend makes Vega-Lite warn on the
        // console); its symbols are opaque, not the band's 0.18.
        layer: [
          { name: 'rtau_band', data: { values: curve }, mark: { type: 'area', opacity: 0.18 }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: { ...color, legend: { symbolOpacity: 1 } } } },
          {
            name: 'rtau',
            data: { values: curve },
            mark: { type: 'line', strokeWidth: 1.5 },
            encoding: { x, y: { field: 'r', type: 'quantitative', title: 'R_τ (%)', scale: { domain: [0, 100] } }, color },
          },
          { name: 'rtau_err', data: { values: points }, mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color } },
          pointLayer('rtau_pts', points, x, 'r', color, 40, [
            { field: 'model', type: 'nominal' },
            { field: 'tau', type: 'quantitative', title: 'τ (%)' },
            { field: 'r', type: 'quantitative', title: 'R_τ (%)', format: '.3f' },
            { field: 'lo', type: 'quantitative', title: '− 1 s.e.', format: '.3f' },
            { field: 'hi', type: 'quantitative', title: '+ 1 s.e.', format: '.3f' },
          ], true),
          referenceLine('rtau_90', 90),
        ],
      },
    ],
    marks: { rtau_band: curve.length, rtau: curve.length, rtau_err: points.length, rtau_pts: points.length, rtau_90: 1 },
  };
}
