"""Fuzzing the pickle reader in a subprocess: crafted attacks and seeded mutations of a real-format table.

One child process, its address space capped with ``RLIMIT_AS``, loads every corpus file with
``safe_load`` and prints one status line per file. A segfault or an uncaught exception would
show as a signal, a traceback or an ``unhandled`` line; a MemoryError as a ``memory`` line.
"""

from __future__ import annotations

import collections
import os
import pickle
import random
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Sequence, Tuple

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
MEMORY_CAP = 1 << 30  # RLIMIT_AS of the child: 1 GiB
MUTANTS_PER_PROTOCOL = 350
DEEP = 100_000  # nesting levels of the deep-nesting cases

# --------------------------------------------------------------------- crafting bytes
NONE, TRUE, FALSE = b"N", b"\x88", b"\x89"


def p_int(value: int) -> bytes:
    """BININT, or LONG1 beyond 32 bits."""
    if -(2**31) <= value < 2**31:
        return b"J" + struct.pack("<i", value)
    raw = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(raw)]) + raw


def p_str(text: str) -> bytes:
    raw = text.encode("utf-8", "surrogatepass")
    return b"X" + struct.pack("<I", len(raw)) + raw


def p_bytes(raw: bytes) -> bytes:
    return b"B" + struct.pack("<I", len(raw)) + raw


def p_tuple(*parts: bytes) -> bytes:
    return b"(" + b"".join(parts) + b"t"


def p_global(module: str, name: str) -> bytes:
    return b"c" + f"{module}\n{name}\n".encode()


def p_call(module: str, name: str, *args: bytes) -> bytes:
    return p_global(module, name) + p_tuple(*args) + b"R"


def dtype_state(order: str = "<", fields: bytes = NONE + NONE + NONE, flags: int = 0, version: int = 3) -> bytes:
    return p_tuple(p_int(version), p_str(order), fields, p_int(-1), p_int(-1), p_int(flags))


def p_dtype(spec: str, state: bytes = b"") -> bytes:
    state = state or dtype_state("|" if spec[1:] == "1" else "<")
    return p_call("numpy", "dtype", p_str(spec), FALSE, TRUE) + state + b"b"


def p_scalar(dtype: bytes, raw: bytes, module: str = "numpy.core.multiarray") -> bytes:
    return p_call(module, "scalar", dtype, p_bytes(raw))


def p_array(dtype: bytes, shape: Sequence[int], raw: bytes, fortran: bytes = FALSE) -> bytes:
    placeholder = p_call("numpy.core.multiarray", "_reconstruct", p_global("numpy", "ndarray"),
                         p_tuple(p_int(0)), p_bytes(b"b"))
    return placeholder + p_tuple(p_int(1), p_tuple(*map(p_int, shape)), dtype, fortran, raw) + b"b"


def p_frombuffer(raw: bytes, dtype: bytes, shape: Sequence[int], order: str = "C") -> bytes:
    buffer = b"\x96" + struct.pack("<Q", len(raw)) + raw
    return p_call("numpy._core.numeric", "_frombuffer", buffer, dtype, p_tuple(*map(p_int, shape)), p_str(order))


def whole(*parts: bytes, protocol: int = 3) -> bytes:
    return b"\x80" + bytes([protocol]) + b"".join(parts) + b"."


F8 = p_dtype("f8")

# Globals a pickle might use to run code or read files; each must be refused by name.
REFUSED_GLOBALS = [
    ("os", "system"), ("posix", "system"), ("nt", "system"), ("builtins", "eval"), ("builtins", "exec"),
    ("builtins", "getattr"), ("builtins", "__import__"), ("builtins", "open"), ("builtins", "compile"),
    ("__builtin__", "eval"), ("subprocess", "Popen"), ("subprocess", "check_output"), ("numpy", "load"),
    ("numpy", "frombuffer"), ("numpy", "fromstring"), ("numpy.lib.format", "read_array"),
    ("numpy.testing._private.utils", "runstring"), ("copyreg", "_reconstructor"), ("pickle", "loads"),
    ("_pickle", "loads"), ("marshal", "loads"), ("types", "FunctionType"), ("types", "CodeType"),
    ("functools", "partial"), ("operator", "attrgetter"), ("operator", "methodcaller"),
    ("collections", "namedtuple"), ("ctypes", "CDLL"), ("sys", "exit"), ("importlib", "import_module"),
    ("torch", "load"), ("shutil", "rmtree"), ("_codecs", "decode"), ("codecs", "encode"),
    ("numpy.core.multiarray", "fromstring"), ("numpy", "array"), ("builtins", "dict"), ("builtins", "list"),
]

