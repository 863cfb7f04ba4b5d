"""One validator for every benchmark table, whatever its source (CSV, pickle, the bundled ``.npz``).

A table is refused, with a message naming the file and the first bad entry, when an accuracy is
not a finite number from 0 to 100, a hardware measurement is not finite and >= 0 (or the
table's "not measured" marker), a key appears twice, or it holds another number of rows than
expected. The per-value checks (:func:`accuracy_problem`, :func:`measurement_problem`) serve the
row-by-row readers; the array checks serve the bundled tables, read as whole arrays.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Hashable, Iterable, Mapping, Optional, Sequence

import numpy as np

from .._text import shorten
from .errors import BenchmarkDataError

#: Architectures in NAS-Bench-201: the rows of every bundled NB201 table.
NB201_ROWS = 15_625


def accuracy_problem(value: Any) -> Optional[str]:
    """Why ``value`` is not an accuracy in percent, or ``None`` when it is one."""
    try:
        ok = 0.0 <= float(value) <= 100.0  # NaN fails both comparisons
    except (TypeError, ValueError, OverflowError):
        ok = False
    return None if ok else f"{shorten(value)} is not an accuracy in percent (a number from 0 to 100)"


def measurement_problem(value: Any, not_measured: Optional[float] = None) -> Optional[str]:
    """Why ``value`` is not a latency/energy measurement (finite, >= 0, or ``not_measured``), or ``None``."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if number == not_measured or (math.isfinite(number) and number >= 0.0):
        return None
    marker = f", or {not_measured:g} for not measured" if not_measured is not None else ""
    return f"{shorten(value)} is not a measurement (a finite number >= 0{marker})"


def check_rows(count: int, where: str, expected: int) -> None:
    """Refuse a table of another length than ``expected`` rows."""
    if count != expected:
        raise BenchmarkDataError(f"{where} holds {count:,} rows, not the {expected:,} expected; the file is "
                                 f"truncated or corrupt")


def check_unique(keys: Iterable[Hashable], where: str, describe=shorten) -> None:
    """Refuse a table that lists a key twice (``describe`` renders the key in the message)."""
    seen: set = set()
    for index, key in enumerate(keys):
        if key in seen:
            raise BenchmarkDataError(f"{where}: row {index} repeats {describe(key)}; a table holds each "
                                     f"architecture once (which row is right?)")
        seen.add(key)


def check_accuracy_array(array: np.ndarray, where: str, columns: Sequence[str]) -> None:
    """Refuse a ``[rows, len(columns)]`` array holding anything but accuracies in percent."""
    _check_shape(array, where, columns)
    ok = np.isfinite(array) & (array >= 0.0) & (array <= 100.0)
    _check_array(array, where, columns, ok, lambda value, column: accuracy_problem(value))


def check_measurement_array(array: np.ndarray, where: str, columns: Sequence[str],
                            not_measured: Mapping[str, float]) -> None:
    """Refuse a ``[rows, len(columns)]`` array holding anything but measurements (or each column's marker)."""
    _check_shape(array, where, columns)
    ok = np.isfinite(array) & (array >= 0.0)
    markers = np.array([not_measured.get(c, np.nan) for c in columns])
    ok |= array == markers  # NaN markers match nothing
    _check_array(array, where, columns, ok, lambda value, column: measurement_problem(value, not_measured.get(column)))


def _check_shape(array: np.ndarray, where: str, columns: Sequence[str]) -> None:
    if array.ndim != 2 or array.shape[1] != len(columns) or not np.issubdtype(array.dtype, np.number):
        raise BenchmarkDataError(f"{where} holds a {array.dtype} array of shape {list(array.shape)}, not numbers "
                                 f"[rows, {len(columns)}]; the file is truncated or corrupt")


def _check_array(array: np.ndarray, where: str, columns: Sequence[str], ok: np.ndarray,
                 problem: Callable[[float, str], Optional[str]]) -> None:
    """Refuse ``array`` where it is not ``ok``, naming the first bad value."""
    bad = np.argwhere(~ok)
    if len(bad):
        row, column = (int(i) for i in bad[0])
        reason = problem(float(array[row, column]), columns[column])
        raise BenchmarkDataError(f"{where}, row {row}, column {columns[column]}: {reason} "
                                 f"({len(bad):,} bad values in all)")


__all__ = ["NB201_ROWS", "accuracy_problem", "check_accuracy_array", "check_measurement_array", "check_rows",
           "check_unique", "measurement_problem"]
