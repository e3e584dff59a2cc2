import { COMPONENTS } from '../data/momenta.js';
import type { FormatOptions } from '../data/readers/index.js';

/** The --dataset / --columns flags of predict and eval. */
export interface FormatFlags {
  dataset?: string;
  columns?: string;
}

/**
 * FormatOptions from the flags and the model's inputs: an LHE file's
 * particles are named by the model's momentum columns (<name>_E, …), in order.
 */
export function formatFromFlags(flags: FormatFlags, inputs: readonly string[]): FormatOptions {
  const names = inputs.filter((c) => c.endsWith(`_${COMPONENTS[0]}`)).map((c) => c.slice(0, -2));
  const isMomenta = names.length > 0 && inputs.length === 4 * names.length && names.every((n, i) => COMPONENTS.every((c, k) => inputs[4 * i + k] === `${n}_${c}`));
  return {
    dataset: flags.dataset ?? null,
    columns: flags.columns === undefined ? null : flags.columns.split(',').map((s) => s.trim()),
    // The model does not keep PDG types: an LHE file's particle ids are not checked here.
    particles: isMomenta ? names.map((name) => ({ name, type: '' })) : null,
  };
}