Case = Tuple[bytes, str, Sequence[str]]  # bytes, expected status, words of the message


def _deep_cases() -> Dict[str, Case]:
    """10^5 levels hit the container budget first; 1,000 levels (within it) the depth limit."""
    refused = ["refusing to load", "the file is refused"]
    depth = ["nest more than 100 levels deep"]
    nested_dicts = b"}" + b"\x8c\x01k}" * DEEP + b"s" * DEEP
    top_down = b"]q\x00" + b"h\x00]q\x00a0" * DEEP  # each new list goes into the previous one, via the memo
    return {
        "deep-lists": (whole(b"]" * DEEP + b"a" * (DEEP - 1), protocol=2), "refused", refused),
        "deep-tuples": (whole(b")" + b"\x85" * DEEP, protocol=2), "refused", depth),
        "deep-marks-protocol0": (b"(" * DEEP + b"l" * DEEP + b".", "refused", refused),
        "deep-dicts": (whole(nested_dicts, protocol=4), "refused", refused),
        "deep-frozensets": (whole(b"(" * DEEP + b"\x91" * DEEP, protocol=4), "refused", refused),
        "deep-lists-1000": (whole(b"]" * 1000 + b"a" * 999, protocol=2), "refused", depth),
        "deep-marks-1000": (b"(" * 1000 + b"l" * 1000 + b".", "refused", depth),
        "deep-dicts-1000": (whole(b"}" + b"\x8c\x01k}" * 1000 + b"s" * 1000, protocol=4), "refused", depth),
        "deep-frozensets-1000": (whole(b"(" * 1000 + b"\x91" * 1000, protocol=4), "refused", depth),
        "depth-100-loads": (whole(b"]" * 99 + b"a" * 98, protocol=2), "loaded", []),
        "deep-via-memo": (whole(top_down, protocol=2), "refused", ["changes a container after storing it"]),
        "deep-tuple-key": (whole(b"}" + b")" + b"\x85" * 150 + b"K\x01s", protocol=2), "refused", depth),
        "wide-stack": (whole(b"N" * 1_000_000, protocol=2), "loaded", []),
        "container-flood": (whole(b"}" * 300_000, protocol=2), "refused", ["containers for a file of"]),
        "set-flood": (whole(b"\x8f" * 300_000, protocol=4), "refused", ["containers for a file of"]),
        "mark-flood": (whole(b"(" * 300_000, protocol=2), "refused", ["containers for a file of"]),
        "tuple-flood": (whole((b")" + b"\x85" * 99 + b"0") * 3_000, protocol=2), "refused", ["containers for a file of"]),
        "sparse-memo-flood": (whole(b"N" + b"".join(b"r" + struct.pack("<I", 2 * i + 7) for i in range(100_000)),
                                    protocol=2), "refused", ["containers for a file of"]),
        "memoize-flood": (whole(b"N" + b"\x94" * 3_000_000, protocol=4), "loaded", []),
    }


