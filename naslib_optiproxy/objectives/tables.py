"""Reading benchmark tables: numbers checked as accuracies or measurements, and CSV tables row by row.

Every CSV table (NAS-Bench-201's, HW-NAS-Bench's, the 12-epoch accuracies) is read by
:func:`read_csv_table`, which names the file and line of anything it cannot use.
"""

from __future__ import annotations

import codecs
import csv
import io
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from .._text import shorten
from ..data.validate import accuracy_problem, measurement_problem
from .errors import BenchmarkDataError


class BadValue(ValueError):
    """A well-formed field whose value is not allowed (NaN, negative, out of range); no "truncated" hint."""


def number(row: Dict[str, str], column: str) -> float:
    """The float in ``row[column]``; ValueError (value echoed, shortened) when it is not a number."""
    text = row[column]
    if text is None:
        raise ValueError(f"column {column} is missing in this row")
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"could not convert string to float: {shorten(text)} in column {column}") from None


def accuracy(row: Dict[str, str], column: str) -> float:
    """An accuracy in percent: a number in 0..100 (BadValue otherwise)."""
    value = number(row, column)
    problem = accuracy_problem(value)
    if problem:
        raise BadValue(f"column {column}: {problem}")
    return value


def measurement(row: Dict[str, str], column: str, not_measured: Optional[float] = None) -> float:
    """A latency or energy: finite and >= 0, or the table's ``not_measured`` marker (BadValue otherwise)."""
    value = number(row, column)
    problem = measurement_problem(value, not_measured)
    if problem:
        raise BadValue(f"column {column}: {problem}")
    return value


#: Longest CSV field read (the csv module's default); a longer one is a corrupt file, named with its line.
FIELD_LIMIT = csv.field_size_limit()


def _decode(path: str, raw: bytes) -> str:
    """UTF-8 text of a table (a leading byte-order mark is dropped); BenchmarkDataError naming the byte."""
    bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        return raw[bom:].decode("utf-8")
    except UnicodeDecodeError as error:
        at = bom + error.start
        line = raw.count(b"\n", 0, at) + 1
        raise BenchmarkDataError(
            f"{path}, line {line}: not UTF-8 text (byte 0x{raw[at]:02x} at offset {at}: {error.reason}); "
            f"save the table as UTF-8 CSV") from None


def read_csv_table(path: str, columns: Sequence[str], parse_row: Callable[[Dict[str, str]], Tuple[Any, Any]],
                   bad: str = "bad row", hint: str = "") -> Dict[Any, Any]:
    """``{key: value}`` from ``parse_row(row)`` of every row of the CSV at ``path``.

    The file is UTF-8 (a byte-order mark is accepted). ``parse_row`` raises ValueError for a
    field that does not parse and :class:`BadValue` for a value that is not allowed
    (see :func:`accuracy`, :func:`measurement`).

    Raises:
        BenchmarkDataError: A column of ``columns`` is missing (``hint`` is appended); the file
            is not UTF-8; a field is longer than :data:`FIELD_LIMIT`; a row does not parse
            (``"<path>, line N: <bad> (<error>); the file is truncated or corrupt"``); a value is
            not allowed (``"<path>, line N: column C: ..."``); or two rows hold the same key
            (both line numbers are named).
    """
    with open(path, "rb") as handle:
        text = _decode(path, handle.read())
    reader = csv.DictReader(io.StringIO(text, newline=""))
    table: Dict[Any, Any] = {}
    lines: Dict[Any, int] = {}
    try:
        missing = [c for c in columns if c not in (reader.fieldnames or ())]
        if missing:
            raise BenchmarkDataError(f"{path} lacks the column(s) {', '.join(missing)}{hint}")
        for row in reader:
            try:
                key, value = parse_row(row)
            except BenchmarkDataError:
                raise
            except BadValue as error:
                raise BenchmarkDataError(f"{path}, line {reader.line_num}: {error}") from None
            except (SyntaxError, TypeError, ValueError) as error:
                raise BenchmarkDataError(
                    f"{path}, line {reader.line_num}: {bad} ({error}); the file is truncated or corrupt"
                ) from None
            if key in lines:
                raise BenchmarkDataError(
                    f"{path}, line {reader.line_num}: the same architecture as line {lines[key]}; "
                    f"a table holds each architecture once (which row is right?)")
            lines[key] = reader.line_num
            table[key] = value
    except csv.Error as error:
        raise BenchmarkDataError(f"{path}, line {reader.line_num + 1}: not a CSV table ({error}); "
                                 f"the file is truncated or corrupt") from None
    return table


__all__ = ["BadValue", "FIELD_LIMIT", "accuracy", "measurement", "number", "read_csv_table"]
