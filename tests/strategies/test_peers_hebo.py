"""HEBO as a strategy: valid unseen proposals, private random generators, imputed failures, resume."""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest
import torch

pytest.importorskip("hebo", reason="hebo is not installed (docs/peers.md: pip install --no-deps hebo==0.3.6 ...)")

from naslib_optiproxy.objectives import get_objective  # noqa: E402
from naslib_optiproxy.run import run_search  # noqa: E402
from naslib_optiproxy.spaces import NasBench201, NasBenchGraph  # noqa: E402
from naslib_optiproxy.strategies.peers import HeboStrategy  # noqa: E402
from naslib_optiproxy.study import Study  # noqa: E402
from naslib_optiproxy.types import Architecture  # noqa: E402

from ._helpers import match_objective  # noqa: E402
from .test_peers_optuna import Crash, _strip, crashing  # noqa: E402

BUDGET = 9  # HEBO's 7 random suggestions on NB201 (1 + 6 parameters), then its GP
INITIAL = 7
REPLAYABLE = HeboStrategy(NasBench201()).replay_problem() is None  # pymoo 0.6.0, HEBO's pin


def archs(seed: int) -> list:
    study = Study(HeboStrategy(NasBench201(), seed=seed))
    study.optimize(match_objective(), budget=BUDGET)
    return [t.arch for t in study.trials]


def test_proposals_are_valid_unseen_and_seeded_without_touching_global_generators() -> None:
    np.random.seed(123)
    torch.manual_seed(123)
    random.seed(123)
    expected = (np.random.rand(), torch.rand(1).item(), random.random())
    np.random.seed(123)
    torch.manual_seed(123)
    random.seed(123)
    first = archs(0)
    assert (np.random.rand(), torch.rand(1).item(), random.random()) == expected
    assert len(set(first)) == BUDGET and all(NasBench201().is_valid(a) for a in first)
    again = archs(0)
    assert again[:INITIAL] == first[:INITIAL] and archs(1)[:INITIAL] != first[:INITIAL]
    if REPLAYABLE:  # after the initial design only with pymoo 0.6.0 (module docstring of hebo_optimizer)
        assert again == first


def test_failures_are_observed_with_the_worst_value() -> None:
    space = NasBenchGraph()
    strategy = HeboStrategy(space, seed=0)
    study = Study(strategy)
    study.tell(Architecture((0, 1, 2, 3), (0, 0, 1, 2)), None)  # waits for the first success
    assert len(strategy.optimizer.y) == 0
    study.tell(Architecture((1, 1, 2, 3), (0, 0, 1, 2)), 80.0)
    study.tell(Architecture((2, 1, 2, 3), (0, 0, 1, 2)), 90.0)
    study.tell(Architecture((3, 1, 2, 3), (0, 0, 1, 2)), None)
    assert strategy.optimizer.y.ravel().tolist() == [-80.0, -80.0, -90.0, -80.0]


@pytest.mark.skipif(not REPLAYABLE, reason="HEBO replays only with pymoo 0.6.0 (its pin)")
def test_resume_replays_to_the_uninterrupted_run(tmp_path) -> None:
    objective = get_objective("nasbench201", "cifar10")
    whole = run_search(objective, "hebo", budget=BUDGET, seed=4, folder=tmp_path / "whole")
    with pytest.raises(Crash):
        run_search(crashing(objective, 8), "hebo", budget=BUDGET, seed=4, folder=tmp_path / "cut")
    again = crashing(objective, None)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="replay diverged")
        resumed = run_search(again, "hebo", budget=BUDGET, seed=4, folder=tmp_path / "cut", resume=True)
    assert len(again.calls) == 1 and _strip(resumed) == _strip(whole)


@pytest.mark.skipif(REPLAYABLE, reason="pymoo 0.6.0: HEBO replays")
def test_resume_is_refused_when_hebo_cannot_be_replayed(tmp_path) -> None:
    objective = get_objective("nasbench201", "cifar10")
    with pytest.raises(Crash):
        run_search(crashing(objective, 2), "hebo", budget=BUDGET, seed=4, folder=tmp_path / "cut")
    with pytest.raises(ValueError, match="cannot continue a journaled run: with pymoo .* pymoo==0.6.0"):
        run_search(crashing(objective, None), "hebo", budget=BUDGET, seed=4, folder=tmp_path / "cut", resume=True)