def _huge_claim_cases() -> Dict[str, Case]:
    claims = {
        "binbytes8": b"\x8e" + struct.pack("<Q", 2**63 - 1), "binunicode8": b"\x8d" + struct.pack("<Q", 2**64 - 1),
        "frame": b"\x95" + struct.pack("<Q", 2**62) + b"N", "bytearray8": b"\x96" + struct.pack("<Q", 2**40),
        "binbytes": b"B" + struct.pack("<I", 2**32 - 1), "binunicode": b"X" + struct.pack("<I", 2**32 - 1),
        "long4": b"\x8b" + struct.pack("<i", 2**31 - 1), "binstring": b"T" + struct.pack("<i", 2**31 - 1),
    }
    cases: Dict[str, Case] = {f"claim-{name}": (whole(raw, protocol=5), "corrupt", ["claims", "remain"])
                              for name, raw in claims.items()}
    cases["claim-binstring-negative"] = (whole(b"T" + struct.pack("<i", -5)), "corrupt", ["negative length"])
    cases["claim-array-shape"] = (whole(p_array(F8, [2**40], p_bytes(b"\0" * 8))), "corrupt", ["needs"])
    cases["claim-frombuffer-shape"] = (whole(p_frombuffer(b"\0" * 8, F8, [2**31, 2**31]), protocol=5), "corrupt",
                                       ["needs"])
    cases["claim-zero-size-huge-dims"] = (whole(p_frombuffer(b"", F8, [0, 2**61]), protocol=5), "any", [])
    cases["claim-ndarray-direct"] = (whole(p_call("numpy", "ndarray", p_tuple(p_int(2**40)))), "refused",
                                     ["numpy.ndarray"])
    cases["claim-bytearray-int"] = (whole(p_call("builtins", "bytearray", p_int(2**40))), "refused", ["bytearray"])
    cases["claim-memo-index"] = (whole(b"N" + b"r" + struct.pack("<I", 2**32 - 1), protocol=2), "loaded", [])
    cases["claim-memo-get"] = (whole(b"j" + struct.pack("<I", 2**32 - 1), protocol=2), "corrupt", ["memo key"])
    cases["claim-int-digits"] = (b"I" + b"9" * 1_000_000 + b"\n.", "corrupt", ["ValueError"])
    cases["claim-float-text"] = (b"F" + b"x" * 1_000_000 + b"\n.", "corrupt", ["ValueError"])
    return cases


