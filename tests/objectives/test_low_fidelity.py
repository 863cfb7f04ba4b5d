"""Low-fidelity NB201: the 12-epoch table, promotions to full fidelity, and training-epoch accounting."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from unittest.mock import ANY

import pytest

from naslib_optiproxy.objectives import BenchmarkDataError, get_objective
from naslib_optiproxy.objectives.low_fidelity import (
    FULL_EPOCHS,
    LOW_EPOCHS,
    LOWFI_FILE,
    FullFidelityObjective,
    LowFidelityObjective,
    epochs_to_reach,
)
from naslib_optiproxy.types import Trial
from naslib_optiproxy.spaces import NasBench201

from .conftest import BEST, EMPTY, MIXED

# 12-epoch val: ranks MIXED above BEST, unlike full training.
LOW = {BEST: 50.0, MIXED: 60.0, EMPTY: 10.0}


@pytest.fixture
def data(tmp_path: Path, write_nb201) -> Path:
    directory = write_nb201("csv", tmp_path / "nasbench201")
    folder = tmp_path / "nasbench201-lowfi"
    folder.mkdir()
    with open(folder / LOWFI_FILE, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["arch", "cellstr"] + [f"{d}-{s}" for d in ("cifar10", "cifar100", "imagenet")
                                               for s in ("test", "val")])
        for index, (arch, val) in enumerate(LOW.items()):
            writer.writerow([index, arch] + [val - 1, val] * 3)
    return directory


def _trials(objective, arch_strings):
    space = NasBench201()
    out = []
    for number, text in enumerate(arch_strings):
        arch = space.from_string(text)
        out.append(Trial(number, arch, objective(arch).value, {}))
    return out


def test_the_optimizer_sees_only_the_low_fidelity_accuracy(data: Path) -> None:
    objective = get_objective("nasbench201", "cifar10", data, fidelity="low")
    evaluation = objective(NasBench201().from_string(MIXED))
    assert evaluation.value == LOW[MIXED]
    assert evaluation.info == {"val": LOW[MIXED], "test": LOW[MIXED] - 1, "fidelity": "low", "epochs": LOW_EPOCHS}


def test_epochs_count_every_query_and_every_promotion(data: Path) -> None:
    objective = LowFidelityObjective("cifar10", data, top_k=1)
    report = objective.report(_trials(objective, [EMPTY, BEST, MIXED]))
    # Each evaluation enters the top-1 in turn: 12 epochs each, plus 200 per promotion.
    assert report["epochs"] == [LOW_EPOCHS + FULL_EPOCHS, 2 * (LOW_EPOCHS + FULL_EPOCHS), 3 * (LOW_EPOCHS + FULL_EPOCHS)]
    # The best full-fidelity val so far: BEST (91.5) stays best after MIXED's promotion.
    assert report["trajectory"] == [10.0, 91.5, 91.5]
    assert report["best"]["val"] == 91.5 and report["best"]["arch"] == NasBench201().from_string(BEST)
    assert [p["evaluation"] for p in report["promoted"]] == [0, 1, 2]


def test_architectures_outside_the_top_k_are_not_trained_in_full(data: Path) -> None:
    objective = LowFidelityObjective("cifar10", data, top_k=1)
    report = objective.report(_trials(objective, [BEST, EMPTY]))
    assert report["epochs"] == [LOW_EPOCHS + FULL_EPOCHS, 2 * LOW_EPOCHS + FULL_EPOCHS]
    assert len(report["promoted"]) == 1
    wider = LowFidelityObjective("cifar10", data, top_k=2).report(_trials(objective, [BEST, EMPTY]))
    assert wider["epochs"][-1] == 2 * (LOW_EPOCHS + FULL_EPOCHS)


def test_promotions_wait_for_promote_from_and_happen_every_promote_every(data: Path) -> None:
    objective = LowFidelityObjective("cifar10", data, top_k=1, promote_from=2, promote_every=2)
    report = objective.report(_trials(objective, [EMPTY, BEST, MIXED]))
    # Nothing before evaluation 2; then the top-1 (BEST) at evaluation 2; evaluation 3 is not due.
    assert report["epochs"] == [LOW_EPOCHS, 2 * LOW_EPOCHS + FULL_EPOCHS, 3 * LOW_EPOCHS + FULL_EPOCHS]
    assert math.isnan(report["trajectory"][0]) and report["trajectory"][1:] == [91.5, 91.5]
    assert [p["evaluation"] for p in report["promoted"]] == [1]


def test_full_fidelity_costs_200_epochs_per_query(data: Path) -> None:
    objective = get_objective("nasbench201", "cifar10", data, fidelity="full")
    assert isinstance(objective, FullFidelityObjective)
    trials = _trials(objective, [EMPTY, MIXED])
    assert objective.report(trials)["epochs"] == [FULL_EPOCHS, 2 * FULL_EPOCHS]
    assert trials[1].value == 70.0


def test_epochs_to_reach() -> None:
    trajectory, epochs = [math.nan, 70.0, 91.5, 91.5], [12, 224, 436, 448]
    assert epochs_to_reach(trajectory, epochs, 91.5) == 436
    assert epochs_to_reach(trajectory, epochs, 50.0) == 224
    assert epochs_to_reach(trajectory, epochs, 92.0) is None


@pytest.mark.parametrize("how", ["lowfi_dir", "env"])
def test_a_named_lowfi_folder_without_the_table_says_where_to_put_it(tmp_path: Path, write_nb201, monkeypatch,
                                                                     how: str) -> None:
    data = write_nb201("csv", tmp_path / "alone")
    (tmp_path / "empty").mkdir()
    options = {"lowfi_dir": str(tmp_path / "empty")} if how == "lowfi_dir" else {}
    if how == "env":
        monkeypatch.setenv("NASLIB_OPTIPROXY_LOWFI_DATA", str(tmp_path / "empty"))
    with pytest.raises(BenchmarkDataError, match=r"nb201_12epoch\.csv.*nasbench201-lowfi/ folder"):
        get_objective("nasbench201", "cifar10", data, fidelity="low", **options)


def test_user_data_wins_over_the_bundled_table(data: Path) -> None:
    objective = get_objective("nasbench201", "cifar10", data, fidelity="low")
    path = (data.parent / "nasbench201-lowfi" / LOWFI_FILE).resolve()
    assert objective.data_source == {"kind": "combined", "tables": {
        "accuracy": {"kind": "file", "path": str((data / "nb201_val_test.csv").resolve()), "sha256": ANY},
        "low_fidelity": {"kind": "file", "path": str(path), "sha256": ANY}}}


def test_bundled_12_epoch_table_by_default(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    objective = get_objective("nasbench201", "cifar100", fidelity="low")
    assert objective.data_source == {"kind": "combined", "tables": {
        "accuracy": {"kind": "bundled", "name": "nb201_cifar100", "sha256": ANY},
        "low_fidelity": {"kind": "bundled", "name": "nb201_12epoch_cifar100", "sha256": ANY}}}
    arch = NasBench201().from_string(BEST)
    low, full = objective(arch), objective.full(arch)
    assert 0 < low.value < full.value < 100 and low.info["epochs"] == LOW_EPOCHS  # 12 epochs score lower
    assert get_objective("nasbench201", "cifar100", fidelity="full").data_source == objective.full.data_source


def test_user_nb201_tables_without_a_12_epoch_table_use_the_bundled_one(tmp_path: Path, write_nb201) -> None:
    data = write_nb201("csv", tmp_path / "alone")
    objective = get_objective("nasbench201", "cifar10", data, fidelity="low")
    assert objective.data_source["tables"]["low_fidelity"] == {"kind": "bundled", "name": "nb201_12epoch_cifar10",
                                                               "sha256": ANY}


@pytest.mark.parametrize("options, message", [({"fidelity": "medium"}, "fidelity must be one of full, low"),
                                              ({"fidelity": "low", "top_k": 0}, "top_k"),
                                              ({"fidelity": "full", "top_k": 3}, "only to fidelity low")])
def test_bad_fidelity_options(data: Path, options, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        get_objective("nasbench201", "cifar10", data, **options)
