"""Small text helpers for error messages: close-match hints and bounded echoes of user input."""

from __future__ import annotations

import difflib
from typing import Any, Iterable

#: Longest echo of a user-supplied value in a message (a 50 MB key is never printed whole).
ECHO_LIMIT = 80


def did_you_mean(value: Any, choices: Iterable[Any]) -> str:
    """A ' (did you mean X?)' hint for an unknown name, or ''."""
    close = difflib.get_close_matches(str(value)[:200], [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def shorten(value: Any, limit: int = ECHO_LIMIT) -> str:
    """``repr(value)`` cut to ``limit`` characters (with the total length when cut)."""
    text = repr(value) if not isinstance(value, str) else repr(value[: limit + 1])
    if len(text) <= limit:
        return text
    if isinstance(value, str):
        return f"{text[:limit]}… ({len(value)} characters)"
    return f"{text[:limit]}…"


__all__ = ["ECHO_LIMIT", "did_you_mean", "shorten"]
