"""The few callables a benchmark table may name, rebuilt by this module's own code.

A pickle names callables (``GLOBAL``/``STACK_GLOBAL``) and calls them (``REDUCE``, ``NEWOBJ``,
``BUILD``). Nothing here imports a named module or calls a named callable: a name on
:data:`ALLOWED` becomes a :class:`Global` marker, and calling it runs the matching function
below, which checks its arguments and builds the value itself. numpy state from the file
(dtype state, shapes, raw bytes) is validated here and never passed to numpy's
``__setstate__``: only numeric dtypes (bool, int, uint, float, complex) of a plain byte order
are made, and an array's bytes must be exactly ``prod(shape) * itemsize``.
"""

from __future__ import annotations

import _compat_pickle
import collections
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np

from ._errors import Corruption, Refusal, clip, short

_SCALAR, _RECONSTRUCT, _FROMBUFFER = "scalar", "_reconstruct", "_frombuffer"

# (module, name) a pickle may reference -> the kind of value it builds. numpy >= 2 moved
# ``numpy.core`` to ``numpy._core``; pickles name either, and neither is ever imported.
ALLOWED: Dict[Tuple[str, str], str] = {
    ("builtins", "set"): "set",
    ("builtins", "frozenset"): "frozenset",
    ("builtins", "slice"): "slice",
    ("builtins", "complex"): "complex",
    ("builtins", "bytearray"): "bytearray",
    ("builtins", "bytes"): "bytes",  # b"" in protocol 0-2 pickles
    ("collections", "OrderedDict"): "OrderedDict",
    ("_codecs", "encode"): "encode",  # bytes in protocol 0-2 pickles
    ("numpy", "dtype"): "dtype",
    ("numpy", "ndarray"): "ndarray",
    **{(f"numpy.{core}.multiarray", name): name for core in ("core", "_core") for name in (_SCALAR, _RECONSTRUCT)},
    **{(f"numpy.{core}.numeric", _FROMBUFFER): _FROMBUFFER for core in ("core", "_core")},  # protocol 5 arrays
}

# The dtypes numpy pickles as ``dtype(spec)``: kind letter + itemsize. Nothing else is made.
NUMERIC_SPECS = frozenset(
    ["b1"] + [f"{kind}{size}" for kind in "iu" for size in (1, 2, 4, 8)]
    + [f"f{size}" for size in (2, 4, 8, 16)] + [f"c{size}" for size in (8, 16, 32)]
)
MAX_DIMS = 32
_LATIN1 = frozenset({"latin1", "latin-1"})
_MAX_DIM = 2**62


class Global:
    """A reference to an allowed callable, by kind; never the callable itself."""

    __slots__ = ("module", "name", "kind")

    def __init__(self, module: str, name: str, kind: str) -> None:
        self.module, self.name, self.kind = module, name, kind

    def __repr__(self) -> str:
        return f"{self.module}.{self.name}"


class DtypeDraft:
    """A ``numpy.dtype(spec)`` call; its ``BUILD`` sets the byte order. ``value`` is always usable."""

    __slots__ = ("value", "built")

    def __init__(self, value: np.dtype) -> None:
        self.value = value
        self.built = False


