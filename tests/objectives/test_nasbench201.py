"""NAS-Bench-201 objective: the three file formats, their precedence over the bundled table, errors, the real optima."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from unittest.mock import ANY

import pytest

from naslib_optiproxy.objectives import (
    BenchmarkDataError,
    NasBench201Objective,
    UnsafePickleError,
    get_objective,
    load_nb201_table,
)
from naslib_optiproxy.objectives.files import CSV_FILE, FULL_FILES, LIGHT_FILES
from naslib_optiproxy.types import Evaluation
from naslib_optiproxy.spaces import Architecture, NasBench201

SPACE = NasBench201()
DATASETS = ("cifar10", "cifar100", "ImageNet16-120")


def ops(arch_str: str):
    return SPACE.from_string(arch_str).ops


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("kind", ["light", "csv"])
def test_val_test_formats(write_nb201, nb201_values, tmp_path: Path, kind: str, dataset: str) -> None:
    write_nb201(kind)
    table = load_nb201_table(dataset, tmp_path)
    expected = {ops(a): vt for a, vt in nb201_values[dataset].items()}
    assert set(table) == set(expected)
    for key, values in expected.items():
        assert table[key] == pytest.approx(values)
    objective = NasBench201Objective(dataset, tmp_path)
    arch_str, (val, test) = next(iter(nb201_values[dataset].items()))
    result = objective(SPACE.from_string(arch_str))
    assert isinstance(result, Evaluation)
    assert result.value == pytest.approx(val)
    assert result.info == pytest.approx({"val": val, "test": test})
    assert objective.source.name == (LIGHT_FILES[dataset] if kind == "light" else CSV_FILE)


@pytest.mark.parametrize("dataset", DATASETS)
def test_naslib_full_training_uses_final_eval_acc_for_val_and_test(
    write_nb201, nb201_values, tmp_path: Path, dataset: str
) -> None:
    write_nb201("full")
    objective = NasBench201Objective(dataset, tmp_path)
    assert objective.source.name == FULL_FILES[dataset]
    for arch_str, (val, _) in nb201_values[dataset].items():
        result = objective(SPACE.from_string(arch_str))
        assert result.value == val and result.info == {"val": val, "test": val}


def test_first_accepted_file_wins(write_nb201, tmp_path: Path) -> None:
    write_nb201("full")
    assert NasBench201Objective("cifar100", tmp_path).source.name == FULL_FILES["cifar100"]
    write_nb201("csv")
    assert NasBench201Objective("cifar100", tmp_path).source.name == CSV_FILE
    write_nb201("light")
    assert NasBench201Objective("cifar100", tmp_path).source.name == LIGHT_FILES["cifar100"]


@pytest.mark.parametrize(
    "alias, canonical",
    [
        ("cifar10", "cifar10"),
        ("CIFAR10-valid", "cifar10"),
        ("cifar100", "cifar100"),
        ("ImageNet16-120", "ImageNet16-120"),
        ("ImageNet16", "ImageNet16-120"),
        ("imagenet16-120", "ImageNet16-120"),
        ("imagenet", "ImageNet16-120"),
    ],
)
def test_dataset_aliases(write_nb201, tmp_path: Path, alias: str, canonical: str) -> None:
    write_nb201("light")
    assert NasBench201Objective(alias, tmp_path).dataset == canonical


def test_unknown_dataset_suggests_a_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="did you mean 'cifar100'"):
        NasBench201Objective("cifar1000", tmp_path)


def test_missing_data_names_files_and_how_to_get_them(tmp_path: Path) -> None:
    with pytest.raises(BenchmarkDataError) as info:
        NasBench201Objective("cifar10", tmp_path)
    message = str(info.value)
    for name in (LIGHT_FILES["cifar10"], CSV_FILE, FULL_FILES["cifar10"]):
        assert name in message
    assert str(tmp_path.resolve()) in message
    assert "--data-dir" in message and "data_dir=" in message and "NASLIB_OPTIPROXY_DATA" in message
    assert "OptiProxy-NAS" in message and "NASLib" in message and ".pth" in message


def test_data_dir_from_environment_then_cwd_then_bundled(write_nb201, tmp_path: Path, monkeypatch) -> None:
    write_nb201("csv", tmp_path / "env")
    monkeypatch.setenv("NASLIB_OPTIPROXY_DATA", str(tmp_path / "env"))
    objective = NasBench201Objective()
    assert objective.source == tmp_path / "env" / CSV_FILE and len(objective) == 3
    assert objective.data_source == {"kind": "file", "path": str((tmp_path / "env" / CSV_FILE).resolve()),
                                     "sha256": ANY}
    monkeypatch.delenv("NASLIB_OPTIPROXY_DATA")
    write_nb201("light", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    assert NasBench201Objective().source == Path("data") / LIGHT_FILES["cifar10"]
    monkeypatch.chdir(tmp_path / "env")  # no ./data here: the bundled table
    objective = NasBench201Objective("cifar100")
    assert objective.data_source == {"kind": "bundled", "name": "nb201_cifar100", "sha256": ANY}
    assert len(objective) == 15625
    assert objective.source.name == "nb201.npz" and load_nb201_table("cifar100") == dict(objective._table)


def test_a_named_folder_without_tables_is_an_error_not_the_bundled_table(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    for data_dir in ("empty", None):
        if data_dir is None:
            monkeypatch.setenv("NASLIB_OPTIPROXY_DATA", "empty")
        with pytest.raises(BenchmarkDataError, match="no NAS-Bench-201 table for cifar10 in .*empty; expected one of"):
            NasBench201Objective("cifar10", data_dir)
        with pytest.raises(BenchmarkDataError, match="no NAS-Bench-201 table"):
            load_nb201_table("cifar10", data_dir)


def test_a_data_folder_without_tables_falls_back_to_the_bundled_table(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "notes.txt").write_text("other things")
    monkeypatch.chdir(tmp_path)
    assert NasBench201Objective().data_source == {"kind": "bundled", "name": "nb201_cifar10", "sha256": ANY}


def test_tables_are_cached_and_callers_get_copies(write_nb201, tmp_path: Path) -> None:
    write_nb201("light")
    first, second = NasBench201Objective("cifar10", tmp_path), NasBench201Objective("cifar10", tmp_path)
    assert first._table is second._table
    table = load_nb201_table("cifar10", tmp_path)
    table.clear()
    assert len(load_nb201_table("cifar10", tmp_path)) == 3


def test_optimum_and_lookup_errors(write_nb201, nb201_values, tmp_path: Path) -> None:
    write_nb201("light")
    objective = NasBench201Objective("ImageNet16-120", tmp_path)
    arch, val, test = objective.optimum()
    best = max(nb201_values["ImageNet16-120"].items(), key=lambda kv: kv[1][0])
    assert arch == SPACE.from_string(best[0]) and (val, test) == best[1]
    assert objective(arch).value == val
    with pytest.raises(KeyError, match="is not in"):
        objective(Architecture((4, 4, 4, 4, 4, 4)))
    with pytest.raises(ValueError, match="not a NAS-Bench-201 architecture"):
        objective(Architecture((0, 0, 0)))


def test_corrupt_and_malformed_files(write_nb201, tmp_path: Path) -> None:
    write_nb201("light")
    light = tmp_path / LIGHT_FILES["cifar10"]
    light.write_bytes(light.read_bytes()[:100])
    with pytest.raises(BenchmarkDataError, match="truncated or corrupt"):
        NasBench201Objective("cifar10", tmp_path)
    # The cifar100 table under the cifar10 name: no 'cifar10-valid' key.
    light.write_bytes((tmp_path / LIGHT_FILES["cifar100"]).read_bytes())
    with pytest.raises(BenchmarkDataError, match="cifar10-valid"):
        NasBench201Objective("cifar10", tmp_path)


def test_csv_errors(tmp_path: Path) -> None:
    (tmp_path / CSV_FILE).write_text("arch_str,cifar10_val\n")
    with pytest.raises(BenchmarkDataError, match="cifar10_test"):
        NasBench201Objective("cifar10", tmp_path)
    arch = SPACE.to_string(Architecture((0,) * 6))
    (tmp_path / CSV_FILE).write_text(f"arch_str,cifar10_val,cifar10_test\n{arch},90.0,\n")
    with pytest.raises(BenchmarkDataError, match="line 2"):
        NasBench201Objective("cifar10", tmp_path)


def test_pickles_go_through_safe_load(tmp_path: Path) -> None:
    class Evil:
        def __reduce__(self):
            return (os.system, ("true",))

    (tmp_path / LIGHT_FILES["cifar10"]).write_bytes(pickle.dumps({"x": Evil()}))
    with pytest.raises(UnsafePickleError):
        NasBench201Objective("cifar10", tmp_path)


def test_get_objective(write_nb201, tmp_path: Path) -> None:
    write_nb201("csv")
    objective = get_objective("nasbench201", data_dir=tmp_path)
    assert isinstance(objective, NasBench201Objective) and objective.dataset == "cifar10"
    assert get_objective("nasbench201", "imagenet", tmp_path).dataset == "ImageNet16-120"
    with pytest.raises(ValueError, match="did you mean 'nasbench201'"):
        get_objective("nasbench_201")


# ------------------------------------------------------------------------ real data
OPTIMA = {
    "cifar10": ((2, 2, 0, 2, 2, 3), 91.607, 94.373),
    "cifar100": ((2, 2, 0, 2, 2, 2), 73.493, 73.513),
    "ImageNet16-120": ((2, 3, 0, 3, 2, 2), 46.767, 45.467),
}


@pytest.mark.parametrize("dataset", DATASETS)
def test_real_global_optima(no_user_data: Path, dataset: str) -> None:
    objective = NasBench201Objective(dataset)
    assert objective.data_source == {"kind": "bundled", "name": f"nb201_{dataset}", "sha256": ANY}
    assert len(objective) == 15625
    arch, val, test = objective.optimum()
    best_ops, best_val, best_test = OPTIMA[dataset]
    assert arch.ops == best_ops
    assert (round(val, 3), round(test, 3)) == (best_val, best_test)
