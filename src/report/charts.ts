// The report's plots as Vega-Lite specs, one per figure, from ReportData.
// The same specs feed the page (compiled to Vega, drawn in the browser) and
// the paper images (drawn headless in Node, render.ts), so the two never
// differ. Data are pre-aggregated here (histograms, cell means): the specs
// carry tens to a few thousand rows, not the test split.
//
// Every drawn mark gets a name; `marks` lists how many scenegraph items each
// named mark must have, which the browser test compares with what rendered.

import type { TopLevelSpec } from 'vega-lite';
import type { Histogram } from '../metrics/precision.js';
import type { ModelReport, ReportData } from './types.js';

export interface Chart {
  /** File name of the images and the id of the page section. */
  readonly id: string;
  readonly title: string;
  /** A sentence or two saying what is drawn and how to read it. */
  readonly caption: string;
  readonly spec: TopLevelSpec;
  /** Vega-Lite unit name → number of items its mark must draw (Vega names the mark `<name>_marks`). */
  readonly marks: Readonly<Record<string, number>>;
}

/** DejaVu Sans is what the images are rendered with (render.ts); browsers fall back to their sans-serif. */
export const FONT = 'DejaVu Sans, Verdana, Helvetica, Arial, sans-serif';

/** Tableau 10, fixed so that a model has the same colour in every chart of the page and the images. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

const CONFIG = {
  font: FONT,
  background: 'white',
  padding: 8,
  view: { stroke: '#bbb' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#ececec', titleFontWeight: 'normal' as const },
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 480, titleFontWeight: 'normal' as const },
  header: { labelFontSize: 12 },
  title: { fontSize: 12, fontWeight: 'normal' as const, anchor: 'start' as const },
};

export function buildCharts(data: ReportData): Chart[] {
  const charts: Chart[] = [deltaChart(data), absDeltaChart(data)];
  if (data.coords !== null) charts.push(heatMapChart(data));
  if (data.models.some((m) => m.history.length > 1)) charts.push(trainingChart(data));
  if (data.models.some((m) => m.uncertainty !== null)) charts.push(pullChart(data), sigmaDeltaChart(data));
  return charts;
}

/** A model's colour follows its position in the whole report, also in charts that show only some models. */
export function modelColor(data: ReportData, m: ModelReport): string {
  return PALETTE[data.models.indexOf(m) % PALETTE.length];
}

function colorScale(data: ReportData, models: readonly ModelReport[] = data.models): { domain: string[]; range: string[] } {
  return { domain: models.map((m) => m.label), range: models.map((m) => modelColor(data, m)) };
}

interface StepRow {
  readonly model: string;
  readonly x: number;
  readonly y: number | null;
}

/**
 * A histogram as a step line: one row per bin at its left edge plus one at
 * the last right edge, y the density. Empty bins are null, which breaks the
 * line on a log axis instead of diving to zero.
 */
function stepRows(model: string, h: Histogram, from: number, to: number, xOf: (edge: number) => number, width: (k: number) => number): StepRow[] {
  const n = h.counts.reduce((a, b) => a + b, 0) + h.underflow + h.overflow;
  const density = (k: number): number | null => (h.counts[k] > 0 ? h.counts[k] / (n * width(k)) : null);
  const rows: StepRow[] = [];
  for (let k = from; k <= to; k++) rows.push({ model, x: xOf(h.edges[k]), y: density(k) });
  rows.push({ model, x: xOf(h.edges[to + 1]), y: density(to) });
  return rows;
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
    spec: {
      config: CONFIG,
      width: 620,
      height: 320,
      layer: [
        {
          name: 'delta',
          data: { values: rows },
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.6 },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: 'δ (%)', scale: { domain: [-r, r], nice: false, zero: false } },
            y: { field: 'y', type: 'quantitative', title: 'probability density (1/%)', scale: { type: 'log' } },
            color: { field: 'model', type: 'nominal', title: null, scale: colorScale(data), legend: { orient: 'bottom', direction: 'vertical' } },
          },
        },
        {
          name: 'delta_tau',
          data: { values: rules },
          mark: { type: 'rule', strokeDash: [4, 3], color: '#888' },
          encoding: { x: { field: 'x', type: 'quantitative' } },
        },
      ],
    },
    marks: { delta: rows.length, delta_tau: rules.length },
  };
}

/** The R_τ thresholds (percent) of the report's first model, drawn as reference lines. */
function tauLines(data: ReportData): number[] {
  return Object.keys(data.models[0].metrics.R_pct).map(Number).filter((t) => t > 0);
}

function splitWords(data: ReportData): string {
  const splits = new Set(data.models.map((m) => m.split));
  if (splits.size === 1 && splits.has('data')) return 'the --data rows';
  return `each model's ${[...splits].map((s) => (s === 'data' ? '--data rows' : `${s} split`)).join(' / ')}`;
}

