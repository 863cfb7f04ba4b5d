"""Optuna's NSGA-II and multi-objective TPE as strategies: encoding, duplicates, failures."""

from __future__ import annotations

import pytest

from naslib_optiproxy.pareto import parse_criteria
from naslib_optiproxy.spaces import Architecture, NasBench201, NasBenchGraph
from naslib_optiproxy.strategies.mo_peers import OptunaFront, categorical_slots
from naslib_optiproxy.study import Study
from naslib_optiproxy.types import Constraint, Evaluation

from .test_optiproxy_mo import CRITERIA, tradeoff

optuna = pytest.importorskip("optuna", reason="the multi-objective peers need optuna (pip install optuna)")


def test_slots_are_one_categorical_per_op_and_topology_choice() -> None:
    assert categorical_slots(NasBench201()) == [(f"op{i}", 5) for i in range(6)]
    graph = categorical_slots(NasBenchGraph("cora"))
    assert graph[4:] == [("topology1", 2), ("topology2", 3), ("topology3", 4)]  # node 0 has one input: no choice


@pytest.mark.parametrize("space", [NasBench201(), NasBenchGraph("cora")], ids=["nb201", "graph"])
def test_an_architecture_round_trips_through_its_parameters(space) -> None:
    strategy = OptunaFront(space, CRITERIA, seed=0)
    for arch in [space.sample(strategy.rng) for _ in range(20)]:
        assert strategy._decode(strategy._encode(arch)) == arch


@pytest.mark.parametrize("sampler", ["nsga2", "motpe"])
def test_each_sampler_searches_without_evaluating_twice(sampler: str) -> None:
    strategy = OptunaFront(NasBench201(), CRITERIA, sampler, seed=0, population_size=10)
    study = Study(strategy)
    study.optimize(tradeoff(), budget=40)
    keys = [t.arch for t in study.trials]
    assert len(set(keys)) == 40
    complete = [t for t in strategy.study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) >= 40  # every evaluation, plus duplicates told their known values
    assert strategy.study.directions == [optuna.study.StudyDirection.MAXIMIZE, optuna.study.StudyDirection.MINIMIZE]
    assert strategy.name == sampler and strategy.settings()["sampler"] == sampler


def test_same_seed_same_history() -> None:
    runs = []
    for _ in range(2):
        study = Study(OptunaFront(NasBench201(), CRITERIA, "nsga2", seed=3, population_size=10))
        study.optimize(tradeoff(), budget=25)
        runs.append([t.arch for t in study.trials])
    assert runs[0] == runs[1]


def test_failed_evaluations_and_outside_tells_reach_optuna() -> None:
    strategy = OptunaFront(NasBench201(), CRITERIA, "nsga2", seed=1, population_size=10)
    study = Study(strategy)
    study.optimize(tradeoff(), budget=12)
    arch = study.ask()
    study.tell(arch, None)  # Optuna's own proposal, failed: pruned, in Optuna's terms
    assert strategy.study.trials[-1].state == optuna.trial.TrialState.PRUNED
    outside = next(a for a in NasBench201() if not study.is_seen(a))
    study.tell(outside, Evaluation(1.0, {"val": 1.0, "cost": 9.0}))  # not proposed by Optuna: added
    assert strategy.study.trials[-1].params == strategy._encode(outside)
    assert strategy.study.trials[-1].values == [1.0, 9.0]


@pytest.mark.parametrize("sampler", ["nsga2", "motpe"])
def test_a_constraint_on_top_reaches_optuna_as_its_own_constraint(sampler: str) -> None:
    strategy = OptunaFront(NasBench201(), CRITERIA, sampler, seed=0, population_size=10)
    study = Study(strategy)
    study.optimize(tradeoff(cost_limit=2.0), budget=25)
    outside = next(a for a in NasBench201() if not study.is_seen(a))
    study.tell(outside, Evaluation(1.0, {"val": 1.0, "cost": 9.0}, constraints=(Constraint("cost", 2.0).measure(9.0),)))
    cost = {strategy.space.key(t.arch): t.info["cost"] for t in study.trials if not t.failed}
    complete = [t for t in strategy.study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) >= 26 and complete[-1].constraints == {"cost": 7.0}  # the added trial too
    for trial in complete:  # Optuna's and repeats told their known values: measured - limit
        assert trial.constraints == {"cost": pytest.approx(cost[strategy.space.key(strategy._decode(trial.params))] - 2.0)}
    assert any(v > 0 for t in complete for v in t.constraints.values())  # infeasible ones among them


def test_tpe_learns_to_avoid_cells_whose_evaluation_failed() -> None:
    """Failed evaluations are told as pruned, which TPE ranks last: it stops proposing those cells."""
    measured = tradeoff()

    def objective(arch: Architecture) -> Evaluation:  # 36% of the cells cannot be measured
        return Evaluation(None, {"error": "not measured"}) if 4 in arch.ops[:2] else measured(arch)

    strategy = OptunaFront(NasBench201(), CRITERIA, "motpe", seed=0)
    study = Study(strategy)
    study.optimize(objective, budget=60)
    states = [t.state for t in strategy.study.trials]
    assert optuna.trial.TrialState.FAIL not in states and optuna.trial.TrialState.PRUNED in states
    # told FAIL instead: about 1,000 Optuna trials (repeated proposals) and 40 of the 60 evaluations failed
    assert len(states) < 2 * 60 and sum(t.failed for t in study.trials) < 25


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown sampler 'nsga3'"):
        OptunaFront(NasBench201(), CRITERIA, "nsga3")
    with pytest.raises(ValueError, match="population_size must be an integer >= 2"):
        OptunaFront(NasBench201(), CRITERIA, population_size=1)
    with pytest.raises(ValueError, match="at least two objectives"):
        OptunaFront(NasBench201(), parse_criteria("val,x")[:1])


def test_a_sampler_that_keeps_repeating_falls_back_to_random_unseen(tiny_space) -> None:
    """Nine architectures: Optuna soon proposes only evaluated ones, and the run still visits them all."""
    strategy = OptunaFront(tiny_space, CRITERIA, "motpe", seed=0)
    study = Study(strategy)
    study.optimize(lambda a: Evaluation(float(a.ops[0]), {"val": float(a.ops[0]), "cost": float(a.ops[1])}), budget=9)
    assert len({t.arch for t in study.trials}) == 9
