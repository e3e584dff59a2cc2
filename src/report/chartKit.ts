// What every chart of the report shares: the Chart record, the look (font,
// palette, Vega-Lite config), model colours, histogram step rows, and how a
// chart's panels become the page's views and the images' figure.
//
// A chart is a list of panels, each one Vega-Lite view without a width. On
// the page every panel is its own view with `width: "container"`, so plots
// fill the page at any window width and grids of panels (one per model or
// coordinate) reflow into as many columns as fit. The images put the same
// panels side by side at fixed widths, so page and figures never differ in
// content.

import type { TopLevelSpec } from 'vega-lite';
import type { NonNormalizedSpec } from 'vega-lite/types_unstable/spec/index.js';
import type { Histogram } from '../metrics/precision.js';
import type { ModelReport, ReportData } from './types.js';

/** One view: a unit or layer spec with its data and height; the width is the layout's. */
export type Panel = NonNormalizedSpec;

export interface Chart {
  /** File name of the images and the id of the page section. */
  readonly id: string;
  readonly title: string;
  /** A sentence or two saying what is drawn and how to read it. */
  readonly caption: string;
  readonly panels: readonly Panel[];
  /** 'wide': each panel spans the page; a number: panels in a grid, none narrower than this many pixels. */
  readonly layout: 'wide' | number;
  /** The images: panels per row and each panel's width in pixels. */
  readonly image: { readonly columns: number; readonly width: number };
  /** Vega-Lite unit name → number of items its mark must draw (Vega names the mark `<name>_marks`), over all panels. */
  readonly marks: Readonly<Record<string, number>>;
}

/** DejaVu Sans is what the images are rendered with (render.ts); browsers fall back to their sans-serif. */
export const FONT = 'DejaVu Sans, Verdana, Helvetica, Arial, sans-serif';

/** Tableau 10, fixed so that a model has the same colour in every chart of the page and the images. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export const CONFIG = {
  font: FONT,
  background: 'white',
  padding: 8,
  view: { stroke: '#bbb' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#ececec', titleFontWeight: 'normal' as const },
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 480, titleFontWeight: 'normal' as const },
  header: { labelFontSize: 12 },
  title: { fontSize: 12, fontWeight: 'normal' as const, anchor: 'start' as const },
};

/** Width of a wide panel in the images (the page's is its container's). */
export const WIDE_IMAGE = { columns: 1, width: 620 } as const;

/** The page's views: one spec per panel, filling its container's width. */
export function pageSpecs(chart: Chart): TopLevelSpec[] {
  return chart.panels.map((p) => ({ config: CONFIG, ...p, width: 'container' }) as TopLevelSpec);
}

/** The image: all panels in one figure, `image.columns` per row at `image.width` pixels each, colour scales per panel. */
export function imageSpec(chart: Chart): TopLevelSpec {
  const panels = chart.panels.map((p) => ({ ...p, width: chart.image.width }) as Panel);
  if (panels.length === 1) return { config: CONFIG, ...panels[0] } as TopLevelSpec;
  return { config: CONFIG, columns: chart.image.columns, concat: panels, resolve: { scale: { color: 'independent' } } };
}

/** A model's colour follows its position in the whole report, also in charts that show only some models. */
export function modelColor(data: ReportData, m: ModelReport): string {
  return PALETTE[data.models.indexOf(m) % PALETTE.length];
}

export function colorScale(data: ReportData, models: readonly ModelReport[] = data.models): { domain: string[]; range: string[] } {
  return { domain: models.map((m) => m.label), range: models.map((m) => modelColor(data, m)) };
}

export interface StepRow {
  readonly model: string;
  readonly x: number;
  readonly y: number | null;
}

/**
 * A histogram as a step line: one row per bin at its left edge plus one at
 * the last right edge, y the density. Empty bins are null, which breaks the
 * line on a log axis instead of diving to zero.
 */
