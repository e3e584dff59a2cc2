import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as vega from 'vega';
import { assembleReport, DELTA_BINS } from '../../src/report/collect.js';
import { buildCharts, imageSpec, populatedRange, type Chart } from '../../src/report/charts.js';
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
