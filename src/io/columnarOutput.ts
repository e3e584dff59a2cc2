// Columnar outputs of float64 columns (predict's Parquet and HDF5 files),
// written block by block and appearing under their name only when complete
// (a temporary file beside the target, renamed on commit), like every other
// output (src/io/outputPath.ts).
//   .parquet / .pq   one REQUIRED DOUBLE column per name, row groups of 131 072
//                    rows (hyparquet-writer, snappy)
//   .h5 / .hdf5      one 1-D float64 dataset per name in the root group,
//                    chunked and resizable (h5wasm) — the layout ampfit reads
//                    without "data.dataset"

import { renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ParquetWriter, fileWriter } from 'hyparquet-writer';
import { AmpfitError } from '../util/errors.js';
import { h5wasm } from '../util/h5wasm.js';
import type { OutputTarget } from './outputPath.js';

export type ColumnarFormat = 'parquet' | 'hdf5';

/** The columnar format an output name asks for, or null (CSV). */
export function columnarFormatOf(path: string): ColumnarFormat | null {
  if (/\.(parquet|pq)$/i.test(path)) return 'parquet';
  if (/\.(h5|hdf5)$/i.test(path)) return 'hdf5';
  return null;
}

export interface ColumnarOutput {
  /** Appends `rows` rows; columns[j] holds column j. */
  append(columns: readonly Float64Array[], rows: number): void;
  commit(): Promise<void>;
  /** Synchronous, so a signal handler can call it. */
  abort(): void;
}

const ROW_GROUP = 131072;

export async function openColumnarOutput(target: OutputTarget, format: ColumnarFormat, names: readonly string[]): Promise<ColumnarOutput> {
  if (target.kind !== 'file') throw new AmpfitError(`${target.shown}: a ${format === 'parquet' ? 'Parquet' : 'HDF5'} output must be a regular file`);
  const tmp = join(dirname(target.path), `.${basename(target.path)}.${process.pid}.${Date.now()}.tmp`);
  let done = false;
  const remove = (): void => {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already gone
    }
  };
  const out = format === 'parquet' ? parquetOutput(tmp, names) : await hdf5Output(tmp, names);
  const abort = (): void => {
    if (done) return;
    done = true;
    process.off('exit', abort);
    out.close();
    remove();
  };
  process.on('exit', abort);
  return {
    append: (columns, rows) => out.append(columns, rows),
    async commit() {
      out.finish();
      renameSync(tmp, target.path);
      done = true;
      process.off('exit', abort);
    },
    abort,
  };
}

interface Backend {
  append(columns: readonly Float64Array[], rows: number): void;
  finish(): void;
  close(): void;
}

function parquetOutput(tmp: string, names: readonly string[]): Backend {
  const writer = new ParquetWriter({
    writer: fileWriter(tmp),
    schema: [{ name: 'root', num_children: names.length }, ...names.map((name) => ({ name, type: 'DOUBLE' as const, repetition_type: 'REQUIRED' as const }))],
  });
  // Blocks arrive in 8192 rows; a row group that small would bloat the file, so rows wait here for a full group.
  let held: Float64Array[] = names.map(() => new Float64Array(ROW_GROUP));
  let fill = 0;
  const flush = (): void => {
    if (fill === 0) return;
    writer.write({ columnData: names.map((name, j) => ({ name, data: held[j].subarray(0, fill), type: 'DOUBLE', nullable: false })), rowGroupSize: fill });
    held = names.map(() => new Float64Array(ROW_GROUP));
    fill = 0;
  };
  return {
    append(columns, rows) {
      for (let r = 0; r < rows; ) {
        const k = Math.min(rows - r, ROW_GROUP - fill);
        for (let j = 0; j < names.length; j++) held[j].set(columns[j].subarray(r, r + k), fill);
        fill += k;
        r += k;
        if (fill === ROW_GROUP) flush();
      }
    },
    finish() {
      flush();
      writer.finish();
    },
    close: () => undefined,
  };
}

async function hdf5Output(tmp: string, names: readonly string[]): Promise<Backend> {
  const h5 = await h5wasm();
  const file = new h5.File(tmp, 'w');
  const sets = names.map((name) => file.create_dataset({ name, data: new Float64Array(0), shape: [0], maxshape: [null], chunks: [65536], dtype: '<d' }));
  let n = 0;
  let open = true;
  return {
    append(columns, rows) {
      sets.forEach((ds, j) => {
        ds.resize([n + rows]);
        ds.write_slice([[n, n + rows]], columns[j].subarray(0, rows));
      });
      n += rows;
    },
    finish() {
      file.flush();
      file.close();
      open = false;
    },
    close() {
      if (open) file.close();
      open = false;
    },
  };
}
