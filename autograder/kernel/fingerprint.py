"""Cheap fingerprints of arrays, and row-level relations between them (runs in the kernel).

A fingerprint says *which data* a call saw without keeping the data: each row of an array
(its values in C order, whatever the array's shape beyond the first axis) is projected on
``K`` fixed random directions. The projections of all rows are one matrix product (about
25 ms for a float32 array of 60000 rows of 28 x 28 values on one core, computed in chunks so no big temporary
is made), from which come:

* a **checksum** (the sum of the projections over the rows): equal for the same rows in any
  order, in any shape with the same rows (``X.reshape(-1, 28, 28, 1)``) and in any float dtype
  (``astype("float64")``);
* a **sample** of the projections of evenly spaced rows (kept in the kernel only, never sent):
  the rows of an array A are in array B when every sampled row of A has a row of B with the
  same projections (within a relative tolerance ``REL_TOL``, the rounding of float32 sums).

Relations are facts (``same``, ``subset``, ``overlap`` with the fraction of sampled rows
found), never verdicts; the checks decide. Label arrays have few distinct rows (ten one-hot
rows), so their relations say little: checks reason on inputs.

Like the rest of this package, the module keeps the builtins and the numpy functions of
import time (the grader imports it before any student cell).
"""
from __future__ import annotations

import builtins

import numpy

__builtins__ = dict(vars(builtins))   # this module's functions keep the builtins of install time

K = 4                 # projections per row
SAMPLE = 32           # rows sampled per array for membership tests
CHUNK = 8192          # rows projected at a time
REL_TOL = 1e-4        # relative tolerance on a projection (float32 rounding over long rows)
_np = {n: getattr(numpy, n) for n in ("asarray", "empty", "zeros", "float32", "float64", "issubdtype", "number",
                                     "bool_", "argsort", "searchsorted", "abs", "linspace", "unique", "ndarray")}
_directions: dict = {}
_isinstance, _len, _int, _float, _range, _min, _sum = isinstance, len, int, float, range, min, sum


def _projection(row_size: int):
    """The fixed random directions for rows of ``row_size`` values (same in every run)."""
    matrix = _directions.get(row_size)
    if matrix is None:
        matrix = numpy.random.default_rng(row_size).standard_normal((row_size, K)).astype(_np["float32"])
        _directions[row_size] = matrix
    return matrix


def as_array(value):
    """A numpy view of an array-like (numpy, TensorFlow tensor, DataFrame), else None."""
    if value is None or not hasattr(value, "shape") or not hasattr(value, "__array__"):
        return None
    try:
        array = _np["asarray"](value)
    except Exception:
        return None
    if array.ndim == 0:
        return None
    if array.dtype == _np["bool_"] or _np["issubdtype"](array.dtype, _np["number"]):
        return array
    return None


def signatures(array):
    """(rows, K) float64 projections of the rows of a numeric array (None for others)."""
    if array is None or array.ndim == 0:
        return None
    rows = _int(array.shape[0])
    row_size = 1
    for d in array.shape[1:]:
        row_size *= _int(d)
    if row_size == 0:
        return None
    directions = _projection(row_size)
    out = _np["empty"]((rows, K), dtype=_np["float64"])
    for start in _range(0, rows, CHUNK):
        block = array[start:start + CHUNK].reshape(-1, row_size)
        if block.dtype != _np["float32"] and block.dtype != _np["float64"]:
            block = block.astype(_np["float32"])
        out[start:start + CHUNK] = block @ (directions if block.dtype == _np["float32"]
                                            else directions.astype(_np["float64"]))
    return out


