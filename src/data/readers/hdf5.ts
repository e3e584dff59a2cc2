// HDF5 files through h5wasm (the HDF5 C library compiled to WebAssembly; its
// Node build reads the host file system directly, so nothing is copied into a
// virtual file system first). Three layouts:
//   - a group (default: the root) whose 1-D datasets are the columns, named
//     by the dataset ("data.dataset": "/events" → /events/x1, /events/f01, …);
//   - one 2-D dataset, rows × columns ("data.dataset": "/train"), whose
//     columns are named by "data.columns" or by a string-array attribute
//     "columns", "column_names" or "properties" on the dataset;
//   - LHEH5, the HDF5 event files of Sherpa and Pepper, recognised when no
//     "data.dataset" is given and the root holds the 2-D datasets `events` and
//     `particles` (see readLheh5 below).
// Rows are read in hyperslabs of 65 536 straight into buffers in the
// WebAssembly heap and checked there (h5wasm's own `slice` copies every
// slab out into a fresh array first), so memory stays constant and float64
// is read as stored; float32 and integers up to 32 bits convert exactly;
// int64 values beyond 2^53 are refused by row.

import { AmpfitError, DataError } from '../../util/errors.js';
import { clipText } from '../../util/text.js';
import { h5wasm, type H5 } from '../../util/h5wasm.js';
import { COMPONENTS } from '../momenta.js';
import { pdgOf } from './lhe.js';
import { exactFromBigInt } from './npy.js';
import { RowSink, slotsIn, type ColumnView } from './rows.js';
import type { ColumnRequest, FileContext, FileResult, FormatOptions, RowBlock } from './types.js';

type H5File = InstanceType<H5['File']>;
type H5Dataset = InstanceType<H5['Dataset']>;
type H5Group = InstanceType<H5['Group']>;
type H5Module = H5['Module'];

/** Rows per hyperslab read (the sink cuts them into blocks): fewer H5Dread calls, 2 MB of heap per float64 column. */
const BLOCK = 1 << 18;
const NAME_ATTRIBUTES = ['columns', 'column_names', 'properties'];

/** A numeric dataset's element type, or the reason it is refused. */
function numericKind(ds: H5Dataset): 'float' | 'int' | 'bigint' | string {
  const m = ds.metadata;
  // h5wasm's type codes are HDF5's H5T_class_t: 0 integer, 1 float.
  if (m.type === 1 && (m.size === 8 || m.size === 4)) return 'float';
  if (m.type === 0 && m.size <= 4) return 'int';
  if (m.type === 0 && m.size === 8) return 'bigint';
  return `type class ${m.type}, ${m.size} bytes (${String(ds.dtype)}): ampfit reads float64, float32 and integers`;
}

interface Hdf5Column {
  readonly name: string;
  readonly dataset: H5Dataset;
  /** 2-D: the column's index; 1-D: -1. */
  readonly col: number;
}

function attributeNames(ds: H5Dataset, keys: readonly string[] = NAME_ATTRIBUTES): string[] | null {
  for (const key of keys) {
    const a = ds.attrs[key];
    if (a === undefined) continue;
    const v = a.value;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    if (typeof v === 'string') return [v];
  }
  return null;
}

function openFile(h5: H5, file: string): H5File {
  try {
    return new h5.File(file, 'r');
  } catch (e) {
    throw new AmpfitError(`${file}: cannot open as HDF5: ${(e as Error).message}`);
  }
}

/** The 2-D dataset at the root named `name`, or null. */
function rootTable(h5: H5, f: H5File, name: string): H5Dataset | null {
  if (!f.keys().includes(name)) return null;
  const ds = f.get(name);
  return ds instanceof h5.Dataset && (ds.shape ?? []).length === 2 ? ds : null;
}

