"""A pickle opcode interpreter that builds values with its own code (protocols 0-5).

No ``pickle.Unpickler`` is involved: each opcode of the stream is decoded here, plain values
(containers, str/bytes, numbers, ``None``) are built directly and the few allowed callables are
rebuilt by :mod:`._rebuild`. Everything is iterative (an explicit stack, no recursion), and:

* a length claim (``BINBYTES8``, ``BINUNICODE8``, ``FRAME``, ...) larger than what is left of
  the file is refused before anything is allocated;
* containers may not nest deeper than ``max_depth`` levels; the depth is tracked as values are
  put together, so nothing later (hashing a key, ``==``, ``repr``) recurses deeper than that;
* a container may not change once stored in another one, which plain tables never do; this
  keeps recorded depths exact and makes cycles impossible (a container holding itself is refused);
* the number of containers and marks is bounded by the file size (``containers_per_byte``).
"""

from __future__ import annotations

import codecs
import collections
import gc
import struct
from typing import Any, Callable, Dict, List, Tuple

from . import _rebuild as rebuild
from ._errors import Corruption, Refusal, clip, short

_LEAVES = rebuild.LEAF_TYPES
_MUTABLE = frozenset({list, dict, set, collections.OrderedDict})
_IMMUTABLE = frozenset({tuple, frozenset})
_U2 = struct.Struct("<H").unpack_from
_I4 = struct.Struct("<i").unpack_from
_U4 = struct.Struct("<I").unpack_from
_U8 = struct.Struct("<Q").unpack_from
_F8 = struct.Struct(">d").unpack_from
HIGHEST_PROTOCOL = 5