/** First and last bin that any model fills, so the log axis shows the populated decades only. */
export function populatedRange(hs: readonly Histogram[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const h of hs) {
    h.counts.forEach((c, k) => {
      if (c > 0) {
        lo = Math.min(lo, k);
        hi = Math.max(hi, k);
      }
    });
  }
  if (lo === Infinity) return [0, hs[0].counts.length - 1];
  return [lo, hi];
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
    spec: {
      config: CONFIG,
      width: 620,
      height: 320,
      layer: [
        {
          name: 'absdelta',
          data: { values: rows },
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.6 },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: '|δ| (%)', scale: { type: 'log', domain: [x0, x1], nice: false }, axis: { format: '~g' } },
            y: { field: 'y', type: 'quantitative', title: 'probability density (per decade)', scale: { type: 'log' } },
            color: { field: 'model', type: 'nominal', title: null, scale: colorScale(data), legend: { orient: 'bottom', direction: 'vertical' } },
          },
        },
        {
          name: 'absdelta_tau',
          data: { values: rules },
          mark: { type: 'rule', strokeDash: [4, 3], color: '#888' },
          encoding: { x: { field: 'x', type: 'quantitative' } },
        },
      ],
    },
    marks: { absdelta: rows.length, absdelta_tau: rules.length },
  };
}

function heatMapChart(data: ReportData): Chart {
  const abs = data.heatStat === 'abs';
  const units = data.models.flatMap((m) => (m.heatmap === null ? [] : [m]));
  const marks: Record<string, number> = {};
  const concat = units.map((m) => {
    const h = m.heatmap!;
    const rows = h.cells.map((c) => ({
      x0: h.xEdges[c.ix],
      x1: h.xEdges[c.ix + 1],
      y0: h.yEdges[c.iy],
      y1: h.yEdges[c.iy + 1],
      n: c.n,
      mean: c.meanDeltaPct,
      meanAbs: c.meanAbsDeltaPct,
    }));
    const name = `heat_${m.id}`;
    marks[name] = rows.length;
    // Each model gets its own colour scale: models differ by orders of magnitude, and one scale would paint the better ones flat.
    const extreme = Math.max(...rows.map((r) => Math.abs(r.mean)), 1e-12);
    const positive = rows.map((r) => r.meanAbs).filter((v) => v > 0);
    const color = abs
      ? { field: 'meanAbs', type: 'quantitative' as const, title: 'mean |δ| (%)', scale: { type: 'log' as const, scheme: 'viridis', domain: [Math.min(...positive, 1e-12), Math.max(...positive, 1e-12)] } }
      : { field: 'mean', type: 'quantitative' as const, title: 'mean δ (%)', scale: { scheme: 'redblue', reverse: true, domain: [-extreme, extreme] } };
    return {
      name,
      title: m.label,
      width: 250,
      height: 230,
      data: { values: rows },
      // No ARIA label per cell: hundreds of cells × a sentence each would make the SVG ten times larger.
      mark: { type: 'rect' as const, stroke: null, aria: false },
      encoding: {
        x: { field: 'x0', type: 'quantitative' as const, title: h.xName, scale: { domain: [h.xEdges[0], h.xEdges[h.xEdges.length - 1]], nice: false, zero: false } },
        x2: { field: 'x1' },
        y: { field: 'y0', type: 'quantitative' as const, title: h.yName, scale: { domain: [h.yEdges[0], h.yEdges[h.yEdges.length - 1]], nice: false, zero: false } },
        y2: { field: 'y1' },
        color,
        tooltip: [
          { field: 'x0', type: 'quantitative' as const, title: `${h.xName} from`, format: '.4~g' },
          { field: 'x1', type: 'quantitative' as const, title: `${h.xName} to`, format: '.4~g' },
          { field: 'y0', type: 'quantitative' as const, title: `${h.yName} from`, format: '.4~g' },
          { field: 'y1', type: 'quantitative' as const, title: `${h.yName} to`, format: '.4~g' },
          { field: 'n', type: 'quantitative' as const, title: 'points' },
          { field: 'mean', type: 'quantitative' as const, title: 'mean δ (%)', format: '.3g' },
          { field: 'meanAbs', type: 'quantitative' as const, title: 'mean |δ| (%)', format: '.3g' },
        ],
      },
    };
  });
  const [cx, cy] = data.coords!;
  const nx = units[0].heatmap!.xEdges.length - 1;
  const ny = units[0].heatmap!.yEdges.length - 1;
  return {
    id: 'heatmap',
    title: `${abs ? 'Mean |δ|' : 'Mean δ'} in bins of ${cx} and ${cy}`,
    caption:
      `${abs ? 'The mean of |δ|' : 'The mean of δ (red: over-predicted, blue: under-predicted)'} over the points of each of ${nx} × ${ny} cells, ` +
      `from ${splitWords(data)} predicted again with loadModel (paper 1, Fig. 7). Each model has its own colour scale; empty cells are blank. ` +
      'Hover a cell for its range, point count, mean δ and mean |δ|.',
    spec: { config: CONFIG, columns: 3, concat, resolve: { scale: { color: 'independent' } } },
    marks,
  };
}

