// Reference split search (Kernels.splitFind): XGBoost hist's enumeration over
// bins in ascending order for each allowed feature, on a histogram or — for
// small nodes without one — on the node's rows sorted by bin. Sums are taken
// in the order histBuild uses, so both paths give the same bits for a node;
// native/kernels/split.c repeats the arithmetic operation for operation.

import { rangeError } from './checks.js';
import { HIST_BLOCK_ROWS, type BinMatrix } from './types.js';

/** XGBoost's CalcGain for squared error without L1 or max_delta_step: G²/(H + λ), 0 for an empty side. */
export function splitScore(g: number, h: number, lambda: number): number {
  return h <= 0 ? 0 : (g * g) / (h + lambda);
}

interface Best {
  gain: number;
  feature: number;
  bin: number;
  gl: number;
  hl: number;
}

export function splitFind(
  hist: Float64Array, bins: BinMatrix, d: number, binOffset: Int32Array, gpair: Float64Array, rows: Uint32Array,
  slot: Int32Array, begin: Int32Array, end: Int32Array, sumG: Float64Array, sumH: Float64Array,
  features: Uint8Array, lambda: number, minChildWeight: number,
  outFeature: Int32Array, outBin: Int32Array, outGain: Float64Array, outLeft: Float64Array,
): void {
  const width = 2 * binOffset[d];
  const n = bins.length / d;
  for (let j = 0; j < begin.length; j++) {
    const G = sumG[j];
    const H = sumH[j];
    const parent = splitScore(G, H, lambda);
    const best: Best = { gain: 0, feature: -1, bin: -1, gl: 0, hl: 0 };
    const consider = (f: number, b: number, gl: number, hl: number): void => {
      const gr = G - gl;
      const hr = H - hl;
      if (!(hl >= minChildWeight && hr >= minChildWeight)) return;
      const chg = splitScore(gl, hl, lambda) + splitScore(gr, hr, lambda) - parent;
      if (chg > best.gain) {
        best.gain = chg;
        best.feature = f;
        best.bin = b;
        best.gl = gl;
        best.hl = hl;
      }
    };
    let keys: Uint32Array | null = null;
    if (slot[j] < 0) {
      keys = new Uint32Array(end[j] - begin[j]);
      for (let i = begin[j]; i < end[j]; i++) {
        if (rows[i] >= n) throw rangeError('splitFind', `rows holds a row index >= n = ${n}`);
      }
    }
    for (let f = 0; f < d; f++) {
      if (features[f] === 0) continue;
      const nb = binOffset[f + 1] - binOffset[f];
      let gl = 0;
      let hl = 0;
      if (keys === null) {
        const base = width * slot[j] + 2 * binOffset[f];
        for (let b = 0; b < nb; b++) {
          gl += hist[base + 2 * b];
          hl += hist[base + 2 * b + 1];
          consider(f, b, gl, hl);
        }
        continue;
      }
      // Key = bin·2^16 + position: sorting gives bins ascending, rows order within a bin.
      const m = keys.length;
      for (let i = 0; i < m; i++) {
        const b = bins[rows[begin[j] + i] * d + f];
        if (b >= nb) throw rangeError('splitFind', "bins holds a bin index beyond its feature's bins");
        keys[i] = b * 65536 + i;
      }
      keys.sort();
      for (let i = 0; i < m; ) {
        const b = keys[i] >>> 16;
        // A bin's sum as histBuild forms it: per block of HIST_BLOCK_ROWS
        // positions, then the block sums in order (blocks without rows add 0).
        let gs = 0;
        let hs = 0;
        while (i < m && keys[i] >>> 16 === b) {
          const block = Math.floor((keys[i] & 0xffff) / HIST_BLOCK_ROWS);
          let gp = 0;
          let hp = 0;
          for (; i < m && keys[i] >>> 16 === b && Math.floor((keys[i] & 0xffff) / HIST_BLOCK_ROWS) === block; i++) {
            const r = rows[begin[j] + (keys[i] & 0xffff)];
            gp += gpair[2 * r];
            hp += gpair[2 * r + 1];
          }
          gs += gp;
          hs += hp;
        }
        gl += gs;
        hl += hs;
        consider(f, b, gl, hl);
      }
    }
    outFeature[j] = best.feature;
    outBin[j] = best.bin;
    outGain[j] = best.gain;
    outLeft[2 * j] = best.gl;
    outLeft[2 * j + 1] = best.hl;
  }
}
