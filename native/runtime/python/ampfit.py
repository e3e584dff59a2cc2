"""libampfit from Python: ctypes + numpy, no Node.js.

    import ampfit
    m = ampfit.Model("run/model.ampfit")          # or a model directory
    y = m.eval(x)                                  # x: (n, m.input_dim) float64
    y, sigma = m.eval(x, sigma=True)
    y = m.eval_momenta(p, born=b)                  # p: (n, m.n_particles, 4) four-momenta
    y, fraction = m.eval_fallback(x, 1e-3, exact)  # exact(x_k) -> k values where σ/|y| > 1e-3

The shared library is found, in this order, from the `library` argument, the
AMPFIT_LIBRARY environment variable, ../build/libampfit.so beside this file
(the layout of native/runtime/), then the system's search path. Failures
raise AmpfitError carrying the C status code and the library's message.
"""

import ctypes
import ctypes.util
import json
import os

import numpy as np

__all__ = ["AmpfitError", "Model", "load_library", "version"]

OK = 0
ERR_DOMAIN = 7


class AmpfitError(Exception):
    """A failed libampfit call: `status` is its AMPFIT_ERR_* code."""

    def __init__(self, status, message):
        super().__init__(f"{message} (ampfit status {status})")
        self.status = status
        self.message = message


_lib = None
_DOUBLES = np.ctypeslib.ndpointer(dtype=np.float64, flags="C_CONTIGUOUS")
_INTS = np.ctypeslib.ndpointer(dtype=np.int32, flags="C_CONTIGUOUS")
_EXACT = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_double), ctypes.c_size_t, ctypes.POINTER(ctypes.c_double), ctypes.c_void_p)


def _declare(lib):
    vp, sz, i = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int
    sigs = {
        "ampfit_last_error": ([], ctypes.c_char_p),
        "ampfit_version": ([], ctypes.c_char_p),
        "ampfit_abi_version": ([], i),
        "ampfit_load": ([ctypes.c_char_p, ctypes.POINTER(vp)], i),
        "ampfit_free": ([vp], None),
        "ampfit_input_dim": ([vp, ctypes.POINTER(sz)], i),
        "ampfit_input_kind": ([vp, ctypes.POINTER(i)], i),
        "ampfit_input_name": ([vp, sz, ctypes.POINTER(ctypes.c_char_p)], i),
        "ampfit_domain": ([vp, _DOUBLES, _DOUBLES], i),
        "ampfit_has_sigma": ([vp, ctypes.POINTER(i)], i),
        "ampfit_info": ([vp, ctypes.POINTER(ctypes.c_char_p)], i),
        "ampfit_check": ([vp, _DOUBLES, sz, _INTS], i),
        # sigma and born are plain pointers so that None passes NULL.
        "ampfit_eval": ([vp, _DOUBLES, sz, _DOUBLES, vp], i),
        "ampfit_n_particles": ([vp, ctypes.POINTER(sz)], i),
        "ampfit_eval_momenta": ([vp, _DOUBLES, sz, vp, _DOUBLES, vp], i),
        "ampfit_eval_fallback": ([vp, _DOUBLES, sz, _DOUBLES, ctypes.c_double, _EXACT, vp, ctypes.POINTER(ctypes.c_double)], i),
    }
    for name, (args, res) in sigs.items():
        f = getattr(lib, name)
        f.argtypes = args
        f.restype = res
    return lib


def load_library(library=None):
    """Loads libampfit once per process; later calls return the same library."""
    global _lib
    if _lib is not None:
        return _lib
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "libampfit.so")
    candidates = [library, os.environ.get("AMPFIT_LIBRARY"), here if os.path.exists(here) else None, ctypes.util.find_library("ampfit")]
    path = next((c for c in candidates if c), None)
    if path is None:
        raise AmpfitError(1, "libampfit not found: pass library=, set AMPFIT_LIBRARY, or build it with make -C native/runtime")
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise AmpfitError(1, f"cannot load libampfit from {path}: {e}") from None
    _lib = _declare(lib)
    if _lib.ampfit_abi_version() != 1:
        raise AmpfitError(4, f"{path} has ABI version {_lib.ampfit_abi_version()}, this module speaks 1")
    return _lib


def version(library=None):
    return load_library(library).ampfit_version().decode()


def _check(lib, status):
    if status != OK:
        raise AmpfitError(status, lib.ampfit_last_error().decode("utf-8", "replace"))


