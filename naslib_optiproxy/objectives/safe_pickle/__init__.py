"""Reading benchmark tables from pickles without running code from them.

Benchmark tables are distributed as pickles, and loading a pickle with :mod:`pickle` can run
arbitrary code. :func:`safe_load` does not use :mod:`pickle`'s loader: it interprets the
opcode stream itself (:mod:`._reader`), builds containers, strings and numbers directly, and
rebuilds the few callables plain tables need (numeric numpy scalars and arrays, ``set``,
``frozenset``, ``OrderedDict``, ``complex``, ``slice``, ``bytearray``, latin-1 ``_codecs.encode``)
with its own code (:mod:`._rebuild`). Any other callable, a forged numpy state, a length claim
past the end of the file, nesting deeper than :data:`MAX_DEPTH` or too many containers for
the file's size is refused with one :class:`UnsafePickleError` naming the file and the reason.
"""

from __future__ import annotations

import os
from typing import Union

from ..errors import BenchmarkDataError
from ._errors import Corruption, Refusal, UnsafePickleError, clip
from ._rebuild import ALLOWED
from ._reader import read

PathLike = Union[str, "os.PathLike[str]"]
MAX_DEPTH = 100  # container nesting accepted; NAS-Bench tables nest 3 to 5 levels
CONTAINERS_PER_BYTE = 1 / 8  # containers (and marks) per byte of file, beyond 10,000


def _where(at: object) -> str:
    return f" at byte {at}" if at is not None else ""


def safe_load(path: PathLike) -> object:
    """The table pickled in ``path``, read without running code from it.

    Raises:
        UnsafePickleError: The file names a callable outside :data:`ALLOWED`, forges numpy state,
            nests containers deeper than :data:`MAX_DEPTH` or makes too many containers for
            its size; nothing from it was imported or run. A :class:`BenchmarkDataError`.
        BenchmarkDataError: The file is truncated or corrupt (any other problem reading it).
        FileNotFoundError: ``path`` does not exist (other ``OSError`` s of reading it pass too).
    """
    source = os.fspath(path)
    with open(source, "rb") as handle:
        data = handle.read()
    try:
        return read(data, MAX_DEPTH, CONTAINERS_PER_BYTE)
    except Refusal as error:
        message = f"refusing to load {source}: {error.detail}"
        if error.at is not None and not error.detail.startswith("it references "):  # a refused name needs no byte
            message = f"refusing to load {source} (at byte {error.at}): {error.detail}"
        raise UnsafePickleError(message) from None
    except Corruption as error:
        raise BenchmarkDataError(f"{source} is truncated or corrupt ({error.kind}{_where(error.at)}: "
                                 f"{error.detail}); re-download it") from None
    except Exception as error:  # noqa: BLE001 - any failure is reported as a bad file, never a crash
        raise BenchmarkDataError(f"{source} is truncated or corrupt ({type(error).__name__}: "
                                 f"{clip(str(error), 200)}); re-download it") from None


__all__ = ["ALLOWED", "MAX_DEPTH", "UnsafePickleError", "safe_load"]
