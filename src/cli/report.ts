import { parseStrictNumber } from '../data/number.js';
import { checkOutputPath, writeOutput } from '../io/outputPath.js';
import { getKernels } from '../kernels/index.js';
import { buildCharts } from '../report/charts.js';
import { collectReport } from '../report/collect.js';
import { renderHtml } from '../report/html.js';
import { writeImages } from '../report/render.js';
import type { HeatStat } from '../report/types.js';
import { AmpfitError } from '../util/errors.js';
import { createLogger } from '../util/log.js';

export interface ReportFlags {
  out: string;
  images?: string;
  coords?: string;
  bins: string;
  heat: string;
  data: string[];
  deltaRange?: string;
  title?: string;
  batch: string;
  speedSeconds: string;
  threads?: string;
  pngScale: string;
  force?: boolean;
}

export async function reportCommand(paths: string[], flags: ReportFlags): Promise<void> {
  const log = createLogger(process.stderr);
  const out = checkOutputPath(flags.out, { flag: '--out', force: flags.force === true });
  const bins = positiveInt('--bins', flags.bins);
  const batch = positiveInt('--batch', flags.batch);
  const seconds = positiveNumber('--speed-seconds', flags.speedSeconds);
  const scale = positiveNumber('--png-scale', flags.pngScale);
  if (flags.heat !== 'mean' && flags.heat !== 'abs') throw new AmpfitError(`--heat must be 'mean' or 'abs', got '${flags.heat}'`);
  const heatStat: HeatStat = flags.heat;
  let coords: [string, string] | null = null;
  if (flags.coords !== undefined) {
    const parts = flags.coords.split(',').map((s) => s.trim());
    if (parts.length !== 2 || parts.some((p) => p === '')) throw new AmpfitError(`--coords takes two input names, e.g. x1,x2 (got '${flags.coords}')`);
    coords = [parts[0], parts[1]];
  }
  if (flags.threads !== undefined) getKernels('auto').setThreads(positiveInt('--threads', flags.threads));

  const data = await collectReport(paths, {
    coords,
    bins,
    heatStat,
    data: flags.data,
    deltaRangePct: flags.deltaRange === undefined ? null : positiveNumber('--delta-range', flags.deltaRange),
    title: flags.title,
    speed: { batch, seconds },
    log,
  });
  for (const w of data.warnings) log.warn(w);
  const charts = buildCharts(data);
  const html = renderHtml(data, charts);
  writeOutput(out, html);
  log.info(`report written to ${out.shown} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB, self-contained)`);
  if (flags.images !== undefined) {
    const written = await writeImages(charts, flags.images, scale);
    log.info(`${written.length} images written to ${flags.images}: ${charts.map((c) => c.id).join(', ')} (.svg and .png)`);
  }
}

// Numeric flags use the data cells' number syntax: Number('') is 0 and Number('0x10') is 16.
function positiveInt(flag: string, text: string): number {
  const v = parseStrictNumber(text);
  if (!Number.isInteger(v) || v < 1) throw new AmpfitError(`${flag} must be a positive integer, got '${text}'`);
  return v;
}

function positiveNumber(flag: string, text: string): number {
  const v = parseStrictNumber(text);
  if (!(v > 0) || !Number.isFinite(v)) throw new AmpfitError(`${flag} must be a positive number, got '${text}'`);
  return v;
}
