"""Optuna's samplers as strategies: valid unseen proposals, Optuna's own trial states, seeds, constraints, resume."""

from __future__ import annotations

import warnings
from typing import Any, Dict, Optional

import pytest

optuna = pytest.importorskip("optuna", reason="optuna is not installed (pip install 'naslib-optiproxy[peers]')")

from naslib_optiproxy.objectives import get_objective  # noqa: E402
from naslib_optiproxy.run import run_search  # noqa: E402
from naslib_optiproxy.spaces import Architecture, NasBench101, NasBench201, NasBench301, NasBenchGraph  # noqa: E402
from naslib_optiproxy.strategies import make_strategy  # noqa: E402
from naslib_optiproxy.strategies.peers import OptunaGP, OptunaTPE  # noqa: E402
from naslib_optiproxy.study import Study  # noqa: E402

from ._helpers import TinySpace, match_objective  # noqa: E402

STATES = optuna.trial.TrialState
SAMPLERS = ["optuna:tpe", "optuna:tpe-mv", "optuna:gp", "optuna:random"]


def histories(name: str, seed: int, budget: int = 14, space: Any = None) -> list:
    study = Study(make_strategy(name, space or NasBench201(), seed=seed))
    study.optimize(match_objective(), budget=budget)
    return [t.arch for t in study.trials]


@pytest.mark.parametrize("name", SAMPLERS)
def test_proposals_are_valid_unseen_and_seeded(name: str) -> None:
    first = histories(name, seed=0)
    assert len(set(first)) == len(first) == 14 and all(NasBench201().is_valid(a) for a in first)
    assert histories(name, seed=0) == first
    assert histories(name, seed=1) != first


def test_every_optuna_trial_maps_to_a_told_trial_or_a_pruned_proposal() -> None:
    strategy = OptunaTPE(NasBench101(), seed=0)
    study = Study(strategy)
    study.optimize(lambda arch: float(sum(arch.ops) + sum(arch.topology)), budget=25)
    trials = strategy.study.trials
    pruned = [t for t in trials if t.state == STATES.PRUNED]
    complete = [t for t in trials if t.state == STATES.COMPLETE]
    counts = strategy.counts
    assert counts["invalid"] > 0 and len(pruned) == counts["invalid"]  # NB101: disconnected or > 9 edges
    assert len(complete) == counts["new"] + counts["repeats"] + counts["fallbacks"] == len(trials) - len(pruned)
    assert all(NasBench101().is_valid(t.arch) for t in study.trials)
    values = {NasBench101().key(t.arch): t.value for t in study.trials}
    for trial in complete:  # repeats were told the value of the evaluated twin
        arch = strategy.encoding.decode(trial.params)
        assert trial.value == values[NasBench101().key(arch)]


def test_repeats_are_told_and_not_charged_then_fallbacks_cover_the_rest(tiny_space: TinySpace) -> None:
    strategy = OptunaTPE(tiny_space, seed=0)
    study = Study(strategy)
    with pytest.warns(RuntimeWarning, match="no unseen architecture"):
        study.optimize(lambda arch: float(arch.ops[0] * 3 + arch.ops[1]), budget=12)
    assert len(study.trials) == 9 and study.exhausted
    assert strategy.counts["repeats"] > 0
    complete = [t for t in strategy.study.trials if t.state == STATES.COMPLETE]
    assert len(complete) == len(strategy.study.trials)
    assert {(t.params["op0"], t.params["op1"]) for t in complete} == {(a, b) for a in "abc" for b in "abc"}


def test_a_failed_evaluation_is_an_optuna_fail() -> None:
    strategy = OptunaTPE(NasBench201(), seed=0)
    study = Study(strategy)
    study.optimize(lambda arch: None if arch.ops[0] == 0 else 1.0, budget=10)
    failed = sum(t.failed for t in study.trials)
    assert failed and sum(t.state == STATES.FAIL for t in strategy.study.trials) == failed


def test_spaces_with_topology_choices_decode_to_members() -> None:
    for space in (NasBenchGraph(), NasBench301()):
        archs = histories("optuna:tpe", 0, budget=12, space=space)
        assert all(space.is_valid(a) for a in archs) and len({space.key(a) for a in archs}) == 12


def test_tpe_mv_equals_the_default_tpe_on_a_space_without_conditions() -> None:
    # Optuna 5's TPESampler is multivariate by default for one objective; group only splits conditional spaces
    assert histories("optuna:tpe-mv", 3, budget=25) == histories("optuna:tpe", 3, budget=25)


def test_constraints_go_through_set_constraint() -> None:
    objective = get_objective("nasbench201", "ImageNet16-120", constraint="edgegpu_latency<=2")
    strategy = OptunaGP(objective.space, seed=0)
    study = Study(strategy)
    study.optimize(objective, budget=12)
    for ours, theirs in zip(study.trials, [t for t in strategy.study.trials if t.state == STATES.COMPLETE]):
        assert theirs.constraints == {"edgegpu_latency": pytest.approx(ours.constraints[0].value - 2.0)}
        assert theirs.value == ours.value  # the accuracy itself: Optuna handles feasibility
    assert any(not t.feasible for t in study.trials)
    assert study.best is None or study.best.feasible


class Crash(BaseException):
    """Escapes ``optimize`` like a kill."""


def crashing(objective: Any, at: Optional[int]) -> Any:
    calls = []

    def evaluate(arch: Architecture) -> Any:
        if len(calls) == at:
            raise Crash
        calls.append(arch)
        return objective(arch)

    evaluate.space, evaluate.dataset, evaluate.calls = objective.space, objective.dataset, calls
    return evaluate


def _strip(result: Dict[str, Any]) -> list:
    return [{k: v for k, v in entry.items() if k != "eval_seconds"} for entry in result["history"]]


@pytest.mark.parametrize("name", ["optuna:tpe", "optuna:gp"])
def test_resume_replays_to_the_uninterrupted_run(tmp_path, name: str) -> None:
    objective = get_objective("nasbench201", "cifar100")
    whole = run_search(objective, name, budget=16, seed=2, folder=tmp_path / "whole")
    with pytest.raises(Crash):
        run_search(crashing(objective, 9), name, budget=16, seed=2, folder=tmp_path / "cut")
    again = crashing(objective, None)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="replay diverged")
        resumed = run_search(again, name, budget=16, seed=2, folder=tmp_path / "cut", resume=True)
    assert len(again.calls) == 7  # nothing journaled was evaluated again
    assert _strip(resumed) == _strip(whole) and resumed["proposals"] == whole["proposals"]
