// The momentumFeatures op in C: the physics checks of src/data/momenta.ts
// checkMomentumRow (same comparisons, so the same points pass), then the
// features of src/features/momentumFeatures.ts. A C function cannot throw, so
// a failed check is a status code; the public functions turn it into NaN or
// hand it to the caller (<name>_check, <name>_strerror).

import { hasInvariants, hasMomenta, type MomentumFeatureSpec } from '../../features/momentumFeatures.js';
import { invariantPairs } from '../../data/momenta.js';
import { hexFloat } from './literals.js';

/** Status codes of a momentum model's C export, 0 being success. */
export const MOMENTUM_STATUS = [
  [1, 'ENERGY', 'an energy is not positive (physical momenta have E > 0)'],
  [2, 'SHAT', 'the incoming momenta give s-hat <= 0'],
  [3, 'CONSERVATION', 'momentum is not conserved to the tolerance the model was trained with'],
  [4, 'INVARIANT', 'a pair invariant s_ij is not positive, and its log is a feature'],
] as const;

/** `static int amp_momenta_<id>(const double *restrict p, double *restrict f)`: 0, or the failed check's code. */
export function momentaFunction(spec: MomentumFeatureSpec, id: string): string {
  const nP = spec.layout.particles.length;
  const nIn = spec.layout.incoming;
  const w = 4 * nP;
  const pairs = invariantPairs(nP);
  const withP = hasMomenta(spec.features);
  const withS = hasInvariants(spec.features);
  const inv = hexFloat(1 / spec.momentum_scale);
  const s = (i: number, j: number): string =>
    `amp_pair(p + ${4 * i}, p + ${4 * j})`;
  const lines = [
    `static int amp_momenta_${id}(const double *restrict p, double *restrict f) {`,
    `  double total[4] = {0.0, 0.0, 0.0, 0.0}, incoming[4] = {0.0, 0.0, 0.0, 0.0}, shat, limit;`,
    '  int i, c;',
    `  for (i = 0; i < ${nP}; i++) if (!(p[4 * i] > 0)) return 1;`,
    `  for (i = 0; i < ${nP}; i++) {`,
    '    for (c = 0; c < 4; c++) {',
    `      total[c] += (i < ${nIn} ? 1.0 : -1.0) * p[4 * i + c];`,
    `      if (i < ${nIn}) incoming[c] += p[4 * i + c];`,
    '    }',
    '  }',
    '  shat = incoming[0] * incoming[0] - incoming[1] * incoming[1] - incoming[2] * incoming[2] - incoming[3] * incoming[3];',
    '  if (!(shat > 0)) return 2;',
    `  limit = ${hexFloat(spec.layout.tolerance)} * sqrt(shat);`,
    '  for (c = 0; c < 4; c++) if (!(fabs(total[c]) <= limit)) return 3;',
  ];
  if (withS) {
    lines.push(`  {`, `    double s[${pairs.length}];`);
    pairs.forEach(([i, j], m) => lines.push(`    s[${m}] = ${s(i, j)};`));
    lines.push(`    for (i = 0; i < ${pairs.length}; i++) if (!(s[i] > 0)) return 4;`);
    if (withP) lines.push(`    for (i = 0; i < ${w}; i++) f[i] = p[i] * ${inv};`);
    const base = withP ? w : 0;
    pairs.forEach((_, m) => lines.push(`    f[${base + m}] = (log(s[${m}]) - ${hexFloat(spec.invariant_shift[m])}) / ${hexFloat(spec.invariant_scale[m])};`));
    lines.push('  }');
  } else {
    lines.push(`  for (i = 0; i < ${w}; i++) f[i] = p[i] * ${inv};`);
  }
  lines.push('  return 0;', '}');
  return lines.join('\n');
}

/** (p_a + p_b)² with metric (+, −, −, −), in src/data/momenta.ts pairInvariant's order. */
export const PAIR_C = `static double amp_pair(const double *restrict a, const double *restrict b) {
  const double e = a[0] + b[0], px = a[1] + b[1], py = a[2] + b[2], pz = a[3] + b[3];
  return e * e - px * px - py * py - pz * pz;
}`;
