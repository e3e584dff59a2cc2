// How a model uses a declared symmetry (src/models/symmetric.ts says what each does).
export const SYMMETRY_MODES = ['none', 'fold', 'average'] as const;
export type SymmetryMode = (typeof SYMMETRY_MODES)[number];