type Layout =
  | { readonly kind: 'table'; readonly columns: Hdf5Column[]; readonly rows: number; readonly where: string; readonly what: string }
  | { readonly kind: 'lheh5'; readonly events: H5Dataset; readonly particles: H5Dataset }
  | { readonly kind: 'lheh5v1'; readonly event: H5Group; readonly particle: H5Group; readonly index: H5Group | null };

/** Where the columns are: the dataset or group "data.dataset" names, or LHEH5's events, or the root group's 1-D datasets. */
function layoutOf(h5: H5, f: H5File, file: string, format: FormatOptions | undefined): Layout {
  const path = format?.dataset ?? null;
  if (path === null) {
    const events = rootTable(h5, f, 'events');
    const particles = rootTable(h5, f, 'particles');
    if (events !== null && particles !== null) return { kind: 'lheh5', events, particles };
    const event = f.get('event');
    const particle = f.get('particle');
    if (event instanceof h5.Group && particle instanceof h5.Group) {
      const index = f.get('index');
      return { kind: 'lheh5v1', event, particle, index: index instanceof h5.Group ? index : null };
    }
  }
  const at = path ?? '/';
  const entity = at === '/' ? f : f.get(at);
  if (entity === null) throw new DataError(file, 0, null, `no dataset or group '${at}' (the file has: ${f.keys().join(', ')})`, 'file');
  if (entity instanceof h5.Dataset) {
    const where = `${file}, dataset ${at}`;
    const shape = entity.shape ?? [];
    if (shape.length !== 2) throw new DataError(where, 0, null, `shape (${shape.join(', ')}): a dataset read as a table must be 2-D (rows × columns); name a group of 1-D column datasets instead`, 'file');
    const names = format?.columns ?? attributeNames(entity);
    if (names === null) throw new DataError(where, 0, null, `its ${shape[1]} columns have no names (no 'columns' attribute); give them with "data.columns"`, 'file');
    if (names.length !== shape[1]) throw new DataError(where, 0, null, `${names.length} column names for ${shape[1]} columns`, 'file');
    return { kind: 'table', columns: names.map((name, col) => ({ name, dataset: entity, col })), rows: shape[0], where, what: 'column' };
  }
  if (entity instanceof h5.Group) return { kind: 'table', ...groupColumns(h5, entity, file, at), where: file, what: 'column dataset' };
  throw new DataError(file, 0, null, `'${at}' is neither a dataset nor a group`, 'file');
}

/** The rows (LHEH5: events) of the file's table, from its metadata. */
export async function hdf5RowCount(file: string, format: FormatOptions | undefined): Promise<number | null> {
  const h5 = await h5wasm();
  const f = openFile(h5, file);
  try {
    const layout = layoutOf(h5, f, file, format);
    if (layout.kind === 'lheh5') return (layout.events.shape as number[])[0];
    if (layout.kind === 'lheh5v1') return v1EventTable(h5, file, layout, new SlabReader(h5.Module)).rows;
    return layout.rows;
  } finally {
    f.close();
  }
}

