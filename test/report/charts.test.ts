import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { assembleReport, DELTA_BINS } from '../../src/report/collect.js';
import { buildCharts, imageSpec, pageSpecs, populatedRange, rTauCurve, type Chart } from '../../src/report/charts.js';
import { binomialStderrPct } from '../../src/metrics/verdict.js';
import { renderSvg, svgToPng, toVega } from '../../src/report/render.js';
import { renderHtml } from '../../src/report/html.js';
import { PULL_BINS } from '../../src/report/summarize.js';
import { countMarkItems, syntheticModel, type SceneNode } from './support.js';

// Charts drawn headless in Node from synthetic models: the number of items
// every named mark draws must be what the data says — histogram bins + 1
// per model, one per non-empty heat-map cell, one per epoch — so a chart
// that silently drops data (a log axis eating zeros, a filter, a wrong field)
// fails here. The browser test repeats this on the page with real models.

async function drawnItems(chart: Chart): Promise<Record<string, number>> {
  const view = new vega.View(vega.parse(toVega(imageSpec(chart))), { renderer: 'none' });
  await view.runAsync();
  // vega's typings omit the scenegraph's root node.
  const counts = countMarkItems((view.scenegraph() as unknown as { root: SceneNode }).root);
  view.finalize();
  return counts;
}

const plain = syntheticModel('plain', 3000, 0.02, 1, false);
const withSigma = syntheticModel('with σ', 3000, 0.005, 2, true);

test('without σ there are no pull panels; every mark draws as many items as the data has', async () => {
  const data = assembleReport([plain], { source: 'synthetic', bins: 8 });
  const charts = buildCharts(data);
  assert.deepEqual(
    charts.map((c) => c.id),
    ['delta', 'abs-delta', 'r-tau', 'heatmap', 'profiles', 'training', 'wall-time'],
  );
  for (const c of charts) assert.deepEqual(await drawnItems(c), c.marks, c.id);
  const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
  assert.equal(byId.delta.marks.delta, DELTA_BINS + 1);
  assert.equal(byId.training.marks.loss_m1, 8); // 4 epochs × train/validation
  assert.equal(byId.heatmap.marks.heat_m1, 64); // 3000 uniform points fill all 8 × 8 cells

  // Mean |δ| instead of mean δ: the same cells, on a log colour scale.
  const abs = buildCharts(assembleReport([plain], { source: 'synthetic', bins: 8, heatStat: 'abs', deltaRangePct: 5 }));
  assert.equal(abs[3].title, 'Mean |δ| in bins of x1 and x2');
  assert.deepEqual(await drawnItems(abs[3]), { heat_m1: 64 });
  assert.match(abs[0].caption, /100 bins over ±5 %/);
});

test('a model with σ adds the pull and σ-vs-|δ| panels for that model only', async () => {
  const data = assembleReport([plain, withSigma], { source: 'synthetic', bins: 8 });
  assert.equal(data.models[0].uncertainty, null);
  assert.notEqual(data.models[1].uncertainty, null);
  const charts = buildCharts(data);
  assert.deepEqual(
    charts.map((c) => c.id),
    ['delta', 'abs-delta', 'r-tau', 'heatmap', 'profiles', 'training', 'wall-time', 'pulls', 'sigma-delta'],
  );
  const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
  for (const c of charts) assert.deepEqual(await drawnItems(c), c.marks, c.id);
  assert.equal(byId.delta.marks.delta, 2 * (DELTA_BINS + 1));
  const [lo, hi] = populatedRange(data.models.map((m) => m.absDeltaHistogram));
  assert.equal(byId['abs-delta'].marks.absdelta, 2 * (hi - lo + 2));
  assert.equal(byId.pulls.marks.pulls, PULL_BINS + 1); // one model with σ
  assert.equal(byId.pulls.marks.pulls_gauss, 201);
  const cells = data.models[1].uncertainty!.sigmaVsDelta.cells.length;
  assert.ok(cells > 3);
  assert.equal(byId['sigma-delta'].marks.sigdel_m2, cells);
  assert.equal(byId['sigma-delta'].marks.sigdel_m1, undefined);
  // The pull panel's caption states the calibration numbers.
  assert.match(byId.pulls.caption, /with σ: mean -?0\.\d+, standard deviation (0\.9|1\.0)\d+, 6\d\.\d % within ±1/);
  // The page embeds the pull panels too.
  const html = renderHtml(data, charts);
  assert.ok(html.includes('id="chart-pulls"') && html.includes('id="chart-sigma-delta"'));
});

