import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { checkOutputPath, writeOutput, type OutputTarget } from '../io/outputPath.js';
import { MODEL_FILE, readModel, writeModelFileWithGraph } from '../io/modelStore.js';
import { serializeGraph } from '../graph/serialize.js';
import { loadModel } from '../models/surrogate.js';
import { describeSurrogate, exportC, exportOnnx, modelGraph, sanitizeName, type ExportFormat } from '../export/index.js';
import { exportXgboostJson, xgboostExportInfo } from '../export/xgboostJson.js';
import { AmpfitError } from '../util/errors.js';

export interface ExportFlags {
  model: string;
  format: ExportFormat;
  out: string;
  name?: string;
  force?: boolean;
}

/** The model directory's name ("runs/zz2d" → "zz2d"), the default for --name. */
function defaultName(modelPath: string): string {
  const p = resolve(modelPath);
  return basename(p) === MODEL_FILE ? basename(dirname(p)) : basename(p).replace(/\.ampfit$/, '');
}

function refuseOverwrite(paths: readonly string[], force: boolean): void {
  if (force) return;
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length > 0) throw new AmpfitError(`${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; add --force to replace`);
}

/**
 * Writes the model in a portable form: --format onnx writes one .onnx file
 * at --out; --format c writes <name>.c, <name>.h and <name>.f90 into the
 * directory --out; --format xgboost-json (boosted trees only) writes an
 * XGBoost 1.7 JSON model at --out; --format ampfit writes a copy of the
 * model file with its graph stored (what libampfit loads; models trained
 * before the graph was stored lack it). Every file is written atomically.
 */
export async function exportCommand(flags: ExportFlags): Promise<void> {
  // Checked before the model is even read; the C export's folder is checked below, per file.
  const fileTarget = flags.format === 'c' ? null : checkOutputPath(flags.out, { flag: '--out', force: flags.force === true, allowStdout: flags.format === 'xgboost-json' });
  if (flags.format === 'c' && existsSync(flags.out) && !statSync(flags.out).isDirectory()) throw new AmpfitError(`--out ${flags.out} is a file; --format c writes a directory`);
  const model = loadModel(flags.model);
  if (flags.format === 'xgboost-json') {
    // XGBoost's own format holds only boosted trees; the forest needs no neutral description.
    const target = fileTarget as OutputTarget;
    const text = exportXgboostJson(model);
    writeOutput(target, text);
    const info = xgboostExportInfo(model);
    process.stderr.write(`wrote ${target.shown} (${Buffer.byteLength(text).toLocaleString('en-US')} bytes; ${info.trees} trees, ${info.nodes} nodes; thresholds and leaves in float32)\n`);
    if (info.inverseFormula !== null) process.stderr.write(`XGBoost predicts the transformed target t; the physical value is ${info.inverseFormula}\n`);
    return;
  }
  if (flags.format === 'ampfit') {
    // The header and the regressor's arrays as stored, verbatim; only the graph is (re)built from the live model.
    const stored = readModel(flags.model);
    const graph = serializeGraph(modelGraph(model));
    writeModelFileWithGraph(flags.out, stored.header, stored.regressor, graph);
    process.stderr.write(`wrote ${flags.out} (${statSync(flags.out).size.toLocaleString('en-US')} bytes; graph of ${graph.json.ops.length} ops)\n`);
    return;
  }
  const description = describeSurrogate(model);
  const name = sanitizeName(flags.name ?? defaultName(flags.model));
  const force = flags.force === true;
  const written: { path: string; bytes: number }[] = [];
  switch (flags.format) {
    case 'onnx': {
      const bytes = exportOnnx(description, name);
      writeOutput(fileTarget as OutputTarget, bytes);
      written.push({ path: flags.out, bytes: bytes.length });
      break;
    }
    case 'c': {
      const c = exportC(description, name);
      const files: [string, string][] = [
        [join(flags.out, `${c.name}.c`), c.source],
        [join(flags.out, `${c.name}.h`), c.header],
        [join(flags.out, `${c.name}.f90`), c.fortran],
      ];
      refuseOverwrite(files.map(([p]) => p), force);
      for (const [path, text] of files) {
        writeFileAtomic(path, text);
        written.push({ path, bytes: Buffer.byteLength(text) });
      }
      break;
    }
    default:
      throw new AmpfitError(`--format must be onnx, c, xgboost-json or ampfit, not '${String(flags.format)}'`);
  }
  for (const w of written) process.stderr.write(`wrote ${w.path} (${w.bytes.toLocaleString('en-US')} bytes)\n`);
}