export async function* readHdf5File(file: string, ctx: FileContext): AsyncGenerator<RowBlock, FileResult> {
  const h5 = await h5wasm();
  const f = openFile(h5, file);
  const slabs = new SlabReader(h5.Module);
  try {
    const layout = layoutOf(h5, f, file, ctx.options.format);
    if (layout.kind === 'lheh5') return yield* readLheh5(file, ctx, v2Table(layout.events, 'events', [...EVENT_FIXED, 'NOMINAL'], file, slabs), v2Table(layout.particles, 'particles', PARTICLE_COLUMNS, file, slabs));
    if (layout.kind === 'lheh5v1') return yield* readLheh5(file, ctx, v1EventTable(h5, file, layout, slabs), v1ParticleTable(h5, file, layout.particle, slabs));
    const { columns, rows, where } = layout;
    const header = columns.map((c) => c.name);
    const requests = ctx.requestsFor(header);
    const picked = slotsIn(where, header, requests, layout.what).map((i) => columns[i]);
    for (const c of picked) {
      const kind = numericKind(c.dataset);
      if (kind !== 'float' && kind !== 'int' && kind !== 'bigint') throw new DataError(where, 0, c.name, kind, 'file');
      if (c.col < 0 && (c.dataset.shape ?? [])[0] !== rows) throw new DataError(where, 0, c.name, `${(c.dataset.shape ?? [])[0]} rows, the other columns ${rows}`, 'file');
    }
    const datasets = [...new Set(picked.map((c) => c.dataset))];
    const sink = new RowSink(file, where, 'hdf5', 'row', requests, ctx.options, ctx.report, ctx.rowsAllowed);
    const step = BLOCK;
    for (let a = 0; a < rows && !sink.done; a += step) {
      const b = Math.min(rows, a + step, a + Math.max(ctx.rowsAllowed - sink.goodRows, 1));
      const data = slabs.read(datasets, a, b, where, (ds) => (picked.find((c) => c.dataset === ds) as Hdf5Column).name);
      const views: ColumnView[] = picked.map((c) => {
        const d = data.get(c.dataset) as Float64Array;
        return c.col < 0 ? { data: d, offset: 0, stride: 1 } : { data: d, offset: c.col, stride: (c.dataset.shape as number[])[1] };
      });
      yield* sink.addAndTake(a + 1, b - a, views);
    }
    yield* sink.take(true);
    return { rows: sink.goodRows, skipped: sink.skippedRows, done: sink.done };
  } finally {
    slabs.free();
    f.close();
  }
}

/**
 * Reads hyperslabs of rows into buffers that live in the WebAssembly heap
 * for the whole file (allocated once, one per dataset) and hands them out as
 * float64 views there — valid until the next read, which is all the sink
 * needs, since it copies the good rows out before returning.
 */
class SlabReader {
  private readonly buffers = new Map<H5Dataset, { ptr: number; bytes: number }>();
  private readonly converted = new Map<H5Dataset, Float64Array>();

  constructor(private readonly m: H5Module) {}

  /** Rows [a, b) of each dataset (all columns of a 2-D one), as float64; `column` names a dataset in errors. */
  read(datasets: readonly H5Dataset[], a: number, b: number, where: string, column: (ds: H5Dataset) => string): Map<H5Dataset, Float64Array> {
    const m = this.m;
    const plan = datasets.map((ds) => {
      const meta = ds.metadata;
      const shape = meta.shape as number[];
      const k = shape.length === 2 ? shape[1] : 1;
      const n = (b - a) * k;
      return { ds, meta, two: shape.length === 2, k, n, buf: this.buffer(ds, n * meta.size) };
    });
    for (const p of plan) {
      const count = p.two ? [BigInt(b - a), BigInt(p.k)] : [BigInt(b - a)];
      const offset = p.two ? [BigInt(a), 0n] : [BigInt(a)];
      const strides = p.two ? [1n, 1n] : [1n];
      let status: number;
      try {
        status = m.get_dataset_data(p.ds.file_id, p.ds.path, count, offset, strides, BigInt(p.buf.ptr));
      } catch (e) {
        throw new AmpfitError(`${where}: cannot read rows ${a + 1}..${b} of '${column(p.ds)}': ${(e as Error).message}`);
      }
      if (status < 0) throw new AmpfitError(`${where}: cannot read rows ${a + 1}..${b} of '${column(p.ds)}' (HDF5 status ${status})`);
    }
    // Views only now: a read may grow the WebAssembly memory, which detaches views made before it.
    const heap = m.HEAPU8.buffer as ArrayBuffer; // h5wasm is built without threads: never shared
    const out = new Map<H5Dataset, Float64Array>();
    for (const p of plan) {
      const { ptr } = p.buf;
      const { type, size, signed } = p.meta;
      if (type === 1 && size === 8 && ptr % 8 === 0) {
        out.set(p.ds, new Float64Array(heap, ptr, p.n));
        continue;
      }
      if (type === 0 && size === 8) {
        const v = new (signed ? BigInt64Array : BigUint64Array)(heap.slice(ptr, ptr + 8 * p.n));
        out.set(p.ds, exactFromBigInt(v, 0, (e) => a + Math.floor(e / p.k) + 1, where, column(p.ds)));
        continue;
      }
      let conv = this.converted.get(p.ds);
      if (conv === undefined || conv.length < p.n) this.converted.set(p.ds, (conv = new Float64Array(p.n)));
      const dst = conv.subarray(0, p.n);
      const raw = heap.slice(ptr, ptr + size * p.n); // aligned copy of the (small) narrower type
      if (type === 1) dst.set(size === 8 ? new Float64Array(raw) : new Float32Array(raw));
      else if (size === 1) dst.set(signed ? new Int8Array(raw) : new Uint8Array(raw));
      else if (size === 2) dst.set(signed ? new Int16Array(raw) : new Uint16Array(raw));
      else dst.set(signed ? new Int32Array(raw) : new Uint32Array(raw));
      out.set(p.ds, dst);
    }
    return out;
  }

