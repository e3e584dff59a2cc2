"""Writes the HDF5 and NumPy test fixtures with h5py and numpy (Debian's
python3-h5py and python3-numpy; .ci/run installs them), so ampfit's readers
are checked against files that independent writers made.

    python3 write_fixtures.py SOURCE.csv(.gz) ROWS OUTDIR

SOURCE's first ROWS rows (Python's float() reads the 17-digit decimals to the
exact doubles) go into every layout the readers accept, plus the files the
error tests need."""
import csv, gzip, sys
import h5py
import numpy as np

src, rows, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
opener = gzip.open if src.endswith(".gz") else open
with opener(src, "rt") as f:
    r = csv.reader(f)
    header = next(r)
    data = np.array([[float(c) for c in row] for _, row in zip(range(rows), r)], dtype="<f8")
cols = {name: np.ascontiguousarray(data[:, j]) for j, name in enumerate(header)}

with h5py.File(f"{out}/columns.h5", "w") as h:
    for name, v in cols.items():
        h.create_dataset(name, data=v, chunks=(1000,), compression="gzip")
with h5py.File(f"{out}/table.h5", "w") as h:
    d = h.create_dataset("train", data=data)
    d.attrs["columns"] = header
    h.create_dataset("unnamed", data=data)
    g = h.create_group("group")
    for name, v in cols.items():
        g.create_dataset(name, data=v)
np.save(f"{out}/table.npy", data)
np.save(f"{out}/fortran.npy", np.asfortranarray(data))
np.savez(f"{out}/columns.npz", **cols)
np.savez_compressed(f"{out}/compressed.npz", **cols)
np.savez(f"{out}/table.npz", table=data, other=np.arange(3.0))

# Other dtypes: float32 and int32 convert exactly; int64 beyond 2^53 is refused.
n = 5
with h5py.File(f"{out}/dtypes.h5", "w") as h:
    h.create_dataset("x1", data=np.array([0.5, 0.25, 0.125, 0.75, 0.1], dtype="<f4"))
    h.create_dataset("i32", data=np.array([1, 2, 3, -4, 5], dtype="<i4"))
    h.create_dataset("i64", data=np.array([1, 2, 2**53, 3, 2**53 + 1], dtype="<i8"))
    h.create_dataset("f", data=np.array([1.0, 2.0, np.nan, 4.0, 5.0]))
    h.create_dataset("g", data=np.array([1.0, -2.0, 3.0, np.inf, 5.0]))
    h.create_dataset("short", data=np.array([1.0, 2.0]))
    h.create_dataset("text", data=np.array([b"a", b"b", b"c", b"d", b"e"]))
np.save(f"{out}/f32be.npy", np.array([[0.5, 1.0], [0.1, 2.0]], dtype=">f4"))
np.save(f"{out}/i64.npy", np.array([[1, 2], [2**53 + 1, 3]], dtype="<i8"))
np.save(f"{out}/nan.npy", np.array([[0.5, 1.0], [0.25, np.nan], [0.5, -1.0]]))
np.save(f"{out}/f16.npy", np.array([[0.5, 1.0]], dtype="<f2"))

# LHEH5 (version 2, the layout of Sherpa/Pepper, Pythia's LHEH5v2.h and
# pylhe's lheh5.py): /events (pid, nparticles, start, trials, scale, fscale,
# rscale, aqed, aqcd, weights...) and /particles (13 columns) as 2-D float64
# tables named by a 'properties' attribute. u u~ -> Z (status 2) -> e- e+ at
# sqrt(s) = 200 GeV, as in test/data/readers/lhe.test.ts; event 3 has a gluon
# where the u belongs, event 4 a NaN pz, event 2 starts a new chunk of rows
# (start is an absolute particle row, the events need not be adjacent).
def lheh5(path, with_names, pid_first=(2, 2, 21, 2, 2), weights=((1.5e-3, 3.0e-3), (2.5e-3, 3.25e-3), (3.5e-3, 7.0e-3), (4.5e-3, 9.0e-3), (5.5e-3, 1.1e-2))):
    ev_cols = ["pid", "nparticles", "start", "trials", "scale", "fscale", "rscale", "aqed", "aqcd", "NOMINAL", "mu2"][:9 + len(weights[0])]
    pt_cols = ["id", "status", "mother1", "mother2", "color1", "color2", "px", "py", "pz", "e", "m", "lifetime", "spin"]
    events, particles = [], []
    for i, first in enumerate(pid_first):
        pz4 = np.nan if i == 3 else -60.0
        ps = [[first, -1, 0, 0, 501, 0, 0.0, 0.0, 100.0, 100.0, 0.0, 0.0, 9.0],
              [-2, -1, 0, 0, 0, 501, 0.0, 0.0, -100.0, 100.0, 0.0, 0.0, 9.0],
              [23, 2, 1, 2, 0, 0, 0.0, 0.0, 0.0, 200.0, 91.1876, 0.0, 9.0],
              [11, 1, 3, 3, 0, 0, 80.0, 0.0, 60.0, 100.0, 0.0, 0.0, 9.0],
              [-11, 1, 3, 3, 0, 0, -80.0, 0.0, pz4, 100.0, 0.0, 0.0, 9.0]]
        if i == 1:
            particles.append([0.0] * 13)  # a padding row between events
        events.append([1, len(ps), len(particles), 1, 91.18, 91.18, 91.18, 7.5e-3, 0.118, *weights[i]])
        particles.extend(ps)
    with h5py.File(path, "w") as h:
        h.create_dataset("version", data=np.array([2, 0, 0], dtype="i8"))
        h.create_dataset("init", data=np.array([2212, 2212, 6500.0, 6500.0, 0, 0, 0, 0, -4, 1], dtype="f8"))
        h.create_dataset("procInfo", data=np.array([[1, 0, 0, 1.0, 0.1, 1.0]], dtype="f8"))
        e = h.create_dataset("events", data=np.array(events, dtype="f8"), chunks=(2, len(ev_cols)), compression="gzip")
        p = h.create_dataset("particles", data=np.array(particles, dtype="f8"))
        if with_names:
            for d, cols, own in ((e, ev_cols, "events"), (p, pt_cols, "particles")):
                d.attrs["properties"] = [c.encode() for c in cols]
                d.attrs[own] = [c.encode() for c in cols]

