// Calibration of learned uncertainties (paper 2): pulls of the learned σ
// against a unit Gaussian, σ against the actual |δ|, and the widths of the
// scaled statistical pulls against the number K of members averaged
// (its Fig. 13; metrics.json's pull_stat_scaled).

import { logTicks, modelColorChannel, pointLayer, referenceLine, splitWords, stepRows, WIDE_IMAGE, type Chart, type Panel } from './chartKit.js';
import type { ReportData } from './types.js';

export function pullChart(data: ReportData): Chart {
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
    layout: 'wide',
    image: WIDE_IMAGE,
    panels: [{
      height: 320,
      layer: [
        {
          name: 'pulls',
          data: { values: rows },
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.6 },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: 't = (prediction − true)/σ', scale: { domain: [-5, 5], nice: false } },
            y: { field: 'y', type: 'quantitative', title: 'probability density', scale: { type: 'log' } },
            color: modelColorChannel(data, models),
          },
        },
        {
          name: 'pulls_gauss',
          data: { values: gauss },
          mark: { type: 'line', color: 'black', strokeDash: [5, 3], strokeWidth: 1 },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
        },
      ],
    }],
    marks: { pulls: rows.length, pulls_gauss: gauss.length },
  };
}

export function sigmaDeltaChart(data: ReportData): Chart {
  const models = data.models.filter((m) => m.uncertainty !== null);
  const marks: Record<string, number> = {};
  const panels = models.map((m): Panel => {
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
      height: 260,
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
    layout: 340,
    image: { columns: 3, width: 250 },
    panels,
    marks,
  };
}

export function scaledPullChart(data: ReportData): Chart {
  const models = data.models.filter((m) => m.scaledPulls !== null && m.scaledPulls.length > 0);
  const rows = models.flatMap((m) => m.scaledPulls!.map((p) => ({ model: m.label, K: p.K, width: p.width, mean: p.mean, n: p.n })));
  const x = { field: 'K', type: 'quantitative' as const, title: 'K (members averaged)', scale: { type: 'log' as const, base: 2, nice: false }, axis: { values: [...new Set(rows.map((r) => r.K))], format: 'd' } };
  const color = modelColorChannel(data, models);
  const widths = models.map((m) => `${m.label}: ${m.scaledPulls!.map((p) => `K=${p.K} ${p.width.toFixed(3)}`).join(', ')}`);
  return {
    id: 'scaled-pulls',
    title: 'Scaled statistical pulls: width against K',
    caption:
      `Width (standard deviation) of (⟨f⟩_K − A)/(σ_stat/√K) on ${splitWords(data)}, ⟨f⟩_K the mean of the first K of the M members or posterior samples, ` +
      "σ_stat from all M, A the truth in the transformed space (paper 2, eqs. 37–39 and Fig. 13; metrics.json's pull_stat_scaled). " +
      'Independent members would keep width 1 (dashed) for every K; a width falling as K → M says the mean and σ_stat are not independent samples, one above 1 a bias σ_stat does not cover. ' +
      `${widths.join('; ')}.`,
    layout: 'wide',
    image: WIDE_IMAGE,
    panels: [
      {
        height: 280,
        layer: [
          { name: 'spull', data: { values: rows }, mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y: { field: 'width', type: 'quantitative', title: 'pull width', scale: { zero: true } }, color } },
          pointLayer('spull_pts', rows, x, 'width', color, 45, [
            { field: 'model', type: 'nominal' },
            { field: 'K', type: 'quantitative' },
            { field: 'width', type: 'quantitative', format: '.4f' },
            { field: 'mean', type: 'quantitative', format: '.4f' },
            { field: 'n', type: 'quantitative', title: 'pulls' },
          ]),
          referenceLine('spull_one', 1),
        ],
      },
    ],
    marks: { spull: rows.length, spull_pts: rows.length, spull_one: 1 },
  };
}
