"""Restricted unpickling: tables load, code-running pickles are refused, bad files are named."""

from __future__ import annotations

import collections
import os
import pickle
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
