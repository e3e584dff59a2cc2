import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/load.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { REPO, SAMPLE_2D, tempDir } from '../helpers.js';

const BIN = join(REPO, 'bin/ampfit.js');

function ampfit(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

// Two polynomials in one folder, as a sweep leaves them: `ampfit report runs/` reports both.
const work = tempDir();
const runs = join(work, 'runs');
mkdirSync(runs);
for (const degree of [4, 6]) {
  const config = validateConfig({ data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 2000 }, model_type: 'poly', degree, seed: 2 }, 'cli');
  await runTraining({ config, outDir: join(runs, `poly${degree}`), log: memoryLogger() });
}

/** PNG width and height from its IHDR chunk. */
function pngSize(buf: Buffer): [number, number] {
  return [buf.readUInt32BE(16), buf.readUInt32BE(20)];
}

test('ampfit report <folder of runs> writes one self-contained page and, with --images, SVG and PNG per plot', () => {
  const out = join(work, 'report.html');
  const images = join(work, 'img');
  const r = ampfit(['report', runs, '--out', out, '--images', images, '--bins', '6', '--speed-seconds', '0.02', '--batch', '100', '--png-scale', '1.5']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /poly deg 4 \(.*poly4\): 400 test points/);
  assert.match(r.stderr, /poly deg 6: [\d,]+ points\/s\n.*  \(batch 100, TypeScript \(single-threaded\), 1 thread\)\n/);
  // Every line but those naming a (temporary, long) path fits 80 columns.
  for (const l of r.stderr.split('\n')) if (!l.includes('/') || /points\/s/.test(l)) assert.ok([...l].length <= 80, `${[...l].length} columns: ${l}`);
  assert.match(r.stderr, /report written to .*report\.html \(\d+ KiB, self-contained\)/);
  assert.equal(r.stdout, '');

  const html = readFileSync(out, 'utf8');
  // Self-contained: no external script, style, image or font.
  assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i);
  assert.ok(html.includes('vega.min.js') === false && html.includes('"use strict"'), 'Vega is inlined');
  // One row per model in the precision table and one in the models table.
  assert.equal((html.match(/<tr data-model=/g) ?? []).length, 4);
  // The two runs differ in degree only (and their names are empty): the models table says so.
  assert.equal((html.match(/<li data-key="degree"><code>degree<\/code>: [46]<\/li>/g) ?? []).length, 2);
  assert.match(html, /<td data-key="n" data-value="400">400<\/td>/);
  // Paper 1's verdict and the binomial error of every R_τ (issue 19), computed from the model's own metrics.json.
  assert.match(html, /<th title="paper 1's criterion[^"]*">R<sub>1<\/sub> &gt; 90 %<\/th>/);
  assert.equal((html.match(/<td class="text">(yes|no|undecided)<\/td>/g) ?? []).length, 2);
  const r1 = Number(/data-key="R_pct\.1" data-value="([^"]+)"/.exec(html)?.[1]);
  const se = Number(/data-key="R_stderr_pct\.1" data-value="([^"]+)"/.exec(html)?.[1]);
  assert.ok(Math.abs(se - 100 * Math.sqrt((r1 / 100) * (1 - r1 / 100) / 400)) < 1e-12, `R_1 ${r1} ± ${se}`);
  assert.match(html, /data-key="verdict\.tau90_pct" data-value="[\d.e+-]+"/);

  // Two polynomials have no training curves (one record each), so five plots.
  const files = readdirSync(images).sort();
  const ids = ['abs-delta', 'delta', 'heatmap', 'profiles', 'r-tau'];
  assert.deepEqual(files, ids.flatMap((id) => [`${id}.png`, `${id}.svg`]));
  for (const id of ids) {
    const svg = readFileSync(join(images, `${id}.svg`), 'utf8');
    const m = /^<svg[^>]* width="(\d+)" height="(\d+)"/.exec(svg);
    assert.ok(m !== null, `${id}.svg has a size`);
    const [w, h] = pngSize(readFileSync(join(images, `${id}.png`)));
    assert.equal(w, Math.round(1.5 * Number(m[1])), `${id}.png width`);
    assert.equal(h, Math.round(1.5 * Number(m[2])), `${id}.png height`);
  }
  // 6 × 6 heat-map cells per model: one <path> each.
  const heat = readFileSync(join(images, 'heatmap.svg'), 'utf8');
  for (const id of ['m1', 'm2']) {
    const group = new RegExp(`class="mark-rect role-mark heat_${id}_marks"[^>]*>(.*?)</g>`).exec(heat);
    assert.ok(group !== null);
    assert.equal((group[1].match(/<path/g) ?? []).length, 36);
  }
});

test('ampfit report --data evaluates every model on the given rows; --coords picks the heat-map inputs', () => {
  const out = join(work, 'data.html');
  const r = ampfit(['report', join(runs, 'poly4'), '--data', SAMPLE_2D, '--coords', 'x2,x1', '--delta-range', '50', '--out', out, '--speed-seconds', '0.02']);
  assert.equal(r.code, 0, r.stderr);
  const html = readFileSync(out, 'utf8');
  assert.match(html, /<td data-key="n" data-value="30000">30,000<\/td>/);
  assert.match(html, /<td class="text">data<\/td>/);
  assert.match(html, /Mean δ in bins of x2 and x1/);
  assert.match(html, /100 bins over ±50 %/);
});

test('ampfit report: bad arguments fail with exit status 2 and say what is wrong', () => {
  const bad = ampfit(['report', join(runs, 'poly4'), '--coords', 'x1,x9', '--out', join(work, 'x.html')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--coords: poly deg 4 has no input 'x9' \(its inputs: x1, x2\)/);
  const missing = ampfit(['report', join(work, 'nope')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope does not exist/);
  const empty = join(work, 'empty');
  mkdirSync(empty);
  const none = ampfit(['report', empty]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /holds no model\.ampfit/);
  const heat = ampfit(['report', join(runs, 'poly4'), '--heat', 'median']);
  assert.equal(heat.code, 2);
  assert.match(heat.stderr, /--heat must be 'mean' or 'abs'/);
});