def _numpy_cases() -> Dict[str, Case]:
    not_numeric = ["not a numeric dtype"]
    forged = ["plain state of a numeric dtype"]
    names = p_tuple(p_str("a")) + b"}" + p_str("a") + p_tuple(p_dtype("f8"), p_int(0)) + b"s" + NONE
    cases: Dict[str, Case] = {
        f"dtype-{spec}": (whole(p_scalar(p_dtype(spec), b"A" * 8)), "refused", not_numeric)
        for spec in ("O8", "O4", "V8", "U2", "S8", "M8", "m8", "c2", "f3", "i16")
    }
    cases.update({
        "dtype-object-flags": (whole(p_scalar(p_dtype("f8", dtype_state(flags=63)), b"A" * 8)), "refused", forged),
        "dtype-fields": (whole(p_scalar(p_dtype("f8", p_tuple(p_int(3), p_str("|"), NONE, names, p_int(8),
                                                            p_int(1), p_int(63))), b"A" * 8)), "refused", forged),
        "dtype-subarray": (whole(p_scalar(p_dtype("f8", dtype_state(fields=p_tuple(F8, p_tuple(p_int(2))) + NONE + NONE)),
                                          b"A" * 8)), "refused", forged),
        "dtype-version4": (whole(p_scalar(p_dtype("f8", dtype_state(version=4)), b"A" * 8)), "refused", forged),
        "dtype-bad-order": (whole(p_scalar(p_dtype("f8", dtype_state(order="x")), b"A" * 8)), "refused", forged),
        "dtype-short-state": (whole(p_scalar(p_dtype("f8", p_tuple(p_int(3))), b"A" * 8)), "refused", forged),
        "dtype-state-twice": (whole(p_scalar(p_dtype("f8") + dtype_state() + b"b", b"A" * 8)), "refused", forged),
        "dtype-spec-not-str": (whole(p_call("numpy", "dtype", p_int(17))), "refused", not_numeric),
        "dtype-extra-args": (whole(p_call("numpy", "dtype", p_str("f8"), FALSE, TRUE, p_str("O"))), "refused",
                             not_numeric),
        "scalar-object-one-arg": (whole(p_call("numpy.core.multiarray", "scalar", F8)), "refused", ["object scalar"]),
        "scalar-short-data": (whole(p_scalar(F8, b"AAAA")), "corrupt", ["needs 8 bytes, has 4"]),
        "scalar-long-data": (whole(p_scalar(F8, b"A" * 9)), "corrupt", ["needs 8 bytes, has 9"]),
        "scalar-list-data": (whole(p_call("numpy.core.multiarray", "scalar", F8, b"]")), "refused", ["list data"]),
        "scalar-dtype-is-a-str": (whole(p_scalar(p_str("f8"), b"A" * 8)), "refused", ["as its dtype"]),
        "scalar-new-module": (whole(p_scalar(F8, b"\0" * 8, "numpy._core.multiarray")), "loaded", []),
        "array-object-dtype": (whole(p_array(p_dtype("O8"), [2], p_bytes(b"A" * 16))), "refused", not_numeric),
        "array-object-flags": (whole(p_array(p_dtype("f8", dtype_state(flags=63)), [2], p_bytes(b"A" * 16))),
                               "refused", forged),
        "array-list-data": (whole(p_array(F8, [2], b"]" + p_int(1) + b"a" + p_int(2) + b"a")), "refused",
                            ["list data"]),
        "array-raw-too-long": (whole(p_array(F8, [1], p_bytes(b"A" * 16))), "corrupt", ["needs 8 bytes but has 16"]),
        "array-negative-dim": (whole(p_array(F8, [-1], p_bytes(b""))), "refused", ["shape"]),
        "array-many-dims": (whole(p_array(F8, [1] * 40, p_bytes(b"A" * 8))), "refused", ["shape"]),
        "array-fortran-not-bool": (whole(p_array(F8, [1], p_bytes(b"A" * 8), p_str("x"))), "refused", ["state"]),
        "array-state-twice": (whole(p_array(F8, [1], p_bytes(b"A" * 8)) + p_tuple(p_int(1), p_tuple(p_int(1)), F8,
                                                                                 FALSE, p_bytes(b"B" * 8)) + b"b"),
                              "refused", ["state"]),
        "array-unbuilt-in-table": (whole(b"]" + p_call("numpy.core.multiarray", "_reconstruct",
                                                       p_global("numpy", "ndarray"), p_tuple(p_int(0)),
                                                       p_bytes(b"b")) + b"a"), "refused", ["before its data"]),
        "array-reconstruct-of-dtype": (whole(p_call("numpy.core.multiarray", "_reconstruct",
                                                    p_global("numpy", "dtype"), p_tuple(p_int(0)), p_bytes(b"b"))),
                                       "refused", ["_reconstruct"]),
        "frombuffer-object-dtype": (whole(p_frombuffer(b"A" * 16, p_dtype("O8"), [2]), protocol=5), "refused",
                                    not_numeric),
        "frombuffer-list": (whole(p_call("numpy._core.numeric", "_frombuffer", b"]", F8, p_tuple(p_int(0)),
                                         p_str("C")), protocol=5), "refused", ["list data"]),
        "frombuffer-order": (whole(p_frombuffer(b"A" * 8, F8, [1], "K"), protocol=5), "refused", ["_frombuffer"]),
        "big-endian-array": (whole(p_array(p_dtype("i4", dtype_state(">")), [2], p_bytes(b"\0\0\0\1\0\0\0\2"))),
                             "loaded", []),
    })
    return cases


