// C helper functions for the multivector ops of the model graph (L-GATr,
// src/graph/ops.ts MvOp): one function per op shape, each in the evaluation
// order its op documents, which is src/nn/lgatr's statement for statement.
// The algebra's constants come from the ops (static const tables here), so
// the C code holds no algebra of its own.

import type { Activation } from '../../kernels/types.js';
import type { MvAttentionOp, MvBilinearOp, MvEmbedOp, MvLinearOp, MvNormOp } from '../../graph/ops.js';
import { hexFloat } from './literals.js';

const MV = 16;

const ints = (values: readonly number[]): string => `{${values.join(', ')}}`;
const doubles = (values: readonly number[]): string => `{${values.map(hexFloat).join(', ')}}`;

export interface CFunction {
  /** The declaration's key: equal keys are the same function. */
  readonly key: string;
  /** The name it would like; the walk makes it unique (two tables of one shape get two names). */
  readonly name: string;
  readonly text: (name: string) => string;
}

/** Tables as literals in the key, so two ops share a function exactly when they compute the same thing. */
function tableKey(values: readonly number[]): string {
  return values.join(',');
}

export function mvEmbedFunction(op: MvEmbedOp): CFunction {
  const { tokens: T, channels: C } = op;
  const key = `mvembed ${T} ${C} ${tableKey(op.blades)} ${tableKey(op.classOf)}`;
  const name = `amp_mvembed_${T}_${C}`;
  return {
    key, name,
    text: (fn) => `/* Token t: its momentum in channel 0's vector blades, its class as a scalar 1. */
static void ${fn}(const double *restrict x, double *restrict y) {
  static const int blade[4] = ${ints(op.blades)};
  static const int cls[${T}] = ${ints(op.classOf)};
  int i, t, mu;
  for (i = 0; i < ${MV * T * C}; i++) y[i] = 0.0;
  for (t = 0; t < ${T}; t++) {
    for (mu = 0; mu < 4; mu++) y[(blade[mu] * ${T} + t) * ${C}] = x[4 * t + mu];
    y[t * ${C} + 1 + cls[t]] = 1.0;
  }
}`,
  };
}

export function mvLinearFunction(op: MvLinearOp): CFunction {
  const { tokens: T, cin, cout } = op;
  const res = op.residual !== null;
  const key = `mvlinear ${T} ${cin} ${cout} ${res} ${tableKey(op.grade)} ${tableKey(op.dualSign)}`;
  const name = `amp_mvlinear_${T}_${cin}_${cout}${res ? '_r' : ''}`;
  const block = cin * cout;
  return {
    key, name,
    text: (fn) => `/* Equivariant linear map: grade blocks on blade a, dual blocks on blade a^15, bias on the scalar. */
static void ${fn}(const double *restrict x, const double *restrict w, ${res ? 'const double *restrict res, ' : ''}double *restrict y) {
  static const int grade[16] = ${ints(op.grade)};
  static const double dual_sign[16] = ${doubles(op.dualSign)};
  double acc[${cout}], dacc[${cout}];
  int a, t, i, o;
  for (a = 0; a < 16; a++) {
    const double *wg = w + grade[a] * ${block}, *wd = w + (9 - grade[a]) * ${block};
    for (t = 0; t < ${T}; t++) {
      const double *xa = x + (a * ${T} + t) * ${cin}, *xd = x + ((a ^ 15) * ${T} + t) * ${cin};
      double *ya = y + (a * ${T} + t) * ${cout};
      for (o = 0; o < ${cout}; o++) acc[o] = dacc[o] = 0.0;
      for (i = 0; i < ${cin}; i++) {
        const double xi = xa[i], di = xd[i];
        for (o = 0; o < ${cout}; o++) {
          acc[o] += xi * wg[i * ${cout} + o];
          dacc[o] += di * wd[i * ${cout} + o];
        }
      }
      for (o = 0; o < ${cout}; o++) {
        double v = dual_sign[a] * dacc[o] + acc[o];
        if (a == 0) v += w[${10 * block} + o];
        ya[o] = v${res ? ' + res[(a * ' + T + ' + t) * ' + cout + ' + o]' : ''};
      }
    }
  }
}`,
  };
}

export function mvNormFunction(op: MvNormOp): CFunction {
  const { tokens: T, channels: C } = op;
  const key = `mvnorm ${T} ${C} ${tableKey(op.metric)} ${op.eps}`;
  const name = `amp_mvnorm_${T}_${C}`;
  const TC = T * C;
  return {
    key, name,
    text: (fn) => `/* Equivariant layer norm: x / sqrt(mean_c |<x_c, x_c>| + eps) per token. */
static void ${fn}(const double *restrict x, double *restrict y) {
  static const double metric[16] = ${doubles(op.metric)};
  double sq[${TC}], inv[${T}];
  int a, i, t, c;
  for (i = 0; i < ${TC}; i++) sq[i] = 0.0;
  for (a = 0; a < 16; a++) for (i = 0; i < ${TC}; i++) sq[i] += metric[a] * x[a * ${TC} + i] * x[a * ${TC} + i];
  for (t = 0; t < ${T}; t++) {
    double s = 0.0;
    for (c = 0; c < ${C}; c++) s += fabs(sq[t * ${C} + c]);
    inv[t] = 1 / sqrt(s / ${C} + ${hexFloat(op.eps)});
  }
  for (a = 0; a < 16; a++) for (t = 0; t < ${T}; t++) for (c = 0; c < ${C}; c++) y[(a * ${T} + t) * ${C} + c] = x[(a * ${T} + t) * ${C} + c] * inv[t];
}`,
  };
}

