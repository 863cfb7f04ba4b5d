"""HW-NAS-Bench: the bundled table against HW-NAS-Bench's own printed values, user CSVs, the constrained objective."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from unittest.mock import ANY

import pytest

from naslib_optiproxy.data import hw_table
from naslib_optiproxy.objectives import BenchmarkDataError, get_objective
from naslib_optiproxy.objectives.hw_nas_bench import HW_METRICS, find_hw_file, load_hw_rows
from naslib_optiproxy.spaces import Architecture

# Values printed by HW-NAS-Bench's own example notebook (MIT), a copy of ../shared's reference_values.json.
REFERENCE = Path(__file__).resolve().parents[1] / "data" / "hw_nas_bench_reference_values.json"
BUNDLED_HW = {"kind": "bundled", "name": "hw_nas_bench_ImageNet16-120", "sha256": ANY}


def write_hw_csv(folder: Path, dataset: str, scale: float = 1.0) -> Path:
    """A user's HW-NAS-Bench CSV (all 15625 rows, metrics times ``scale`` so it differs from the bundle)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"hw_{dataset}.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["net", *HW_METRICS])
        for ops, metrics in hw_table(dataset).items():
            # -1 is HW-NAS-Bench's "not measured" (edgetpu): a marker, not a value to scale
            writer.writerow([str(ops), *(repr(metrics[m] * scale if metrics[m] != -1 else -1.0) for m in HW_METRICS)])
    return path


@pytest.mark.parametrize("dataset", ["cifar10", "cifar100", "ImageNet16-120"])
def test_rows_match_hw_nas_benchs_printed_values(no_user_data: Path, dataset: str) -> None:
    reference = json.loads(REFERENCE.read_text())["values"][dataset]
    rows = load_hw_rows(dataset)
    assert len(rows) == 15625
    for index, values in reference.items():
        _, metrics = rows[int(index)]
        for name in HW_METRICS:
            assert metrics[name] == pytest.approx(values[name], rel=1e-9), (dataset, index, name)


def test_objective_reports_the_metrics_of_the_architecture(no_user_data: Path) -> None:
    reference = json.loads(REFERENCE.read_text())["values"]["ImageNet16-120"]
    objective = get_objective("nasbench201", "ImageNet16-120", constraint="edgegpu_latency<=6")
    assert objective.data_source == {"kind": "combined", "tables": {
        "accuracy": {"kind": "bundled", "name": "nb201_ImageNet16-120", "sha256": ANY}, "hardware": BUNDLED_HW}}
    rows = load_hw_rows("ImageNet16-120")
    ops, metrics = rows[int(next(iter(reference)))]
    evaluation = objective(Architecture(ops))
    assert all(evaluation.info[m] == metrics[m] for m in HW_METRICS)
    assert evaluation.feasible == (metrics["edgegpu_latency"] <= 6)
    assert [c.to_dict() for c in evaluation.constraints] == [
        {"metric": "edgegpu_latency", "value": metrics["edgegpu_latency"], "max": 6.0}]
    assert evaluation.value == evaluation.info["val"]


def test_user_csv_beside_the_nb201_tables_wins(tmp_path: Path, write_nb201) -> None:
    data = write_nb201("csv", tmp_path / "nb201")
    path = write_hw_csv(tmp_path / "hw-nas-bench", "ImageNet16-120", scale=2.0)
    assert find_hw_file("imagenet", data_dir=data).resolve() == path.resolve()
    objective = get_objective("hw_nas_bench", None, data, constraint={"metric": "fpga_latency", "max": 1})
    assert objective.dataset == "ImageNet16-120" and str(objective.constraint) == "fpga_latency<=1"
    assert objective.data_source["tables"]["hardware"] == {"kind": "file", "path": str(path.resolve()), "sha256": ANY}
    arch = objective.space.from_string(next(iter(_fixture_archs(data))))
    assert objective(arch).info["fpga_latency"] == 2.0 * hw_table("ImageNet16-120")[arch.ops]["fpga_latency"]


def _fixture_archs(data: Path):
    with open(data / "nb201_val_test.csv", newline="") as handle:
        return [row["arch_str"] for row in csv.DictReader(handle)]


def test_user_nb201_tables_without_hw_csv_use_the_bundled_one(tmp_path: Path, write_nb201) -> None:
    data = write_nb201("csv", tmp_path / "nb201")
    objective = get_objective("nasbench201", "cifar10", data, constraint="edgegpu_latency<=2")
    assert objective.data_source["tables"]["hardware"] == {"kind": "bundled", "name": "hw_nas_bench_cifar10",
                                                           "sha256": ANY}
    assert objective.data_source["tables"]["accuracy"]["kind"] == "file"


def test_constrained_optimum_is_feasible_and_below_the_global_one(no_user_data: Path) -> None:
    free = get_objective("nasbench201", "ImageNet16-120")
    limited = get_objective("nasbench201", "ImageNet16-120", constraint="edgegpu_latency<=2")
    arch, val, _ = limited.optimum()
    assert limited(arch).info["edgegpu_latency"] <= 2
    assert val < free.optimum()[1]
    assert round(val, 2) == 40.60  # the paper's Table 3 "Optimum" for edgegpu <= 2 ms


@pytest.mark.parametrize("how", ["hw_dir", "env"])
def test_a_named_hw_folder_without_the_table_says_where_to_put_it(tmp_path: Path, write_nb201, monkeypatch,
                                                                   how: str) -> None:
    data = write_nb201("csv", tmp_path / "nb201")
    (tmp_path / "empty").mkdir()
    options = {"hw_dir": str(tmp_path / "empty")} if how == "hw_dir" else {}
    if how == "env":
        monkeypatch.setenv("NASLIB_OPTIPROXY_HW_DATA", str(tmp_path / "empty"))
    with pytest.raises(BenchmarkDataError, match=r"hw_cifar10\.csv.*hw-nas-bench/ folder"):
        get_objective("nasbench201", "cifar10", data, constraint="edgegpu_latency<=2", **options)


@pytest.mark.parametrize("options, message", [
    ({"constraint": "edgegpu_latncy<=2"}, "did you mean 'edgegpu_latency'"),
    ({"constraint": "edgegpu_latency<2"}, "METRIC<=MAX"),
    ({"constraint": "edgegpu_latency<=2", "fidelity": "low"}, "full fidelity only"),
    ({"colour": "red"}, "unknown option"),
])
def test_bad_options_are_refused(tmp_path: Path, write_nb201, options, message: str) -> None:
    data = write_nb201("csv", tmp_path / "nb201")
    with pytest.raises(ValueError, match=message):
        get_objective("nasbench201", "cifar10", data, **options)


def test_hw_nas_bench_needs_a_constraint() -> None:
    with pytest.raises(ValueError, match="needs a constraint"):
        get_objective("hw_nas_bench", "ImageNet16-120")