class ArrayDraft:
    """A ``_reconstruct`` placeholder; ``value`` is ``None`` until its ``BUILD`` state arrives."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: Optional[np.ndarray] = None


def _dtype_types() -> Tuple[frozenset, frozenset]:
    """The dtype classes and scalar types of :data:`NUMERIC_SPECS` on this platform."""
    dtypes, scalars = set(), set()
    for spec in NUMERIC_SPECS:
        try:
            dtype = np.dtype(spec)
        except TypeError:  # e.g. no 16-byte float here
            continue
        dtypes.add(type(dtype))
        scalars.add(dtype.type)
    return frozenset(dtypes), frozenset(scalars)


DTYPE_TYPES, SCALAR_TYPES = _dtype_types()
# Values without items: nothing inside them can nest or refer back.
LEAF_TYPES = frozenset({str, bytes, bytearray, int, float, bool, complex, type(None), slice, np.ndarray}
                       | DTYPE_TYPES | SCALAR_TYPES)


def resolve_global(module: str, name: str) -> Global:
    """The marker for ``module.name``; refuses any name off :data:`ALLOWED` before anything is imported."""
    if (module, name) in _compat_pickle.NAME_MAPPING:  # Python 2 names, as pickle maps them
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    else:
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
    kind = ALLOWED.get((module, name))
    if kind is None:
        raise Refusal(
            f"it references {_printable(module)}.{_printable(name)}, which is not one of the plain containers "
            "and numpy types a benchmark table needs; pickles can run arbitrary code, so the file is refused. "
            "Use a trusted copy of the benchmark file."
        )
    return Global(module, name, kind)


def _printable(text: str) -> str:
    """``text`` for a message: non-printable characters escaped (no terminal control codes), clipped."""
    return clip(text if text.isprintable() else repr(text)[1:-1])


def _refuse(what: str) -> Refusal:
    return Refusal(
        f"{what}; only containers, Python scalars and numeric numpy scalars/arrays (bool, int, uint, float, "
        "complex) are read. Use a trusted copy of the benchmark file."
    )


def _bad_args(callee: Global, args: tuple) -> Refusal:
    return _refuse(f"it calls {callee!r} with {short(args)}, which a benchmark table never does")


def _is(value: Any, kind: type, *accepted: Any) -> bool:
    """``value`` is of exactly type ``kind`` and one of ``accepted`` (no ``==`` on foreign types)."""
    return type(value) is kind and value in accepted


# ---------------------------------------------------------------------------- numpy
def as_dtype(value: Any) -> np.dtype:
    """A dtype this module made (directly or through a :class:`DtypeDraft`)."""
    if type(value) is DtypeDraft:
        return value.value
    if type(value) in DTYPE_TYPES:
        return value
    raise _refuse(f"a numpy value names {short(value)} as its dtype")


def _as_raw(value: Any, what: str) -> bytes:
    """The raw bytes of a numpy value: bytes, a bytearray, or latin-1 text (protocol-2 pickles)."""
    if type(value) in (bytes, bytearray):
        return value
    if type(value) is str:
        try:
            return value.encode("latin-1")
        except UnicodeEncodeError:
            raise Corruption("UnpicklingError", f"the data of a numpy {what} is text that is not latin-1") from None
    raise _refuse(f"a numpy {what} holds {type(value).__name__} data (an object array or forged state)")


def _as_shape(value: Any) -> Tuple[int, ...]:
    if type(value) is not tuple or len(value) > MAX_DIMS:
        raise _refuse(f"a numpy array has the shape {short(value)}")
    for dim in value:
        if type(dim) is not int or not 0 <= dim < _MAX_DIM:
            raise _refuse(f"a numpy array has the shape {short(value)}")
    return value


def _array(buffer: Any, dtype: np.dtype, shape: Tuple[int, ...], order: str) -> np.ndarray:
    """``buffer`` as an array of ``shape``; its length must be exactly ``prod(shape) * itemsize``."""
    count = 1
    for dim in shape:
        count *= dim
    if count * dtype.itemsize != len(buffer):
        raise Corruption("UnpicklingError", f"a numpy array of shape {short(shape)} and dtype {dtype} needs "
                                            f"{count * dtype.itemsize} bytes but has {len(buffer)}")
    return np.frombuffer(buffer, dtype=dtype, count=count).reshape(shape, order=order)


def _make_dtype(args: tuple) -> DtypeDraft:
    spec = args[0] if args else None
    flags_ok = len(args) <= 3 and all(type(a) in (bool, int) for a in args[1:])
    if type(spec) is not str or spec not in NUMERIC_SPECS or not flags_ok:
        raise _refuse(f"it makes the numpy dtype {short(spec)}, which is not a numeric dtype")
    return DtypeDraft(np.dtype(spec))


def _make_scalar(args: tuple) -> Any:
    if len(args) != 2:
        raise _refuse(f"a numpy scalar has {short(args)} for (dtype, data) (an object scalar or forged state)")
    dtype, raw = as_dtype(args[0]), _as_raw(args[1], "scalar")
    if len(raw) != dtype.itemsize:
        raise Corruption("UnpicklingError", f"a numpy {dtype} scalar needs {dtype.itemsize} bytes, has {len(raw)}")
    return np.frombuffer(raw, dtype=dtype)[0]


def _make_placeholder(callee: Global, args: tuple) -> ArrayDraft:
    if len(args) != 3 or type(args[0]) is not Global or args[0].kind != "ndarray":
        raise _bad_args(callee, args)
    return ArrayDraft()


def _make_frombuffer(callee: Global, args: tuple) -> np.ndarray:
    if len(args) != 4 or not _is(args[3], str, "C", "F"):
        raise _bad_args(callee, args)
    buffer = args[0]
    if type(buffer) not in (bytes, bytearray):
        raise _refuse(f"a numpy array holds {type(buffer).__name__} data (an object array or forged state)")
    return _array(buffer, as_dtype(args[1]), _as_shape(args[2]), args[3])


def build_dtype(draft: DtypeDraft, state: Any) -> DtypeDraft:
    """Apply a dtype's state (version 3: byte order; no fields, subarray, names or flags)."""
    fields = state if type(state) is tuple and len(state) == 8 else (None,) * 8
    version, order, subarray, names, field_map, elsize, alignment, flags = fields
    plain = (_is(version, int, 3) and _is(order, str, "<", ">", "|", "=")
             and subarray is None and names is None and field_map is None
             and _is(elsize, int, -1) and _is(alignment, int, -1) and _is(flags, int, 0))
    if draft.built or not plain:
        raise _refuse(f"a numpy dtype has the state {short(state)} (only the plain state of a numeric dtype "
                      "is accepted: no fields, subarray, object flags or second state)")
    if order in "<>" and draft.value.itemsize > 1:
        draft.value = draft.value.newbyteorder(order)
    draft.built = True
    return draft


