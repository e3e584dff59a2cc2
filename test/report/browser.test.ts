import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { keyApplies } from '../../src/config/applicability.js';
import { validateConfig } from '../../src/config/load.js';
import type { ModelMetrics } from '../../src/io/modelStore.js';
import type { PrecisionMetrics } from '../../src/metrics/precision.js';
import type { EpochRecord } from '../../src/models/regressor.js';
import { loadModel } from '../../src/models/surrogate.js';
import { buildCharts, populatedRange, type Chart } from '../../src/report/charts.js';
import { collectReport, DELTA_BINS, surrogatePredictor, type Predictor } from '../../src/report/collect.js';
import { renderHtml } from '../../src/report/html.js';
import { PULL_BINS } from '../../src/report/summarize.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { SAMPLE_2D, tempDir } from '../helpers.js';

// The report page as a person opens it: headless Chromium, network off. Every
// chart must render, each named mark with as many items as the models' files
// say (bins + 1 per histogram line, one per heat-map cell, one per epoch),
// and each number of the precision table must be metrics.json's. Three real
// models (polynomial, sk-DNN, boosted trees) trained on 3000 zz2d rows; the
// sk-DNN gets a synthetic per-point σ so the uncertainty panels are drawn too.

const CHROMIUM = process.env.AMPFIT_CHROMIUM ?? '/usr/bin/chromium';
/** Kept after the test (not in a self-removing temp dir) so a person can look at it. */
const SHOTS = process.env.AMPFIT_SCREENSHOT_DIR ?? join(tmpdir(), 'ampfit-report-test');

// The data card's zz2d coordinates, as examples/zz2d-best.json names them.
const COORDINATES = { x1: { label: '√ŝ [GeV]', map: '182.3752 + 817.6248*x1' }, x2: { label: 'cos θ*', map: '2*x2 - 1' } };
const BASE = { data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 3000 }, seed: 3, coordinates: COORDINATES };
const MODELS = [
  { name: 'poly', model_type: 'poly', degree: 6 },
  { name: 'skdnn', model_type: 'skdnn', depth: 2, width: 8, epochs: 4, steps_per_epoch: 20, batch_size: 256, decay_epochs: 4, target_transform: 'log-standardize' },
  { name: 'bdt', model_type: 'bdt', max_depth: 4, n_estimators: 12, learning_rate: 0.3 },
  // Eight posterior samples: metrics.json's scaled statistical pulls for K = 1, 2, 4, 8 (paper 2, Fig. 13).
  {
    name: 'bnn', model_type: 'dnn', depth: 2, width: 8, epochs: 3, steps_per_epoch: null, batch_size: 128, decay_epochs: 3,
    target_transform: 'log-standardize', uncertainty: 'bnn', bnn_samples: 8, bnn_last_layer_only: true,
  },
];

/** Browser side: items per named mark in every view (see test/report/support.ts for the rules). */
const COUNT_MARKS = `(() => {
  const out = {};
  for (const [id, views] of Object.entries(window.ampfitViews)) {
    const counts = {};
    const visit = (node) => {
      if (node.marktype && node.marktype !== 'group' && node.role === 'mark' && node.name && node.name.endsWith('_marks')) {
        const key = node.name.slice(0, -6);
        counts[key] = (counts[key] || 0) + node.items.length;
      }
      for (const item of node.items || []) {
        if (item.items && !item.marktype) item.items.forEach(visit);
        else if (item.marktype) visit(item);
      }
    };
    for (const view of views) visit(view.scenegraph().root);
    out[id] = counts;
  }
  return out;
})()`;

const TABLE_CELLS = `Array.from(document.querySelectorAll('#precision tbody tr')).flatMap((tr) =>
  Array.from(tr.querySelectorAll('td[data-key]')).map((td) => ({ model: tr.dataset.model, key: td.dataset.key, value: td.dataset.value, text: td.textContent })))`;

const SVG_PATHS = `Object.fromEntries(Array.from(document.querySelectorAll('.view g.role-mark')).map((g) => [g.getAttribute('class').split(' ').pop(), 0])
  .map(([k]) => [k, document.querySelectorAll('.view g.' + k + ' > path').length]))`;

