"""Restricted unpickling of benchmark tables.

Benchmark tables are distributed as pickles, and a pickle can run arbitrary code when
loaded. :func:`safe_load` only lets a file name the few callables that plain tables of
containers, Python scalars and numpy scalars/arrays need; anything else is refused with
:class:`UnsafePickleError` before it is imported or called.
"""

from __future__ import annotations

import _compat_pickle
import importlib
import os
import pickle
from typing import Any, Dict, Tuple, Union

from .errors import BenchmarkDataError

PathLike = Union[str, "os.PathLike[str]"]

# (module, name) a pickle may reference -> modules to try, in order. numpy >= 2 moved
# ``numpy.core`` to ``numpy._core``; older pickles still name the former, so both are
# accepted and resolved to whichever this numpy provides (the new one first: no warning).
_NP_MULTIARRAY = ("numpy._core.multiarray", "numpy.core.multiarray")
_NP_NUMERIC = ("numpy._core.numeric", "numpy.core.numeric")
ALLOWED: Dict[Tuple[str, str], Tuple[str, ...]] = {
    ("builtins", "set"): ("builtins",),
    ("builtins", "frozenset"): ("builtins",),
    ("builtins", "slice"): ("builtins",),
    ("builtins", "complex"): ("builtins",),
    ("builtins", "bytearray"): ("builtins",),
    ("collections", "OrderedDict"): ("collections",),
    ("_codecs", "encode"): ("_codecs",),  # bytes in protocol-2 pickles
    ("numpy", "dtype"): ("numpy",),
    ("numpy", "ndarray"): ("numpy",),
    ("numpy.core.multiarray", "scalar"): _NP_MULTIARRAY,
    ("numpy._core.multiarray", "scalar"): _NP_MULTIARRAY,
    ("numpy.core.multiarray", "_reconstruct"): _NP_MULTIARRAY,
    ("numpy._core.multiarray", "_reconstruct"): _NP_MULTIARRAY,
    ("numpy.core.numeric", "_frombuffer"): _NP_NUMERIC,  # arrays in protocol-5 pickles
    ("numpy._core.numeric", "_frombuffer"): _NP_NUMERIC,
}


class UnsafePickleError(BenchmarkDataError, pickle.UnpicklingError):
    """The pickle references a callable outside :data:`ALLOWED`; nothing was executed.

    A :class:`BenchmarkDataError` (so a ``ValueError``), so callers that report bad data files
    (the command line among them) report this one too.
    """


class _RestrictedUnpickler(pickle.Unpickler):
    """An unpickler whose globals are limited to :data:`ALLOWED`."""

    def __init__(self, file: Any, source: str) -> None:
        super().__init__(file)
        self._source = source

    def find_class(self, module: str, name: str) -> Any:
        # Protocol 0-2 pickles may use Python 2 names (``__builtin__``); map them as pickle does.
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        else:
            module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        candidates = ALLOWED.get((module, name))
        if candidates is None:
            raise UnsafePickleError(
                f"refusing to load {self._source}: it references {module}.{name}, which is not "
                "one of the plain containers and numpy types a benchmark table needs; pickles can "
                "run arbitrary code, so the file is refused. Use a trusted copy of the benchmark file."
            )
        for candidate in candidates:
            try:
                return getattr(importlib.import_module(candidate), name)
            except (ImportError, AttributeError):
                continue
        raise UnsafePickleError(f"refusing to load {self._source}: {module}.{name} is not available here")


_CORRUPT = (
    EOFError,
    pickle.UnpicklingError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    OverflowError,
    MemoryError,
)


def safe_load(path: PathLike) -> object:
    """Unpickle ``path`` allowing only containers, Python scalars and numpy scalars/arrays.

    Raises:
        UnsafePickleError: The file references any other callable (nothing is executed); a
            :class:`BenchmarkDataError`.
        BenchmarkDataError: The file is truncated or corrupt.
        FileNotFoundError: ``path`` does not exist.
    """
    source = os.fspath(path)
    with open(source, "rb") as handle:
        try:
            return _RestrictedUnpickler(handle, source).load()
        except UnsafePickleError:
            raise
        except _CORRUPT as error:
            raise BenchmarkDataError(
                f"{source} is truncated or corrupt ({type(error).__name__}: {error}); re-download it"
            ) from error


__all__ = ["ALLOWED", "UnsafePickleError", "safe_load"]
