"""The error of a benchmark data file (bundled or the user's) that cannot be used."""

from __future__ import annotations


class BenchmarkDataError(ValueError):
    """A benchmark table is missing, truncated, corrupt or not in an accepted format.

    The message always names the file (or directory) involved and what to do about it.
    """


__all__ = ["BenchmarkDataError"]
