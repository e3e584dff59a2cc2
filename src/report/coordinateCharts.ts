// Plots of δ over the input coordinates, on the axes the config names
// (`coordinates`: label and map): the mean δ in cells of two coordinates
// (paper 1, Fig. 7) and the 1-D profiles, the median and the central 68 % and
// 95 % of δ in bins of each coordinate, one panel per model and coordinate.

import { modelColor, splitWords, type Chart, type Panel } from './chartKit.js';
import type { ReportData } from './types.js';

export function heatMapChart(data: ReportData): Chart {
  const abs = data.heatStat === 'abs';
  const units = data.models.flatMap((m) => (m.heatmap === null ? [] : [m]));
  const marks: Record<string, number> = {};
  const panels = units.map((m): Panel => {
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
      height: 260,
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
  const cx = units[0].heatmap!.xName;
  const cy = units[0].heatmap!.yName;
  const nx = units[0].heatmap!.xEdges.length - 1;
  const ny = units[0].heatmap!.yEdges.length - 1;
  return {
    id: 'heatmap',
    title: `${abs ? 'Mean |δ|' : 'Mean δ'} in bins of ${cx} and ${cy}`,
    caption:
      `${abs ? 'The mean of |δ|' : 'The mean of δ (red: over-predicted, blue: under-predicted)'} over the points of each of ${nx} × ${ny} cells, ` +
      `from ${splitWords(data)} predicted again with loadModel (paper 1, Fig. 7). Each model has its own colour scale; empty cells are blank. ` +
      'Hover a cell for its range, point count, mean δ and mean |δ|.',
    layout: 340,
    image: { columns: 3, width: 250 },
    panels,
    marks,
  };
}

/** Most coordinates per model row in the images (zz8d has eight: two rows). */
const PROFILE_IMAGE_COLUMNS = 4;

export function profileChart(data: ReportData): Chart {
  const marks: Record<string, number> = {};
  const panels: Panel[] = [];
  for (const m of data.models) {
    const color = modelColor(data, m);
    m.profiles.forEach((p, k) => {
      const rows = p.bins.map((b) => ({
        x: 0.5 * (p.edges[b.i] + p.edges[b.i + 1]),
        from: p.edges[b.i],
        to: p.edges[b.i + 1],
        n: b.n,
        median: b.medianPct,
        lo68: b.lo68Pct,
        hi68: b.hi68Pct,
        lo95: b.lo95Pct,
        hi95: b.hi95Pct,
      }));
      const id = `${m.id}_${k}`;
      for (const name of ['prof95', 'prof68', 'profmed']) marks[`${name}_${id}`] = rows.length;
      marks[`profzero_${id}`] = 1;
      const x = { field: 'x', type: 'quantitative' as const, title: p.label, scale: { domain: [p.edges[0], p.edges[p.edges.length - 1]], nice: false, zero: false } };
      panels.push({
        title: m.label,
        height: 200,
        layer: [
          { name: `prof95_${id}`, data: { values: rows }, mark: { type: 'area', color, opacity: 0.15 }, encoding: { x, y: { field: 'lo95', type: 'quantitative', title: 'δ (%)' }, y2: { field: 'hi95' } } },
          { name: `prof68_${id}`, data: { values: rows }, mark: { type: 'area', color, opacity: 0.35 }, encoding: { x, y: { field: 'lo68', type: 'quantitative' }, y2: { field: 'hi68' } } },
          { name: `profzero_${id}`, data: { values: [{ y: 0 }] }, mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { y: { field: 'y', type: 'quantitative' } } },
          {
            name: `profmed_${id}`,
            data: { values: rows },
            mark: { type: 'line', color, strokeWidth: 1.6, point: false },
            encoding: {
              x,
              y: { field: 'median', type: 'quantitative' },
              tooltip: [
                { field: 'from', type: 'quantitative', title: `${p.label} from`, format: '.4~g' },
                { field: 'to', type: 'quantitative', title: `${p.label} to`, format: '.4~g' },
                { field: 'n', type: 'quantitative', title: 'points' },
                { field: 'median', type: 'quantitative', title: 'median δ (%)', format: '.3g' },
                { field: 'lo68', type: 'quantitative', title: '16 % (%)', format: '.3g' },
                { field: 'hi68', type: 'quantitative', title: '84 % (%)', format: '.3g' },
              ],
            },
          },
        ],
      });
    });
  }
  const perModel = Math.max(...data.models.map((m) => m.profiles.length));
  const bins = data.models.find((m) => m.profiles.length > 0)!.profiles[0].edges.length - 1;
  const mapped = data.coordinates.filter((c) => c.map !== null && data.models.some((m) => m.profiles.some((p) => p.name === c.name)));
  return {
    id: 'profiles',
    title: 'δ in bins of each coordinate',
    caption:
      `δ on ${splitWords(data)} in ${bins} bins of each coordinate: the median (line), the central 68 % ` +
      '(dark band, 16th to 84th percentile) and 95 % (light band, 2.5th to 97.5th) of the points in each bin, one panel per model and coordinate, each on its own δ scale. ' +
      'A band that widens or a median that leaves 0 marks where the model is worse or biased. ' +
      (mapped.length > 0 ? `Coordinates by the config's maps: ${mapped.map((c) => `${c.label} = ${c.map}`).join('; ')}.` : ''),
    layout: 260,
    image: { columns: Math.min(PROFILE_IMAGE_COLUMNS, perModel), width: 220 },
    panels,
    marks,
  };
}