function trainingChart(data: ReportData): Chart {
  // One row per model: epochs differ by orders of magnitude between a network (hundreds) and boosted
  // trees (thousands of rounds), and losses are in each model's own transformed units, so shared axes would hide the curves.
  const models = data.models.filter((m) => m.history.length > 1);
  const closedForm = data.models.filter((m) => m.history.length === 1);
  const marks: Record<string, number> = {};
  const rows = models.map((m) => {
    const x = { field: 'epoch', type: 'quantitative' as const, title: m.modelType === 'bdt' ? 'boosting round' : 'epoch', axis: { tickMinStep: 1 }, scale: { zero: false } };
    const loss = m.history.flatMap((r) => [
      { epoch: r.epoch, series: 'train', value: r.trainLoss > 0 ? r.trainLoss : null },
      { epoch: r.epoch, series: 'validation', value: r.valLoss > 0 ? r.valLoss : null },
    ]);
    // R² of a good surrogate is 0.99999…: on a linear axis every curve is a flat line at 1, so plot 1 − R² on a log axis.
    const r2 = m.history.map((r) => ({ epoch: r.epoch, value: 1 - r.valR2 > 0 ? 1 - r.valR2 : null }));
    const lr = m.history.map((r) => ({ epoch: r.epoch, value: r.lr > 0 ? r.lr : null }));
    marks[`loss_${m.id}`] = loss.length;
    marks[`r2_${m.id}`] = r2.length;
    marks[`lr_${m.id}`] = lr.length;
    const color = modelColor(data, m);
    const panel = (name: string, values: object[], title: string) => ({
      name: `${name}_${m.id}`,
      width: 290,
      height: 170,
      data: { values },
      mark: { type: 'line' as const, strokeWidth: 1.5, color },
      encoding: { x, y: { field: 'value', type: 'quantitative' as const, title, scale: { type: 'log' as const } } },
    });
    return {
      title: m.label,
      hconcat: [
        {
          ...panel('loss', loss, 'MSE (dashed: training)'),
          encoding: {
            x,
            y: { field: 'value', type: 'quantitative' as const, title: 'MSE (dashed: training)', scale: { type: 'log' as const } },
            // Said in the axis title: a legend inside concatenated panels lands beside the whole row, far from its curves.
            strokeDash: { field: 'series', type: 'nominal' as const, scale: { domain: ['train', 'validation'], range: [[4, 3], [1, 0]] }, legend: null },
          },
        },
        panel('r2', r2, '1 − R² (validation)'),
        panel('lr', lr, 'learning rate'),
      ],
    };
  });
  const fits = closedForm.map((m) => `${m.label} is a closed-form fit (train MSE ${m.history[0].trainLoss.toPrecision(3)}, validation MSE ${m.history[0].valLoss.toPrecision(3)}, R² ${m.history[0].valR2.toFixed(6)})`);
  return {
    id: 'training',
    title: 'Training curves',
    caption:
      'Per epoch (boosting round for trees), one row per model: training (dashed) and validation MSE of the transformed target, ' +
      "1 − R² on the validation split, and the learning rate, all on log axes. Losses are in each model's own transformed units." +
      (fits.length > 0 ? ` ${fits.join('; ')}.` : ''),
    spec: { config: CONFIG, vconcat: rows },
    marks,
  };
}

