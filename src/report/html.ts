// The report page: one self-contained HTML file. The Vega runtime is inlined
// (no network, no CDN: the page opens from a laptop on a train or from a
// batch system's scratch disk), the charts travel as compiled Vega specs with
// their data, and the tables are plain HTML. Every number of the precision
// table carries its exact value in data-value, so a script (and the browser
// test) can compare it with metrics.json.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { verdictOfMetrics, type PrecisionMetrics } from '../metrics/precision.js';
import { buildCharts, modelColor, pageSpecs, type Chart } from './charts.js';
import { toVega } from './render.js';
import { rStderrPct } from './summarize.js';
import type { ModelReport, ReportData } from './types.js';

/** Vega's UMD build, which defines the global `vega` the page script uses. */
export function vegaRuntime(): string {
  // The package's exports map hides build/ from require(); the ESM entry point sits beside vega.min.js.
  return readFileSync(fileURLToPath(new URL('vega.min.js', import.meta.resolve('vega'))), 'utf8');
}

export function renderHtml(data: ReportData, charts: readonly Chart[] = buildCharts(data)): string {
  const embedded = charts.map((c) => ({ id: c.id, title: c.title, panels: pageSpecs(c).map(toVega), marks: c.marks }));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ampfit ${esc(data.ampfitVersion)}">
<title>${esc(data.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${esc(data.title)}</h1>
<p class="meta">${data.models.length} model${data.models.length === 1 ? '' : 's'}, evaluated on ${esc(data.source)}.
Made ${esc(data.created.replace('T', ' ').slice(0, 19))} UTC by ampfit ${esc(data.ampfitVersion)}.</p>
</header>
${data.warnings.length > 0 ? `<section class="warnings"><h2>Warnings</h2><ul>${data.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></section>` : ''}
<section id="precision">
<h2>Precision</h2>
${precisionTable(data)}
</section>
${charts.map(chartSection).join('\n')}
<section id="models">
<h2>Models</h2>
${modelsTable(data)}
</section>
<footer>Self-contained page: the Vega ${esc(vegaVersion())} runtime and all data are inside this file; no network is needed to view it.</footer>
<script type="application/json" id="ampfit-charts">${jsonForScript(embedded)}</script>
<script type="application/json" id="ampfit-report-data">${jsonForScript(data)}</script>
<script>${vegaRuntime()}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

function chartSection(c: Chart): string {
  // A grid reflows into as many columns of at least c.layout pixels as the page holds; each view fills its cell.
  const grid = c.layout === 'wide' ? 'panels wide' : 'panels grid';
  const style = c.layout === 'wide' ? '' : ` style="grid-template-columns: repeat(auto-fill, minmax(${c.layout}px, 1fr))"`;
  return `<section class="chart" id="chart-${c.id}">
<h2>${esc(c.title)}</h2>
<div class="${grid}"${style}>${c.panels.map((_, k) => `<div class="view" id="view-${c.id}-${k}"></div>`).join('')}</div>
<p class="caption">${esc(c.caption)}</p>
</section>`;
}

// ---------------------------------------------------------------------------
// Tables

interface Column {
  readonly head: string;
  /** Path into the model's metrics (e.g. "R_pct.1"), or a report field, named in data-key. */
  readonly key: string;
  readonly value: (m: ModelReport) => number | null;
  readonly format: (v: number) => string;
  readonly title?: string;
}

function precisionColumns(data: ReportData): Column[] {
  // The R_τ columns of every model, in the first model's order (models trained with other taus add theirs).
  const taus: string[] = [];
  for (const m of data.models) for (const t of Object.keys(m.metrics.R_pct)) if (!taus.includes(t)) taus.push(t);
  const metric = (get: (p: PrecisionMetrics) => number | undefined) => (m: ModelReport) => get(m.metrics) ?? null;
  return [
    { head: 'n', key: 'n', value: metric((p) => p.n), format: (v) => v.toLocaleString('en-US'), title: 'points evaluated' },
    ...taus.flatMap((t): Column[] => [
      { head: `R<sub>${esc(t)}</sub> (%)`, key: `R_pct.${t}`, value: metric((p) => p.R_pct[t]), format: (v) => v.toFixed(2), title: `share of points with |δ| < ${t} %` },
      { head: '±', key: `R_stderr_pct.${t}`, value: metric((p) => rStderrPct(p, t)), format: (v) => v.toFixed(2), title: `binomial standard error of R_${t}, sqrt(R(1−R)/n)` },
    ]),
    { head: 'τ<sub>90</sub> (%)', key: 'verdict.tau90_pct', value: metric((p) => verdictOfMetrics(p)?.tau90_pct), format: small, title: '90 % of the points have |δ| below this (the 90th percentile of |δ|)' },
    { head: 'μ<sub>δ</sub> (%)', key: 'mu_delta_pct', value: metric((p) => p.mu_delta_pct), format: signed, title: 'mean of δ' },
    { head: 'σ<sub>δ</sub> (%)', key: 'sigma_delta_pct', value: metric((p) => p.sigma_delta_pct), format: small, title: 'standard deviation of δ' },
    { head: '|δ| q50 (%)', key: 'abs_delta_quantiles_pct.50', value: metric((p) => p.abs_delta_quantiles_pct['50']), format: small, title: 'median of |δ|' },
    { head: '|δ| q99 (%)', key: 'abs_delta_quantiles_pct.99', value: metric((p) => p.abs_delta_quantiles_pct['99']), format: small, title: '99th percentile of |δ|' },
    { head: 'R²', key: 'r2', value: metric((p) => p.r2), format: (v) => v.toFixed(6) },
    { head: 'parameters', key: 'parameterCount', value: (m) => m.parameterCount, format: (v) => v.toLocaleString('en-US'), title: 'trained parameters (tree nodes × values for boosted trees)' },
    { head: 'model size', key: 'modelBytes', value: (m) => m.modelBytes, format: bytes, title: 'bytes of model.ampfit' },
    { head: 'points/s', key: 'speed.pointsPerS', value: (m) => m.speed?.pointsPerS ?? null, format: (v) => Math.round(v).toLocaleString('en-US'), title: 'predictions per second of loadModel(...).predict' },
    { head: 'batch', key: 'speed.batch', value: (m) => m.speed?.batch ?? null, format: (v) => v.toLocaleString('en-US'), title: 'points per predict() call' },
    { head: 'threads', key: 'speed.threads', value: (m) => m.speed?.threads ?? null, format: String },
  ];
}

function precisionTable(data: ReportData): string {
  const cols = precisionColumns(data);
  const head = `<tr><th>model</th><th>split</th><th title="paper 1's criterion: |δ| < 1 % on more than 90 % of the points">R<sub>1</sub> &gt; 90 %</th>${cols.map((c) => `<th${c.title === undefined ? '' : ` title="${esc(c.title)}"`}>${c.head}</th>`).join('')}</tr>`;
  const rows = data.models.map((m) => {
    const cells = cols.map((c) => {
      const v = c.value(m);
      return v === null || !Number.isFinite(v)
        ? `<td data-key="${esc(c.key)}" data-value="${v === null ? '' : String(v)}">${v === null ? '—' : String(v)}</td>`
        : `<td data-key="${esc(c.key)}" data-value="${String(v)}">${c.format(v)}</td>`;
    });
    return `<tr data-model="${m.id}"><th scope="row" title="${esc(m.dir)}">${swatch(data, m)}${esc(m.label)}</th><td class="text">${m.split}</td><td class="text">${verdictCell(m.metrics)}</td>${cells.join('')}</tr>`;
  });
  const speeds = data.models.flatMap((m) => (m.speed === null ? [] : [`${m.label}: ${m.speed.backend}`]));
  const nonFinite = data.models.filter((m) => m.metrics.nonFinite > 0).map((m) => `${m.label}: ${m.metrics.nonFinite} predictions are NaN or infinite`);
  return `<div class="scroll"><table class="numbers">
<thead>${head}</thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>
<p class="caption">R<sub>τ</sub>: share of points with |δ| &lt; τ %, ± its binomial standard error sqrt(R(1−R)/n); R<sub>1</sub> &gt; 90 %: paper 1's criterion (undecided within two standard errors); τ<sub>90</sub>: 90 % of the points have |δ| below it; μ<sub>δ</sub>, σ<sub>δ</sub>: mean and standard deviation of δ = (prediction − true)/|true| (paper 1, Table 2).
${data.models.some((m) => m.split === 'test') ? 'On the test split the numbers are those of the model\'s metrics.json.' : ''}
${speeds.length > 0 ? `Speed: points per second of <code>loadModel(dir).predict(x, n)</code> on the evaluation rows in calls of <em>batch</em> points, wall clock on this machine when the report was made, after one warm-up call (${esc(speeds.join('; '))}).` : ''}
${nonFinite.length > 0 ? `<strong>${esc(nonFinite.join('; '))}.</strong>` : ''}</p>`;
}

/** Paper 1's yes/no, "undecided" when R_1 is within two binomial standard errors of 90 %. */
function verdictCell(p: PrecisionMetrics): string {
  const v = verdictOfMetrics(p);
  if (v === null) return '—';
  return v.marginal ? 'undecided' : v.holds ? 'yes' : 'no';
}

function modelsTable(data: ReportData): string {
  const compared = data.differingKeys.length > 0;
  const rows = data.models.map((m) => {
    const t = m.training;
    const trained = t === null ? '' : `${t.epochsRun} epochs (best ${t.bestEpoch}) in ${t.seconds.toFixed(1)} s; ${t.stoppedBecause}`;
    // Keys this model does not read (or lacks) are left out of its list.
    const differs = data.differingKeys.flatMap((k, j) => {
      const v = m.configValues[j];
      return v === null ? [] : [`<li data-key="${esc(k)}"><code>${esc(k)}</code>: ${esc(v)}</li>`];
    }).join('');
    return `<tr data-model="${m.id}"><th scope="row">${swatch(data, m)}${esc(m.label)}</th><td>${esc(m.modelType)}</td><td>${esc(m.inputs.join(', '))}</td><td>${esc(trained)}</td>` +
      `${compared ? `<td class="differs"><ul>${differs}</ul></td>` : ''}<td class="path">${esc(m.dir)}</td></tr>`;
  });
  const named = data.coordinates.filter((c) => c.label !== c.name || c.map !== null);
  return `<div class="scroll"><table class="models">
<thead><tr><th>model</th><th>type</th><th>inputs</th><th>training</th>${compared ? '<th title="config.json keys whose values differ between the models">config keys that differ</th>' : ''}<th>directory</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>
${compared ? `<p class="caption">Config keys that differ: the values in each model's config.json of the ${data.differingKeys.length} keys (dotted paths) that are not the same in all compared models; a key its model type does not read is not listed for it.</p>` : ''}
${named.length > 0 ? `<p class="caption">Coordinates (the config's <code>coordinates</code>): ${named.map((c) => `${esc(c.name)} → ${esc(c.label)}${c.map === null ? '' : ` = <code>${esc(c.map)}</code>`}`).join('; ')}.</p>` : ''}`;
}

function swatch(data: ReportData, m: ModelReport): string {
  return `<span class="swatch" style="background:${modelColor(data, m)}"></span>`;
}

function small(v: number): string {
  return Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(4) : v.toExponential(2);
}

function signed(v: number): string {
  return (v < 0 ? '−' : '+') + small(Math.abs(v));
}

function bytes(v: number): string {
  if (v < 1024) return `${v} B`;
  if (v < 1024 ** 2) return `${(v / 1024).toFixed(1)} KiB`;
  return `${(v / 1024 ** 2).toFixed(2)} MiB`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** JSON that cannot end its <script> element early. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function vegaVersion(): string {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.resolve('vega'))), 'utf8')) as { version: string };
  return pkg.version;
}

// The page script: draw every chart with Vega's SVG renderer (crisp when
// zoomed, and its marks are elements a test can count), then flag the body
// so that a headless browser knows when the page is done.
const PAGE_SCRIPT = `
(async function () {
  var charts = JSON.parse(document.getElementById('ampfit-charts').textContent);
  var views = {};
  window.ampfitViews = views;
  try {
    for (var i = 0; i < charts.length; i++) {
      var c = charts[i];
      views[c.id] = [];
      for (var k = 0; k < c.panels.length; k++) {
        var view = new vega.View(vega.parse(c.panels[k]), { renderer: 'svg', container: '#view-' + c.id + '-' + k, hover: true });
        await view.runAsync();
        views[c.id].push(view);
      }
    }
    document.body.dataset.rendered = 'ok';
  } catch (e) {
    document.body.dataset.rendered = 'error';
    document.body.dataset.error = String((e && e.stack) || e);
    var p = document.createElement('p');
    p.className = 'error';
    p.textContent = 'A chart failed to render: ' + e;
    document.body.insertBefore(p, document.body.firstChild);
  }
})();
`;

const CSS = `
body { font-family: "DejaVu Sans", Verdana, Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1240px; padding: 0 16px; color: #222; line-height: 1.4; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
.meta, .caption, footer { color: #555; font-size: 13px; }
.caption { max-width: 980px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 4px 8px; }
thead th { background: #f6f6f6; font-weight: 600; text-align: right; }
thead th:first-child, thead th:nth-child(2) { text-align: left; }
table.numbers td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.numbers td.text, table.models td { text-align: left; }
tbody th { text-align: left; font-weight: normal; white-space: nowrap; }
table.models thead th { text-align: left; }
td.path { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; word-break: break-all; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; vertical-align: baseline; }
.warnings { background: #fff4e5; border: 1px solid #f0c36d; padding: 4px 14px; }
.warnings h2 { border: none; margin-top: 8px; }
.error { background: #fde8e8; border: 1px solid #e0a0a0; padding: 8px; }
.scroll { overflow-x: auto; max-width: 100%; }
.panels.grid { display: grid; gap: 8px 16px; }
.view { min-width: 0; overflow-x: auto; }
td.differs ul { margin: 0; padding-left: 1.1em; }
td.differs li { white-space: nowrap; }
footer { margin-top: 32px; border-top: 1px solid #ddd; padding-top: 8px; }
`;
