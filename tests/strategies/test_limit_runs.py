"""Constrained OptiProxy, one run per limit, taking turns: the front the way it is made without a front search."""

from __future__ import annotations

import numpy as np
import pytest

from naslib_optiproxy.objectives.multi_objective import multi_objective
from naslib_optiproxy.spaces import NasBench201
from naslib_optiproxy.strategies.limit_runs import LimitRuns
from naslib_optiproxy.study import Study
from naslib_optiproxy.types import Evaluation

from .test_optiproxy_mo import CRITERIA, tradeoff


def _limit_runs(tiny_optiproxy_config, limits=(2.0, 4.0), seed: int = 0) -> LimitRuns:
    return LimitRuns(NasBench201(), CRITERIA, limits, seed=seed, config=tiny_optiproxy_config())


def test_runs_take_turns_and_each_sees_its_own_limit(tiny_optiproxy_config) -> None:
    strategy = _limit_runs(tiny_optiproxy_config)
    study = Study(strategy)
    study.optimize(tradeoff(), budget=40)
    assert len({t.arch for t in study.trials}) == 40
    assert strategy._counts == [20, 20]
    for run, limit in zip(strategy.runs, (2.0, 4.0)):
        assert all(t.constraints[0].max == limit and t.constraints[0].metric == "cost" for t in run.trials)
        assert run.strategy.step_log  # each run fitted its proxy: it had its num_init and went on
        told = {t.arch for t in run.trials}
        assert len(told) == len(run.trials) >= 20
    assert [r.strategy.seed for r in strategy.runs] == [0, 1]


def test_a_run_learns_what_another_run_evaluated_for_free(tiny_optiproxy_config) -> None:
    strategy = _limit_runs(tiny_optiproxy_config, limits=(3.0, 3.0))
    study = Study(strategy)
    study.optimize(tradeoff(), budget=40)
    shared = sum(len(r.trials) for r in strategy.runs) - 40
    assert shared >= 0 and sum(strategy._counts) == 40
    outer = {t.arch: t.value for t in study.trials}
    for run in strategy.runs:
        assert all(t.value == outer[t.arch] for t in run.trials if t.arch in outer and not t.failed)


def test_failed_and_outside_evaluations(tiny_optiproxy_config) -> None:
    strategy = _limit_runs(tiny_optiproxy_config)
    study = Study(strategy)
    study.optimize(tradeoff(fail_all_pool=True), budget=15)
    outside = next(a for a in NasBench201() if not study.is_seen(a))
    study.tell(outside, Evaluation(5.0, {"val": 5.0, "cost": 1.0}))
    assert sum(strategy._counts) == 15  # an outside evaluation belongs to no run
    study.optimize(tradeoff(fail_all_pool=True), budget=25)
    for run in strategy.runs:
        assert all(t.failed == (t.value is None) for t in run.trials)


@pytest.mark.parametrize("criteria, limits, message", [
    ("val,cost", (1.0,), "one criterion to maximise and one to minimise"),
    ("val,cost:min", (), "1 to 100 finite numbers"),
    ("val,cost:min", (float("nan"),), "1 to 100 finite numbers"),
])
def test_bad_arguments_are_refused(criteria, limits, message) -> None:
    with pytest.raises(ValueError, match=message):
        LimitRuns(NasBench201(), criteria, limits)


def test_without_limits_they_are_quantiles_of_the_objectives_table() -> None:
    objective = multi_objective("nasbench201", "cifar10", "val,edgegpu_latency:min")
    strategy = LimitRuns(objective.space, objective.criteria, quantiles=(0.25, 0.75), dataset="cifar10")
    assert strategy.settings()["quantiles"] == [0.25, 0.75] and strategy.runs == []
    settings = strategy.settings()
    Study(strategy).prepare(objective)
    latency = objective.table_points()[:, 1]
    assert strategy.limits == pytest.approx(tuple(np.quantile(latency, [0.25, 0.75])))
    assert len(strategy.runs) == 2 and strategy.settings() == settings  # the identity does not move


def test_without_limits_an_objective_without_a_table_is_refused() -> None:
    strategy = LimitRuns(NasBench201(), "val,cost:min")
    with pytest.raises(ValueError, match="needs limits on cost"):
        Study(strategy).prepare(lambda arch: 1.0)
