// Charts → Vega → SVG and PNG, headless: no browser, no display, no canvas.
// Vega's View renders to an SVG string in Node (renderer 'none' + toSVG);
// resvg rasterises it with a font file loaded explicitly, so the PNGs look
// the same on every machine whatever its fontconfig says (resvg draws no text
// at all without a font, silently, hence the hard error below).

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { AmpfitError } from '../util/errors.js';
import type { TopLevelSpec } from 'vega-lite';
import { imageSpec, type Chart } from './chartKit.js';

/** A Vega-Lite spec compiled to Vega: the page embeds its panels' (pageSpecs), the images are drawn from imageSpec's. */
export function toVega(spec: TopLevelSpec): vega.Spec {
  return compile(spec).spec;
}

/** The chart as one figure: its panels side by side at the image widths. */
export async function renderSvg(chart: Chart): Promise<string> {
  const view = new vega.View(vega.parse(toVega(imageSpec(chart))), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * DejaVu Sans (Debian package fonts-dejavu-core; the charts name it first
 * in their font list) in the places distributions install it.
 */
const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/dejavu', '/usr/share/fonts/TTF', '/usr/share/fonts/dejavu-sans-fonts'];
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf'];

export function findFontFiles(): string[] {
  for (const dir of FONT_DIRS) {
    const files = FONT_FILES.map((f) => join(dir, f)).filter((f) => existsSync(f));
    if (files.length > 0 && files[0].endsWith('DejaVuSans.ttf')) return files;
  }
  throw new AmpfitError(
    `the PNG images need the DejaVu Sans font, found in none of ${FONT_DIRS.join(', ')}: install it (Debian/Ubuntu: apt-get install fonts-dejavu-core)`,
  );
}

export interface PngImage {
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
  /** RGBA, row-major (for tests that look at what was drawn). */
  readonly pixels: Buffer;
}

/** Rasterises an SVG at `scale` pixels per SVG pixel (2 gives print-quality figures at their on-screen size). */
export function svgToPng(svg: string, scale = 2, fontFiles: readonly string[] = findFontFiles()): PngImage {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: false, fontFiles: [...fontFiles], defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    logLevel: 'off',
  });
  const image = resvg.render();
  return { png: image.asPng(), width: image.width, height: image.height, pixels: image.pixels };
}

/** Writes <id>.svg and <id>.png for every chart into dir; returns the paths written. */
export async function writeImages(charts: readonly Chart[], dir: string, scale = 2): Promise<string[]> {
  const fonts = findFontFiles();
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const chart of charts) {
    const svg = await renderSvg(chart);
    const svgPath = join(dir, `${chart.id}.svg`);
    writeFileSync(svgPath, svg);
    const pngPath = join(dir, `${chart.id}.png`);
    writeFileSync(pngPath, svgToPng(svg, scale, fonts).png);
    written.push(svgPath, pngPath);
  }
  return written;
}
