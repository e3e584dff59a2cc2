// A first look at a dataset, for `ampfit train` without a config: which
// columns are inputs (x1..xD coordinates or particles' four-momenta), and
// whether the regressed quantity keeps one sign. It reads the first rows
// only, through the same readers and checks as training, so a bad cell stops
// here with its file, row and column rather than after the choice is printed.

import { readDataBlocks, type ColumnRequest, type FormatOptions } from './readers/index.js';
import { defaultInputs } from './dataset.js';
import { AmpfitError } from '../util/errors.js';

const COMPONENTS = ['E', 'px', 'py', 'pz'] as const;

export interface DataScan {
  readonly files: readonly string[];
  readonly header: readonly string[];
  /** The x<number> columns, in header order. */
  readonly coordinates: readonly string[];
  /** Particles whose <name>_E, _px, _py, _pz columns are all present, in header order. */
  readonly particles: readonly string[];
  /** Rows looked at. */
  readonly rows: number;
  /** Of those, how many have target (or target/born) < 0, and > 0. */
  readonly negative: number;
  readonly positive: number;
  /**
   * With particles: the largest |Σ incoming − Σ outgoing| over components and
   * rows, relative to the incoming energy, taking the first `incoming` particles as incoming.
   */
  readonly momentumImbalance: number | null;
}

export interface ScanRequest {
  readonly files: readonly string[];
  readonly target: string;
  readonly born: string | null;
  readonly sampleRows: number;
  /** How many of the particles come in (momentum conservation is checked with it). */
  readonly incoming: number;
  readonly format?: FormatOptions;
}

/** Particles named by complete groups of four-momentum columns. */
export function momentumParticles(header: readonly string[]): string[] {
  const present = new Set(header);
  const names: string[] = [];
  for (const h of header) {
    if (!h.endsWith('_E')) continue;
    const name = h.slice(0, -2);
    if (COMPONENTS.every((c) => present.has(`${name}_${c}`))) names.push(name);
  }
  return names;
}

export async function scanData(req: ScanRequest): Promise<DataScan> {
  let header: readonly string[] = [];
  let particles: string[] = [];
  const blocks = readDataBlocks(req.files, {
    columns: (h) => {
      header = h;
      if (!h.includes(req.target)) throw new AmpfitError(`target column '${req.target}' is not in ${req.files[0]} (columns: ${h.join(', ')})`);
      if (req.born !== null && !h.includes(req.born)) throw new AmpfitError(`born column '${req.born}' is not in ${req.files[0]} (columns: ${h.join(', ')})`);
      particles = defaultInputs(h).length > 0 ? [] : momentumParticles(h);
      const requests: ColumnRequest[] = [{ name: req.target, check: 'finite' }];
      if (req.born !== null) requests.push({ name: req.born, check: 'positive' });
      for (const p of particles) for (const c of COMPONENTS) requests.push({ name: `${p}_${c}`, check: 'finite' });
      return requests;
    },
    maxRows: req.sampleRows,
    format: req.format,
  });
  let rows = 0;
  let negative = 0;
  let positive = 0;
  let imbalance = 0;
  for await (const block of blocks) {
    const stride = block.values.length / block.rows;
    const momentaAt = req.born === null ? 1 : 2;
    for (let r = 0; r < block.rows; r++) {
      const row = block.values.subarray(r * stride, (r + 1) * stride);
      const value = req.born === null ? row[0] : row[0] / row[1];
      if (value < 0) negative++;
      else if (value > 0) positive++;
      if (particles.length > 0) imbalance = Math.max(imbalance, rowImbalance(row.subarray(momentaAt), particles.length, req.incoming));
    }
    rows += block.rows;
  }
  return {
    files: req.files,
    header,
    coordinates: defaultInputs(header),
    particles,
    rows,
    negative,
    positive,
    momentumImbalance: particles.length > 0 ? imbalance : null,
  };
}

/** max over components of |Σ_in p − Σ_out p| / Σ_in E for one row of (E, px, py, pz) per particle. */
function rowImbalance(p: Float64Array, nParticles: number, incoming: number): number {
  let energyIn = 0;
  for (let i = 0; i < incoming; i++) energyIn += p[4 * i];
  let worst = 0;
  for (let c = 0; c < 4; c++) {
    let sum = 0;
    for (let i = 0; i < nParticles; i++) sum += (i < incoming ? 1 : -1) * p[4 * i + c];
    worst = Math.max(worst, Math.abs(sum));
  }
  return energyIn > 0 ? worst / energyIn : Infinity;
}