export function stepRows(model: string, h: Histogram, from: number, to: number, xOf: (edge: number) => number, width: (k: number) => number): StepRow[] {
  const n = h.counts.reduce((a, b) => a + b, 0) + h.underflow + h.overflow;
  const density = (k: number): number | null => (h.counts[k] > 0 ? h.counts[k] / (n * width(k)) : null);
  const rows: StepRow[] = [];
  for (let k = from; k <= to; k++) rows.push({ model, x: xOf(h.edges[k]), y: density(k) });
  rows.push({ model, x: xOf(h.edges[to + 1]), y: density(to) });
  return rows;
}

/**
 * The δ and |δ| histograms' panel: each model's step line (unit `name`, x
 * drawn as `x` says) and dashed reference lines at `rules` (unit `name_tau`).
 */
export function stepPanel(data: ReportData, name: string, rows: readonly StepRow[], rules: readonly { x: number }[], x: Record<string, unknown>, yTitle: string): Panel {
  return {
    height: 320,
    layer: [
      {
        name,
        data: { values: rows },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.6 },
        encoding: {
          x: { field: 'x', type: 'quantitative', ...x },
          y: { field: 'y', type: 'quantitative', title: yTitle, scale: { type: 'log' } },
          color: modelColorChannel(data),
        },
      },
      {
        name: `${name}_tau`,
        data: { values: rules },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#888' },
        encoding: { x: { field: 'x', type: 'quantitative' } },
      },
    ],
  };
}

/** Colour by model, the legend below the plot. */
export function modelColorChannel(data: ReportData, models: readonly ModelReport[] = data.models) {
  return { field: 'model', type: 'nominal' as const, title: null, scale: colorScale(data, models), legend: BOTTOM_LEGEND };
}

export interface TooltipField {
  readonly field: string;
  readonly type: 'nominal' | 'quantitative';
  readonly title?: string;
  readonly format?: string;
}

/**
 * Each model's points on its line (unit `name`), with a tooltip; the line carries the colour legend
 * (`legend`: the points keep it too, for a chart whose layers all share one legend).
 */
export function pointLayer<X>(name: string, rows: readonly object[], x: X, y: string, color: ReturnType<typeof modelColorChannel>, size: number, tooltip: TooltipField[], legend = false) {
  return {
    name,
    data: { values: rows },
    mark: { type: 'point' as const, filled: true, size },
    encoding: { x, y: { field: y, type: 'quantitative' as const }, color: legend ? color : { ...color, legend: null }, tooltip },
  };
}

/** A dashed horizontal reference line at y (unit `name`). */
export function referenceLine(name: string, y: number) {
  return { name, data: { values: [{ y }] }, mark: { type: 'rule' as const, strokeDash: [4, 3], color: '#888' }, encoding: { y: { field: 'y', type: 'quantitative' as const } } };
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

export function splitWords(data: ReportData): string {
  const splits = new Set(data.models.map((m) => m.split));
  if (splits.size === 1 && splits.has('data')) return 'the --data rows';
  return `each model's ${[...splits].map((s) => (s === 'data' ? '--data rows' : `${s} split`)).join(' / ')}`;
}

/** The R_τ thresholds (percent) of the report's first model, drawn as reference lines. */
export function tauLines(data: ReportData): number[] {
  return Object.keys(data.models[0].metrics.R_pct).map(Number).filter((t) => t > 0);
}

/** A legend below a wide panel; in grids only the first panel has one (the colours are the same in every panel). */
export const BOTTOM_LEGEND = { orient: 'bottom' as const, direction: 'vertical' as const };

/** Tick values for a log axis: the powers of ten inside [lo, hi], with 2 and 5 between them when there are fewer than three. */
export function logTicks(lo: number, hi: number): number[] {
  const decades: number[] = [];
  for (let k = Math.ceil(Math.log10(lo) - 1e-9); 10 ** k <= hi * (1 + 1e-9); k++) decades.push(10 ** k);
  if (decades.length >= 3) return decades;
  const out: number[] = [];
  for (let k = Math.floor(Math.log10(lo)); 10 ** k <= hi; k++) for (const m of [1, 2, 5]) if (m * 10 ** k >= lo * (1 - 1e-9) && m * 10 ** k <= hi * (1 + 1e-9)) out.push(m * 10 ** k);
  return out;
}
