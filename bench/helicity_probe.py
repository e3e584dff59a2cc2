"""Is zz8d, at fixed production kinematics, two helicity amplitudes contracted
with the decays' Wigner functions? (issue 15: a candidate for a smaller head)

For quark helicity h the production emits a complex 9-vector over the boson
helicities (lambda1, lambda2): K0 at tree level, K1 at one loop. The decays
contract it with D^s_l(theta, phi) = d^1_{l s}(theta) e^{i l phi} for the
lepton helicities s1, s2 = +-1, with four positive weights W_h(s1, s2):
  f00 = sum_h sum_s W |a0|^2,  f01 = sum_h sum_s W 2 Re(conj(a0) a1),
  a_i = sum_l K_i^h(l) D^s1_l1 D^s2_l2.
The script fits that form (nh = 1 or 2 helicities, 40 real numbers each) to
f00 and f01 together at random production points, by Levenberg-Marquardt
from random starts, and prints the worst residual on fresh decay angles.

The exact amplitude is the oracle's C library (GPL, ../shared/oracle): build a
copy first and pass its folder, e.g.
  cp -r ../shared/oracle /tmp/oracle && make -C /tmp/oracle
  /usr/bin/python3 bench/helicity_probe.py --oracle /tmp/oracle --points 3
Needs numpy and scipy (Debian python3-numpy, python3-scipy).
"""
import argparse, ctypes, time
import numpy as np
from scipy.optimize import least_squares

ap = argparse.ArgumentParser()
ap.add_argument('--oracle', required=True)
ap.add_argument('--points', type=int, default=3)
ap.add_argument('--angles', type=int, default=300)
ap.add_argument('--restarts', type=int, default=12)
ap.add_argument('--seed', type=int, default=3)
ap.add_argument('--point', help='one production point x1,x2,x3,x4 instead of random ones')
ap.add_argument('--born-only', action='store_true', help='fit f00 alone')
ap.add_argument('--helicities', default='1,2', help='numbers of helicity amplitudes to try, e.g. 1,2,3')
args = ap.parse_args()

lib = ctypes.CDLL(args.oracle + '/libzzoracle.so')
lib.zz_eval_batch.argtypes = [ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
def oracle(x):
    x = np.ascontiguousarray(x, dtype=np.float64)
    f00, f01 = np.empty(len(x)), np.empty(len(x))
    bad = lib.zz_eval_batch(len(x), x.ctypes.data, f00.ctypes.data, f01.ctypes.data)
    if bad: raise RuntimeError(f'oracle: {bad} points failed')
    return f00, f01

LAM = np.array([1, 0, -1])
def wigner(c, phi, s):
    sn = np.sqrt(np.clip(1 - c * c, 0, None))
    d = np.stack([(1 + c) / 2, -sn / np.sqrt(2), (1 - c) / 2] if s > 0 else [(1 - c) / 2, sn / np.sqrt(2), (1 + c) / 2], -1)
    return d * np.exp(1j * LAM[None, :] * phi[:, None])
def basis(ang):
    c1, p1, c2, p2 = 2 * ang[:, 0] - 1, 2 * np.pi * ang[:, 1], 2 * ang[:, 2] - 1, 2 * np.pi * ang[:, 3]
    return [(wigner(c1, p1, s1)[:, :, None] * wigner(c2, p2, s2)[:, None, :]).reshape(-1, 9)
            for s1 in (1, -1) for s2 in (1, -1)]
def form(th, B, nh):
    f0 = f1 = 0
    for h in range(nh):
        o = 40 * h
        K0 = th[o:o + 9] + 1j * th[o + 9:o + 18]; K1 = th[o + 18:o + 27] + 1j * th[o + 27:o + 36]
        for j, b in enumerate(B):
            a0, a1, w = b @ K0, b @ K1, np.exp(th[o + 36 + j])
            f0 = f0 + w * np.abs(a0) ** 2; f1 = f1 + w * 2 * np.real(np.conj(a0) * a1)
    return f0, f1

rng = np.random.default_rng(args.seed)
m = args.angles
for k in range(args.points):
    p = 0.05 + 0.9 * rng.random(4)
    if args.point: p = np.array([float(v) for v in args.point.split(',')])
    ang = rng.random((2 * m, 4))
    f00, f01 = oracle(np.concatenate([np.tile(p, (2 * m, 1)), ang], 1))
    s0 = f00.max(); y0, y1 = f00 / s0, f01 / s0; s1 = np.abs(y1).max()
    B = basis(ang); Bfit = [b[:m] for b in B]; Bnew = [b[m:] for b in B]
    def resid(t, nh):
        g0, g1 = form(t, Bfit, nh)
        return g0 - y0[:m] if args.born_only else np.concatenate([g0 - y0[:m], (g1 - y1[:m]) / s1])
    for nh in [int(v) for v in args.helicities.split(',')]:
        t0 = time.time(); best = None
        for r in range(args.restarts):
            res = least_squares(resid, rng.normal(size=40 * nh) * 0.5, args=(nh,), method='lm',
                                xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=40000)
            g0, g1 = form(res.x, Bnew, nh)
            r0 = np.abs(g0 - y0[m:]).max()
            r1 = float('nan') if args.born_only else np.abs(g1 - y1[m:]).max() / s1
            score = r0 if args.born_only else max(r0, r1)
            if best is None or score < best[0]: best = (score, r0, r1, r + 1)
            if best[0] < 1e-9: break
        print(f'p = {np.array2string(p, precision=3)}  helicities {nh}: worst residual on {m} fresh angles '
              f'f00 {best[1]:.1e}, f01 {best[2]:.1e} (of max |f|; best at start {best[3]} of {r + 1} run, '
              f'{time.time() - t0:.0f} s)', flush=True)