def build_array(draft: ArrayDraft, state: Any) -> np.ndarray:
    """Apply an ndarray's state ``(1, shape, dtype, is_fortran, rawdata)`` (or without the version)."""
    if type(state) is tuple and len(state) == 5 and _is(state[0], int, 1):
        state = state[1:]
    if draft.value is not None or type(state) is not tuple or len(state) != 4 or type(state[2]) not in (bool, int):
        raise _refuse(f"a numpy array has the state {short(state)}")
    shape, dtype, fortran, raw = _as_shape(state[0]), as_dtype(state[1]), state[2], _as_raw(state[3], "array")
    array = _array(raw, dtype, shape, "F" if fortran else "C")
    # A copy, writable; in native byte order, as numpy's own ``__setstate__`` makes it.
    draft.value = array.astype(dtype.newbyteorder("="), order="K", copy=True)
    return draft.value


# --------------------------------------------------------------------------- builtins
def _numbers(args: tuple, most: int, types: tuple) -> bool:
    return len(args) <= most and all(type(a) in types for a in args)


def _make_builtin(callee: Global, args: tuple) -> Any:
    kind = callee.kind
    if kind == "complex" and 1 <= len(args) and _numbers(args, 2, (int, float, bool)):
        return complex(*args)
    if kind == "slice" and 1 <= len(args) and _numbers(args, 3, (int, type(None))):
        return slice(*args)
    if kind == "bytes" and not args:
        return b""
    if kind == "bytearray" and _numbers(args, 1, (bytes, bytearray)):
        return bytearray(*args)
    if kind == "OrderedDict" and not args:
        return collections.OrderedDict()
    if kind == "encode":
        if len(args) != 2 or type(args[0]) is not str or type(args[1]) is not str:
            raise _bad_args(callee, args)
        if args[1].lower() not in _LATIN1:
            raise _refuse(f"it calls _codecs.encode with the encoding {short(args[1])} (only latin1 is read)")
        try:
            return args[0].encode("latin-1")
        except UnicodeEncodeError:
            raise Corruption("UnpicklingError", "_codecs.encode of text that is not latin-1") from None
    raise _bad_args(callee, args)


_NUMPY_CALLS: Dict[str, Callable[[Global, tuple], Any]] = {
    "dtype": lambda callee, args: _make_dtype(args),
    _SCALAR: lambda callee, args: _make_scalar(args),
    _RECONSTRUCT: _make_placeholder,
    _FROMBUFFER: _make_frombuffer,
}


def call(callee: Any, args: Any) -> Any:
    """``REDUCE``: the value ``callee(*args)`` builds, made here. Sets and frozensets are the caller's."""
    if type(callee) is not Global:
        raise _refuse(f"it calls a {type(callee).__name__} value")
    if type(args) is not tuple:
        raise Corruption("UnpicklingError", f"REDUCE arguments are a {type(args).__name__}, not a tuple")
    make = _NUMPY_CALLS.get(callee.kind)
    return make(callee, args) if make is not None else _make_builtin(callee, args)


def new_object(cls: Any, args: Any, kwargs: Any = None) -> complex:
    """``NEWOBJ``/``NEWOBJ_EX``: only ``complex.__new__(complex, re, im)`` (what protocol 2+ writes)."""
    no_kwargs = kwargs is None or (type(kwargs) is dict and not kwargs)
    if type(cls) is not Global or cls.kind != "complex" or type(args) is not tuple or not no_kwargs:
        raise _refuse(f"it creates {short(cls)} with NEWOBJ, which a benchmark table never does")
    return _make_builtin(cls, args)


def build(obj: Any, state: Any) -> Any:
    """``BUILD``: only numpy dtypes and arrays take a state; returns the value to leave on the stack."""
    if type(obj) is DtypeDraft:
        return build_dtype(obj, state)
    if type(obj) is ArrayDraft:
        return build_array(obj, state)
    raise _refuse(f"it sets the state of a {type(obj).__name__} (BUILD), which a benchmark table never does")