  free(): void {
    for (const { ptr } of this.buffers.values()) this.m._free(ptr);
    this.buffers.clear();
  }

  private buffer(ds: H5Dataset, bytes: number): { ptr: number; bytes: number } {
    const have = this.buffers.get(ds);
    if (have !== undefined && have.bytes >= bytes) return have;
    if (have !== undefined) this.m._free(have.ptr);
    const ptr = this.m._malloc(Math.max(bytes, 8));
    if (ptr === 0) throw new AmpfitError(`HDF5: cannot allocate ${bytes} bytes in the WebAssembly heap`);
    const buf = { ptr, bytes };
    this.buffers.set(ds, buf);
    return buf;
  }
}

function groupColumns(h5: H5, group: H5Group, file: string, path: string): { columns: Hdf5Column[]; rows: number } {
  const columns: Hdf5Column[] = [];
  let rows = -1;
  for (const key of group.keys()) {
    const ds = group.get(key);
    if (!(ds instanceof h5.Dataset)) continue;
    const shape = ds.shape ?? [];
    if (shape.length !== 1) continue; // not a column; named in an error only if requested
    if (rows < 0) rows = shape[0];
    columns.push({ name: key, dataset: ds, col: -1 });
  }
  if (columns.length === 0) {
    throw new DataError(file, 0, null, `group '${path}' holds no 1-D datasets to read as columns (it has: ${group.keys().join(', ')}); name a 2-D dataset with "data.dataset"`, 'file');
  }
  return { columns, rows: Math.max(rows, 0) };
}

// ---------------------------------------------------------------------------
// LHEH5 (version 2, the layout Sherpa and Pepper write; Bothmann et al.,
// arXiv:2309.13154; read by Pythia's LHEH5v2.h and scikit-hep's pylhe):
//   /events     float64, events × (9 + weights): pid, nparticles, start,
//               trials, scale, fscale, rscale, aqed, aqcd, then the weights
//               (the nominal one first);
//   /particles  float64, particles × 13: id, status, mother1, mother2,
//               color1, color2, px, py, pz, e, m, lifetime, spin;
//   both named by a string attribute `properties` (pylhe also writes one
//   named like the dataset); /init, /procInfo and /version are not needed.
// Version 1 (the original HDF5 event files, read by CMSSW's LH5Reader and
// Pythia's LHEH5.h) stores the same as groups of 1-D datasets: /particle
// (one dataset per particle column), /event (nparticles, weight, ... — one
// weight), and /index (start, end) or, without it, /event/start and end;
// event i's particles are rows [start, end).
// Event i's particles are rows start .. start + nparticles − 1. Each event
// becomes one row as in the LHE reader: the four-momenta of its external
// particles — status −1, then +1, in file order — as <name>_E, _px, _py,
// _pz; `weight`, the first weight column; `rwgt:<name>` for the others.