class _Stop(Exception):
    """``STOP``: carries the value at the top of the stack."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


def _truncated(detail: str = "") -> Corruption:
    return Corruption("UnpicklingError", "pickle data was truncated" + (f": {detail}" if detail else ""))


class Reader:
    """Reads one pickle held in memory; :meth:`load` returns its value.

    Args:
        data: The whole file.
        max_depth: Deepest container nesting accepted.
        containers_per_byte: Containers (and marks) allowed per byte of ``data``, beyond a base of 10,000.
    """

    def __init__(self, data: bytes, max_depth: int = 100, containers_per_byte: float = 1 / 8) -> None:
        self.data = data
        self.size = len(data)
        self.pos = 0
        self.stack: List[Any] = []
        self.metastack: List[List[Any]] = []
        self.memo: List[Any] = []  # memo entries 0, 1, 2, ... as the pickler numbers them (8 bytes each)
        self.sparse_memo: Dict[int, Any] = {}  # any other index a file uses, counted as a container
        self.max_depth = max_depth
        self.containers_left = 10_000 + int(len(data) * containers_per_byte)
        self.containers_limit = self.containers_left
        # id -> (container, its nesting depth when above 1); kept alive so ids stay unique.
        self.depths: Dict[int, Tuple[Any, int]] = {}
        self.sealed: Dict[int, Any] = {}  # containers stored in another one: no longer changed
        self.tainted: Dict[int, tuple] = {}  # tuples holding a callable or an unfinished array
        self.last_tainted = False  # whether the items last admitted made a tainted tuple

    # ----------------------------------------------------------------------- the loop
    def load(self) -> Any:
        """The pickled value. Raises :class:`Refusal` or :class:`Corruption` (with ``at`` set)."""
        if not self.data:
            raise Corruption("EOFError", "Ran out of input")
        data, size, table = self.data, self.size, _DISPATCH
        pos = 0
        try:
            while True:
                pos = self.pos
                if pos >= size:
                    raise _truncated()
                self.pos = pos + 1
                table[data[pos]](self)
        except _Stop as stop:
            return self.finish(stop.value)
        except (Refusal, Corruption) as error:
            if error.at is None:
                error.at = pos
            raise
        except (IndexError, KeyError) as error:  # pops past a mark or the stack, unknown memo key
            what = f"memo key {short(error.args[0])} missing" if isinstance(error, KeyError) else "stack underflow"
            raise Corruption("UnpicklingError", f"{what} ({data[pos:pos + 1]!r} opcode)", pos) from None
        except Exception as error:  # a bad argument: float('x'), an unhashable key, ...
            raise Corruption(type(error).__name__, clip(str(error), 200), pos) from None

    def finish(self, value: Any) -> Any:
        """The final value, checked like an item stored in a container."""
        items = [value]
        self.admit(items, None)
        if type(items[0]) is tuple and id(items[0]) in self.tainted or type(items[0]) in _SPECIAL:
            raise self._special(items[0])
        return items[0]

    # ------------------------------------------------------------------ reading bytes
    def take(self, count: int) -> bytes:
        """The next ``count`` bytes; refuses a count beyond the end before slicing."""
        pos = self.pos
        end = pos + count
        if end > self.size:
            raise _truncated()
        self.pos = end
        return self.data[pos:end]

    def claim(self, count: int, opcode: str) -> bytes:
        """The ``count`` bytes a length prefix announced; a claim past the end is refused unread."""
        left = self.size - self.pos
        if count < 0:
            raise Corruption("UnpicklingError", f"{opcode} has the negative length {count}")
        if count > left:
            raise _truncated(f"{opcode} claims {count} bytes, {left} remain")
        return self.take(count)

    def line(self) -> bytes:
        """A protocol-0 argument: the bytes up to the next newline (not included)."""
        end = self.data.find(b"\n", self.pos)
        if end < 0:
            raise _truncated()
        text = self.data[self.pos:end]
        self.pos = end + 1
        return text

    def uint(self, unpack: Callable[[bytes, int], Tuple[int]], width: int) -> int:
        if self.pos + width > self.size:
            raise _truncated()
        value = unpack(self.data, self.pos)[0]
        self.pos += width
        return value

    # -------------------------------------------------------------- stack and checks
    def pop_mark(self) -> List[Any]:
        items = self.stack
        self.stack = self.metastack.pop()
        return items

    def spend(self) -> None:
        """Count one container or mark against the file's budget."""
        self.containers_left -= 1
        if self.containers_left < 0:
            raise Refusal(f"it makes more than {self.containers_limit} containers for a file of {self.size} bytes "
                          "(a table holds far fewer); the file is refused")

    def admit(self, items: List[Any], parent: Any) -> int:
        """Check ``items`` going into ``parent`` (``None``: a new tuple or frozenset); their depth + 1.

        Finished numpy values replace their drafts in ``items``; containers are sealed. A tuple may
        hold callables and unfinished arrays (the arguments of a call); it is then tainted, and
        neither it nor they may go into any other container.
        """
        if _LEAVES.issuperset(map(type, items)):  # the common case, checked in C
            self.last_tainted = False
            return 1
        deepest, tainted = 0, False
        for index, item in enumerate(items):
            kind = type(item)
            if kind in _LEAVES:
                continue
            if kind in _MUTABLE:
                if item is parent:
                    raise Refusal("a container holds itself (a cycle, which a table never has); the file is refused")
                self.sealed[id(item)] = item
            elif kind in _IMMUTABLE:
                if kind is tuple and id(item) in self.tainted:
                    tainted = True
            elif kind is rebuild.DtypeDraft or (kind is rebuild.ArrayDraft and item.value is not None):
                items[index] = item.value
                continue
            else:  # a callable or an unfinished array
                tainted = True
                continue
            entry = self.depths.get(id(item))
            depth = entry[1] if entry is not None else 1
            if depth > deepest:
                deepest = depth
        if tainted and parent is not None:
            raise self._special(next(i for i in items if type(i) in _SPECIAL or id(i) in self.tainted))
        self.last_tainted = tainted
        return deepest + 1

    def _special(self, item: Any) -> Refusal:
        if type(item) is rebuild.ArrayDraft:
            what = "a numpy array before its data (BUILD)"
        elif type(item) is rebuild.Global:
            what = f"the callable {item!r} itself"
        else:
            what = "a tuple holding a callable or an unfinished numpy array"
        return Refusal(f"it stores {what} as a value, which a benchmark table never does; the file is refused")

    def record(self, container: Any, depth: int) -> None:
        """Note that ``container`` now nests ``depth`` levels; refuses beyond ``max_depth``."""
        if depth > self.max_depth:
            raise Refusal(f"containers nest more than {self.max_depth} levels deep (a benchmark table nests a "
                          "few); the file is refused")
        if depth > 1:
            entry = self.depths.get(id(container))
            if entry is None or entry[1] < depth:
                self.depths[id(container)] = (container, depth)

    def fill(self, container: Any, items: List[Any]) -> None:
        """Check that ``container`` may still change and that ``items`` may go in it."""
        if id(container) in self.sealed:
            raise Refusal("it changes a container after storing it in another one, which plain tables never do; "
                          "the file is refused")
        self.record(container, self.admit(items, container))

    def new_tuple(self, items: List[Any]) -> tuple:
        if items:
            self.spend()
        depth = self.admit(items, None)
        value = tuple(items)
        self.record(value, depth)
        if self.last_tainted:
            self.tainted[id(value)] = value
        return value

    def new_set(self, kind: type, items: List[Any]) -> Any:
        """A set or frozenset of ``items`` (hashing them is safe: their depth is bounded)."""
        self.spend()
        value = kind()
        depth = self.admit(items, value)
        value = kind(items)
        self.record(value, depth)
        return value

    def memo_put(self, index: int) -> None:
        memo = self.memo
        if 0 <= index < len(memo):
            memo[index] = self.stack[-1]
        elif index == len(memo):
            memo.append(self.stack[-1])
        elif index < 0:
            raise Corruption("UnpicklingError", f"negative memo index {index}")
        else:
            self.spend()
            self.sparse_memo[index] = self.stack[-1]

    def memo_get(self, index: int) -> Any:
        if 0 <= index < len(self.memo):
            return self.memo[index]
        return self.sparse_memo[index]  # KeyError: reported as a missing memo key