# LHEH5 version 1 (the layout of the original HDF5 event files, read by
# CMSSW's LH5Reader and Pythia's LHEH5.h): groups of 1-D datasets, /event
# (nparticles, pid, weight, trials, scale, rscale, fscale, aqed, aqcd, npLO,
# npNLO), /particle (the 13 particle columns, integers as integers) and
# /index (start, end: the particle rows [start, end) of each event). The same
# events as the version 2 files, with their nominal weights.
def lheh5_v1(path, with_index):
    weights = (1.5e-3, 2.5e-3, 3.5e-3, 4.5e-3, 5.5e-3)
    starts, ends, particles = [], [], []
    for i, first in enumerate((2, 2, 21, 2, 2)):
        pz4 = np.nan if i == 3 else -60.0
        ps = [[first, -1, 0, 0, 501, 0, 0.0, 0.0, 100.0, 100.0, 0.0, 0.0, 9.0],
              [-2, -1, 0, 0, 0, 501, 0.0, 0.0, -100.0, 100.0, 0.0, 0.0, 9.0],
              [23, 2, 1, 2, 0, 0, 0.0, 0.0, 0.0, 200.0, 91.1876, 0.0, 9.0],
              [11, 1, 3, 3, 0, 0, 80.0, 0.0, 60.0, 100.0, 0.0, 0.0, 9.0],
              [-11, 1, 3, 3, 0, 0, -80.0, 0.0, pz4, 100.0, 0.0, 0.0, 9.0]]
        if i == 1:
            particles.append([0.0] * 13)
        starts.append(len(particles))
        particles.extend(ps)
        ends.append(len(particles))
    cols = np.array(particles).T
    with h5py.File(path, "w") as h:
        ev = h.create_group("event")
        ev.create_dataset("nparticles", data=np.array([5] * 5, dtype="i4"))
        ev.create_dataset("pid", data=np.ones(5, dtype="i4"))
        ev.create_dataset("weight", data=np.array(weights, dtype="f8"))
        for name in ("scale", "rscale", "fscale"):
            ev.create_dataset(name, data=np.full(5, 91.18))
        ev.create_dataset("aqed", data=np.full(5, 7.5e-3))
        ev.create_dataset("aqcd", data=np.full(5, 0.118))
        ev.create_dataset("trials", data=np.ones(5, dtype="u8"))
        ev.create_dataset("npLO", data=np.ones(5, dtype="i4"))
        ev.create_dataset("npNLO", data=np.zeros(5, dtype="i4"))
        idx = h.create_group("index") if with_index else ev
        idx.create_dataset("start", data=np.array(starts, dtype="u8"))
        idx.create_dataset("end", data=np.array(ends, dtype="u8"))
        pt = h.create_group("particle")
        for j, name in enumerate(["id", "status", "mother1", "mother2", "color1", "color2"]):
            pt.create_dataset(name, data=cols[j].astype("i4"))
        for j, name in enumerate(["px", "py", "pz", "e", "m", "lifetime", "spin"], start=6):
            pt.create_dataset(name, data=cols[j])
        init = h.create_group("init")
        for name, v in (("beamA", 2212), ("beamB", 2212), ("energyA", 6500.0), ("energyB", 6500.0)):
            init.create_dataset(name, data=v)

lheh5_v1(f"{out}/events.lheh5v1.h5", True)
lheh5_v1(f"{out}/noindex.lheh5v1.h5", False)
lheh5(f"{out}/events.lheh5.h5", True)
lheh5(f"{out}/unnamed.lheh5.h5", False, weights=((1.5e-3,), (2.5e-3,), (3.5e-3,), (4.5e-3,), (5.5e-3,)))

# The same bad cells in every format, for the named-error tests
# (test/data/readers/index.test.ts): row 3 a NaN in a, row 4 an infinite b,
# rows 5 and 6 a b that is not positive.
bad = np.array([[0.5, 1.0], [0.25, 2.0], [np.nan, 1.0], [0.5, np.inf], [0.5, -1.0], [0.5, 0.0]])
np.save(f"{out}/bad.npy", bad)
np.savez(f"{out}/bad.npz", a=bad[:, 0].copy(), b=bad[:, 1].copy())
with h5py.File(f"{out}/bad.h5", "w") as h:
    h.create_dataset("a", data=bad[:, 0].copy())
    h.create_dataset("b", data=bad[:, 1].copy())
    t = h.create_dataset("table", data=bad)
    t.attrs["columns"] = ["a", "b"]
# Byte orders and layouts numpy writes besides the default: big-endian
# float64 in C and Fortran order, and an archive of several 1-D arrays of
# different dtypes (read as columns named by their members).
np.save(f"{out}/be8.npy", data.astype(">f8"))
np.save(f"{out}/fortran_be8.npy", np.asfortranarray(data.astype(">f8")))
np.savez(f"{out}/several.npz", x1=cols["x1"], n=np.arange(len(data), dtype="<i4"), s=cols["x2"].astype("<f4"), y=cols["f01"])