const EVENT_FIXED = ['pid', 'nparticles', 'start', 'trials', 'scale', 'fscale', 'rscale', 'aqed', 'aqcd'];
const PARTICLE_COLUMNS = ['id', 'status', 'mother1', 'mother2', 'color1', 'color2', 'px', 'py', 'pz', 'e', 'm', 'lifetime', 'spin'];
/** Events per block; their particles are read as one slab beside them. */
const EVENT_BLOCK = 16384;

/** One of LHEH5's two tables, whatever the version stores: named columns read as row-major slabs. */
interface LheTable {
  readonly names: readonly string[];
  readonly rows: number;
  /** "<file>, dataset /events" or "<file>, group /event": where errors point. */
  readonly where: string;
  /** The table's rows [a, b), row-major; valid until the next read of any table. */
  read(a: number, b: number): Float64Array;
}

/** A version 2 table: one 2-D dataset, its columns named by its attribute, else the format's defaults (extra weight columns named by position). */
function v2Table(ds: H5Dataset, own: string, defaults: readonly string[], file: string, slabs: SlabReader): LheTable {
  const where = `${file}, dataset /${own}`;
  const kind = numericKind(ds);
  if (kind !== 'float' && kind !== 'int') throw new DataError(where, 0, null, kind, 'file');
  const [rows, k] = ds.shape as number[];
  const attr = attributeNames(ds, ['properties', own]);
  if (attr !== null && attr.length !== k) throw new DataError(where, 0, null, `${attr.length} column names for ${k} columns`, 'file');
  const names = attr ?? Array.from({ length: k }, (_, j) => defaults[j] ?? `weight${j - defaults.length + 2}`);
  return { names, rows, where, read: (a, b) => slabs.read([ds], a, b, where, () => own).get(ds) as Float64Array };
}

/** A version 1 table: 1-D datasets of equal length, interleaved into rows as they are read. */
function v1Table(names: readonly string[], datasets: readonly H5Dataset[], where: string, slabs: SlabReader, derive?: (row: Float64Array) => void): LheTable {
  const rows = (datasets[0].shape as number[])[0];
  datasets.forEach((ds, j) => {
    const shape = ds.shape ?? [];
    if (shape.length !== 1 || shape[0] !== rows) throw new DataError(where, 0, names[j], `shape (${shape.join(', ')}), the table's other columns have ${rows} rows`, 'file');
    const kind = numericKind(ds);
    if (kind !== 'float' && kind !== 'int' && kind !== 'bigint') throw new DataError(where, 0, names[j], kind, 'file');
  });
  let out = new Float64Array(0);
  const k = names.length;
  return {
    names, rows, where,
    read(a, b) {
      const cols = slabs.read(datasets, a, b, where, (ds) => names[datasets.indexOf(ds)]);
      const n = b - a;
      if (out.length < n * k) out = new Float64Array(n * k);
      datasets.forEach((ds, j) => {
        const c = cols.get(ds) as Float64Array;
        for (let i = 0; i < n; i++) out[i * k + j] = c[i];
      });
      if (derive !== undefined) for (let i = 0; i < n; i++) derive(out.subarray(i * k, (i + 1) * k));
      return out.subarray(0, n * k);
    },
  };
}

function member(h5: H5, group: H5Group, name: string, where: string): H5Dataset {
  const ds = group.get(name);
  if (!(ds instanceof h5.Dataset)) throw new DataError(where, 0, name, `LHEH5 (version 1) dataset '${name}' is missing (the group has: ${clipText(group.keys().join(', '), 200)})`, 'file');
  return ds;
}

