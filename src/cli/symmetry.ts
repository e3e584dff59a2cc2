import { parseStrictNumber } from '../data/number.js';
import { loadConfig } from '../config/load.js';
import { MapSpecSchema, type RunConfig } from '../config/schema.js';
import { resolveDataFiles } from '../data/files.js';
import { checkOutputPath, writeOutput } from '../io/outputPath.js';
import { readModel } from '../io/modelStore.js';
import { DEFAULT_PAIR_TOLERANCE_PCT, DEFAULT_Z_MAX } from '../symmetry/check.js';
import { DEFAULT_PROBE_BUDGET_S, formatCheckReport, runSymmetryCheck, type CheckSource, type DeclaredMap } from '../training/symmetryCheck.js';
import { AmpfitError } from '../util/errors.js';
import { createLogger } from '../util/log.js';

export interface SymmetryCheckFlags {
  config?: string;
  model?: string;
  data: string[];
  set: string[];
  map: string[];
  pairs: string[];
  match?: boolean;
  budget: string;
  probeOut?: string;
  probe: string;
  zMax: string;
  tolerance: string;
  coordTol: string;
  json?: string;
  quiet?: boolean;
  force?: boolean;
}

/** Exit status 1 unless every map holds, so scripts can act on the verdict. */
export async function symmetryCheckCommand(flags: SymmetryCheckFlags): Promise<void> {
  const log = createLogger(process.stderr, flags.quiet === true);
  const json = flags.json === undefined ? null : checkOutputPath(flags.json, { flag: '--json', force: flags.force === true });
  const config = flags.config === undefined ? null : loadConfig(flags.config, flags.set);
  const maps: DeclaredMap[] = [];
  if (config !== null) maps.push(...config.symmetries);
  else if (flags.model !== undefined) maps.push(...readModel(flags.model).header.config.symmetries);
  for (const text of flags.map) maps.push(parseMapFlag(text));
  const names = maps.map((m) => m.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new AmpfitError(`symmetry '${dup}' is declared twice (config and --map?)`);

  const dataFiles = flags.data.length > 0 ? resolveDataFiles(flags.data) : null;
  let source: CheckSource;
  if (flags.pairs.length > 0 || flags.match === true) {
    if (flags.model !== undefined) throw new AmpfitError('--pairs/--match compare data with data; they do not use --model');
    const c = needConfig(config, '--pairs/--match', dataFiles);
    source = {
      kind: 'pairs',
      config: c,
      pairFiles: flags.pairs.length > 0 ? resolveDataFiles(flags.pairs) : null,
      coordTol: positive(flags.coordTol, '--coord-tol'),
      tolerancePct: positive(flags.tolerance, '--tolerance'),
    };
  } else if (flags.model !== undefined) {
    source = { kind: 'model', modelDir: flags.model, dataFiles };
  } else {
    if (flags.probe !== 'bdt' && flags.probe !== 'config') throw new AmpfitError(`--probe must be 'bdt' or 'config', got '${flags.probe}'`);
    source = {
      kind: 'probe',
      config: needConfig(config, 'a probe model', dataFiles),
      probe: flags.probe,
      budgetS: positive(flags.budget, '--budget'),
      keepDir: flags.probeOut ?? null,
    };
  }
  const report = await runSymmetryCheck(maps, source, log, positive(flags.zMax, '--z-max'));
  process.stdout.write(formatCheckReport(report) + '\n');
  if (json !== null) writeOutput(json, JSON.stringify(report, null, 2) + '\n');
  if (report.results.some((r) => r.verdict !== 'holds')) process.exitCode = 1;
}

function needConfig(config: RunConfig | null, what: string, dataFiles: string[] | null): RunConfig {
  if (config === null) throw new AmpfitError(`${what} needs --config (the data, and for a probe the model to train)`);
  return dataFiles === null ? config : { ...config, data: { ...config.data, files: dataFiles } };
}

/** --map name=(x1, 1-x2, x4, x3), or name=[{"reflect":"x2"}] for steps. */
function parseMapFlag(text: string): DeclaredMap {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new AmpfitError(`--map '${text}' must look like name=(x1, 1-x2, x4, x3)`);
  const name = text.slice(0, eq).trim();
  const body = text.slice(eq + 1).trim();
  let spec: unknown = body;
  if (body.startsWith('[')) {
    try {
      spec = JSON.parse(body);
    } catch (e) {
      throw new AmpfitError(`--map ${name}: the steps are not valid JSON: ${(e as Error).message}`);
    }
  }
  const parsed = MapSpecSchema.safeParse(spec);
  if (!parsed.success) throw new AmpfitError(`--map ${name}: expected an image like (x1, 1-x2) or steps like [{"reflect":"x2"},{"swap":["x3","x4"]}]`);
  return { name, map: parsed.data };
}

function positive(text: string, flag: string): number {
  const v = parseStrictNumber(text);
  if (!(v > 0)) throw new AmpfitError(`${flag}: '${text}' is not a positive number`);
  return v;
}

export const SYMMETRY_CHECK_DEFAULTS = {
  budget: String(DEFAULT_PROBE_BUDGET_S),
  zMax: String(DEFAULT_Z_MAX),
  tolerance: String(DEFAULT_PAIR_TOLERANCE_PCT),
  coordTol: '1e-9',
} as const;
