"""The study over a strategy: failures, best, trajectory, de-duplication, the optimize loop."""

from __future__ import annotations

import math
from typing import List

import pytest

from naslib_optiproxy.strategies import BASELINES, RandomSearch, Strategy
from naslib_optiproxy.study import Study
from naslib_optiproxy.types import Evaluation
from naslib_optiproxy.spaces import Architecture, NasBench201, NasBenchGraph


class ListStrategy(Strategy):
    """Proposes fixed batches, in order."""

    name = "list"

    def __init__(self, space, batches: List[List[Architecture]]) -> None:
        super().__init__(space, seed=0)
        self.batches = list(batches)

    def propose(self) -> List[Architecture]:
        return self.batches.pop(0)


A, B, C = Architecture((0,) * 6), Architecture((1,) * 6), Architecture((2,) * 6)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, None])
def test_non_finite_or_none_value_is_a_failed_trial(bad) -> None:
    opt = Study(RandomSearch(NasBench201()))
    trial = opt.tell(opt.ask(), bad)
    assert trial.failed and trial.value is None
    if bad is not None:
        assert "non-finite" in trial.info["error"]


def test_evaluation_info_is_kept() -> None:
    opt = Study(RandomSearch(NasBench201()))
    trial = opt.tell(opt.ask(), Evaluation(1.5, {"test": 2.0}), epoch=3)
    assert trial.value == 1.5 and trial.info == {"test": 2.0, "epoch": 3}


def test_best_ignores_failures_and_trajectory() -> None:
    opt = Study(ListStrategy(NasBench201(), [[A], [B], [C]]))
    assert opt.best is None
    for arch, value in zip((A, B, C), (math.nan, 2.0, 1.0)):
        opt.tell(opt.ask(), value)
    assert opt.best.arch == B and opt.best.value == 2.0
    trajectory = opt.trajectory()
    assert math.isnan(trajectory[0]) and trajectory[1:] == [2.0, 2.0]


def test_best_is_first_on_ties() -> None:
    opt = Study(ListStrategy(NasBench201(), [[A, B]]))
    opt.tell(opt.ask(), 1.0)
    opt.tell(opt.ask(), 1.0)
    assert opt.best.number == 0


def test_dedup_within_a_batch_and_against_history() -> None:
    opt = Study(ListStrategy(NasBench201(), [[A, A, B], [B, C]]))
    asked = [opt.ask() for _ in range(3)]
    assert asked == [A, B, C]


def test_isomorphic_nasbench_graph_cells_are_deduplicated() -> None:
    space = NasBenchGraph()
    twin_a = Architecture((0, 0, 0, 1), (0, 0, 0, 0))
    twin_b = Architecture((1, 0, 0, 0), (0, 0, 0, 0))
    other = Architecture((1, 1, 1, 1), (0, 1, 2, 3))
    assert twin_a != twin_b and space.key(twin_a) == space.key(twin_b)
    opt = Study(ListStrategy(space, [[twin_a, twin_b], [twin_b, other]]))
    assert opt.ask() == twin_a
    assert opt.is_seen(twin_b)
    assert opt.ask() == other


def test_told_arch_is_never_asked() -> None:
    opt = Study(ListStrategy(NasBench201(), [[A], [A, B]]))
    opt.tell(A, 1.0)
    assert opt.ask() == B


def test_optimize_survives_a_raising_objective() -> None:
    def objective(arch: Architecture) -> float:
        if arch.ops[0] == 0:
            raise RuntimeError("diverged")
        return float(sum(arch.ops))

    opt = Study(RandomSearch(NasBench201(), seed=0))
    best = opt.optimize(objective, budget=40)
    failed = [t for t in opt.trials if t.failed]
    assert len(opt.trials) == 40 and failed
    assert all(t.info["error"] == "RuntimeError: diverged" for t in failed)
    assert all("eval_seconds" in t.info for t in opt.trials)
    assert best.value == max(t.value for t in opt.trials if not t.failed)


def test_optimize_raises_when_everything_failed() -> None:
    opt = Study(RandomSearch(NasBench201()))
    with pytest.raises(RuntimeError, match="every evaluation failed"):
        opt.optimize(lambda arch: math.nan, budget=3)


@pytest.mark.parametrize("budget", [0, -1])
def test_budget_must_be_positive(budget: int) -> None:
    with pytest.raises(ValueError, match="budget"):
        Study(RandomSearch(NasBench201())).optimize(lambda arch: 1.0, budget=budget)


def test_budget_counts_earlier_trials_and_callbacks_run() -> None:
    opt = Study(RandomSearch(NasBench201()))
    opt.optimize(lambda arch: 1.0, budget=5)
    seen = []
    opt.optimize(lambda arch: 1.0, budget=8, callbacks=[lambda o, t: seen.append(t.number)])
    assert len(opt.trials) == 8 and seen == [5, 6, 7]


def test_state_of_another_strategy_is_rejected() -> None:
    state = RandomSearch(NasBench201()).state_dict()
    with pytest.raises(ValueError, match="'rs'"):
        BASELINES["ls"](NasBench201()).load_state_dict(state)


def test_registry_names() -> None:
    assert set(BASELINES) == {"rs", "re", "ls"}
    for name, cls in BASELINES.items():
        assert cls.name == name and issubclass(cls, Strategy)