/** Version 1 events as the columns readLheh5 needs: start, nparticles = end − start, and the one weight. */
function v1EventTable(h5: H5, file: string, layout: { readonly event: H5Group; readonly index: H5Group | null }, slabs: SlabReader): LheTable {
  const where = `${file}, group /${layout.index === null ? 'event' : 'index'}`;
  const lookup = layout.index ?? layout.event;
  const start = member(h5, lookup, 'start', where);
  const end = member(h5, lookup, 'end', where);
  const weight = member(h5, layout.event, 'weight', `${file}, group /event`);
  // Read as (start, end, weight); the end becomes nparticles in place.
  return v1Table(['start', 'nparticles', 'weight'], [start, end, weight], where, slabs, (row) => {
    row[1] -= row[0];
  });
}

function v1ParticleTable(h5: H5, file: string, group: H5Group, slabs: SlabReader): LheTable {
  const where = `${file}, group /particle`;
  const names = ['id', 'status', 'px', 'py', 'pz', 'e'];
  return v1Table(names, names.map((n) => member(h5, group, n, where)), where, slabs);
}

function columnIndex(names: readonly string[], name: string, where: string): number {
  const i = names.indexOf(name);
  if (i < 0) throw new DataError(where, 0, name, `LHEH5 column '${name}' is missing (the dataset has: ${clipText(names.join(', '), 200)})`, 'file');
  return i;
}

