// The orbit and fold ops in C, statement for statement as
// src/symmetry/group.ts computes them (the (m, s) form of each point, the
// lexicographic order of images), so the export is as exactly invariant as
// ampfit and agrees with it bit for bit around the inner model.

import type { GroupSpec } from '../../graph/ops.js';

/** Tables and helpers of group `id` acting on d coordinates. */
export function groupC(s: GroupSpec, d: number, id: string): string {
  const G = s.elements.length;
  const rows = (f: (e: GroupSpec['elements'][number]) => ArrayLike<number>): string => s.elements.map((e) => `  {${Array.from(f(e)).join(', ')}}`).join(',\n');
  return `/* Symmetry group ${id}: image k of x has x[amp_src_${id}[k][j]] at position j, reflected (1 - x) where amp_refl_${id}[k][j]. */
static const int amp_src_${id}[${G}][${d}] = {
${rows((e) => e.src)}
};
static const signed char amp_refl_${id}[${G}][${d}] = {
${rows((e) => e.reflect)}
};
static const signed char amp_reflectable_${id}[${d}] = {${Array.from(s.reflectable).join(', ')}};

/* Each reflectable coordinate as (m, s): m = max(v, 1 - v), s its side; the group acts on these exactly. */
static void amp_load_${id}(const double *restrict x, double *restrict m, int *restrict s) {
  int j;
  for (j = 0; j < ${d}; j++) {
    const double v = x[j];
    if (amp_reflectable_${id}[j]) {
      const double r = 1.0 - v;
      m[j] = v > r ? v : r;
      s[j] = m[j] == 0.5 ? 0 : (v > 0.5 ? 1 : -1);
    } else {
      m[j] = v;
      s[j] = 0;
    }
  }
}

/* Sign of image a - image b in lexicographic (m, s) order. */
static int amp_compare_${id}(int a, int b, const double *m, const int *s) {
  int j;
  for (j = 0; j < ${d}; j++) {
    const double ma = m[amp_src_${id}[a][j]], mb = m[amp_src_${id}[b][j]];
    int sa, sb;
    if (ma != mb) return ma > mb ? 1 : -1;
    sa = amp_refl_${id}[a][j] ? -s[amp_src_${id}[a][j]] : s[amp_src_${id}[a][j]];
    sb = amp_refl_${id}[b][j] ? -s[amp_src_${id}[b][j]] : s[amp_src_${id}[b][j]];
    if (sa != sb) return sa > sb ? 1 : -1;
  }
  return 0;
}

static void amp_image_${id}(int k, const double *m, const int *s, double *out) {
  int j;
  for (j = 0; j < ${d}; j++) {
    const int sk = amp_refl_${id}[k][j] ? -s[amp_src_${id}[k][j]] : s[amp_src_${id}[k][j]];
    out[j] = sk >= 0 ? m[amp_src_${id}[k][j]] : 1.0 - m[amp_src_${id}[k][j]];
  }
}`;
}

/** Statements writing the folded point (the largest image) into `out`. */
export function foldC(s: GroupSpec, d: number, id: string, input: string, out: string): string[] {
  return [
    '{',
    `  double m[${d}];`,
    `  int sd[${d}], k, best = 0;`,
    `  amp_load_${id}(${input}, m, sd);`,
    `  for (k = 1; k < ${s.elements.length}; k++) if (amp_compare_${id}(k, best, m, sd) > 0) best = k;`,
    `  amp_image_${id}(best, m, sd, ${out});`,
    '}',
  ];
}

/** Statements writing every image, largest first, into outs[0..G-1]. */
export function orbitC(s: GroupSpec, d: number, id: string, input: string, outs: readonly string[]): string[] {
  const G = s.elements.length;
  return [
    '{',
    `  double m[${d}];`,
    `  int sd[${d}], order[${G}], k, r;`,
    `  amp_load_${id}(${input}, m, sd);`,
    `  for (k = 0; k < ${G}; k++) {`,
    '    /* insertion sort, largest first */',
    `    for (r = k; r > 0 && amp_compare_${id}(k, order[r - 1], m, sd) > 0; r--) order[r] = order[r - 1];`,
    '    order[r] = k;',
    '  }',
    ...outs.map((o, r) => `  amp_image_${id}(order[${r}], m, sd, ${o});`),
    '}',
  ];
}
