// The model directory's record of its training and validation rows
// (src/data/rowFilter.ts), in the model file format (checksummed, atomic).

import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { RowFilter } from '../data/rowFilter.js';
import { readModelFile, writeModelFile } from './modelFile.js';
import { parseStored } from './storedJson.js';

export const ROW_FILTER_FILE = 'rows.filter';
const FORMAT = 'ampfit-row-filter';

const HEADER = z.object({ format: z.literal(FORMAT), bits: z.number().int(), hashes: z.number().int(), rows: z.number().int() });

export function writeRowFilter(dir: string, f: RowFilter): void {
  writeModelFile(join(dir, ROW_FILTER_FILE), { format: FORMAT, ...f.spec }, { bits: f.bits });
}

/** The filter of the model at `model` (its directory or model file), or null for a model trained before filters existed. */
export function readRowFilter(model: string): RowFilter | null {
  const dir = existsSync(model) && statSync(model).isDirectory() ? model : dirname(model);
  const path = join(dir, ROW_FILTER_FILE);
  if (!existsSync(path)) return null;
  const { header, arrays } = readModelFile<unknown>(path);
  const spec = parseStored(HEADER, header, `${path}: not an ampfit row filter`);
  const bits = arrays.bits;
  if (!(bits instanceof Uint8Array)) throw new RangeError(`${path}: the filter's bits are missing`);
  return RowFilter.fromStored(spec, bits);
}
