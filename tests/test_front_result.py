"""The front of a multi-objective result: indicators against the table, the evaluated convention, the plot."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from naslib_optiproxy import NasBench201, RandomSearch, Study
from naslib_optiproxy import run as run_module
from naslib_optiproxy.front_result import front_result, history_points, indicators_at, record_score
from naslib_optiproxy.objectives import get_objective
from naslib_optiproxy.pareto import Bounds, hypervolume
from naslib_optiproxy.run import run_search


def test_indicators_recomputed_from_a_record_equal_the_runs_own(tmp_path: Path) -> None:
    objective = get_objective("nasbench201", "cifar100", objectives="val,fpga_energy:min")
    result = run_search(objective, "rs", budget=40, seed=3)
    share, igd = indicators_at(result, 40)
    assert share == pytest.approx(result["front"]["share"]) and igd == pytest.approx(result["front"]["igd"])
    early, _ = indicators_at(result, 10)
    assert early <= share  # a front only grows
    score = record_score(result["front"])
    assert score.true_hypervolume == pytest.approx(result["front"]["true_hypervolume"])


def test_an_objective_without_a_table_is_measured_against_the_evaluated_range() -> None:
    study = Study(RandomSearch(NasBench201(), seed=0), directions=["maximize", "minimize"])
    study.optimize(lambda arch: (float(sum(arch.ops)), float(arch.ops[0])), budget=20)
    front = front_result(study, objective=object())
    points = np.array([[t.info["value_0"], t.info["value_1"]] for t in study.trials])
    assert front["reference"] == "evaluated" and front["share"] is None and front["true_front"] is None
    assert front["reference_point"] == [points[:, 0].min(), points[:, 1].max()]
    assert front["ideal_point"] == [points[:, 0].max(), points[:, 1].min()]
    found = history_points([{"val": t.value, "feasible": True, **t.info} for t in study.trials], study.criteria, 20)
    bounds = Bounds(tuple(front["ideal_point"]), tuple(front["reference_point"]))
    assert front["hypervolume"] > 0 and front["hypervolume"] == pytest.approx(hypervolume(found, study.criteria, bounds))


def test_without_matplotlib_the_run_says_so_instead_of_plotting(tmp_path: Path, monkeypatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(run_module.importlib.util, "find_spec",
                        lambda name, *a: None if name == "matplotlib" else real(name, *a))
    objective = get_objective("nasbench_graph", "cora", objectives="val,params:min")
    result = run_search(objective, "rs", budget=12, seed=0, folder=tmp_path / "run")
    assert result["front"]["plot"] is None and "matplotlib is not installed" in result["front"]["plot_note"]
    assert not (tmp_path / "run" / "front.png").exists()