def _codec_cases() -> Dict[str, Case]:
    cases: Dict[str, Case] = {
        f"codec-{name}": (whole(p_call("_codecs", "encode", p_str("abc"), p_str(name))), "refused",
                          ["only latin1 is read"])
        for name in ("rot13", "hex", "zlib", "utf-16", "no-such-codec", "base64", "undefined", "idna", "x" * 500)
    }
    cases["codec-latin-1"] = (whole(p_call("_codecs", "encode", p_str("ab\xff"), p_str("latin-1"))), "loaded", [])
    cases["codec-not-latin1-text"] = (whole(p_call("_codecs", "encode", p_str("\u0100"), p_str("latin1"))),
                                      "corrupt", ["not latin-1"])
    cases["codec-one-arg"] = (whole(p_call("_codecs", "encode", p_str("abc"))), "refused", ["_codecs.encode"])
    cases["codec-bytes-arg"] = (whole(p_call("_codecs", "encode", p_bytes(b"abc"), p_str("latin1"))), "refused",
                                ["_codecs.encode"])
    cases["codec-encoding-not-str"] = (whole(p_call("_codecs", "encode", p_str("abc"), p_int(1))), "refused",
                                       ["_codecs.encode"])
    return cases


def _structure_cases() -> Dict[str, Case]:
    refused = "refused"
    return {
        "cycle-list": (whole(b"]q\x00h\x00a", protocol=2), refused, ["holds itself"]),
        "cycle-dict": (whole(b"}q\x00K\x01h\x00s", protocol=2), refused, ["holds itself"]),
        "cycle-two-lists": (whole(b"]q\x00]q\x01h\x00a0h\x01a", protocol=2), refused,
                            ["changes a container after storing it"]),
        "global-as-value": (whole(b"]" + p_global("numpy", "dtype") + b"a"), refused, ["the callable numpy.dtype"]),
        "global-in-tuple-value": (whole(p_tuple(p_global("numpy", "dtype")) + b"]" + b"h\x00"), "any", []),
        "tainted-tuple-in-list": (whole(b"]" + p_tuple(p_global("numpy", "dtype")) + b"a"), refused,
                                  ["a tuple holding a callable"]),
        "tainted-tuple-result": (whole(p_tuple(p_global("numpy", "dtype"))), refused, ["a tuple holding a callable"]),
        "unhashable-key": (whole(b"}]K\x01s", protocol=2), "corrupt", ["unhashable"]),
        "setitem-on-list": (whole(b"]K\x01K\x02s", protocol=2), refused, ["sets items of a list"]),
        "append-to-dict": (whole(b"}K\x01a", protocol=2), refused, ["appends to a dict"]),
        "additems-to-list": (whole(b"](K\x01\x90", protocol=4), refused, ["adds items to a list"]),
        "build-on-dict": (whole(b"}}b", protocol=2), refused, ["BUILD"]),
        "build-on-ordereddict": (whole(p_call("collections", "OrderedDict") + b"}b"), refused, ["BUILD"]),
        "newobj-set": (whole(p_global("builtins", "set") + p_tuple() + b"\x81"), refused, ["NEWOBJ"]),
        "newobj-ex-ordereddict": (whole(p_global("collections", "OrderedDict") + b")}\x92", protocol=4), refused,
                                  ["NEWOBJ"]),
        "newobj-complex": (whole(p_global("builtins", "complex") + p_tuple(b"G" + struct.pack(">d", 1.0)) + b"\x81"),
                           "loaded", []),
        "complex-of-str": (whole(p_call("builtins", "complex", p_str("1+2j"))), refused, ["builtins.complex"]),
        "slice-of-list": (whole(p_call("builtins", "slice", b"]")), refused, ["builtins.slice"]),
        "set-of-dicts": (whole(p_call("builtins", "set", b"](}}e".replace(b"e", b"e"))), "corrupt", ["unhashable"]),
        "set-of-str": (whole(p_call("builtins", "set", p_str("abc"))), refused, ["set of a str"]),
        "ordereddict-with-args": (whole(p_call("collections", "OrderedDict", b"]")), refused, ["OrderedDict"]),
        "bytes-with-args": (whole(p_call("builtins", "bytes", p_int(10**9))), refused, ["builtins.bytes"]),
        "call-a-str": (whole(p_str("x") + p_tuple() + b"R"), refused, ["calls a str"]),
        "reduce-args-not-tuple": (whole(p_global("builtins", "set") + b"]R"), "corrupt", ["not a tuple"]),
        "persid": (b"P1\n.", refused, ["persistent IDs"]),
        "binpersid": (whole(b"NQ"), refused, ["persistent IDs"]),
        "ext1": (whole(b"\x82\x01", protocol=2), refused, ["extension registry"]),
        "ext4": (whole(b"\x84\x01\x00\x00\x00", protocol=2), refused, ["extension registry"]),
        "next-buffer": (whole(b"\x97", protocol=5), "corrupt", ["out-of-band"]),
        "readonly-buffer-of-int": (whole(b"K\x01\x98", protocol=5), "corrupt", ["READONLY_BUFFER"]),
        "protocol-6": (b"\x80\x06N.", "corrupt", ["unsupported pickle protocol: 6"]),
        "unknown-opcode": (b"\x80\x02\xff.", "corrupt", ["invalid load key"]),
        "stop-on-empty-stack": (b"\x80\x02.", "corrupt", ["stack underflow"]),
        "pop-mark-without-mark": (b"\x80\x021.", "corrupt", ["stack underflow"]),
        "tuple3-short-stack": (b"\x80\x02N\x87.", "corrupt", ["stack underflow"]),
        "string-unquoted": (b"Sabc\n.", "corrupt", ["must be quoted"]),
        "string-bad-escape": (b"S'\\x'\n.", "corrupt", ["escape"]),
        "string-not-ascii": (b"U\x02\xc3\xa9.", "corrupt", ["ascii"]),
        "unicode-bad-utf8": (whole(b"X\x01\x00\x00\x00\xff"), "corrupt", ["utf-8"]),
        "stack-global-not-str": (whole(b"K\x01K\x02\x93", protocol=4), "corrupt", ["STACK_GLOBAL requires str"]),
        "empty-file": (b"", "corrupt", ["EOFError: Ran out of input"]),
        "no-stop": (b"\x80\x02N", "corrupt", ["truncated"]),
        "html": (b"<html>404 Not Found</html>", "corrupt", ["invalid load key, '<'"]),
        "huge-module-name": (b"c" + b"m" * 2_000_000 + b"\nx\n.", refused, ["mmm"]),
    }