test('images: the SVG has text in DejaVu Sans and the PNG draws it (the font file is loaded)', async () => {
  const data = assembleReport([plain], { source: 'synthetic', bins: 4 });
  const svg = await renderSvg(buildCharts(data)[0]);
  assert.match(svg, /^<svg[^>]+width="\d+"[^>]+height="\d+"/);
  assert.match(svg, /font-family="DejaVu Sans/);
  assert.ok(svg.includes('δ (%)'), 'axis title');

  // Only text: without a font resvg would draw nothing and leave the image white.
  const text = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30"><text x="4" y="22" font-family="DejaVu Sans, sans-serif" font-size="16">δ σ μ R²</text></svg>';
  const img = svgToPng(text, 1);
  assert.equal(img.width, 120);
  assert.equal(img.height, 30);
  let dark = 0;
  for (let i = 0; i < img.pixels.length; i += 4) if (img.pixels[i] < 128) dark++;
  assert.ok(dark > 40, `${dark} dark pixels: the text was not drawn`);
  assert.deepEqual([...img.png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
});

test('R_τ chart: the curve is the share below each |δ| bin edge ± its binomial error; the points are the table\'s R_τ', async () => {
  const data = assembleReport([plain], { source: 'synthetic', bins: 4 });
  const m = data.models[0];
  const h = m.absDeltaHistogram;
  const [lo, hi] = populatedRange([h]);
  const curve = rTauCurve(m.label, h, lo, hi);
  assert.equal(curve.length, hi - lo + 2);
  const absd = Float64Array.from(plain.pred, (p, i) => Math.abs((p - plain.truth[i]) / plain.truth[i]));
  for (const row of curve) {
    // Counted directly from the points: |δ| below the edge.
    const below = absd.filter((v) => v < row.tau / 100).length;
    const r = (100 * below) / 3000;
    assert.ok(Math.abs(row.r - r) < 1e-9, `τ ${row.tau}: ${row.r} vs ${r}`);
    assert.ok(Math.abs(row.hi - row.r - binomialStderrPct(r, 3000)) < 1e-12);
  }
  assert.equal(curve[curve.length - 1].r, 100);
  const chart = buildCharts(data).find((c) => c.id === 'r-tau')!;
  assert.deepEqual(await drawnItems(chart), { rtau_band: curve.length, rtau: curve.length, rtau_err: 2, rtau_pts: 2, rtau_90: 1 });
  const pts = (chart.panels[0] as { layer: { name: string; data: { values: { tau: number; r: number; lo: number; hi: number }[] } }[] }).layer.find((l) => l.name === 'rtau_pts')!.data.values;
  assert.deepEqual(pts.map((p) => p.tau), [1, 0.1]);
  for (const p of pts) {
    const se = m.metrics.R_stderr_pct[String(p.tau)];
    assert.equal(p.r, m.metrics.R_pct[String(p.tau)]);
    assert.ok(Math.abs(p.hi - p.r - se) < 1e-12 && Math.abs(p.r - p.lo - se) < 1e-12);
  }
});

test('named coordinates label the heat map and the profiles; maps bin the physical values; scaled pulls give one point per K', async () => {
  const named = {
    ...withSigma,
    coordinates: { x2: { label: 'cos θ*', map: '2*x2 - 1' }, x1: { label: '√ŝ [GeV]', map: '200 + 800*x1' } },
    scaledPulls: [1, 2, 4].map((K) => ({ K, mean: 0.01, width: 1 / Math.sqrt(K), n: 3000, non_finite: 0 })),
  };
  const data = assembleReport([named, plain], { source: 'synthetic', bins: 5 });
  // The named coordinates come first, in the config's order, and make the default heat map.
  assert.deepEqual(data.coordinates.map((c) => [c.name, c.label]), [['x2', 'cos θ*'], ['x1', '√ŝ [GeV]']]);
  assert.deepEqual(data.coords, ['x2', 'x1']);
  const h = data.models[0].heatmap!;
  assert.deepEqual([h.xName, h.yName], ['cos θ*', '√ŝ [GeV]']);
  // The edges span the mapped values (cos θ* in [−1, 1], √ŝ in [200, 1000]), for the model without a config of its own too.
  const within = (e: readonly number[], lo: number, hi: number): void => assert.ok(e[0] >= lo - 1e-9 && e[0] < lo + 0.01 * (hi - lo) && e[5] <= hi + 1e-9 && e[5] > hi - 0.01 * (hi - lo), String(e));
  within(h.xEdges, -1, 1);
  within(h.yEdges, 200, 1000);
  assert.deepEqual(data.models[1].heatmap!.yEdges, h.yEdges);
  for (const m of data.models) {
    assert.deepEqual(m.profiles.map((p) => p.label), ['cos θ*', '√ŝ [GeV]']);
    assert.equal(m.profiles[1].bins.reduce((a, b) => a + b.n, 0), 3000);
    within(m.profiles[1].edges, 200, 1000);
  }
  assert.equal(data.models[1].heatmap!.cells.reduce((a, c) => a + c.n, 0), 3000, 'the unnamed model is binned in the mapped coordinates');
  const charts = buildCharts(data);
  const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
  assert.equal(byId.heatmap.title, 'Mean δ in bins of cos θ* and √ŝ [GeV]');
  assert.equal(byId.profiles.panels.length, 4);
  for (const c of charts) assert.deepEqual(await drawnItems(c), c.marks, c.id);
  assert.deepEqual(byId['scaled-pulls'].marks, { spull: 3, spull_pts: 3, spull_one: 1 });
  assert.match(byId['scaled-pulls'].caption, /with σ: K=1 1\.000, K=2 0\.707, K=4 0\.500/);
  const svg = await renderSvg(byId.profiles);
  assert.ok(svg.includes('cos θ*') && svg.includes('√ŝ [GeV]'), 'axis titles in the image');
});

test('page specs fill their container; image specs have fixed widths', () => {
  const data = assembleReport([plain], { source: 'synthetic', bins: 4 });
  for (const c of buildCharts(data)) {
    for (const s of pageSpecs(c)) assert.equal((s as { width?: unknown }).width, 'container', c.id);
    const img = imageSpec(c) as { width?: unknown; concat?: { width?: unknown }[] };
    if (c.panels.length === 1) assert.equal(img.width, c.image.width, c.id);
    else for (const p of img.concat!) assert.equal(p.width, c.image.width, c.id);
  }
});

test('Vega-Lite compiles every chart without a warning (a warning is printed on the console of `ampfit report`)', () => {
  const warnings: string[] = [];
  const note = (...a: unknown[]) => void warnings.push(a.map(String).join(' '));
  const logger = { level: () => logger, warn: note, error: note, info: () => logger, debug: () => logger };
  for (const models of [[plain], [plain, withSigma]]) {
    for (const c of buildCharts(assembleReport(models, { source: 'synthetic', bins: 8 }))) {
      for (const spec of [...pageSpecs(c), imageSpec(c)]) compile(spec, { logger: logger as unknown as NonNullable<Parameters<typeof compile>[1]>['logger'] });
      assert.deepEqual(warnings, [], `${c.id} (${models.length} models)`);
    }
  }
});
