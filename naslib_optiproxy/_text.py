"""Small text helpers for error messages: close-match hints and bounded echoes of user input."""

from __future__ import annotations

import argparse
import difflib
import textwrap
from typing import Any, Iterable

#: Longest echo of a user-supplied value in a message (a 50 MB key is never printed whole).
ECHO_LIMIT = 80
#: Longest echo of an architecture string in a message (long enough for every benchmark's own notation).
ARCH_LIMIT = 300


def did_you_mean(value: Any, choices: Iterable[Any]) -> str:
    """A ' (did you mean X?)' hint for an unknown name, or ''."""
    close = difflib.get_close_matches(str(value)[:200], [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def shorten(value: Any, limit: int = ECHO_LIMIT) -> str:
    """``repr(value)`` cut to ``limit`` characters (with the total length when cut).

    An int too long to print (Python refuses more than 4300 digits) is described by its size.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4 * limit:
        return f"an int of about {int(value.bit_length() * 0.30103):,} digits"
    try:
        text = repr(value) if not isinstance(value, str) else repr(value[: limit + 1])
    except (ValueError, RecursionError):  # an int past the digit limit inside a container, deep nesting
        return f"a {type(value).__name__} too large to print"
    if len(text) <= limit:
        return text
    if isinstance(value, str):
        return f"{text[:limit]}… ({len(value)} characters)"
    return f"{text[:limit]}…"


def clip(text: str, limit: int = ARCH_LIMIT) -> str:
    """Plain ``text`` (no quotes, e.g. an exception's message) cut to ``limit`` characters, with its length when cut."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


class WholeNamesHelpFormatter(argparse.HelpFormatter):
    """argparse's help layout, wrapping only at spaces: a name such as ``optuna:tpe-mv`` is never split at
    its hyphen across two lines."""

    def _split_lines(self, text: str, width: int) -> list:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


__all__ = ["ARCH_LIMIT", "ECHO_LIMIT", "WholeNamesHelpFormatter", "clip", "did_you_mean", "shorten"]