def _global_cases() -> Dict[str, Case]:
    cases: Dict[str, Case] = {}
    for module, name in REFUSED_GLOBALS:
        words = [f"{module}.{name}" if module != "__builtin__" else f"builtins.{name}", "run arbitrary code"]
        cases[f"global-{module}.{name}"] = (whole(p_call(module, name, p_str("echo pwned"))), "refused", words)
        stack_global = p_str(module) + p_str(name) + b"\x93" + p_str("x") + b"\x85R"
        cases[f"stack-global-{module}.{name}"] = (whole(stack_global, protocol=4), "refused", words)
    cases["inst-os-system"] = (b"(S'echo pwned'\nios\nsystem\n.", "refused", ["os.system"])
    cases["obj-os-system"] = (whole(b"(" + p_global("os", "system") + p_str("echo pwned") + b"o"), "refused",
                              ["os.system"])
    cases["inst-allowed-complex"] = (b"(F1.0\nF2.0\nibuiltins\ncomplex\n.", "loaded", [])
    return cases


def crafted_cases() -> Dict[str, Case]:
    """Every crafted file: name -> (bytes, expected status, words its message must hold)."""
    return {**_deep_cases(), **_huge_claim_cases(), **_numpy_cases(), **_codec_cases(), **_structure_cases(),
            **_global_cases()}