_SPECIAL = (rebuild.Global, rebuild.ArrayDraft)


# ------------------------------------------------------------------------ opcodes
def _decode_ascii(raw: bytes) -> str:
    """Python 2 ``str`` values, decoded as pickle's default ``encoding='ASCII'`` does."""
    return raw.decode("ascii")


def _push(make: Callable[[Reader], Any]) -> Callable[[Reader], None]:
    def op(r: Reader) -> None:
        r.stack.append(make(r))

    return op


def _mark(r: Reader) -> None:
    r.spend()
    r.metastack.append(r.stack)
    r.stack = []


def _stop(r: Reader) -> None:
    raise _Stop(r.stack.pop())


def _pop(r: Reader) -> None:
    if r.stack:
        r.stack.pop()
    else:
        r.pop_mark()


def _pop_mark(r: Reader) -> None:
    r.pop_mark()


def _dup(r: Reader) -> None:
    r.stack.append(r.stack[-1])


def _int_text(r: Reader) -> Any:
    text = r.line()
    if text in (b"00", b"01"):
        return text == b"01"
    return int(text, 0)


def _long_text(r: Reader) -> int:
    text = r.line()
    return int(text[:-1] if text.endswith(b"L") else text, 0)


def _string_text(r: Reader) -> str:
    raw = r.line()
    if len(raw) < 2 or raw[0] != raw[-1] or raw[:1] not in (b'"', b"'"):
        raise Corruption("UnpicklingError", "the STRING opcode argument must be quoted")
    return _decode_ascii(codecs.escape_decode(raw[1:-1])[0])


def _binstring(r: Reader) -> str:
    return _decode_ascii(r.claim(r.uint(_I4, 4), "BINSTRING"))


def _short_len(r: Reader) -> int:
    """A one-byte argument (a short length, a small int or memo index)."""
    pos = r.pos
    if pos >= r.size:
        raise _truncated()
    r.pos = pos + 1
    return r.data[pos]


