"""Constrained search: only feasible evaluations are ever reported, and OptiProxy's constraint handling."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch

from naslib_optiproxy.strategies import OptiProxy, make_strategy
from naslib_optiproxy.study import Study
from naslib_optiproxy.types import ConstraintValue, Evaluation
from naslib_optiproxy.proxies.fit import ColumnStandardizer, Standardizer
from naslib_optiproxy.spaces import Architecture, NasBench201

from ._helpers import HIDDEN, match_objective

CONV3 = 2


def constrained_match(limit: float = 2.0):
    """Match count to ``HIDDEN`` (4 conv3x3 ops: infeasible), subject to ``#conv3x3 <= limit``."""
    score = match_objective()

    def objective(arch: Architecture) -> Evaluation:
        cost = float(sum(o == CONV3 for o in arch.ops))
        return Evaluation(score(arch), {"cost": cost}, constraints=(ConstraintValue("cost", cost, limit),))

    return objective


def _options(name: str, tiny_optiproxy_config):
    return tiny_optiproxy_config().to_dict() if name == "optiproxy" else None


@pytest.mark.parametrize("name", ["optiproxy", "rs", "re", "ls"])
def test_infeasible_evaluations_never_become_the_best(name: str, tiny_optiproxy_config) -> None:
    opt = Study(make_strategy(name, NasBench201(), seed=0, settings=_options(name, tiny_optiproxy_config)))
    best = opt.optimize(constrained_match(), budget=40)
    feasible = [t for t in opt.trials if t.feasible]
    assert best is opt.best and best.feasible
    assert best.value == max(t.value for t in feasible)
    expected = np.maximum.accumulate([t.value if t.feasible else -np.inf for t in opt.trials])
    np.testing.assert_array_equal(opt.trajectory(), np.where(np.isinf(expected), np.nan, expected))
    assert all(t.value <= best.value for t in opt.trials if t.feasible)


def test_a_better_infeasible_evaluation_is_not_reported() -> None:
    opt = Study(make_strategy("rs", NasBench201(), seed=0))
    objective = constrained_match()
    feasible, infeasible = Architecture((0, 0, 0, 0, 0, 0)), Architecture(HIDDEN)
    opt.tell(feasible, objective(feasible))
    opt.tell(infeasible, objective(infeasible))
    assert objective(infeasible).value > objective(feasible).value
    assert opt.best.arch == feasible
    assert opt.trajectory() == [objective(feasible).value] * 2


def test_nothing_feasible_gives_no_best(tiny_optiproxy_config) -> None:
    opt = Study(OptiProxy(NasBench201(), tiny_optiproxy_config(), seed=0))
    assert opt.optimize(constrained_match(limit=-1.0), budget=15) is None
    assert opt.best is None and all(math.isnan(v) for v in opt.trajectory())


def test_re_and_ls_prefer_feasible_parents() -> None:
    for name in ("re", "ls"):
        opt = Study(make_strategy(name, NasBench201(), seed=1))
        opt.optimize(constrained_match(), budget=80)
        late = opt.trials[40:]
        # Parents are feasible, so most one-edit children stay within the limit.
        assert sum(t.feasible for t in late) > len(late) / 2, name


def _tell_all(study: Study, archs, feasible: bool) -> None:
    # the measured cost is 3.0 against a limit of 2.0 (infeasible) or 4.0 (feasible)
    for arch in archs:
        study.tell(arch, Evaluation(float(sum(arch.ops)), {},
                                    constraints=(ConstraintValue("cost", 3.0, 4.0 if feasible else 2.0),)))


def _random_archs(n: int, seed: int):
    rng, space, archs = np.random.default_rng(seed), NasBench201(), []
    while len(archs) < n:
        arch = space.sample(rng)
        if arch not in archs:
            archs.append(arch)
    return archs


@pytest.mark.parametrize("feasible, grows", [(False, True), (True, False)])
def test_penalty_weight_follows_the_feasible_fraction(feasible: bool, grows: bool, tiny_optiproxy_config) -> None:
    study = Study(OptiProxy(NasBench201(), tiny_optiproxy_config(constraint_weight=1.0, constraint_target=0.7),
                            seed=0))
    opt = study.strategy
    _tell_all(study, _random_archs(10, seed=3), feasible)
    assert all(t.feasible == feasible for t in study.trials)
    opt.step()
    assert (opt.penalty.weight > 1.0) == grows and opt.penalty.weight != 1.0
    assert opt.num_outputs == 2 and opt.step_log[-1]["penalty_weight"] == opt.penalty.weight


