// Coordinate maps of phase-space symmetries. Permutations of external
// particles act on ampfit's unit-hypercube coordinates by reflections
// x → 1 − x (cos θ → −cos θ) and swaps of coordinates (m34 ↔ m56), so every
// map is a *signed permutation*: output coordinate j is x[src[j]], or
// 1 − x[src[j]] where reflect[j] is set. Such maps compose into maps of the
// same form, which keeps groups finite and small.
//
// Two spellings are accepted in configs and manifests:
//   - the image of x, as physicists and paper 1 write it:
//       "(x1, 1-x2, x4, x3)"     (every input exactly once, in any order)
//   - a list of primitive steps, applied first to last:
//       [{"reflect": "x2"}, {"swap": ["x3", "x4"]}]

import { AmpfitError } from '../util/errors.js';

export type MapStep = { readonly reflect: string } | { readonly swap: readonly [string, string] };
/** A map as written in a config: image notation or a list of steps. */
export type MapSpec = string | readonly MapStep[];

export interface SignedPermutation {
  /** (g·x)[j] reads x[src[j]]. */
  readonly src: Int32Array;
  /** 1 where (g·x)[j] = 1 − x[src[j]]. */
  readonly reflect: Uint8Array;
}

export function identityMap(d: number): SignedPermutation {
  return { src: Int32Array.from({ length: d }, (_, j) => j), reflect: new Uint8Array(d) };
}

/** (a ∘ b)·x = a·(b·x): b acts first. */
export function compose(a: SignedPermutation, b: SignedPermutation): SignedPermutation {
  const d = a.src.length;
  const src = new Int32Array(d);
  const reflect = new Uint8Array(d);
  for (let j = 0; j < d; j++) {
    const k = a.src[j];
    src[j] = b.src[k];
    reflect[j] = a.reflect[j] ^ b.reflect[k];
  }
  return { src, reflect };
}

export function inverse(g: SignedPermutation): SignedPermutation {
  const d = g.src.length;
  const src = new Int32Array(d);
  const reflect = new Uint8Array(d);
  // (g·x)[j] = r_j(x[s_j])  ⇒  x[s_j] = r_j((g·x)[j]), with r_j its own inverse.
  for (let j = 0; j < d; j++) {
    src[g.src[j]] = j;
    reflect[g.src[j]] = g.reflect[j];
  }
  return { src, reflect };
}

export function sameMap(a: SignedPermutation, b: SignedPermutation): boolean {
  if (a.src.length !== b.src.length) return false;
  for (let j = 0; j < a.src.length; j++) if (a.src[j] !== b.src[j] || a.reflect[j] !== b.reflect[j]) return false;
  return true;
}

export function isIdentity(g: SignedPermutation): boolean {
  return sameMap(g, identityMap(g.src.length));
}

/** A string that identifies the map (for sets and de-duplication). */
export function mapKey(g: SignedPermutation): string {
  let k = '';
  for (let j = 0; j < g.src.length; j++) k += `${g.reflect[j] === 1 ? '~' : ''}${g.src[j]},`;
  return k;
}

/** The map in image notation over the given input names: "(x1, 1-x2, x4, x3)". */
export function formatMap(g: SignedPermutation, names: readonly string[]): string {
  const parts = Array.from(g.src, (s, j) => (g.reflect[j] === 1 ? `1-${names[s]}` : names[s]));
  return `(${parts.join(', ')})`;
}

/**
 * Applies g to n rows of x (n × d, row-major). Rows that a reflection would
 * take out of the unit interval are the caller's to reject (see
 * checkReflectedRange); here 1 − x is simply computed.
 */
export function applyMap(g: SignedPermutation, x: Float64Array, n: number): Float64Array {
  const d = g.src.length;
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let j = 0; j < d; j++) {
      const v = x[row + g.src[j]];
      out[row + j] = g.reflect[j] === 1 ? 1 - v : v;
    }
  }
  return out;
}

/**
 * Reflections assume hypercube coordinates: the first [row, coordinate]
 * (0-based) where a coordinate marked in `reflected` lies outside [0, 1], or
 * null. Such a point has no image inside the domain.
 */
export function firstReflectedOutsideUnit(reflected: Uint8Array, x: Float64Array, n: number): [number, number] | null {
  const d = reflected.length;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = x[i * d + j];
      if (reflected[j] === 1 && !(v >= 0 && v <= 1)) return [i, j];
    }
  }
  return null;
}

/** Resolves a map written over input names; `label` names it in errors ("symmetry 'fb'"). */
export function parseMap(spec: MapSpec, names: readonly string[], label: string): SignedPermutation {
  const index = (name: string): number => {
    const j = names.indexOf(name);
    if (j < 0) throw new AmpfitError(`${label}: '${name}' is not an input coordinate (the ${names.length} inputs are ${names.join(', ')})`);
    return j;
  };
  if (typeof spec === 'string') return parseImage(spec, names, label, index);
  let g = identityMap(names.length);
  for (const step of spec) {
    const s = identityMap(names.length);
    if ('reflect' in step) {
      s.reflect[index(step.reflect)] = 1;
    } else {
      const [a, b] = [index(step.swap[0]), index(step.swap[1])];
      if (a === b) throw new AmpfitError(`${label}: swap of '${step.swap[0]}' with itself`);
      s.src[a] = b;
      s.src[b] = a;
    }
    g = compose(s, g);
  }
  return g;
}

const IMAGE_ENTRY = /^(?:1\s*-\s*)?([^\s,()-][^\s,()]*)$/;

function parseImage(text: string, names: readonly string[], label: string, index: (name: string) => number): SignedPermutation {
  const inner = text.trim().replace(/^\(/, '').replace(/\)$/, '');
  const entries = inner.split(',').map((e) => e.trim());
  if (entries.length !== names.length) {
    throw new AmpfitError(
      `${label}: the image "${text}" has ${entries.length} entries but there are ${names.length} inputs (${names.join(', ')}); ` +
        'write one entry per input, e.g. "(x1, 1-x2, x4, x3)"',
    );
  }
  const src = new Int32Array(names.length);
  const reflect = new Uint8Array(names.length);
  const seen = new Set<number>();
  entries.forEach((entry, j) => {
    const m = IMAGE_ENTRY.exec(entry);
    if (m === null) throw new AmpfitError(`${label}: entry ${j + 1} of "${text}" is '${entry}'; each entry is an input name or 1-<input name>`);
    const k = index(m[1]);
    if (seen.has(k)) throw new AmpfitError(`${label}: '${m[1]}' appears twice in "${text}"; a symmetry map uses every input exactly once`);
    seen.add(k);
    src[j] = k;
    reflect[j] = entry !== m[1] ? 1 : 0; // the regex matched a 1- prefix
  });
  return { src, reflect };
}