class Model:
    """A loaded model. Methods only read the handle, so threads may share one Model."""

    def __init__(self, path, library=None):
        self._lib = load_library(library)
        h = ctypes.c_void_p()
        _check(self._lib, self._lib.ampfit_load(os.fsencode(path), ctypes.byref(h)))
        self._h = h
        d = ctypes.c_size_t()
        _check(self._lib, self._lib.ampfit_input_dim(h, ctypes.byref(d)))
        self.input_dim = d.value
        k, s = ctypes.c_int(), ctypes.c_int()
        _check(self._lib, self._lib.ampfit_input_kind(h, ctypes.byref(k)))
        _check(self._lib, self._lib.ampfit_has_sigma(h, ctypes.byref(s)))
        self.input_kind = "momenta" if k.value == 1 else "coordinates"
        self.has_sigma = s.value != 0
        names = []
        for j in range(self.input_dim):
            p = ctypes.c_char_p()
            _check(self._lib, self._lib.ampfit_input_name(h, j, ctypes.byref(p)))
            names.append(p.value.decode())
        self.input_names = names
        j = ctypes.c_char_p()
        _check(self._lib, self._lib.ampfit_info(h, ctypes.byref(j)))
        self.info = json.loads(j.value.decode())

    def close(self):
        if getattr(self, "_h", None) is not None and self._h.value is not None:
            self._lib.ampfit_free(self._h)
        self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def _points(self, x):
        if self._h is None:
            raise AmpfitError(5, "the model is closed")
        a = np.ascontiguousarray(x, dtype=np.float64)
        if a.ndim == 1 and a.size == self.input_dim:
            a = a.reshape(1, self.input_dim)
        if a.ndim != 2 or a.shape[1] != self.input_dim:
            raise AmpfitError(5, f"x must have shape (n, {self.input_dim}), got {np.shape(x)}")
        return a

    def domain(self):
        """(lo, hi): the trained box of the inputs (-inf/+inf where unbounded)."""
        lo, hi = np.empty(self.input_dim), np.empty(self.input_dim)
        _check(self._lib, self._lib.ampfit_domain(self._h, lo, hi))
        return lo, hi

    def check(self, x):
        """Per point, 0 (inside the domain) or the AMPFIT_POINT_* reason."""
        a = self._points(x)
        codes = np.empty(a.shape[0], dtype=np.int32)
        _check(self._lib, self._lib.ampfit_check(self._h, a, a.shape[0], codes))
        return codes

    def eval(self, x, sigma=False, strict=True):
        """Values of n points as float64; with sigma=True also the learned σ
        (NaN if the model has none). Points outside the domain raise
        AmpfitError, or give NaN with strict=False."""
        a = self._points(x)
        n = a.shape[0]
        out = np.empty(n)
        sig = np.empty(n) if sigma else None
        status = self._lib.ampfit_eval(self._h, a, n, out, None if sig is None else sig.ctypes.data)
        if not (status == ERR_DOMAIN and not strict):
            _check(self._lib, status)
        return (out, sig) if sigma else out

    def n_particles(self):
        """Four-momenta per point of eval_momenta (AmpfitError for a coordinate model without a momentum map)."""
        k = ctypes.c_size_t()
        _check(self._lib, self._lib.ampfit_n_particles(self._h, ctypes.byref(k)))
        return k.value

    def eval_momenta(self, p, born=None, sigma=False, strict=True):
        """As eval, from four-momenta p of shape (n, n_particles, 4) (or
        (n, 4 n_particles)); born: n values, required by a Born-normalised
        model, whose ratio it multiplies."""
        k = self.n_particles()
        a = np.ascontiguousarray(p, dtype=np.float64)
        if a.ndim == 2 and a.shape[1] == 4 * k:
            a = a.reshape(a.shape[0], k, 4)
        if a.ndim != 3 or a.shape[1:] != (k, 4):
            raise AmpfitError(5, f"p must have shape (n, {k}, 4), got {np.shape(p)}")
        n = a.shape[0]
        b = None if born is None else np.ascontiguousarray(born, dtype=np.float64)
        if b is not None and b.shape != (n,):
            raise AmpfitError(5, f"born must have shape ({n},), got {np.shape(born)}")
        out = np.empty(n)
        sig = np.empty(n) if sigma else None
        status = self._lib.ampfit_eval_momenta(self._h, a.reshape(-1), n, None if b is None else b.ctypes.data, out,
                                               None if sig is None else sig.ctypes.data)
        if not (status == ERR_DOMAIN and not strict):
            _check(self._lib, status)
        return (out, sig) if sigma else out

    def eval_fallback(self, x, tol, exact):
        """Values where the surrogate is trusted, exact(points) elsewhere:
        wherever σ/|value| > tol, the point is outside the domain or has no
        value. exact gets a (k, input_dim) array and returns k values. Returns
        (values, fraction that fell back); an exception in exact is re-raised."""
        a = self._points(x)
        n, d = a.shape
        out = np.empty(n)
        fraction = ctypes.c_double()
        raised = []

        def trampoline(xs, k, o, _user):
            try:
                pts = np.ctypeslib.as_array(xs, shape=(k * d,)).reshape(k, d).copy() if k > 0 else np.empty((0, d))
                v = np.asarray(exact(pts), dtype=np.float64).reshape(-1)
                if v.shape != (k,):
                    raise AmpfitError(5, f"exact returned {v.shape[0]} values for {k} points")
                if k > 0:
                    np.ctypeslib.as_array(o, shape=(k,))[:] = v
                return 0
            except BaseException as e:  # noqa: BLE001 — it must not cross the C frames; re-raised below
                raised.append(e)
                return 1

        callback = _EXACT(trampoline)
        status = self._lib.ampfit_eval_fallback(self._h, a, n, out, float(tol), callback, None, ctypes.byref(fraction))
        if raised:
            raise raised[0]
        _check(self._lib, status)
        return out, fraction.value
