// Every model type's capabilities, one record each: what the config may
// combine it with. The config's checks (schema.ts) and which keys a type
// reads (applicability.ts) are derived from these records, and
// src/models/registry.ts must give each name a factory — the compiler checks
// both. (The records live here, below src/models, so that the config layer
// can read them; the factories live with the models.)

export interface ModelTypeCapabilities {
  /** Trained by the network Trainer: learning-rate keys, epochs, the finishing phase. */
  readonly network: boolean;
  /** The learned-uncertainty objectives (config `uncertainty`). */
  readonly uncertainty: boolean;
  /** Reads four-momenta features (data.momenta); 'required': nothing else. */
  readonly momenta: boolean | 'required';
  /** A fixed activation (config `activation`); 'rational': GroupKAN's learnable one too. */
  readonly activation: 'none' | 'fixed' | 'rational';
  /** A network that can sit behind periodic inputs and emit an angular head (config data.periodic, angular). */
  readonly structuredHead: boolean;
  /** Wrapped by a declared symmetry (fold or average). */
  readonly symmetry: boolean;
  /** `ampfit export --format onnx|c` (the model graph). */
  readonly export: boolean;
}

const NETWORK = { network: true, uncertainty: true, symmetry: true, export: true } as const;

export const MODEL_TYPE_RECORDS = {
  poly: { network: false, uncertainty: false, momenta: true, activation: 'none', structuredHead: false, symmetry: true, export: true },
  dnn: { ...NETWORK, momenta: true, activation: 'fixed', structuredHead: true },
  skdnn: { ...NETWORK, momenta: true, activation: 'fixed', structuredHead: true },
  bdt: { network: false, uncertainty: false, momenta: true, activation: 'none', structuredHead: false, symmetry: true, export: true },
  mlp: { ...NETWORK, momenta: true, activation: 'rational', structuredHead: false },
  kan: { ...NETWORK, momenta: true, activation: 'none', structuredHead: false },
  ds: { ...NETWORK, momenta: 'required', activation: 'rational', structuredHead: false },
  // Its gated GELU is fixed; uncertainty heads are not built for it yet.
  lgatr: { network: true, uncertainty: false, momenta: 'required', activation: 'none', structuredHead: false, symmetry: false, export: true },
} as const satisfies Record<string, ModelTypeCapabilities>;

export type ModelTypeName = keyof typeof MODEL_TYPE_RECORDS;

export const MODEL_TYPES = Object.keys(MODEL_TYPE_RECORDS) as [ModelTypeName, ...ModelTypeName[]];

export function capabilities(type: ModelTypeName): ModelTypeCapabilities {
  return MODEL_TYPE_RECORDS[type];
}

/** The model types whose record satisfies `has`, in record order. */
export function typesWith(has: (c: ModelTypeCapabilities) => boolean): ModelTypeName[] {
  return MODEL_TYPES.filter((t) => has(MODEL_TYPE_RECORDS[t]));
}

/** "'dnn', 'skdnn'": the names, for error messages. */
export function quoted(types: readonly string[]): string {
  return types.map((t) => `'${t}'`).join(', ');
}