def _short_raw(r: Reader, opcode: str) -> bytes:
    """The argument of a SHORT_* opcode: a length byte, then that many bytes (at most 255)."""
    pos = r.pos
    if pos >= r.size:
        raise _truncated()
    end = pos + 1 + r.data[pos]
    if end > r.size:
        raise _truncated(f"{opcode} claims {end - pos - 1} bytes, {r.size - pos - 1} remain")
    r.pos = end
    return r.data[pos + 1:end]


def _short_binunicode(r: Reader) -> None:
    r.stack.append(str(_short_raw(r, "SHORT_BINUNICODE"), "utf-8", "surrogatepass"))


def _short_binbytes(r: Reader) -> None:
    r.stack.append(_short_raw(r, "SHORT_BINBYTES"))


def _binint1(r: Reader) -> None:
    r.stack.append(_short_len(r))


def _utf8(raw: bytes) -> str:
    return str(raw, "utf-8", "surrogatepass")


def _memo_get(r: Reader, index: int) -> None:
    r.stack.append(r.memo_get(index))


def _binget(r: Reader) -> None:
    index = _short_len(r)
    memo = r.memo
    r.stack.append(memo[index] if index < len(memo) else r.sparse_memo[index])


def _memoize(r: Reader) -> None:
    if r.sparse_memo:
        r.memo_put(len(r.memo) + len(r.sparse_memo))
    else:
        r.memo.append(r.stack[-1])


def _empty(kind: type) -> Callable[[Reader], None]:
    def op(r: Reader) -> None:
        r.containers_left -= 1
        if r.containers_left < 0:
            r.spend()
        r.stack.append(kind())

    return op


def _tuple_n(count: int) -> Callable[[Reader], None]:
    def op(r: Reader) -> None:
        stack = r.stack
        if len(stack) < count:
            raise IndexError
        items = stack[-count:]
        del stack[-count:]
        stack.append(r.new_tuple(items))

    return op


def _tuple(r: Reader) -> None:
    items = r.pop_mark()
    r.stack.append(r.new_tuple(items))


def _list(r: Reader) -> None:
    r.spend()
    items = r.pop_mark()
    value: List[Any] = []
    r.fill(value, items)
    value.extend(items)
    r.stack.append(value)


def _dict(r: Reader) -> None:
    r.spend()
    items = r.pop_mark()
    value: Dict[Any, Any] = {}
    _set_items(r, value, items)
    r.stack.append(value)


def _set_items(r: Reader, target: Any, items: List[Any]) -> None:
    if type(target) not in (dict, collections.OrderedDict):
        raise Refusal(f"it sets items of a {type(target).__name__}, which a benchmark table never does")
    if len(items) % 2:
        raise Corruption("UnpicklingError", "odd number of items for SETITEMS")
    r.fill(target, items)
    for index in range(0, len(items), 2):
        target[items[index]] = items[index + 1]


def _setitem(r: Reader) -> None:
    stack = r.stack
    value = stack.pop()
    key = stack.pop()
    _set_items(r, stack[-1], [key, value])


def _setitems(r: Reader) -> None:
    items = r.pop_mark()
    _set_items(r, r.stack[-1], items)


def _append_items(r: Reader, items: List[Any]) -> None:
    target = r.stack[-1]
    if type(target) is not list:
        raise Refusal(f"it appends to a {type(target).__name__}, which a benchmark table never does")
    r.fill(target, items)
    target.extend(items)


def _append(r: Reader) -> None:
    _append_items(r, [r.stack.pop()])


def _appends(r: Reader) -> None:
    _append_items(r, r.pop_mark())


def _additems(r: Reader) -> None:
    items = r.pop_mark()
    target = r.stack[-1]
    if type(target) is not set:
        raise Refusal(f"it adds items to a {type(target).__name__}, which a benchmark table never does")
    r.fill(target, items)
    target.update(items)


