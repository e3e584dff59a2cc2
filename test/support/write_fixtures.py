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
