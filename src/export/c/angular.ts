// The periodic, logEdges and angularHead ops in C: src/features/angular.ts (the input
// stage, the decay angles), src/features/harmonics.ts (real harmonics, their
// products, the decay tensor) and src/nn/structuredNetwork.ts's
// evaluateHead, statement for statement, for one point. The recursions are
// unrolled here with their integer factors as literals, so the C computes
// the same products in the same order as the TypeScript.

import { DecayTensor, harmonicCount, normalisation } from '../../features/harmonics.js';
import type { AngularHeadOp, LogEdgesOp, PeriodicOp } from '../../graph/ops.js';
import { forwardTransformC, inverseSlopeC, inverseTransformC } from './functions.js';
import { hexFloat } from './literals.js';

const TWO_PI = 2 * Math.PI;

/** Statements writing the periodic op's output. */
export function periodicC(op: PeriodicOp, input: string, output: string): string[] {
  return op.periods.flatMap((p, j) => [
    `{ const double a = (${hexFloat(TWO_PI)} * ${input}[${j}]) / ${hexFloat(p)};`,
    `  ${output}[${2 * j}] = cos(a); ${output}[${2 * j + 1}] = sin(a); }`,
  ]);
}

/** Statements writing the logEdges op's output for its `width` inputs. */
export function logEdgesC(op: LogEdgesOp, width: number, input: string, output: string): string[] {
  const f = hexFloat(op.floor);
  return Array.from({ length: width }, (_, j) => [
    `{ const double x = ${input}[${j}], u = 1 - x;`,
    `  ${output}[${2 * j}] = log(x > ${f} ? x : ${f}) + 1; ${output}[${2 * j + 1}] = log(u > ${f} ? u : ${f}) + 1; }`,
  ]).flat();
}

/** RealHarmonics.evaluate as a C function amp_harmonics_<L>(c, phi, out). */
function harmonicsFunction(lMax: number): string {
  const at = (l: number, m: number): number => (l * (l + 1)) / 2 + m;
  const lines = [
    `static void amp_harmonics_${lMax}(double c, double phi, double *restrict out) {`,
    `  double p[${((lMax + 1) * (lMax + 2)) / 2}], cm[${lMax + 1}], sm[${lMax + 1}], pmm = 1.0, c1, s1;`,
    '  const double t = 1 - c * c;',
    '  const double s = sqrt(t > 0 ? t : 0);',
  ];
  for (let m = 0; m <= lMax; m++) {
    if (m > 0) lines.push(`  pmm *= ${2 * m - 1}.0 * s;`);
    lines.push(`  p[${at(m, m)}] = pmm;`);
    if (m + 1 <= lMax) lines.push(`  p[${at(m + 1, m)}] = ${2 * m + 1}.0 * c * pmm;`);
    for (let l = m + 2; l <= lMax; l++) {
      lines.push(`  p[${at(l, m)}] = (${2 * l - 1}.0 * c * p[${at(l - 1, m)}] - ${l + m - 1}.0 * p[${at(l - 2, m)}]) / ${l - m}.0;`);
    }
  }
  lines.push('  c1 = cos(phi);', '  s1 = sin(phi);', '  cm[0] = 1;', '  sm[0] = 0;');
  for (let m = 1; m <= lMax; m++) {
    lines.push(`  cm[${m}] = cm[${m - 1}] * c1 - sm[${m - 1}] * s1;`, `  sm[${m}] = sm[${m - 1}] * c1 + cm[${m - 1}] * s1;`);
  }
  for (let l = 0; l <= lMax; l++) {
    const base = l * l;
    lines.push(`  out[${base}] = ${hexFloat(normalisation(l, 0))} * p[${at(l, 0)}];`);
    for (let m = 1; m <= l; m++) {
      lines.push(
        `  { const double v = ${hexFloat(normalisation(l, m))} * p[${at(l, m)}];`,
        `    out[${base + 2 * m - 1}] = v * cm[${m}]; out[${base + 2 * m}] = v * sm[${m}]; }`,
      );
    }
  }
  lines.push('  (void)c1;', '  (void)s1;', '}');
  return lines.join('\n');
}

