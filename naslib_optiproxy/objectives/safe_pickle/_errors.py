"""Errors of the pickle reader and a bounded ``repr`` for echoing file content in messages."""

from __future__ import annotations

import pickle
from typing import Optional

from ..errors import BenchmarkDataError

ECHO_LIMIT = 80  # characters of any value taken from a file that a message may echo


class UnsafePickleError(BenchmarkDataError, pickle.UnpicklingError):
    """The pickle names a callable or construct a benchmark table does not need; nothing was executed.

    A :class:`BenchmarkDataError` (so a ``ValueError``), so callers that report bad data files
    (the command line among them) report this one too.
    """


class Refusal(Exception):
    """The file asks for something the reader refuses (a global, a forged dtype, a limit)."""

    def __init__(self, detail: str, at: Optional[int] = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.at = at


class Corruption(Exception):
    """The file is not a well-formed pickle (truncated, unknown opcode, bad argument)."""

    def __init__(self, kind: str, detail: str, at: Optional[int] = None) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.at = at


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _atom(value: object, limit: int) -> str:
    """A short repr of a scalar value, never building the repr of more than ``limit`` items."""
    if isinstance(value, (str, bytes, bytearray)):
        return clip(repr(value[: limit + 1]), limit)
    if type(value) is int and value.bit_length() > 128:
        return f"<int of {value.bit_length()} bits>"
    if value is None or isinstance(value, (bool, int, float, complex)):
        return clip(repr(value), limit)
    return type(value).__name__


def short(value: object, limit: int = ECHO_LIMIT) -> str:
    """A repr of ``value`` of at most ``limit`` characters; containers show one level, cheaply."""
    if type(value) in (tuple, list):
        items = [_atom(item, limit) for item in value[:6]]  # type: ignore[index]
        more = ", …" if len(value) > 6 else ""  # type: ignore[arg-type]
        opener, closer = ("(", ")") if type(value) is tuple else ("[", "]")
        return clip(opener + ", ".join(items) + more + closer, limit)
    return _atom(value, limit)
