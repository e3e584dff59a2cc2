"""A Python caller of libampfit (test/runtime/callers.test.ts):
    caller.py <model> <points.bin> <n> [<momentum model> <momenta.bin> <m>]
prints "value sigma" per point (%.17g), then the AmpfitError of a bad path
and of a wrongly shaped x, eval_fallback with tol 0 (every point with σ > 0
falls back to exact) and with a raising exact, n_particles of the coordinate
model; given a momentum model, "momenta value sigma" of its m points with the
Born 1 + i/m."""
import sys

import numpy as np

import ampfit

m = ampfit.Model(sys.argv[1])
n = int(sys.argv[3])
x = np.fromfile(sys.argv[2], dtype=np.float64).reshape(n, m.input_dim)
y, s = m.eval(x, sigma=True)
assert y.dtype == np.float64 and y.shape == (n,)
for v, e in zip(y, s):
    print("%.17g %.17g" % (v, e))
print("names", ",".join(m.input_names), "kind", m.input_kind, "sigma", int(m.has_sigma), "type", m.info["type"])
for bad in (lambda: ampfit.Model(sys.argv[1] + ".not-there"), lambda: m.eval(x[:, :-1])):
    try:
        bad()
        print("error none")
    except ampfit.AmpfitError as e:
        print("error", e.status, e.message)
asked = []
fb, fraction = m.eval_fallback(x, 0.0, lambda pts: (asked.append(pts.copy()), pts[:, 0] * 0 + 42)[1])
print("fallback", "%.17g" % fraction, sum(len(a) for a in asked), int(np.all(fb == 42)), int(np.array_equal(np.concatenate(asked), x)))


def refuse(pts):
    raise ValueError("no exact function here")


try:
    m.eval_fallback(x, 0.0, refuse)
    print("raised none")
except ValueError as e:
    print("raised", e)
try:
    m.n_particles()
except ampfit.AmpfitError as e:
    print("particles error", e.status)
m.close()
if len(sys.argv) == 7:
    with ampfit.Model(sys.argv[4]) as mm:
        k = int(sys.argv[6])
        p = np.fromfile(sys.argv[5], dtype=np.float64).reshape(k, mm.n_particles(), 4)
        v, s = mm.eval_momenta(p, born=1 + np.arange(k) / k, sigma=True)
        for a, b in zip(v, s):
            print("momenta %.17g %.17g" % (a, b))