# ------------------------------------------------------------ valid tables, mutants
def valid_table() -> dict:
    """A small table in the real NAS-Bench layouts, plus every value kind the reader rebuilds."""
    rng = np.random.default_rng(0)
    ops = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
    table: dict = {}
    for index in range(8):
        arch = f"|{ops[index % 5]}~0|+|{ops[(index + 1) % 5]}~0|{ops[(index + 2) % 5]}~1|"
        val, test = rng.uniform(10, 95, size=2)
        table[arch] = {"cifar10-valid": {"eval_acc1es": [np.float64(val), np.float64(test)]},
                       "cifar10": {"eval_acc1es": [float(val), test], "epochs": 200}}
    shared = [1, 2.5, "x"]
    table["extras"] = {
        "arrays": [np.arange(6, dtype=np.float32).reshape(2, 3), np.asfortranarray(np.arange(6.0).reshape(2, 3)),
                   np.array(3.5), np.zeros((0, 3)), np.arange(4, dtype=">i4"), np.array([True, False]),
                   np.arange(3, dtype=np.complex128), np.arange(6.0)[::2], np.arange(4, dtype=np.uint16),
                   np.arange(8, dtype=np.int8).reshape(2, 2, 2)],
        "scalars": (np.int64(3), np.bool_(True), np.float32(1.5), np.complex64(1 + 2j), np.uint8(7), np.float16(0.5)),
        "builtins": (1.5, 2 + 1j, None, True, False, b"raw", b"", bytearray(b"ba"), slice(1, 5, 2), 10**30, -5,
                     "\u00fcn\u00efc\u00f6de \U0001f600", ""),
        "ordered": collections.OrderedDict(a=1, b=[1, 2]),
        "sets": ({1, 2}, frozenset({3, (4, 5)}), set(), frozenset()),
        "nlp_keys": {((0, 4), (1, 4)): [1.0], ((1, 2),): [2.0], (): []},
        "shared": [shared, shared],
    }
    return table


def _mutate(data: bytes, rng: random.Random) -> bytes:
    """One random edit: byte flips, a truncation, an insertion, a deletion, a splice or a length bomb."""
    buf = bytearray(data)
    choice = rng.randrange(7)
    pos = rng.randrange(len(buf))
    if choice == 0:
        for _ in range(rng.randint(1, 4)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
    elif choice == 1:
        del buf[pos:]
    elif choice == 2:
        buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    elif choice == 3:
        buf[pos:pos] = rng.choice([b"(", b"}", b"]", b"\x8f", b"a", b"t", b"R", b"b", b"\x94", b"h\x00", b"s",
                                   b"\x85", b"0", b"2", b"e", b"u", b"\x90", b"\x91", b"\x93", b"\x81"])
    elif choice == 4:
        del buf[pos:pos + rng.randint(1, 16)]
    elif choice == 5:
        start = rng.randrange(len(data))
        buf[pos:pos] = data[start:start + rng.randint(1, 64)]
    else:
        buf[pos:pos + 4] = rng.choice([b"\xff\xff\xff\x7f", b"\xff\xff\xff\xff", b"\x00\x00\x00\x80"])
    return bytes(buf)


def write_corpus(directory: Path) -> Dict[str, Case]:
    """Write crafted, valid and mutated files; returns the crafted ones' expectations."""
    crafted = crafted_cases()
    for index, (name, (data, _, _)) in enumerate(crafted.items()):
        (directory / f"crafted-{index:03d}-{name[:60]}").write_bytes(data)
    rng = random.Random(20240614)
    table = valid_table()
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        base = pickle.dumps(table, protocol=protocol)
        (directory / f"valid-{protocol}").write_bytes(base)
        for index in range(MUTANTS_PER_PROTOCOL):
            (directory / f"mutant-{protocol}-{index:04d}").write_bytes(_mutate(base, rng))
    return crafted


CHILD = r"""
import os, resource, sys
cap = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
import pickle
import numpy as np
from naslib_optiproxy.objectives import BenchmarkDataError, UnsafePickleError, safe_load

def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return (a.dtype == b.dtype and a.shape == b.shape and bool((a == b).all())
                and a.flags.f_contiguous == b.flags.f_contiguous)
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b

bad = 0
for name in sorted(os.listdir(sys.argv[1])):
    path = os.path.join(sys.argv[1], name)
    try:
        value = safe_load(path)
        repr(value)
        pickle.dumps(value)
        status, message = "loaded", ""
        if name.startswith("valid-"):
            with open(path, "rb") as handle:
                if not same(value, pickle.load(handle)):
                    status = "mismatch"
    except UnsafePickleError as error:
        status, message = "refused", str(error)
    except BenchmarkDataError as error:
        status, message = ("memory" if "MemoryError" in str(error) else "corrupt"), str(error)
    except BaseException as error:
        status, message = "unhandled", type(error).__name__
    bad += status in ("mismatch", "memory", "unhandled")
    print(name, status, message.replace("\n", " ").replace("\t", " ")[:2000], sep="\t", flush=True)
# VmHWM: this process's own peak (ru_maxrss keeps the forking parent's peak across exec on Linux,
# so a large pytest process would be counted)
with open("/proc/self/status") as status:
    peak = next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), None)
print("maxrss_kib", peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "", sep="\t")
sys.exit(2 if bad else 0)
"""


@pytest.fixture(scope="module")
def fuzz_run(tmp_path_factory: pytest.TempPathFactory) -> Tuple[Dict[str, Case], Dict[str, Tuple[str, str]], int]:
    """Run the child over the corpus once; (crafted expectations, name -> (status, message), exit code)."""
    directory = tmp_path_factory.mktemp("pickle-corpus")
    crafted = write_corpus(directory)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    started = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", CHILD, str(directory), str(MEMORY_CAP)], capture_output=True,
                           text=True, env=env, timeout=300)
    elapsed = time.perf_counter() - started
    assert child.returncode >= 0, f"the reader crashed with signal {-child.returncode}: {child.stderr[-3000:]}"
    assert "Traceback" not in child.stdout + child.stderr, child.stderr[-3000:]
    results = {}
    for line in child.stdout.rstrip("\n").split("\n"):
        name, status, message = line.split("\t", 2)
        results[name] = (status, message)
    print(f"corpus: {len(results) - 1} files ({len(crafted)} crafted), child ran {elapsed:.1f}s, "
          f"max RSS {int(results['maxrss_kib'][0]) // 1024} MiB")
    return crafted, results, child.returncode