/**
 * `static double amp_angular_<id>(const double *restrict x, const double *restrict o)`:
 * the head's output T(ŷ) for the raw row x and the inner outputs o; plus the harmonics helper it calls.
 */
export function angularHeadFunctions(op: AngularHeadOp, id: string): { helper: { key: string; text: string }; head: string } {
  const K = op.decays.length;
  const per = harmonicCount(op.lMax);
  const kSize = per ** K;
  const tensor = new DecayTensor(K);
  const zn = tensor.size;
  const t = op.transform;
  const L = [
    `static double amp_angular_${id}(const double *restrict x, const double *restrict o) {`,
    `  static const double w[${zn}] = {${Array.from(tensor.weights, hexFloat).join(', ')}};`,
    `  double ang[${2 * K}], f[${K * per}], basis[${kSize}], z[${zn}], v[${zn}], u[${4 * K}];`,
    '  double p = 0, mean = 0, raw = 0, q, y0, slope, ratio;',
    '  int i, j, a, len;',
  ];
  op.decays.forEach((dec, k) => {
    L.push(
      `  { double c = ${hexFloat(dec.cos.offset)} + ${hexFloat(dec.cos.scale)} * x[${dec.cos.index}];`,
      '    c = c > -1 ? c : -1; c = c < 1 ? c : 1;',
      `    ang[${2 * k}] = c; ang[${2 * k + 1}] = ${hexFloat(dec.phi.offset)} + ${hexFloat(dec.phi.scale)} * x[${dec.phi.index}]; }`,
      `  amp_harmonics_${op.lMax}(ang[${2 * k}], ang[${2 * k + 1}], f + ${k * per});`,
      `  { const double c = ang[${2 * k}], t = 1 - c * c, s = sqrt(t > 0 ? t : 0), phi = ang[${2 * k + 1}];`,
      `    u[${4 * k}] = 1; u[${4 * k + 1}] = s * cos(phi); u[${4 * k + 2}] = s * sin(phi); u[${4 * k + 3}] = c; }`,
    );
  });
  // The tensor products built in place from the back, as ProductHarmonics and DecayTensor do.
  L.push('  basis[0] = 1;', '  len = 1;');
  for (let k = 0; k < K; k++) {
    L.push(
      `  for (i = len - 1; i >= 0; i--) { const double b = basis[i]; for (a = ${per - 1}; a >= 0; a--) basis[i * ${per} + a] = b * f[${k * per} + a]; }`,
      `  len *= ${per};`,
    );
  }
  L.push('  z[0] = 1;', '  len = 1;');
  for (let k = 0; k < K; k++) {
    L.push(
      `  for (i = len - 1; i >= 0; i--) { const double b = z[i]; for (a = 3; a >= 0; a--) z[i * 4 + a] = b * u[${4 * k} + a]; }`,
      '  len *= 4;',
    );
  }
  L.push(
    `  for (j = 1; j < ${kSize}; j++) p += o[${op.eAt} + j - 1] * basis[j];`,
    `  p *= ${hexFloat(op.beta)};`,
    `  for (j = 0; j < ${zn}; j++) v[j] = 0;`,
    `  for (i = 0; i < ${zn}; i++) {`,
    '    const double zi = z[i];',
    '    double rowSq = 0;',
    `    for (j = 0; j < ${zn}; j++) {`,
    `      const double lij = (i == j ? 1 : 0) + ${hexFloat(op.alpha)} * o[${op.lAt} + i * ${zn} + j];`,
    '      v[j] += lij * zi;',
    '      rowSq += lij * lij;',
    '    }',
    '    mean += w[i] * rowSq;',
    '  }',
    `  for (j = 0; j < ${zn}; j++) raw += v[j] * v[j];`,
    '  q = raw / mean;',
    `  y0 = ${inverseTransformC(t, 'o[0]')};`,
    `  slope = ${inverseSlopeC(t, 'y0', true)};`,
    '  ratio = p / q;',
    `  { const double yHat = y0 + slope * ratio; return ${forwardTransformC(t, 'yHat')}; }`,
    '}',
  );
  return { helper: { key: `harmonics ${op.lMax}`, text: harmonicsFunction(op.lMax) }, head: L.join('\n') };
}
