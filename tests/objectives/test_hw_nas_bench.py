"""HW-NAS-Bench: the shared CSVs against HW-NAS-Bench's own printed values, and the constrained objective."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from naslib_optiproxy.objectives import BenchmarkDataError, get_objective
from naslib_optiproxy.objectives.hw_nas_bench import HW_METRICS, find_hw_file, load_hw_rows
from naslib_optiproxy.spaces import Architecture

SHARED_HW = Path(__file__).resolve().parents[2] / ".." / "shared" / "benchmarks" / "hw-nas-bench"


@pytest.fixture(scope="module")
def shared_hw() -> Path:
    if not (SHARED_HW / "reference_values.json").is_file():
        pytest.skip(f"HW-NAS-Bench data not found at {SHARED_HW.resolve()} (../shared is absent)")
    return SHARED_HW


@pytest.mark.parametrize("dataset", ["cifar10", "cifar100", "ImageNet16-120"])
def test_rows_match_hw_nas_benchs_printed_values(shared_hw: Path, dataset: str) -> None:
    reference = json.loads((shared_hw / "reference_values.json").read_text())["values"][dataset]
    rows = load_hw_rows(dataset, hw_dir=shared_hw)
    assert len(rows) == 15625
    for index, values in reference.items():
        _, metrics = rows[int(index)]
        for name in HW_METRICS:
            assert metrics[name] == pytest.approx(values[name], rel=1e-9), (dataset, index, name)


def test_objective_reports_the_metrics_of_the_architecture(shared_nb201: Path, shared_hw: Path) -> None:
    reference = json.loads((shared_hw / "reference_values.json").read_text())["values"]["ImageNet16-120"]
    objective = get_objective("nasbench201", "ImageNet16-120", shared_nb201, constraint="edgegpu_latency<=6",
                              hw_dir=shared_hw)
    rows = load_hw_rows("ImageNet16-120", hw_dir=shared_hw)
    for index, values in reference.items():
        evaluation = objective(Architecture(rows[int(index)][0]))
        assert evaluation.info["edgegpu_latency"] == pytest.approx(values["edgegpu_latency"])
        assert evaluation.feasible == (values["edgegpu_latency"] <= 6)
        assert evaluation.value == evaluation.info["val"]


def test_hw_files_are_found_beside_the_nb201_tables(shared_nb201: Path, shared_hw: Path) -> None:
    assert find_hw_file("imagenet", data_dir=shared_nb201).resolve() == (shared_hw / "hw_ImageNet16-120.csv").resolve()
    objective = get_objective("hw_nas_bench", None, shared_nb201, constraint={"metric": "fpga_latency", "max": 1})
    assert objective.dataset == "ImageNet16-120" and str(objective.constraint) == "fpga_latency<=1"


def test_constrained_optimum_is_feasible_and_below_the_global_one(shared_nb201: Path) -> None:
    free = get_objective("nasbench201", "ImageNet16-120", shared_nb201)
    limited = get_objective("nasbench201", "ImageNet16-120", shared_nb201, constraint="edgegpu_latency<=2")
    arch, val, _ = limited.optimum()
    assert limited(arch).info["edgegpu_latency"] <= 2
    assert val < free.optimum()[1]


def test_missing_table_says_where_to_put_it(tmp_path: Path, write_nb201) -> None:
    data = write_nb201("csv", tmp_path / "nb201")
    with pytest.raises(BenchmarkDataError, match=r"hw_cifar10\.csv.*hw-nas-bench/ folder"):
        get_objective("nasbench201", "cifar10", data, constraint="edgegpu_latency<=2")


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