async function* readLheh5(file: string, ctx: FileContext, events: LheTable, particles: LheTable): AsyncGenerator<RowBlock, FileResult> {
  const evWhere = events.where;
  const ptWhere = particles.where;
  const evNames = events.names;
  const ptNames = particles.names;
  const kEv = evNames.length;
  const kPt = ptNames.length;
  const NP = columnIndex(evNames, 'nparticles', evWhere);
  const START = columnIndex(evNames, 'start', evWhere);
  const [ID, STATUS, PX, PY, PZ, E] = ['id', 'status', 'px', 'py', 'pz', 'e'].map((n) => columnIndex(ptNames, n, ptWhere));
  // The weights: every column that is not one of the nine fixed ones, the nominal one first.
  const weightCols = evNames.flatMap((n, j) => (EVENT_FIXED.includes(n) ? [] : [j]));
  if (weightCols.length === 0) throw new DataError(evWhere, 0, null, `no weight column (the dataset has: ${clipText(evNames.join(', '), 200)})`, 'file');
  const nEvents = events.rows;
  const nParticles = particles.rows;
  const named = ctx.options.format?.particles ?? null;

  let sink: RowSink | null = null;
  let requests: readonly ColumnRequest[] = [];
  /** Per request: the external particle (≥ 0) and component (0 E, 1 px, 2 py, 3 pz), or −1 and the events column. */
  let source: { particle: number; component: number; evCol: number }[] = [];
  let pdg: (number | null)[] = [];
  let names: string[] = [];
  const external: number[] = [];
  const outgoing: number[] = [];
  let buf = new Float64Array(0);

  for (let a = 0; a < nEvents && !(sink?.done ?? false); a += EVENT_BLOCK) {
    const allowed = sink === null ? ctx.rowsAllowed : ctx.rowsAllowed - sink.goodRows;
    const b = Math.min(nEvents, a + EVENT_BLOCK, a + Math.max(allowed, 1));
    const ev = events.read(a, b);
    // The particle rows of these events: one slab from the first start to the last end.
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < b - a; i++) {
      const s = ev[i * kEv + START];
      const np = ev[i * kEv + NP];
      if (Number.isInteger(s) && Number.isInteger(np) && s >= 0 && np >= 0 && s + np <= nParticles) {
        lo = Math.min(lo, s);
        hi = Math.max(hi, s + np);
      }
    }
    // Reading the particles may grow the WebAssembly memory, which would detach this view of the events.
    const evCopy = ev.slice();
    const pt = hi > lo ? particles.read(lo, hi) : new Float64Array(0);

    let fill = 0;
    let firstOfFill = a + 1;
    const flush = (): void => {
      if (sink !== null && fill > 0) sink.add(firstOfFill, fill, requests.map((_, s) => ({ data: buf, offset: s, stride: requests.length })));
      fill = 0;
    };
    for (let i = 0; i < b - a; i++) {
      const eventNo = a + i + 1;
      const s = evCopy[i * kEv + START];
      const np = evCopy[i * kEv + NP];
      if (!(Number.isInteger(s) && Number.isInteger(np) && s >= 0 && np >= 0 && s + np <= nParticles)) {
        const problem = `start ${s}, nparticles ${np}: not particle rows 1..${nParticles} of ${ptWhere.slice(file.length + 2)}`;
        if (sink === null) throw new DataError(file, eventNo, null, problem, 'event');
        flush();
        sink.bad(eventNo, null, problem);
        continue;
      }
      // External particles: status −1 (incoming), then +1 (outgoing), in file order; others (resonances) are not inputs.
      external.length = 0;
      outgoing.length = 0;
      for (let p = s - lo; p < s - lo + np; p++) {
        const st = pt[p * kPt + STATUS];
        if (st === -1) external.push(p);
        else if (st === 1) outgoing.push(p);
      }
      for (const p of outgoing) external.push(p);
      if (sink === null) {
        names = named === null ? external.map((_, k) => `p${k + 1}`) : named.map((p) => p.name);
        if (names.length !== external.length) {
          throw new DataError(file, eventNo, null, `the event has ${external.length} external particles (status −1 and +1), data.momenta names ${names.length}`, 'event');
        }
        pdg = named === null ? names.map(() => null) : named.map((p) => pdgOf(p.type));
        const header = [...names.flatMap((n) => COMPONENTS.map((c) => `${n}_${c}`)), 'weight', ...weightCols.slice(1).map((j) => `rwgt:${evNames[j]}`)];
        requests = ctx.requestsFor(header);
        source = requests.map((r) => {
          const k = header.indexOf(r.name);
          if (k < 0) throw new DataError(file, 0, r.name, `required column '${r.name}' is missing (the events give: ${clipText(header.join(', '), 200)})`, 'file');
          if (k < 4 * names.length) return { particle: Math.floor(k / 4), component: k % 4, evCol: -1 };
          return { particle: -1, component: -1, evCol: weightCols[k - 4 * names.length] };
        });
        sink = new RowSink(file, file, 'lheh5', 'event', requests, ctx.options, ctx.report, ctx.rowsAllowed);
        buf = new Float64Array(EVENT_BLOCK * requests.length);
      }
      const snk = sink;
      if (external.length !== names.length) {
        flush();
        snk.bad(eventNo, null, `${external.length} external particles (status −1 and +1), the first event had ${names.length}`);
        continue;
      }
      let mismatch = -1;
      for (let k = 0; k < names.length && mismatch < 0; k++) if (pdg[k] !== null && pt[external[k] * kPt + ID] !== pdg[k]) mismatch = k;
      if (mismatch >= 0) {
        flush();
        snk.bad(eventNo, `${names[mismatch]}_E`, `particle ${mismatch + 1} (${names[mismatch]}) has PDG id ${pt[external[mismatch] * kPt + ID]}, its type says ${pdg[mismatch]}`);
        continue;
      }
      if (fill === 0) firstOfFill = eventNo;
      const base = fill * requests.length;
      for (let k = 0; k < source.length; k++) {
        const src = source[k];
        if (src.particle < 0) buf[base + k] = evCopy[i * kEv + src.evCol];
        else {
          const row = external[src.particle] * kPt;
          buf[base + k] = pt[row + (src.component === 0 ? E : src.component === 1 ? PX : src.component === 2 ? PY : PZ)];
        }
      }
      fill++;
    }
    flush();
    if (sink !== null) yield* sink.take(false);
  }
  if (sink === null) throw new DataError(evWhere, 0, null, 'no events', 'file');
  yield* sink.take(true);
  return { rows: sink.goodRows, skipped: sink.skippedRows, done: sink.done, format: 'lheh5' };
}