def _frozenset(r: Reader) -> None:
    items = r.pop_mark()  # before r.stack is read: popping the mark replaces it
    r.stack.append(r.new_set(frozenset, items))


def _global(r: Reader) -> None:
    module = _utf8(r.line())
    name = _utf8(r.line())
    r.stack.append(rebuild.resolve_global(module, name))


def _stack_global(r: Reader) -> None:
    name = r.stack.pop()
    module = r.stack.pop()
    if type(module) is not str or type(name) is not str:
        raise Corruption("UnpicklingError", "STACK_GLOBAL requires str")
    r.stack.append(rebuild.resolve_global(module, name))


def _call(r: Reader, callee: Any, args: Any) -> Any:
    """``callee(*args)`` as :mod:`._rebuild` makes it; sets and ordered dicts are counted here."""
    kind = callee.kind if type(callee) is rebuild.Global else None
    if kind in ("set", "frozenset") and type(args) is tuple and len(args) <= 1:
        items = args[0] if args else []
        if type(items) not in (list, tuple):
            raise Refusal(f"it makes a {kind} of a {type(items).__name__}, which a benchmark table never does")
        return r.new_set(set if kind == "set" else frozenset, list(items))
    if kind == "OrderedDict":
        r.spend()
    return rebuild.call(callee, args)


def _reduce(r: Reader) -> None:
    args = r.stack.pop()
    r.stack[-1] = _call(r, r.stack[-1], args)


def _inst(r: Reader) -> None:
    module = _ascii_line(r)
    name = _ascii_line(r)
    callee = rebuild.resolve_global(module, name)
    args = r.new_tuple(r.pop_mark())
    r.stack.append(_call(r, callee, args))


def _ascii_line(r: Reader) -> str:
    return r.line().decode("ascii")


def _obj(r: Reader) -> None:
    items = r.pop_mark()
    if not items:
        raise IndexError
    r.stack.append(_call(r, items[0], r.new_tuple(items[1:])))


def _newobj(r: Reader) -> None:
    args = r.stack.pop()
    r.stack[-1] = rebuild.new_object(r.stack[-1], args)


def _newobj_ex(r: Reader) -> None:
    kwargs = r.stack.pop()
    args = r.stack.pop()
    r.stack[-1] = rebuild.new_object(r.stack[-1], args, kwargs)


def _build(r: Reader) -> None:
    state = r.stack.pop()
    r.stack[-1] = rebuild.build(r.stack[-1], state)


def _proto(r: Reader) -> None:
    version = _short_len(r)
    if version > HIGHEST_PROTOCOL:
        raise Corruption("ValueError", f"unsupported pickle protocol: {version}")


def _frame(r: Reader) -> None:
    """A protocol-4 frame: only its length is checked (a claim past the end is refused)."""
    length = r.uint(_U8, 8)
    if length > r.size - r.pos:
        raise _truncated(f"FRAME claims {length} bytes, {r.size - r.pos} remain")


def _readonly_buffer(r: Reader) -> None:
    if type(r.stack[-1]) not in (bytes, bytearray):
        raise Corruption("UnpicklingError", "READONLY_BUFFER of a value that is not a buffer")
    r.stack[-1] = bytes(r.stack[-1])


def _refused(what: str) -> Callable[[Reader], None]:
    def op(r: Reader) -> None:
        raise Refusal(f"it uses {what}, which a benchmark table never needs; the file is refused")

    return op


def _out_of_band(r: Reader) -> None:
    raise Corruption("UnpicklingError", "pickle stream refers to out-of-band data (NEXT_BUFFER)")


def _invalid(r: Reader) -> None:
    key = r.data[r.pos - 1:r.pos].decode("latin-1")
    raise Corruption("UnpicklingError", f"invalid load key, {ascii(key)}")