/** Per model row of the models table: config key → its value there. */
const DIFFERING = `Object.fromEntries(Array.from(document.querySelectorAll('#models tbody tr')).map((tr) =>
  [tr.dataset.model, Object.fromEntries(Array.from(tr.querySelectorAll('td.differs li')).map((li) => [li.dataset.key, li.textContent.slice(li.dataset.key.length + 2)]))]))`;

const LAYOUT = `({
  scroll: document.documentElement.scrollWidth,
  column: document.querySelector('#chart-delta .panels').getBoundingClientRect().width,
  wide: document.querySelector('#view-delta-0 svg').getBoundingClientRect().width,
  heatTops: Array.from(document.querySelectorAll('#chart-heatmap .view')).map((v) => Math.round(v.getBoundingClientRect().top)),
})`;

/** The data of a chart's named layer (the first panel holding it). */
function layerValues(chart: Chart, name: string): Record<string, number>[] {
  for (const p of chart.panels) {
    const layer = (p as { layer?: { name?: string; data?: { values?: unknown } }[] }).layer ?? [];
    const l = layer.find((x) => x.name === name);
    if (l !== undefined) return l.data!.values as Record<string, number>[];
  }
  throw new Error(`no layer ${name} in ${chart.id}`);
}

test('report page in headless Chromium: every chart drawn with the expected marks, table equals metrics.json', { timeout: 120_000 }, async (t) => {
  assert.ok(
    existsSync(CHROMIUM),
    `headless Chromium is needed for this test and was not found at ${CHROMIUM}: install it with 'apt-get install chromium' ` +
      '(Debian package chromium; or set AMPFIT_CHROMIUM to a Chromium binary)',
  );
  const work = tempDir();
  const dirs: string[] = [];
  for (const m of MODELS) {
    const dir = join(work, m.name);
    await runTraining({ config: validateConfig({ ...BASE, ...m }, m.name), outDir: dir, log: memoryLogger() });
    dirs.push(dir);
  }
  // A stand-in for a model with learned uncertainties: σ = 5 % of the prediction for the sk-DNN; the BNN's own σ_syst.
  const predictor: Predictor = (model, x, n) => {
    if (model.hasUncertainty) return surrogatePredictor(model, x, n);
    const pred = model.predict(x, n);
    return { pred, sigma: model.header.regressor.type === 'skdnn' ? pred.map((p) => 0.05 * Math.abs(p)) : null };
  };
  const data = await collectReport(dirs, { bins: 10, speed: { batch: 512, seconds: 0.05 }, predictor });
  assert.deepEqual(data.warnings, []);
  const charts = buildCharts(data);
  assert.deepEqual(
    charts.map((c) => c.id),
    ['delta', 'abs-delta', 'r-tau', 'heatmap', 'profiles', 'training', 'wall-time', 'pulls', 'sigma-delta', 'scaled-pulls'],
  );
  const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
  mkdirSync(SHOTS, { recursive: true });
  const pagePath = join(SHOTS, 'report.html');
  writeFileSync(pagePath, renderHtml(data, charts));

  const metrics = dirs.map((d) => (JSON.parse(readFileSync(join(d, 'metrics.json'), 'utf8')) as ModelMetrics).test!);
  const histories = dirs.map((d) => JSON.parse(readFileSync(join(d, 'history.json'), 'utf8')) as EpochRecord[]);

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const context = await browser.newContext({ offline: true, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const external: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) external.push(r.url());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(pathToFileURL(pagePath).href);
    await page.waitForFunction('document.body.dataset.rendered !== undefined', undefined, { timeout: 30_000 });
    const state = await page.evaluate('[document.body.dataset.rendered, document.body.dataset.error]');
    assert.deepEqual(state, ['ok', undefined]);
    assert.deepEqual(errors, []);
    assert.deepEqual(external, [], 'the page must need no network');

    // Marks drawn, per chart: first what the chart specs promise, then those promises against the model files.
    const drawn = (await page.evaluate(COUNT_MARKS)) as Record<string, Record<string, number>>;
    for (const c of charts) assert.deepEqual(drawn[c.id], c.marks, `chart ${c.id}`);
    assert.equal(drawn.delta.delta, MODELS.length * (DELTA_BINS + 1));
    const [lo, hi] = populatedRange(metrics.map((m) => m.abs_delta_histogram));
    assert.equal(drawn['abs-delta'].absdelta, MODELS.length * (hi - lo + 2));
    data.models.forEach((m, i) => {
      const cells = m.heatmap!.cells;
      assert.equal(drawn.heatmap[`heat_${m.id}`], cells.length);
      assert.ok(cells.length > 50 && cells.length <= 100, `${cells.length} of 10 × 10 cells`);
      assert.equal(cells.reduce((a, c) => a + c.n, 0), metrics[i].n, 'every test point is in a cell');
      // A polynomial's history is one record (no curve); the others have one item per epoch or round.
      if (histories[i].length > 1) {
        assert.equal(drawn.training[`loss_${m.id}`], 2 * histories[i].length);
        assert.equal(drawn.training[`r2_${m.id}`], histories[i].length);
        assert.equal(drawn.training[`lr_${m.id}`], histories[i].length);
      } else {
        assert.equal(drawn.training[`loss_${m.id}`], undefined);
      }
    });
    assert.equal(histories[1].length, 4);
    assert.equal(drawn.pulls.pulls, 2 * (PULL_BINS + 1)); // the sk-DNN's synthetic σ and the BNN's
    // Scaled pulls: one point per K of metrics.json's ladder, at its width.
    const uncertainty = (JSON.parse(readFileSync(join(dirs[3], 'metrics.json'), 'utf8')) as ModelMetrics).uncertainty!.test!;
    const ladder = uncertainty.pull_stat_scaled!;
    assert.deepEqual(ladder.map((p) => p.K), [1, 2, 4, 8]);
    assert.equal(drawn['scaled-pulls'].spull_pts, ladder.length);
    assert.deepEqual(layerValues(byId['scaled-pulls'], 'spull_pts').map((r) => [r.K, r.width]), ladder.map((p) => [p.K, p.width]));
    // Training against wall time: one point per epoch at history.json's elapsed seconds.
    const timed = histories.filter((h) => h.length > 1);
    assert.equal(drawn['wall-time'].walltime, timed.reduce((a, h) => a + h.length, 0));
    assert.deepEqual(layerValues(byId['wall-time'], 'walltime').map((r) => r.t), timed.flatMap((h) => h.map((r) => r.elapsedS)));
    // Profiles: a panel per model and coordinate, in the config's physical coordinates.
    assert.equal(byId.profiles.panels.length, 2 * MODELS.length);
    for (const m of data.models) {
      assert.deepEqual(m.profiles.map((p) => p.label), ['√ŝ [GeV]', 'cos θ*']);
      assert.equal(m.profiles[0].bins.reduce((a, b) => a + b.n, 0), m.metrics.n);
      assert.ok(m.profiles[0].edges[0] <= 182.3752 + 817.6248 * 0.01 && m.profiles[0].edges[10] >= 1000 - 817.6248 * 0.01, String(m.profiles[0].edges));
      assert.ok(m.profiles[1].edges[0] >= -1 && m.profiles[1].edges[10] <= 1.0000001, String(m.profiles[1].edges));
      assert.equal(drawn.profiles[`profmed_${m.id}_0`], m.profiles[0].bins.length);
    }
    assert.equal(drawn['sigma-delta'].sigdel_m2, data.models[1].uncertainty!.sigmaVsDelta.cells.length);

    // The SVG elements themselves: one <path> per heat-map cell.
    const paths = (await page.evaluate(SVG_PATHS)) as Record<string, number>;
    for (const m of data.models) assert.equal(paths[`heat_${m.id}_marks`], m.heatmap!.cells.length);

    // The table: exact values in data-value, shown rounded.
    const cells = (await page.evaluate(TABLE_CELLS)) as { model: string; key: string; value: string; text: string }[];
    let checked = 0;
    for (const cell of cells) {
      const i = Number(cell.model.slice(1)) - 1;
      const expected = expectedCell(cell.key, metrics[i], dirs[i]);
      if (expected === undefined) {
        assert.ok(Number(cell.value) > 0, `${cell.model} ${cell.key} = ${cell.value}`);
        continue;
      }
      assert.equal(Number(cell.value), expected, `${cell.model} ${cell.key}`);
      const shown = Number(cell.text.replace(/,/g, '').replace('−', '-').replace(/\s*(KiB|MiB|B)$/, ''));
      const scale = /KiB$/.test(cell.text) ? 1024 : /MiB$/.test(cell.text) ? 1024 ** 2 : 1;
      assert.ok(Math.abs(shown * scale - expected) <= 0.0051 * Math.max(1, Math.abs(expected)) + 0.051 * scale, `${cell.model} ${cell.key}: shows ${cell.text} for ${expected}`);
      checked++;
    }
    assert.equal(checked, MODELS.length * 15, 'n, R_1, R_0.1, R_0.01 and their standard errors, τ_90, μ_δ, σ_δ, q50, q99, R², parameters, bytes for each model');

    // The axes carry the config's names, and the models table the config keys that differ, with each model's value.
    const heatText = await page.evaluate(`document.querySelector('#chart-heatmap').textContent`);
    assert.ok(String(heatText).includes('√ŝ [GeV]') && String(heatText).includes('cos θ*'), 'heat-map axis titles');
    assert.equal(await page.evaluate(`document.querySelector('#chart-heatmap h2').textContent`), 'Mean δ in bins of √ŝ [GeV] and cos θ*');
    const differs = (await page.evaluate(DIFFERING)) as Record<string, Record<string, string>>;
    for (const key of ['model_type', 'uncertainty', 'degree', 'max_depth']) assert.ok(data.differingKeys.includes(key), key);
    for (const key of ['seed', 'data.files', 'coordinates.x1.label']) assert.ok(!data.differingKeys.includes(key), key);
    dirs.forEach((d, i) => {
      const config = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8')) as Record<string, unknown>;
      // Each model lists the differing keys its type reads: the polynomial its degree, not the trees' max_depth.
      assert.deepEqual(Object.keys(differs[`m${i + 1}`]), data.differingKeys.filter((k) => keyApplies(k.split('.')[0], String(config.model_type))));
      assert.equal(differs[`m${i + 1}`].model_type, JSON.stringify(config.model_type));
    });
    assert.equal(differs.m1.degree, '6');
    assert.equal(differs.m1.max_depth, undefined);
    assert.equal(differs.m3.max_depth, '4');
    assert.equal(differs.m4.uncertainty, '"bnn"');
    assert.equal(differs.m4.bnn_samples, '8');

    // The plots use the page width: nothing wider than the window, a wide plot as wide as the page's column,
    // and the grid of heat maps three to a row at 1280 pixels, two at 800.
    for (const [width, perRow] of [[1280, 3], [800, 2]] as const) {
      await page.setViewportSize({ width, height: 900 });
      await page.waitForTimeout(300);
      const layout = (await page.evaluate(LAYOUT)) as { scroll: number; column: number; wide: number; heatTops: number[] };
      assert.ok(layout.scroll <= width, `${width}: page scrolls sideways (${layout.scroll} px)`);
      assert.ok(layout.wide > layout.column - 30 && layout.wide <= layout.column, `${width}: the δ plot is ${layout.wide} px in a ${layout.column} px column`);
      assert.equal(layout.heatTops.filter((y) => y === layout.heatTops[0]).length, perRow, `${width}: heat maps per row ${layout.heatTops}`);
      await page.screenshot({ path: join(SHOTS, `report-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    const shot = join(SHOTS, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000);
    t.diagnostic(`screenshot: ${shot} (page: ${pagePath})`);
  } finally {
    await browser.close();
  }
});

/** What a precision-table cell must hold, from the model's own files; undefined for the speed columns (measured). */
function expectedCell(key: string, m: PrecisionMetrics, dir: string): number | undefined {
  switch (key) {
    case 'parameterCount':
      return loadModel(dir).header.parameter_count;
    case 'modelBytes':
      return statSync(join(dir, 'model.ampfit')).size;
    case 'speed.pointsPerS':
    case 'speed.batch':
    case 'speed.threads':
      return undefined;
    default: {
      // "R_pct.0.1": the first dot separates the field from its key.
      const dot = key.indexOf('.');
      const v = (m as unknown as Record<string, unknown>)[dot < 0 ? key : key.slice(0, dot)];
      return (dot < 0 ? v : (v as Record<string, number>)[key.slice(dot + 1)]) as number;
    }
  }
}