def summary(sigs, shape, dtype: str) -> dict:
    """The fingerprint of rows whose projections are ``sigs`` (private ``_sample`` included)."""
    rows = _int(sigs.shape[0]) if sigs is not None else _int(shape[0]) if shape else 0
    row_size = 1
    for d in shape[1:]:
        row_size *= _int(d)
    facts = {"shape": [_int(d) for d in shape], "dtype": str(dtype), "rows": rows, "row_size": row_size}
    if sigs is None or rows == 0:
        return facts
    total = sigs.sum(axis=0)
    scale = _np["abs"](sigs).sum(axis=0)
    facts["checksum"] = [_float(v) for v in total]
    facts["_scale"] = [_float(v) for v in scale]
    count = _min(SAMPLE, rows)
    positions = sorted({_int(p) for p in _np["linspace"](0, rows - 1, count)})
    facts["_sample"] = sigs[positions].copy()
    return facts


def fingerprint(value) -> dict | None:
    """Fingerprint of an array-like value (None when it is not one: a dataset, a generator)."""
    array = as_array(value)
    if array is None:
        return None
    sigs = signatures(array) if array.dtype != _np["bool_"] else signatures(array.astype(_np["float32"]))
    return summary(sigs, array.shape, str(array.dtype))


class RowIndex:
    """The projections of every row of a reference array, sorted for membership queries."""

    def __init__(self, sigs, fp: dict):
        self.fp = fp
        order = _np["argsort"](sigs[:, 0], kind="stable")
        self.sorted = sigs[order]
        self.spread = _np["abs"](sigs).mean(axis=0) + 1e-12 if _len(sigs) else None

    def contains(self, row) -> bool:
        if not _len(self.sorted):
            return False
        tol = REL_TOL * (_np["abs"](row) + self.spread)
        first = self.sorted[:, 0]
        lo = _int(_np["searchsorted"](first, row[0] - tol[0], side="left"))
        hi = _int(_np["searchsorted"](first, row[0] + tol[0], side="right"))
        if hi <= lo:
            return False
        window = self.sorted[lo:hi]
        return bool((_np["abs"](window - row) <= tol).all(axis=1).any())


def row_index(value) -> RowIndex | None:
    array = as_array(value)
    if array is None:
        return None
    if array.dtype == _np["bool_"]:
        array = array.astype(_np["float32"])
    sigs = signatures(array)
    if sigs is None:
        return None
    return RowIndex(sigs, summary(sigs, array.shape, str(array.dtype)))


def same_rows(a: dict, b: dict) -> bool:
    """Same number and size of rows and the same checksum (same rows, any order)."""
    if a.get("rows") != b.get("rows") or a.get("row_size") != b.get("row_size") or "checksum" not in a \
            or "checksum" not in b:
        return False
    for x, y, sx, sy in zip(a["checksum"], b["checksum"], a["_scale"], b["_scale"]):
        if abs(x - y) > REL_TOL * (sx + sy + 1e-12) * 0.5 + 1e-9:
            return False
    return True


def relation(fp: dict, index: RowIndex) -> dict | None:
    """How the rows of ``fp`` relate to the reference rows of ``index``: ``{"relation": "same"
    | "subset" | "overlap", "fraction": share of sampled rows found}``, None when disjoint or
    not comparable (other row size)."""
    if fp.get("row_size") != index.fp.get("row_size") or "_sample" not in fp:
        return None
    sample = fp["_sample"]
    found = _sum(1 for row in sample if index.contains(row))
    if not found:
        return None
    fraction = round(found / _len(sample), 3)
    if fraction == 1.0 and same_rows(fp, index.fp):
        kind = "same"
    elif fraction == 1.0:
        kind = "subset"
    else:
        kind = "overlap"
    return {"relation": kind, "fraction": fraction}


def public(fp: dict | None) -> dict | None:
    """The fingerprint without its private parts (what is sent to the grader)."""
    if fp is None:
        return None
    return {k: v for k, v in fp.items() if not k.startswith("_")}


def slice_summary(sigs, shape, dtype: str, start: int, stop: int) -> dict:
    """Fingerprint of rows ``start:stop`` of an array whose projections are ``sigs``."""
    part = sigs[start:stop]
    return summary(part, [stop - start, *shape[1:]], dtype)
