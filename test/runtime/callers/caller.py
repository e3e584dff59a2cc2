"""A Python caller of libampfit (test/runtime/callers.test.ts):
    caller.py <model> <points.bin> <n>
prints "value sigma" per point (%.17g), then the AmpfitError of a bad path
and of a wrongly shaped x."""
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
m.close()