def test_selection_ranks_predicted_infeasible_candidates_last(tiny_optiproxy_config, monkeypatch) -> None:
    opt = Study(OptiProxy(NasBench201(), tiny_optiproxy_config(batch_size=3, constraint_log=False), seed=0)).strategy
    opt._log_metric = [False]  # what fitting with constraint_log=False sets
    opt.trainer.standardizer = ColumnStandardizer([Standardizer(0.0, 1.0), Standardizer(0.0, 1.0)])
    candidates = _random_archs(4, seed=5)
    # (accuracy, metric): the two most accurate are predicted over the limit 1.0.
    predictions = torch.tensor([[9.0, 5.0], [1.0, 0.5], [2.0, 1.0], [8.0, 1.5]])
    # identity standardizer: standardised and original units coincide
    monkeypatch.setattr(opt.trainer, "predict", lambda x, adj, standardised=False: predictions)
    from naslib_optiproxy.constraints import Constraint

    chosen = opt._select(candidates, (Constraint("cost", 1.0),))
    # Feasible by accuracy, then the smaller predicted violation first.
    assert chosen == [candidates[2], candidates[1], candidates[3]]


def test_constrained_state_round_trip(tiny_optiproxy_config) -> None:
    config = tiny_optiproxy_config()
    opt = Study(OptiProxy(NasBench201(), config, seed=0))
    opt.optimize(constrained_match(), budget=20)
    clone = Study(OptiProxy(NasBench201(), config, seed=0))
    clone.replay(copy.deepcopy(opt.storage.records()))
    assert clone.strategy.num_outputs == 2 and clone.strategy.penalty.weight == opt.strategy.penalty.weight
    assert [clone.ask() for _ in range(5)] == [opt.ask() for _ in range(5)]


def test_ei_selection_still_ranks_predicted_infeasible_candidates_last(tiny_optiproxy_config, monkeypatch) -> None:
    opt = Study(OptiProxy(NasBench201(), tiny_optiproxy_config(batch_size=3, constraint_log=False, selection="ei",
                                                               ensemble_size=2), seed=0)).strategy
    opt._log_metric = [False]
    opt.trainer.standardizer = ColumnStandardizer([Standardizer(0.0, 1.0), Standardizer(0.0, 1.0)])
    opt._best_target = torch.tensor([[3.0, 0.5]])  # the best evaluated: accuracy 3, feasible
    candidates = _random_archs(4, seed=5)
    first = torch.tensor([[9.0, 5.0], [1.0, 0.5], [2.0, 1.0], [8.0, 1.5]])
    other = torch.tensor([[[9.0, 5.0], [5.0, 0.5], [2.0, 1.0], [8.0, 1.5]]])  # candidate 1: spread, mean 3
    monkeypatch.setattr(opt.trainer, "predict", lambda x, adj, standardised=False: first)
    monkeypatch.setattr(opt.ensemble, "predict", lambda x, adj: other)
    from naslib_optiproxy.constraints import Constraint

    # predicted-feasible first (1 ahead of 2 by its expected improvement), then the smaller violation
    assert opt._select(candidates, (Constraint("cost", 1.0),)) == [candidates[1], candidates[2], candidates[3]]


def test_gp_expected_improvement_keeps_the_proxy_s_feasibility(tiny_optiproxy_config, monkeypatch) -> None:
    # ei_model "gp": the GP's accuracy and spread, the first proxy's predicted constrained metric
    opt = Study(OptiProxy(NasBench201(), tiny_optiproxy_config(batch_size=3, constraint_log=False, selection="ei",
                                                               ei_model="gp"), seed=0)).strategy
    opt._log_metric = [False]
    opt.trainer.standardizer = ColumnStandardizer([Standardizer(0.0, 1.0), Standardizer(0.0, 1.0)])
    opt._best_target = torch.tensor([[3.0, 0.5]])
    candidates = _random_archs(4, seed=5)
    first = torch.tensor([[0.0, 5.0], [0.0, 0.5], [0.0, 1.0], [0.0, 1.5]])  # accuracy ignored: the GP's
    monkeypatch.setattr(opt.trainer, "predict", lambda x, adj, standardised=False: first)
    gp_mean = torch.tensor([9.0, 1.0, 2.0, 8.0], dtype=torch.float64)
    gp_std = torch.tensor([0.0, 3.0, 0.0, 0.0], dtype=torch.float64)  # candidate 1: spread below the best
    monkeypatch.setattr(opt.gp, "predict", lambda codes: (gp_mean, gp_std))
    from naslib_optiproxy.constraints import Constraint

    assert opt._select(candidates, (Constraint("cost", 1.0),)) == [candidates[1], candidates[2], candidates[3]]