_OPS: Dict[bytes, Callable[[Reader], None]] = {
    b"(": _mark, b".": _stop, b"0": _pop, b"1": _pop_mark, b"2": _dup,
    # numbers and constants
    b"N": _push(lambda r: None), b"\x88": _push(lambda r: True), b"\x89": _push(lambda r: False),
    b"I": _push(_int_text), b"L": _push(_long_text), b"F": _push(lambda r: float(r.line())),
    b"J": _push(lambda r: r.uint(_I4, 4)), b"K": _binint1, b"M": _push(lambda r: r.uint(_U2, 2)),
    b"\x8a": _push(lambda r: int.from_bytes(r.claim(_short_len(r), "LONG1"), "little", signed=True)),
    b"\x8b": _push(lambda r: int.from_bytes(r.claim(r.uint(_I4, 4), "LONG4"), "little", signed=True)),
    b"G": _push(lambda r: r.uint(_F8, 8)),
    # text and bytes
    b"S": _push(_string_text), b"T": _push(_binstring),
    b"U": _push(lambda r: _decode_ascii(r.claim(_short_len(r), "SHORT_BINSTRING"))),
    b"V": _push(lambda r: str(r.line(), "raw-unicode-escape")),
    b"X": _push(lambda r: _utf8(r.claim(r.uint(_U4, 4), "BINUNICODE"))),
    b"\x8c": _short_binunicode,
    b"\x8d": _push(lambda r: _utf8(r.claim(r.uint(_U8, 8), "BINUNICODE8"))),
    b"B": _push(lambda r: r.claim(r.uint(_U4, 4), "BINBYTES")),
    b"C": _short_binbytes,
    b"\x8e": _push(lambda r: r.claim(r.uint(_U8, 8), "BINBYTES8")),
    b"\x96": _push(lambda r: bytearray(r.claim(r.uint(_U8, 8), "BYTEARRAY8"))),
    b"\x97": _out_of_band, b"\x98": _readonly_buffer,
    # containers
    b")": _push(lambda r: ()), b"t": _tuple, b"\x85": _tuple_n(1), b"\x86": _tuple_n(2), b"\x87": _tuple_n(3),
    b"]": _empty(list), b"l": _list, b"a": _append, b"e": _appends,
    b"}": _empty(dict), b"d": _dict, b"s": _setitem, b"u": _setitems,
    b"\x8f": _empty(set), b"\x90": _additems, b"\x91": _frozenset,
    # memo
    b"g": lambda r: _memo_get(r, int(r.line())), b"h": _binget,
    b"j": lambda r: _memo_get(r, r.uint(_U4, 4)),
    b"p": lambda r: r.memo_put(int(r.line())), b"q": lambda r: r.memo_put(_short_len(r)),
    b"r": lambda r: r.memo_put(r.uint(_U4, 4)), b"\x94": _memoize,
    # callables: only those on the allow-list, rebuilt by _rebuild
    b"c": _global, b"\x93": _stack_global, b"R": _reduce, b"i": _inst, b"o": _obj,
    b"\x81": _newobj, b"\x92": _newobj_ex, b"b": _build,
    b"P": _refused("persistent IDs (PERSID)"), b"Q": _refused("persistent IDs (BINPERSID)"),
    b"\x82": _refused("the copyreg extension registry (EXT1)"),
    b"\x83": _refused("the copyreg extension registry (EXT2)"),
    b"\x84": _refused("the copyreg extension registry (EXT4)"),
    # framing
    b"\x80": _proto, b"\x95": _frame,
}
_DISPATCH: List[Callable[[Reader], None]] = [_OPS.get(bytes([code]), _invalid) for code in range(256)]


def read(data: bytes, max_depth: int = 100, containers_per_byte: float = 1 / 8) -> Any:
    """The value pickled in ``data``; see :class:`Reader`.

    The cyclic garbage collector is paused meanwhile: the reader makes no cycles (it refuses
    them), and collections over a growing table would otherwise take a third of the time.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return Reader(data, max_depth, containers_per_byte).load()
    finally:
        if paused:
            gc.enable()


__all__ = ["HIGHEST_PROTOCOL", "Reader", "read"]
