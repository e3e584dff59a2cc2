// Argument validation for the tree kernels (histBuild, histSubtract,
// splitFind, partition, leafAdd, forestPredict, treePredictBinned). Same
// contract as checks.ts: both backends run these (src/kernels/native.ts
// before the addon); native/binding.c repeats, in the same order and words,
// the ones memory safety needs — all but λ ≥ 0, min child weight ≥ 0 and
// "a histogram slot is written by one entry and read by no other" (a breach
// races, it stays inside hist). Checks that need a pass over data the kernel touches anyway (row
// indices, bin values, child links) run inside the kernels, with messages that
// do not depend on which element was found first, so threads cannot change
// them.

import { DIRECT_MAX_ROWS, type BinMatrix } from './types.js';
import { dim, f64, finite, intIn, MAX_DIM, rangeError, typeError, wantLen } from './checks.js';

type Typed = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

function tag(v: unknown): string {
  return ArrayBuffer.isView(v) ? Object.prototype.toString.call(v).slice(8, -1) : '';
}

function typed<T extends Typed>(fn: string, name: string, v: unknown, kind: string): T {
  if (tag(v) !== kind) throw typeError(fn, `${name} must be a ${kind}`);
  return v as T;
}

export const i32 = (fn: string, name: string, v: unknown): Int32Array => typed<Int32Array>(fn, name, v, 'Int32Array');
export const u32 = (fn: string, name: string, v: unknown): Uint32Array => typed<Uint32Array>(fn, name, v, 'Uint32Array');
export const u16 = (fn: string, name: string, v: unknown): Uint16Array => typed<Uint16Array>(fn, name, v, 'Uint16Array');
export const u8 = (fn: string, name: string, v: unknown): Uint8Array => typed<Uint8Array>(fn, name, v, 'Uint8Array');
export const f32 = (fn: string, name: string, v: unknown): Float32Array => typed<Float32Array>(fn, name, v, 'Float32Array');

export function binMatrix(fn: string, v: unknown, name = 'bins'): BinMatrix {
  const t = tag(v);
  if (t !== 'Uint8Array' && t !== 'Uint16Array') throw typeError(fn, `${name} must be a Uint8Array or Uint16Array`);
  return v as BinMatrix;
}

function wantLength(fn: string, name: string, a: Typed, expected: number, expr: string): void {
  if (a.length !== expected) throw rangeError(fn, `${name} has length ${a.length}, expected ${expr} = ${expected}`);
}