/** The gate calls amp_<activation> (functions.ts activationFunction) on the scalar plane; param: its parameter as a C literal. */
export function mvGateFunction(tokens: number, channels: number, act: Exclude<Activation['name'], 'linear'>, param: string | null): CFunction {
  const TC = tokens * channels;
  const name = `amp_mvgate_${act}_${TC}`;
  return {
    key: `mvgate ${act} ${TC} ${param ?? ''}`,
    name,
    text: (fn) => `/* Scalar gate: every component times ${act}(scalar part). */
static void ${fn}(const double *restrict x, double *restrict y) {
  double g[${TC}];
  int a, i;
  amp_${act}(${TC}, x, g${param === null ? '' : `, ${param}`});
  for (a = 0; a < 16; a++) for (i = 0; i < ${TC}; i++) y[a * ${TC} + i] = g[i] * x[a * ${TC} + i];
}`,
  };
}

export function mvBilinearFunction(op: MvBilinearOp): CFunction {
  const TC = op.tokens * op.channels;
  const t = op.table;
  const key = `mvbilinear ${TC} ${tableKey(t.left)} ${tableKey(t.right)} ${tableKey(t.out)} ${tableKey(t.sign)}`;
  const name = `amp_mv${op.product}_${TC}`;
  const n = t.sign.length;
  return {
    key, name,
    text: (fn) => `/* The ${op.product} product channel by channel: z[out] += (sign * x[left]) * y[right], term by term. */
static void ${fn}(const double *restrict x, const double *restrict y, double *restrict z) {
  static const unsigned char left[${n}] = ${ints(t.left)};
  static const unsigned char right[${n}] = ${ints(t.right)};
  static const unsigned char out[${n}] = ${ints(t.out)};
  static const double sign[${n}] = ${doubles(t.sign)};
  int k, i;
  for (i = 0; i < ${MV * TC}; i++) z[i] = 0.0;
  for (k = 0; k < ${n}; k++) {
    const double s = sign[k], *xa = x + left[k] * ${TC}, *yb = y + right[k] * ${TC};
    double *zo = z + out[k] * ${TC};
    for (i = 0; i < ${TC}; i++) zo[i] += s * xa[i] * yb[i];
  }
}`,
  };
}

export function mvAttentionFunction(op: MvAttentionOp): CFunction {
  const { tokens: T, heads: H, headChannels: Ch, channels: W } = op;
  const key = `mvattention ${T} ${H} ${Ch} ${op.scale} ${tableKey(op.metric)}`;
  const name = `amp_mvattention_${T}_${H}_${Ch}`;
  return {
    key, name,
    text: (fn) => `/* Attention over the tokens with the invariant inner product as logits. */
static void ${fn}(const double *restrict q, const double *restrict k, const double *restrict v, double *restrict o) {
  static const double metric[16] = ${doubles(op.metric)};
  double att[${H * T * T}];
  int a, h, i, j, c;
  for (i = 0; i < ${H * T * T}; i++) att[i] = 0.0;
  for (a = 0; a < 16; a++) {
    const double s = metric[a] * ${hexFloat(op.scale)};
    for (h = 0; h < ${H}; h++) {
      for (i = 0; i < ${T}; i++) {
        const double *qi = q + (a * ${T} + i) * ${W} + h * ${Ch};
        for (j = 0; j < ${T}; j++) {
          const double *kj = k + (a * ${T} + j) * ${W} + h * ${Ch};
          double d = 0.0;
          for (c = 0; c < ${Ch}; c++) d += qi[c] * kj[c];
          att[(h * ${T} + i) * ${T} + j] += s * d;
        }
      }
    }
  }
  for (i = 0; i < ${H * T}; i++) {
    double *row = att + i * ${T}, max = -INFINITY, sum = 0.0;
    for (j = 0; j < ${T}; j++) max = (row[j] > max || row[j] != row[j]) ? row[j] : max;
    for (j = 0; j < ${T}; j++) {
      row[j] = exp(row[j] - max);
      sum += row[j];
    }
    for (j = 0; j < ${T}; j++) row[j] /= sum;
  }
  for (i = 0; i < ${MV * T * W}; i++) o[i] = 0.0;
  for (a = 0; a < 16; a++) {
    for (h = 0; h < ${H}; h++) {
      for (i = 0; i < ${T}; i++) {
        double *oi = o + (a * ${T} + i) * ${W} + h * ${Ch};
        for (j = 0; j < ${T}; j++) {
          const double w = att[(h * ${T} + i) * ${T} + j], *vj = v + (a * ${T} + j) * ${W} + h * ${Ch};
          for (c = 0; c < ${Ch}; c++) oi[c] += w * vj[c];
        }
      }
    }
  }
}`,
  };
}

/** The invariant readout: the scalar parts' mean over the tokens, output by output. */
export function mvReadoutC(tokens: number, channels: number, x: string, out: string): string[] {
  return [
    `for (i = 0; i < ${channels}; i++) {`,
    '  int t;',
    '  acc = 0.0;',
    `  for (t = 0; t < ${tokens}; t++) acc += ${x}[t * ${channels} + i];`,
    `  ${out}[i] = acc / ${tokens};`,
    '}',
  ];
}
