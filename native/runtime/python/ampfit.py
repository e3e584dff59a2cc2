"""libampfit from Python: ctypes + numpy, no Node.js.

    import ampfit
    m = ampfit.Model("run/model.ampfit")          # or a model directory
    y = m.eval(x)                                  # x: (n, m.input_dim) float64
    y, sigma = m.eval(x, sigma=True)

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
        # sigma is a plain pointer so that None passes NULL.
        "ampfit_eval": ([vp, _DOUBLES, sz, _DOUBLES, vp], i),
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
