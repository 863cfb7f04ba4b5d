"""Multi-metric benchmark objectives: what an evaluation reports, unmeasured cells, and the true fronts."""

from __future__ import annotations

import numpy as np
import pytest

from naslib_optiproxy.objectives.hw_nas_bench import HW_METRICS
from naslib_optiproxy.objectives import get_objective
from naslib_optiproxy.objectives.multi_objective import multi_objective
from naslib_optiproxy.pareto import parse_criteria
from naslib_optiproxy.spaces import Architecture


def _is_true_front(front: np.ndarray, table: np.ndarray, signs: np.ndarray) -> bool:
    """Every table point is weakly dominated by a front point, and no table point dominates a front point."""
    f, t = signs * front, signs * table
    covered = (f[None, :, :] >= t[:, None, :]).all(-1).any(-1).all()
    beaten = ((t[None, :, :] >= f[:, None, :]).all(-1) & (t[None, :, :] > f[:, None, :]).any(-1)).any()
    return bool(covered and not beaten)


def test_an_evaluation_reports_accuracy_and_every_hardware_metric() -> None:
    objective = multi_objective("nasbench201", "cifar10", "val,edgegpu_latency:min")
    evaluation = objective(Architecture((2, 2, 0, 2, 2, 3)))
    assert evaluation.value == evaluation.info["val"] and not evaluation.constraints
    assert set(HW_METRICS) <= set(evaluation.info)
    assert objective.criteria == parse_criteria("val,edgegpu_latency:min")
    assert objective.data_source["kind"] == "combined"


def test_an_unmeasured_edgetpu_cell_is_a_failed_evaluation_and_never_on_the_front() -> None:
    objective = multi_objective("hw_nas_bench", "cifar10", "val,edgetpu_latency:min")
    unmeasured = next(a for a in objective.space if objective(a).info["edgetpu_latency"] == -1)
    evaluation = objective(unmeasured)
    assert evaluation.value is None and "edgetpu_latency not measured" in evaluation.info["error"]
    assert len(objective.table_points()) == 15625 - 4699
    assert (objective.front_score().front[:, 1] > 0).all()
    # the same cell counts normally when its edge-GPU latency is searched instead
    assert multi_objective("nasbench201", "cifar10", "val,edgegpu_latency:min")(unmeasured).value is not None


@pytest.mark.parametrize("space, dataset, criteria", [
    ("nasbench201", "cifar100", "val,fpga_energy:min"),
    ("nasbench_graph", "cora", "val,latency:min"),
    ("nasbench_graph", "citeseer", "val,params:min"),
])
def test_the_true_front_is_exact_over_the_whole_table(space: str, dataset: str, criteria: str) -> None:
    objective = multi_objective(space, dataset, criteria)
    score = objective.front_score()
    table = objective.table_points()
    assert _is_true_front(score.front, table, np.array([1.0, -1.0]))
    assert score.bounds.ideal == (table[:, 0].max(), table[:, 1].min())
    assert score.bounds.worst == (table[:, 0].min(), table[:, 1].max())
    assert score.share(table) == pytest.approx(1.0) and 0 < score.true_hypervolume < 1
    assert objective.front_score() is score  # cached


def test_nasbench_graph_records_cover_its_table_as_evaluations_report_it() -> None:
    objective = multi_objective("nasbench_graph", "cora", "val,params:min")
    records = list(objective.objective.records())
    assert len(records) == len(objective.objective)
    arch = next(iter(objective.space))
    info = objective(arch).info
    assert {k: info[k] for k in ("val", "test", "latency", "params")} in records


@pytest.mark.parametrize("space, criteria, message", [
    ("nasbench201", "val,edgegpu_latncy:min", "did you mean 'edgegpu_latency'"),
    ("nasbench_graph", "val,latency_ms:min", "known metrics: val, test, latency, params"),
    ("nasbench2O1", "val,x:min", "did you mean 'nasbench201'"),
    ("nasbench201", "val", "at least two objectives"),
])
def test_bad_requests_name_the_problem(space: str, criteria: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        multi_objective(space, None, criteria)


def test_a_constraint_on_top_reports_feasibility_and_restricts_the_true_front() -> None:
    free = multi_objective("nasbench201", "cifar10", "val,edgegpu_energy:min")
    limited = get_objective("nasbench201", "cifar10", objectives="val,edgegpu_energy:min",
                            constraint="edgegpu_latency<=3")
    assert limited.constraint.max == 3.0
    points = limited.table_points()
    assert 0 < len(points) < len(free.table_points())
    front = limited.front_score().front
    arch = next(a for a in limited.space if limited(a).feasible is False)
    evaluation = limited(arch)
    assert evaluation.constraints[0].metric == "edgegpu_latency" and evaluation.constraints[0].value > 3
    assert limited.front_score().bounds != free.front_score().bounds and len(front) > 0


def test_an_unmeasured_constrained_metric_is_a_failed_evaluation_and_unknown_ones_are_refused() -> None:
    objective = multi_objective("nasbench201", "cifar10", "val,edgegpu_latency:min", constraint="edgetpu_latency<=1")
    unmeasured = next(a for a in objective.space if objective(a).value is None)
    assert "edgetpu_latency not measured" in objective(unmeasured).info["error"]
    with pytest.raises(ValueError, match="no metric 'edgetpu_latncy' to constrain.*did you mean 'edgetpu_latency'"):
        multi_objective("nasbench201", "cifar10", "val,edgegpu_latency:min", constraint="edgetpu_latncy<=1")
    with pytest.raises(ValueError, match="fidelity only"):
        get_objective("nasbench201", "cifar10", objectives="val,edgegpu_latency:min", fidelity="low")
