// Reference Adam step (Kingma & Ba 2015, Algorithm 1, with the eps placement of
// PyTorch: p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)). Only correctly
// rounded operations in the same order as native/kernels/adam.c, so both
// backends produce identical bits.

/** base^t by binary powering (not Math.pow, whose last bit is engine-specific). */
export function powi(base: number, t: number): number {
  let r = 1;
  let b = base;
  let e = t;
  while (e > 0) {
    if (e % 2 === 1) r *= b;
    b *= b;
    e = Math.floor(e / 2);
  }
  return r;
}

export function adamStep(
  p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array,
  lr: number, beta1: number, beta2: number, eps: number, step: number,
): void {
  const stepSize = lr / (1 - powi(beta1, step));
  const sqrtBc2 = Math.sqrt(1 - powi(beta2, step));
  const omb1 = 1 - beta1;
  const omb2 = 1 - beta2;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i];
    const mi = beta1 * m[i] + omb1 * gi;
    const vi = beta2 * v[i] + omb2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] - stepSize * (mi / (Math.sqrt(vi) / sqrtBc2 + eps));
  }
}