function pullChart(data: ReportData): Chart {
  const models = data.models.filter((m) => m.uncertainty !== null);
  const rows = models.flatMap((m) => {
    const h = m.uncertainty!.pullHistogram;
    return stepRows(m.label, h, 0, h.counts.length - 1, (e) => e, (k) => h.edges[k + 1] - h.edges[k]);
  });
  const gauss = Array.from({ length: 201 }, (_, i) => {
    const t = -5 + i / 20;
    return { x: t, y: Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI) };
  });
  const stats = models.map((m) => {
    const u = m.uncertainty!;
    return `${m.label}: mean ${u.pullMean.toFixed(3)}, standard deviation ${u.pullStd.toFixed(3)}, ${(100 * u.within1Sigma).toFixed(1)} % within ±1`;
  });
  return {
    id: 'pulls',
    title: 'Pulls against a unit Gaussian',
    caption:
      `t = (prediction − true)/σ with the model's learned σ, on ${splitWords(data)}; a calibrated σ gives the unit Gaussian (black, dashed: ` +
      `mean 0, standard deviation 1, 68.3 % within ±1). Too narrow: σ is too large; too wide: too small. ${stats.join('; ')}.`,
    spec: {
      config: CONFIG,
      width: 620,
      height: 320,
      layer: [
        {
          name: 'pulls',
          data: { values: rows },
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.6 },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: 't = (prediction − true)/σ', scale: { domain: [-5, 5], nice: false } },
            y: { field: 'y', type: 'quantitative', title: 'probability density', scale: { type: 'log' } },
            color: { field: 'model', type: 'nominal', title: null, scale: colorScale(data, models), legend: { orient: 'bottom', direction: 'vertical' } },
          },
        },
        {
          name: 'pulls_gauss',
          data: { values: gauss },
          mark: { type: 'line', color: 'black', strokeDash: [5, 3], strokeWidth: 1 },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
        },
      ],
    },
    marks: { pulls: rows.length, pulls_gauss: gauss.length },
  };
}

function sigmaDeltaChart(data: ReportData): Chart {
  const models = data.models.filter((m) => m.uncertainty !== null);
  const marks: Record<string, number> = {};
  const concat = models.map((m) => {
    const s = m.uncertainty!.sigmaVsDelta;
    const rows = s.cells.map((c) => ({ s0: s.sigmaEdgesPct[c.ix], s1: s.sigmaEdgesPct[c.ix + 1], d0: s.deltaEdgesPct[c.iy], d1: s.deltaEdgesPct[c.iy + 1], n: c.n }));
    // One square domain for both axes, so the diagonal σ = |δ| runs corner to corner.
    const lo = Math.min(...rows.map((r) => Math.min(r.s0, r.d0)));
    const hi = Math.max(...rows.map((r) => Math.max(r.s1, r.d1)));
    const diag = [{ v: lo }, { v: hi }];
    marks[`sigdel_${m.id}`] = rows.length;
    marks[`sigdel_diag_${m.id}`] = diag.length;
    const scale = { type: 'log' as const, domain: [lo, hi], nice: false };
    const axis = { format: '~g', values: logTicks(lo, hi) };
    return {
      title: m.label,
      width: 250,
      height: 250,
      layer: [
        {
          name: `sigdel_${m.id}`,
          data: { values: rows },
          mark: { type: 'rect' as const, aria: false },
          encoding: {
            x: { field: 's0', type: 'quantitative' as const, title: 'learned σ/|true| (%)', scale, axis },
            x2: { field: 's1' },
            y: { field: 'd0', type: 'quantitative' as const, title: '|δ| (%)', scale, axis },
            y2: { field: 'd1' },
            color: { field: 'n', type: 'quantitative' as const, title: 'points', scale: { type: 'log' as const, scheme: 'blues' } },
            tooltip: [
              { field: 's0', type: 'quantitative' as const, title: 'σ/|true| from (%)', format: '.3g' },
              { field: 'd0', type: 'quantitative' as const, title: '|δ| from (%)', format: '.3g' },
              { field: 'n', type: 'quantitative' as const, title: 'points' },
            ],
          },
        },
        {
          name: `sigdel_diag_${m.id}`,
          data: { values: diag },
          mark: { type: 'line' as const, color: '#d62728', strokeDash: [5, 3], strokeWidth: 1 },
          encoding: { x: { field: 'v', type: 'quantitative' as const }, y: { field: 'v', type: 'quantitative' as const } },
        },
      ],
    };
  });
  return {
    id: 'sigma-delta',
    title: 'Learned σ against the actual |δ|',
    caption:
      'Points of each model in log bins of its learned relative σ (σ/|true|) and its actual |δ|, coloured by count. ' +
      'A calibrated σ puts the bulk just under the dashed diagonal σ = |δ| (for Gaussian errors the median |δ| is 0.67 σ).',
    spec: { config: CONFIG, columns: 3, concat, resolve: { scale: { color: 'independent' } } },
    marks,
  };
}

/** Tick values for a log axis: the powers of ten inside [lo, hi], with 2 and 5 between them when there are fewer than three. */
export function logTicks(lo: number, hi: number): number[] {
  const decades: number[] = [];
  for (let k = Math.ceil(Math.log10(lo) - 1e-9); 10 ** k <= hi * (1 + 1e-9); k++) decades.push(10 ** k);
  if (decades.length >= 3) return decades;
  const out: number[] = [];
  for (let k = Math.floor(Math.log10(lo)); 10 ** k <= hi; k++) for (const m of [1, 2, 5]) if (m * 10 ** k >= lo * (1 - 1e-9) && m * 10 ** k <= hi * (1 + 1e-9)) out.push(m * 10 ** k);
  return out;
}