def test_every_file_is_handled_without_crash_or_memory_blowup(fuzz_run) -> None:
    crafted, results, code = fuzz_run
    problems = [f"{name}: {status} {message[:300]}" for name, (status, message) in results.items()
                if status in ("mismatch", "memory", "unhandled")]
    assert not problems and code == 0, "\n".join(problems)
    assert len(results) - 1 == len(crafted) + 6 * (1 + MUTANTS_PER_PROTOCOL)
    assert int(results["maxrss_kib"][0]) < MEMORY_CAP // 1024


def test_valid_tables_load_in_every_protocol(fuzz_run) -> None:
    _, results, _ = fuzz_run
    assert [results[f"valid-{p}"][0] for p in range(6)] == ["loaded"] * 6


def test_crafted_files_get_their_outcome_and_message(fuzz_run) -> None:
    crafted, results, _ = fuzz_run
    wrong = []
    for index, (name, (_, status, words)) in enumerate(crafted.items()):
        got, message = results[f"crafted-{index:03d}-{name[:60]}"]
        missing = [word for word in words if word not in message]
        if (status != "any" and got != status) or missing:
            wrong.append(f"{name}: expected {status} with {words}, got {got}: {message[:300]}")
        assert len(message) < 1500, f"{name}: message of {len(message)} characters"
    assert not wrong, "\n".join(wrong)


def test_mutants_are_loaded_or_refused_with_a_clear_message(fuzz_run) -> None:
    _, results, _ = fuzz_run
    mutants = {name: result for name, result in results.items() if name.startswith("mutant-")}
    statuses = collections.Counter(status for status, _ in mutants.values())
    assert set(statuses) <= {"loaded", "refused", "corrupt"}, statuses
    for status, message in mutants.values():
        if status == "corrupt":
            assert "is truncated or corrupt (" in message and message.endswith("re-download it"), message
        elif status == "refused":
            assert message.startswith("refusing to load "), message
    assert statuses["corrupt"] > 0 and statuses["loaded"] > 0