/** True when a and b share at least one byte. */
function overlapsBytes(a: Typed, b: Typed): boolean {
  if (a.byteLength === 0 || b.byteLength === 0 || a.buffer !== b.buffer) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

function disjointFrom(fn: string, outName: string, out: Typed, others: ReadonlyArray<readonly [string, Typed]>): void {
  for (const [name, a] of others) if (overlapsBytes(out, a)) throw rangeError(fn, `${outName} overlaps ${name}`);
}

/** The bin layout shared by histBuild, splitFind: returns n (rows of bins) and B (bins per histogram). */
function checkBinLayout(fn: string, bins: BinMatrix, d: number, binOffset: Int32Array): { n: number; nBins: number } {
  wantLength(fn, 'binOffset', binOffset, d + 1, 'd+1');
  if (binOffset[0] !== 0) throw rangeError(fn, 'binOffset[0] must be 0');
  const wide = tag(bins) === 'Uint16Array';
  for (let f = 0; f < d; f++) {
    const nb = binOffset[f + 1] - binOffset[f];
    if (!(nb > 0)) throw rangeError(fn, `binOffset[${f + 1}] must exceed binOffset[${f}]`);
    if (!wide && nb > 256) throw rangeError(fn, `bins is a Uint8Array but feature ${f} has ${nb} bins (more than 256)`);
  }
  if (binOffset[d] > 0x3fffffff) throw rangeError(fn, `binOffset[d] = ${binOffset[d]} is too large`);
  if (bins.length % d !== 0) throw rangeError(fn, `bins has length ${bins.length}, not a multiple of d = ${d}`);
  return { n: bins.length / d, nBins: binOffset[d] };
}

/** begin/end (and the other per-node arrays) of one length; every range inside rows. */
function checkNodes(fn: string, rows: Uint32Array, begin: Int32Array, end: Int32Array, disjoint: boolean): number {
  const k = begin.length;
  wantLength(fn, 'end', end, k, 'begin.length');
  let prevEnd = 0;
  for (let j = 0; j < k; j++) {
    const b = begin[j];
    const e = end[j];
    if (!(b >= 0 && b <= e && e <= rows.length)) throw rangeError(fn, `node ${j}: range [${b}, ${e}) is not within rows (length ${rows.length})`);
    if (disjoint && b < prevEnd) throw rangeError(fn, `node ${j}: range [${b}, ${e}) overlaps the previous node's or comes before it`);
    prevEnd = e;
  }
  return k;
}

function checkSlots(fn: string, name: string, slot: Int32Array, nSlots: number, allowNone: boolean, distinct: boolean): void {
  const seen = distinct ? new Uint8Array(nSlots) : null;
  for (let j = 0; j < slot.length; j++) {
    const s = slot[j];
    if (allowNone && s === -1) continue;
    if (!(s >= 0 && s < nSlots)) throw rangeError(fn, `${name}[${j}] = ${s} is not a slot of hist (${nSlots} slots)`);
    if (seen !== null) {
      if (seen[s] !== 0) throw rangeError(fn, `${name}[${j}] = ${s} is written twice`);
      seen[s] = 1;
    }
  }
}

export function checkHistBuild(
  bins: unknown, d: unknown, binOffset: unknown, gpair: unknown, rows: unknown,
  begin: unknown, end: unknown, slot: unknown, hist: unknown,
): void {
  const fn = 'histBuild';
  const BINS = binMatrix(fn, bins);
  const D = intIn(fn, 'd', d, 1, 65535);
  const OFF = i32(fn, 'binOffset', binOffset);
  const G = f64(fn, 'gpair', gpair);
  const ROWS = u32(fn, 'rows', rows);
  const BEGIN = i32(fn, 'begin', begin);
  const END = i32(fn, 'end', end);
  const SLOT = i32(fn, 'slot', slot);
  const H = f64(fn, 'hist', hist);
  const { n, nBins } = checkBinLayout(fn, BINS, D, OFF);
  const k = checkNodes(fn, ROWS, BEGIN, END, false);
  wantLen(fn, 'gpair', G, 2 * n, '2*n');
  wantLength(fn, 'slot', SLOT, k, 'begin.length');
  checkSlots(fn, 'slot', SLOT, Math.floor(H.length / (2 * nBins)), false, true);
  disjointFrom(fn, 'hist', H, [['bins', BINS], ['binOffset', OFF], ['gpair', G], ['rows', ROWS], ['begin', BEGIN], ['end', END], ['slot', SLOT]]);
}

export function checkHistSubtract(hist: unknown, nBins: unknown, dst: unknown, a: unknown, b: unknown): void {
  const fn = 'histSubtract';
  const H = f64(fn, 'hist', hist);
  const B = intIn(fn, 'nBins', nBins, 1, 0x3fffffff);
  const DST = i32(fn, 'dst', dst);
  const A = i32(fn, 'a', a);
  const BB = i32(fn, 'b', b);
  wantLength(fn, 'a', A, DST.length, 'dst.length');
  wantLength(fn, 'b', BB, DST.length, 'dst.length');
  const nSlots = Math.floor(H.length / (2 * B));
  checkSlots(fn, 'dst', DST, nSlots, false, true);
  checkSlots(fn, 'a', A, nSlots, false, false);
  checkSlots(fn, 'b', BB, nSlots, false, false);
  // A written slot may be read only by its own entry (as a), never by another.
  const writer = new Int32Array(nSlots).fill(-1);
  for (let j = 0; j < DST.length; j++) writer[DST[j]] = j;
  for (let j = 0; j < DST.length; j++) {
    if (writer[A[j]] >= 0 && writer[A[j]] !== j) throw rangeError(fn, `a[${j}] = ${A[j]} is written by another entry`);
    if (writer[BB[j]] >= 0) throw rangeError(fn, `b[${j}] = ${BB[j]} is written by an entry`);
  }
  disjointFrom(fn, 'hist', H, [['dst', DST], ['a', A], ['b', BB]]);
}

export function checkSplitFind(
  hist: unknown, bins: unknown, d: unknown, binOffset: unknown, gpair: unknown, rows: unknown,
  slot: unknown, begin: unknown, end: unknown, sumG: unknown, sumH: unknown,
  features: unknown, lambda: unknown, minChildWeight: unknown,
  outFeature: unknown, outBin: unknown, outGain: unknown, outLeft: unknown,
): void {
  const fn = 'splitFind';
  const H = f64(fn, 'hist', hist);
  const BINS = binMatrix(fn, bins);
  const D = intIn(fn, 'd', d, 1, 65535);
  const OFF = i32(fn, 'binOffset', binOffset);
  const G = f64(fn, 'gpair', gpair);
  const ROWS = u32(fn, 'rows', rows);
  const SLOT = i32(fn, 'slot', slot);
  const BEGIN = i32(fn, 'begin', begin);
  const END = i32(fn, 'end', end);
  const SG = f64(fn, 'sumG', sumG);
  const SH = f64(fn, 'sumH', sumH);
  const FEAT = u8(fn, 'features', features);
  const lam = finite(fn, 'lambda', lambda);
  const mcw = finite(fn, 'minChildWeight', minChildWeight);
  const OF = i32(fn, 'outFeature', outFeature);
  const OB = i32(fn, 'outBin', outBin);
  const OG = f64(fn, 'outGain', outGain);
  const OL = f64(fn, 'outLeft', outLeft);
  if (lam < 0) throw rangeError(fn, `lambda must be >= 0 (got ${lam})`);
  if (mcw < 0) throw rangeError(fn, `minChildWeight must be >= 0 (got ${mcw})`);
  const { n, nBins } = checkBinLayout(fn, BINS, D, OFF);
  const k = checkNodes(fn, ROWS, BEGIN, END, false);
  wantLen(fn, 'gpair', G, 2 * n, '2*n');
  wantLength(fn, 'slot', SLOT, k, 'begin.length');
  wantLength(fn, 'sumG', SG, k, 'begin.length');
  wantLength(fn, 'sumH', SH, k, 'begin.length');
  wantLength(fn, 'features', FEAT, D, 'd');
  wantLength(fn, 'outFeature', OF, k, 'begin.length');
  wantLength(fn, 'outBin', OB, k, 'begin.length');
  wantLength(fn, 'outGain', OG, k, 'begin.length');
  wantLength(fn, 'outLeft', OL, 2 * k, '2*begin.length');
  checkSlots(fn, 'slot', SLOT, Math.floor(H.length / (2 * nBins)), true, false);
  for (let j = 0; j < k; j++) {
    if (SLOT[j] === -1 && END[j] - BEGIN[j] > DIRECT_MAX_ROWS) {
      throw rangeError(fn, `node ${j}: ${END[j] - BEGIN[j]} rows without a histogram (at most ${DIRECT_MAX_ROWS})`);
    }
  }
  const inputs: Array<readonly [string, Typed]> = [
    ['hist', H], ['bins', BINS], ['binOffset', OFF], ['gpair', G], ['rows', ROWS], ['slot', SLOT], ['begin', BEGIN],
    ['end', END], ['sumG', SG], ['sumH', SH], ['features', FEAT],
  ];
  disjointFrom(fn, 'outFeature', OF, inputs);
  disjointFrom(fn, 'outBin', OB, [...inputs, ['outFeature', OF]]);
  disjointFrom(fn, 'outGain', OG, [...inputs, ['outFeature', OF], ['outBin', OB]]);
  disjointFrom(fn, 'outLeft', OL, [...inputs, ['outFeature', OF], ['outBin', OB], ['outGain', OG]]);
}

export function checkPartition(
  columns: unknown, n: unknown, rows: unknown, begin: unknown, end: unknown, feature: unknown, bin: unknown, mid: unknown,
): void {
  const fn = 'partition';
  const COLS = binMatrix(fn, columns, 'columns');
  const N = intIn(fn, 'n', n, 1, MAX_DIM);
  const ROWS = u32(fn, 'rows', rows);
  const BEGIN = i32(fn, 'begin', begin);
  const END = i32(fn, 'end', end);
  const FEAT = i32(fn, 'feature', feature);
  const BIN = i32(fn, 'bin', bin);
  const MID = i32(fn, 'mid', mid);
  if (COLS.length % N !== 0) throw rangeError(fn, `columns has length ${COLS.length}, not a multiple of n = ${N}`);
  const D = COLS.length / N;
  const k = checkNodes(fn, ROWS, BEGIN, END, true);
  wantLength(fn, 'feature', FEAT, k, 'begin.length');
  wantLength(fn, 'bin', BIN, k, 'begin.length');
  wantLength(fn, 'mid', MID, k, 'begin.length');
  for (let j = 0; j < k; j++) {
    if (!(FEAT[j] >= 0 && FEAT[j] < D)) throw rangeError(fn, `feature[${j}] = ${FEAT[j]} is not in [0, d) (d = columns.length / n = ${D})`);
  }
  disjointFrom(fn, 'rows', ROWS, [['columns', COLS], ['begin', BEGIN], ['end', END], ['feature', FEAT], ['bin', BIN]]);
  disjointFrom(fn, 'mid', MID, [['columns', COLS], ['rows', ROWS], ['begin', BEGIN], ['end', END], ['feature', FEAT], ['bin', BIN]]);
}

export function checkLeafAdd(rows: unknown, begin: unknown, end: unknown, value: unknown, pred: unknown): void {
  const fn = 'leafAdd';
  const ROWS = u32(fn, 'rows', rows);
  const BEGIN = i32(fn, 'begin', begin);
  const END = i32(fn, 'end', end);
  const V = f64(fn, 'value', value);
  const P = f64(fn, 'pred', pred);
  const k = checkNodes(fn, ROWS, BEGIN, END, true);
  wantLength(fn, 'value', V, k, 'begin.length');
  disjointFrom(fn, 'pred', P, [['rows', ROWS], ['begin', BEGIN], ['end', END], ['value', V]]);
}

export function checkForestPredict(
  x: unknown, n: unknown, d: unknown, treeOffset: unknown, feature: unknown,
  threshold: unknown, left: unknown, value: unknown, base: unknown, out: unknown,
): void {
  const fn = 'forestPredict';
  const X = f64(fn, 'x', x);
  const N = dim(fn, 'n', n);
  const D = intIn(fn, 'd', d, 1, 65535);
  const OFF = i32(fn, 'treeOffset', treeOffset);
  const F = u16(fn, 'feature', feature);
  const T = f32(fn, 'threshold', threshold);
  const L = i32(fn, 'left', left);
  const V = f64(fn, 'value', value);
  finite(fn, 'base', base);
  const O = f64(fn, 'out', out);
  wantLen(fn, 'x', X, N * D, 'n*d');
  wantLen(fn, 'out', O, N, 'n');
  const nNodes = F.length;
  wantLength(fn, 'threshold', T, nNodes, 'feature.length');
  wantLength(fn, 'left', L, nNodes, 'feature.length');
  wantLength(fn, 'value', V, nNodes, 'feature.length');
  if (OFF.length < 1 || OFF[0] !== 0) throw rangeError(fn, 'treeOffset must start with 0');
  for (let t = 1; t < OFF.length; t++) {
    if (!(OFF[t] > OFF[t - 1])) throw rangeError(fn, `treeOffset[${t}] must exceed treeOffset[${t - 1}] (every tree has a node)`);
  }
  if (OFF[OFF.length - 1] !== nNodes) throw rangeError(fn, `treeOffset ends at ${OFF[OFF.length - 1]}, expected feature.length = ${nNodes}`);
  disjointFrom(fn, 'out', O, [['x', X], ['treeOffset', OFF], ['feature', F], ['threshold', T], ['left', L], ['value', V]]);
}

export function checkTreePredictBinned(
  bins: unknown, d: unknown, feature: unknown, bin: unknown, left: unknown, value: unknown, out: unknown,
): void {
  const fn = 'treePredictBinned';
  const BINS = binMatrix(fn, bins);
  const D = intIn(fn, 'd', d, 1, 65535);
  const F = i32(fn, 'feature', feature);
  const B = i32(fn, 'bin', bin);
  const L = i32(fn, 'left', left);
  const V = f64(fn, 'value', value);
  const O = f64(fn, 'out', out);
  if (BINS.length % D !== 0) throw rangeError(fn, `bins has length ${BINS.length}, not a multiple of d = ${D}`);
  const nodes = F.length;
  if (nodes < 1) throw rangeError(fn, 'the tree has no nodes');
  wantLength(fn, 'bin', B, nodes, 'feature.length');
  wantLength(fn, 'left', L, nodes, 'feature.length');
  wantLength(fn, 'value', V, nodes, 'feature.length');
  wantLength(fn, 'out', O, BINS.length / D, 'bins.length / d');
  for (let j = 0; j < nodes; j++) {
    if (L[j] < 0) continue;
    if (!(L[j] > j && L[j] + 1 < nodes)) throw rangeError(fn, `node ${j}: children ${L[j]}, ${L[j] + 1} are not after it inside the tree (${nodes} nodes)`);
    if (!(F[j] >= 0 && F[j] < D)) throw rangeError(fn, `node ${j}: feature ${F[j]} is not in [0, d)`);
  }
  disjointFrom(fn, 'out', O, [['bins', BINS], ['feature', F], ['bin', B], ['left', L], ['value', V]]);
}
