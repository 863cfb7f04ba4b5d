"""Restricted unpickling: tables load, code-running pickles are refused, bad files are named."""

from __future__ import annotations

import collections
import os
import pickle
import struct
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from naslib_optiproxy.objectives import BenchmarkDataError, UnsafePickleError, safe_load


class _RunsCommand:
    """Unpickling this with plain pickle would run a shell command."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def test_os_system_pickle_is_refused_without_running(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pickle"
    path.write_bytes(pickle.dumps({"table": _RunsCommand(f"touch {marker}")}))
    with pytest.raises(UnsafePickleError) as info:
        safe_load(path)
    message = str(info.value)
    assert f"{os.system.__module__}.system" in message
    assert str(path) in message
    assert "refus" in message and "run arbitrary code" in message
    assert not marker.exists()
    assert isinstance(info.value, pickle.UnpicklingError)


@pytest.mark.parametrize("module, name", [("builtins", "eval"), ("subprocess", "Popen"), ("numpy", "load")])
def test_other_globals_are_refused(tmp_path: Path, module: str, name: str) -> None:
    path = tmp_path / "x.pickle"
    path.write_bytes(b"\x80\x02c" + f"{module}\n{name}\n".encode() + b"q\x00.")
    with pytest.raises(UnsafePickleError, match=f"{module}.{name}"):
        safe_load(path)


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_tables_with_numpy_values_load(tmp_path: Path, protocol: int) -> None:
    table = {
        "arch": {"cifar10-valid": {"eval_acc1es": [np.float64(91.5), np.float64(94.25)]}},
        "array": np.arange(6, dtype=np.float32).reshape(2, 3),
        "scalars": (np.int64(3), 1.5, 2 + 1j, None, True, b"raw"),
        "ordered": collections.OrderedDict(a=1),
        "sets": ({1, 2}, frozenset({3})),
    }
    path = tmp_path / "table.pickle"
    path.write_bytes(pickle.dumps(table, protocol=protocol))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = safe_load(path)
    assert loaded["arch"] == table["arch"]
    assert isinstance(loaded["arch"]["cifar10-valid"]["eval_acc1es"][0], np.float64)
    np.testing.assert_array_equal(loaded["array"], table["array"])
    assert loaded["scalars"] == table["scalars"]
    assert loaded["ordered"] == table["ordered"] and loaded["sets"] == table["sets"]


def test_pre_numpy2_module_names_load(tmp_path: Path) -> None:
    """Old pickles name ``numpy.core.multiarray``; it resolves without a deprecation warning."""
    data = pickle.dumps({"x": np.float64(2.5), "a": np.ones(3)}, protocol=2)
    path = tmp_path / "old.pickle"
    path.write_bytes(data.replace(b"numpy._core.multiarray", b"numpy.core.multiarray"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = safe_load(path)
    assert loaded["x"] == 2.5 and loaded["a"].tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("cut", [1, 40, -1])
def test_truncated_file_is_a_data_error(tmp_path: Path, cut: int) -> None:
    data = pickle.dumps({f"arch{i}": [np.float64(i), float(i)] for i in range(50)}, protocol=4)
    path = tmp_path / "truncated.pickle"
    path.write_bytes(data[:cut])
    with pytest.raises(BenchmarkDataError) as info:
        safe_load(path)
    message = str(info.value)
    assert str(path) in message and "truncated or corrupt" in message and "re-download" in message
    assert isinstance(info.value, ValueError)


def test_garbage_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "garbage.pickle"
    path.write_bytes(b"<html>404 Not Found</html>")
    with pytest.raises(BenchmarkDataError, match="truncated or corrupt"):
        safe_load(path)


# ----------------------------------------------------------------- the hardened reader
SHARED_NB201 = Path(__file__).resolve().parents[2] / ".." / "shared" / "benchmarks" / "nasbench201"
SHARED_PICKLES = sorted(SHARED_NB201.glob("nb201_*_val_test_v1_0.pickle")) if SHARED_NB201.is_dir() else []


def _assert_same(ours: object, reference: object, where: str = "") -> None:
    """Equal values of the same types all the way down (numpy arrays by dtype, shape and content)."""
    assert type(ours) is type(reference), f"{where}: {type(ours).__name__} != {type(reference).__name__}"
    if isinstance(reference, np.ndarray):
        assert ours.dtype == reference.dtype and ours.shape == reference.shape, where
        np.testing.assert_array_equal(ours, reference, err_msg=where)
    elif isinstance(reference, dict):
        assert list(ours) == list(reference), where
        for key, value in reference.items():
            _assert_same(ours[key], value, f"{where}[{key!r}]")
    elif isinstance(reference, (list, tuple)):
        assert len(ours) == len(reference), where
        for index, (mine, theirs) in enumerate(zip(ours, reference)):
            _assert_same(mine, theirs, f"{where}[{index}]")
    else:
        assert ours == reference, where


@pytest.mark.skipif(not SHARED_PICKLES or os.environ.get("NASLIB_OPTIPROXY_NO_SHARED") == "1",
                    reason="the real NAS-Bench-201 pickles in ../shared are absent (or NASLIB_OPTIPROXY_NO_SHARED=1)")
@pytest.mark.parametrize("index", range(3))
def test_real_nb201_pickles_load_identically(index: int) -> None:
    """Our read-only reference copies: plain pickle.load is trusted here, and must agree entry by entry."""
    path = SHARED_PICKLES[index]
    with open(path, "rb") as handle:
        reference = pickle.load(handle)
    ours = safe_load(path)
    assert len(ours) == len(reference) == 15625
    _assert_same(ours, reference, path.name)


def test_nas_bench_graph_tables_load_identically() -> None:
    nas_bench_graph = pytest.importorskip("nas_bench_graph")
    path = Path(nas_bench_graph.__file__).parent / "light" / "cora.bench"
    with open(path, "rb") as handle:
        reference = pickle.load(handle)
    _assert_same(safe_load(path), reference, path.name)


def _nested_lists(depth: int) -> bytes:
    return b"\x80\x02" + b"]" * depth + b"a" * (depth - 1) + b"."


def test_depth_limit_is_100_levels(tmp_path: Path) -> None:
    path = tmp_path / "deep.pickle"
    path.write_bytes(_nested_lists(100))
    value = safe_load(path)
    for _ in range(99):
        value = value[0]
    assert value == []
    path.write_bytes(_nested_lists(101))
    with pytest.raises(UnsafePickleError, match="nest more than 100 levels deep"):
        safe_load(path)


def test_refused_module_is_never_imported(tmp_path: Path) -> None:
    path = tmp_path / "this.pickle"
    path.write_bytes(b"\x80\x02cthis\nrot13\nq\x00.")
    sys.modules.pop("this", None)
    with pytest.raises(UnsafePickleError, match="this.rot13"):
        safe_load(path)
    assert "this" not in sys.modules


@pytest.mark.parametrize("data", [
    b"c" + b"m" * 5_000_000 + b"\nsystem\n.",  # a 5 MB module name
    b"\x80\x02c_codecs\nencode\n(X\x01\x00\x00\x00aX" + struct.pack("<I", 5_000_000) + b"e" * 5_000_000 + b"tR.",
    b"F" + b"7x" * 2_500_000 + b"\n.",  # a 5 MB float that float() echoes
], ids=["module-name", "codec-name", "float-text"])
def test_huge_values_are_not_echoed_whole(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "long.pickle"
    path.write_bytes(data)
    with pytest.raises(BenchmarkDataError) as info:
        safe_load(path)
    assert str(path) in str(info.value) and len(str(info.value)) < 600


@pytest.mark.parametrize("data, words", [
    (b"\x80\x04\x8e" + struct.pack("<Q", 2**63) + b".", "BINBYTES8 claims 9223372036854775808 bytes, 1 remain"),
    (b"\x80\x04\x95" + struct.pack("<Q", 2**62) + b"N.", "FRAME claims 4611686018427387904 bytes, 2 remain"),
    (b"\x80\x02N\x87.", "stack underflow"),
    (b"\x80\x02\xff.", "(UnpicklingError at byte 2: invalid load key, '\\xff')"),
])
def test_corrupt_files_say_what_and_where(tmp_path: Path, data: bytes, words: str) -> None:
    path = tmp_path / "bad.pickle"
    path.write_bytes(data)
    with pytest.raises(BenchmarkDataError) as info:
        safe_load(path)
    assert words in str(info.value) and "truncated or corrupt" in str(info.value)
    assert not isinstance(info.value, UnsafePickleError)


def test_forged_object_dtype_is_refused_before_numpy_sees_it(tmp_path: Path) -> None:
    """numpy.dtype('O8') + raw bytes would make numpy read the bytes as object pointers."""
    dtype = (b"cnumpy\ndtype\n(X\x02\x00\x00\x00O8\x89\x88tR"
             b"(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?tb")
    path = tmp_path / "forged.pickle"
    path.write_bytes(b"\x80\x03cnumpy.core.multiarray\nscalar\n(" + dtype + b"C\x08AAAAAAAAtR.")
    with pytest.raises(UnsafePickleError, match="numpy dtype 'O8'.*not a numeric dtype"):
        safe_load(path)
