"""NAS-Bench-101 objective on a hand-made nasbench_only108.pkl, and the zero-cost subset reader."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from naslib_optiproxy.objectives import BenchmarkDataError, UnsafePickleError, get_objective
from naslib_optiproxy.objectives.nasbench101 import (
    TABLE_FILE,
    NasBench101Objective,
    load_zero_cost_json,
    nb101_zero_cost_subset,
)
from naslib_optiproxy.spaces import NasBench101

SPACE = NasBench101()
# Diamond cell and an isomorphic copy with its branches swapped; a chain; a cell missing from the table.
DIAMOND = "0110001,0001000,0001000,0000001,0000000,0000000,0000000|conv3x3,conv1x1,maxpool3x3,conv3x3,conv3x3"
SWAPPED = "0110001,0001000,0001000,0000001,0000000,0000000,0000000|conv1x1,conv3x3,maxpool3x3,maxpool3x3,conv1x1"
CHAIN = "0100000,0010000,0001000,0000001,0000000,0000000,0000000|conv3x3,conv3x3,conv3x3,conv3x3,conv3x3"
MISSING = "0000001,0000000,0000000,0000000,0000000,0000000,0000000|conv3x3,conv3x3,conv3x3,conv3x3,conv3x3"


def _entry(arch_text: str, vals, tests, params: int):
    matrix, ops = SPACE.to_spec(SPACE.from_string(arch_text))
    fixed = {"module_adjacency": matrix.astype(np.int8), "module_operations": ops, "trainable_parameters": params}
    runs = [{"final_validation_accuracy": v, "final_test_accuracy": t, "final_training_time": 100.0 * (i + 1),
             "halfway_validation_accuracy": v / 2} for i, (v, t) in enumerate(zip(vals, tests))]
    return fixed, {108: runs}


@pytest.fixture
def nb101_dir(tmp_path: Path) -> Path:
    table = {
        SPACE.key(SPACE.from_string(DIAMOND)): _entry(DIAMOND, [0.90, 0.92, 0.91], [0.89, 0.90, 0.91], 1_000),
        SPACE.key(SPACE.from_string(CHAIN)): _entry(CHAIN, [0.80, 0.80, 0.83], [0.79, 0.81, 0.80], 2_000),
    }
    (tmp_path / TABLE_FILE).write_bytes(pickle.dumps(table, protocol=4))
    return tmp_path


def test_mean_of_the_repeats_in_percent(nb101_dir: Path) -> None:
    objective = NasBench101Objective(data_dir=nb101_dir)
    result = objective(SPACE.from_string(DIAMOND))
    assert result.value == pytest.approx(91.0)
    assert result.info["test"] == pytest.approx(90.0) and result.info["params"] == 1000
    assert result.info["train_time"] == pytest.approx(200.0)
    assert objective(SPACE.from_string(CHAIN)).value == pytest.approx(81.0)
    assert objective(SPACE.from_string(SWAPPED)).value == result.value  # isomorphic: same table entry
    assert len(objective) == 2


def test_lookup_errors(nb101_dir: Path) -> None:
    objective = NasBench101Objective(data_dir=nb101_dir)
    with pytest.raises(KeyError, match="is not in"):
        objective(SPACE.from_string(MISSING))
    invalid = SPACE.from_string(CHAIN)._replace(topology=(0,) * 21)
    with pytest.raises(ValueError, match="at most 9 edges"):
        objective(invalid)
    with pytest.raises(TypeError, match="from_string"):
        objective(DIAMOND)


def test_registered_and_found_through_the_environment(nb101_dir: Path, monkeypatch) -> None:
    assert get_objective("nasbench101", data_dir=nb101_dir)(SPACE.from_string(CHAIN)).value == pytest.approx(81.0)
    monkeypatch.setenv("NASLIB_OPTIPROXY_DATA", os.fspath(nb101_dir))
    assert len(NasBench101Objective()) == 2
    with pytest.raises(ValueError, match="only the cifar10"):
        NasBench101Objective("cifar100", nb101_dir)


def test_missing_table_says_where_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(BenchmarkDataError, match=rf"{TABLE_FILE}.*NASLib.*NASLIB_OPTIPROXY_DATA"):
        NasBench101Objective(data_dir=tmp_path)


def test_malformed_and_unsafe_tables_are_refused(tmp_path: Path) -> None:
    (tmp_path / TABLE_FILE).write_bytes(pickle.dumps({"abc": ({"trainable_parameters": 1}, {4: []})}))
    with pytest.raises(BenchmarkDataError, match="108-epoch repeats"):
        NasBench101Objective(data_dir=tmp_path)
    (tmp_path / TABLE_FILE).write_bytes(pickle.dumps({"abc": os.getcwd}))
    with pytest.raises(UnsafePickleError):
        NasBench101Objective(data_dir=tmp_path)


def test_zero_cost_json_reader(tmp_path: Path) -> None:
    key = str(SPACE.to_naslib_tuple(SPACE.from_string(DIAMOND)))
    path = tmp_path / "zc_nasbench101.json"
    path.write_text(json.dumps({"nasbench101": {"cifar10": {key: {"val_accuracy": 91.5, "synflow": 3.0}}}}))
    [(arch, record)] = nb101_zero_cost_subset(path)
    assert arch == SPACE.from_string(DIAMOND) and record["val_accuracy"] == 91.5
    with pytest.raises(BenchmarkDataError, match="'nasbench301'"):
        load_zero_cost_json(path, "nasbench301")
    with pytest.raises(BenchmarkDataError, match="does not exist"):
        load_zero_cost_json(tmp_path / "absent.json", "nasbench101")
    path.write_text(json.dumps({"nasbench101": {"cifar10": {"(1, 2)": {"val_accuracy": 1.0}}}}))
    with pytest.raises(BenchmarkDataError, match="not a NAS-Bench-101 spec tuple"):
        nb101_zero_cost_subset(path)
