// Entry point for the numerical kernels: pick the native addon when it is
// available, else the TypeScript reference. Everything above src/kernels/
// should obtain its Kernels here.

import { loadNative, nativeLoadError } from './native.js';
import { reference } from './reference.js';
import type { Kernels } from './types.js';

export { ACTIVATIONS, activationCode } from './types.js';
export type { Activation, ActivationName, BinMatrix, Kernels } from './types.js';
export { DIRECT_MAX_ROWS, HIST_BLOCK_ROWS } from './types.js';
export { reference } from './reference.js';
export { nativeInfo, nativeLoadError } from './native.js';

export type KernelPreference = 'native' | 'typescript' | 'auto';

let warned = false;

/** True when the native addon is built, loads, and is not disabled. */
export function nativeAvailable(): boolean {
  return loadNative() !== null;
}

/**
 * 'native' throws if the addon is unavailable; 'typescript' always gives the
 * reference; 'auto' (default) gives native when available, else the reference
 * with a one-time warning on stderr — unless the addon was switched off on
 * purpose with AMPFIT_NATIVE=0, which needs no warning.
 */
export function getKernels(prefer: KernelPreference = 'auto'): Kernels {
  switch (prefer) {
    case 'typescript':
      return reference;
    case 'native': {
      const k = loadNative();
      if (k === null) throw new Error(`ampfit: native kernels requested but unavailable: ${nativeLoadError()}`);
      return k;
    }
    case 'auto': {
      const k = loadNative();
      if (k !== null) return k;
      if (!warned && process.env.AMPFIT_NATIVE !== '0') {
        warned = true;
        process.stderr.write(
          `ampfit: native kernels unavailable (${nativeLoadError()}); using the much slower TypeScript kernels\n`,
        );
      }
      return reference;
    }
    default:
      throw new TypeError(`ampfit: getKernels: prefer must be 'native', 'typescript' or 'auto' (got ${String(prefer)})`);
  }
}
