"""OptiProxy for fronts: scalarisations, weights, greedy hypervolume selection, and the strategy on a study."""

from __future__ import annotations

import math
from typing import Optional

import moocore
import numpy as np
import pytest
import torch

from naslib_optiproxy.pareto import nondominated, parse_criteria, trial_values
from naslib_optiproxy.spaces import Architecture, NasBench201
from naslib_optiproxy.strategies import OptiProxy
from naslib_optiproxy.strategies.optiproxy_mo import (FrontSettings, OptiProxyMO, greedy_hvi, group_weights,
                                                      mo_preset, scalarise)
from naslib_optiproxy.study import Study
from naslib_optiproxy.types import Constraint, Evaluation

from ._helpers import match_objective

CRITERIA = parse_criteria("val,cost:min")
CONV3 = 2


def tradeoff(fail_all_pool: bool = False, cost_limit: Optional[float] = None):
    """Match count to NB201's cifar10 optimum (4 conv3x3 ops) against a cost that grows with conv3x3 ops
    (``cost_limit``: a constraint ``cost <= cost_limit`` on top)."""
    score = match_objective()

    def objective(arch: Architecture) -> Evaluation:
        if fail_all_pool and all(o == 4 for o in arch.ops[:2]):
            return Evaluation(None, {"error": "not measured"})
        cost = 1.0 + sum(o == CONV3 for o in arch.ops) + 0.1 * sum(o == 3 for o in arch.ops)
        limits = () if cost_limit is None else (Constraint("cost", cost_limit).measure(cost),)
        return Evaluation(score(arch), {"val": score(arch), "cost": cost}, constraints=limits)

    return objective


def _strategy(tiny_optiproxy_config, seed: int = 0, **front) -> OptiProxyMO:
    return OptiProxyMO(NasBench201(), CRITERIA, tiny_optiproxy_config(), front, seed=seed)


# ----------------------------------------------------------------------------- pieces
def test_chebyshev_scalarisation_is_best_at_the_ideal_point_and_follows_the_weights() -> None:
    w = torch.tensor([0.5, 0.5])
    assert scalarise(torch.ones(2), w) == pytest.approx(0.0)
    assert scalarise(torch.tensor([0.2, 1.0]), w) < scalarise(torch.tensor([0.6, 0.6]), w)
    leaning = torch.tensor([0.9, 0.1])  # weight on criterion 0: a gap there costs more
    assert scalarise(torch.tensor([1.0, 0.5]), leaning) > scalarise(torch.tensor([0.5, 1.0]), leaning)
    assert scalarise(torch.tensor([[1.0, 0.0]]), w, "linear").tolist() == [0.5]
    v = torch.tensor([[0.3, 0.8]], requires_grad=True)
    scalarise(v, w).sum().backward()
    assert v.grad.abs().sum() > 0


def test_strata_weights_give_each_group_its_part_of_the_simplex() -> None:
    rng = np.random.default_rng(0)
    weights = group_weights(5, 2, rng)
    assert weights.shape == (5, 2) and np.allclose(weights.sum(1), 1)
    assert all(k / 5 <= w < (k + 1) / 5 for k, w in enumerate(weights[:, 0]))
    three = group_weights(4, 3, rng)  # more than two criteria: Dirichlet draws
    assert three.shape == (4, 3) and np.allclose(three.sum(1), 1) and (three >= 0).all()
    assert np.allclose(group_weights(5, 2, rng, "random").sum(1), 1)


def test_greedy_hvi_takes_the_largest_improvement_first_and_never_a_dominated_point() -> None:
    front = np.array([[0.5, 0.5]])
    predicted = np.array([[0.6, 0.6],   # dominated by the front
                          [0.1, 0.9],   # small improvement
                          [0.2, 0.2],   # large improvement
                          [0.2, 0.2],   # its twin: nothing left to add
                          [0.3, 0.1]])  # improves after [0.2, 0.2] joins
    reference = np.array([1.1, 1.1])
    chosen = greedy_hvi(front, predicted, 5, reference)
    assert chosen[0] == 2 and 0 not in chosen and 3 not in chosen
    assert set(chosen) == {1, 2, 4}
    base = moocore.hypervolume(np.vstack([front, predicted[[2]]]), ref=reference)
    assert moocore.hypervolume(np.vstack([front, predicted[[2, 4]]]), ref=reference) > base
    assert greedy_hvi(front, predicted, 1, reference) == [2]
    assert greedy_hvi(front, np.array([[0.7, 0.7]]), 3, reference) == []
    assert greedy_hvi(np.zeros((0, 2)), np.array([[0.5, 0.5]]), 2, reference) == [0]


def test_front_settings_are_checked_and_round_trip() -> None:
    settings = FrontSettings.from_dict({"mo_selection": "scalar", "mo_rho": 0.1})
    assert settings.to_dict()["mo_selection"] == "scalar" and FrontSettings.from_dict(settings.to_dict()) == settings
    with pytest.raises(ValueError, match="search.mo_weights must be one of strata, random"):
        FrontSettings(weights="grid")


# --------------------------------------------------------------------------- strategy
def test_searches_a_front_with_one_head_per_criterion(tiny_optiproxy_config) -> None:
    strategy = _strategy(tiny_optiproxy_config)
    study = Study(strategy)
    study.optimize(tradeoff(), budget=30)
    archs = [t.arch for t in study.trials]
    assert len(set(archs)) == 30
    assert strategy.proxy(*NasBench201().encode_batch(archs[:2])).shape == (2, 2)
    assert [s["evaluations"] for s in strategy.step_log] == [10, 15, 20, 25]
    assert all(s["by_hvi"] <= 5 and s["candidates"] > 0 for s in strategy.step_log)
    front = strategy.front()
    points = np.stack([trial_values(t, CRITERIA) for t in front])
    assert nondominated(points, CRITERIA).all()
    everything = np.stack([trial_values(t, CRITERIA) for t in study.trials])
    assert len(front) == nondominated(everything, CRITERIA).sum()
    assert strategy.settings()["objectives"] == [c.to_dict() for c in CRITERIA]


def test_the_front_search_beats_random_on_the_synthetic_tradeoff(tiny_optiproxy_config) -> None:
    """Found front's hypervolume after 40 evaluations, three seeds each: the proxy's heads must help."""
    from naslib_optiproxy.pareto import Bounds, FrontScore, pareto_front
    from naslib_optiproxy.strategies import RandomSearch

    objective = tradeoff()
    table = np.stack([[objective(a).value, objective(a).info["cost"]] for a in NasBench201()])
    score = FrontScore(CRITERIA, pareto_front(table, CRITERIA), Bounds.of(table, CRITERIA))

    def share(strategy) -> float:
        study = Study(strategy)
        study.optimize(objective, budget=40)
        return score.share(np.stack([trial_values(t, CRITERIA) for t in study.trials]))

    ours = np.mean([share(_strategy(tiny_optiproxy_config, seed)) for seed in range(3)])
    rs = np.mean([share(RandomSearch(NasBench201(), seed=seed)) for seed in range(3)])
    assert ours > rs


@pytest.mark.parametrize("front", [{"mo_selection": "scalar"}, {"mo_weights": "random", "mo_scalarisation": "linear"},
                                   {"mo_floor": 0.5, "mo_margin": 0.0}])
def test_other_front_settings_run(tiny_optiproxy_config, front) -> None:
    strategy = _strategy(tiny_optiproxy_config, **front)
    Study(strategy).optimize(tradeoff(), budget=20)
    if front.get("mo_selection") == "scalar":
        assert all(s["by_hvi"] == 0 for s in strategy.step_log)
    assert len(strategy.history.trials) == 20
    observed = strategy._observed  # the evaluated points in the [0, 1] units of the last step
    assert torch.allclose(observed.max(0).values, torch.ones(2))
    floor = front.get("mo_floor", 0.0)
    assert torch.allclose(torch.quantile(observed, floor, dim=0), torch.zeros(2), atol=1e-6)


def test_random_selection_ablation_and_local_candidates_run(tiny_optiproxy_config) -> None:
    strategy = OptiProxyMO(NasBench201(), CRITERIA, tiny_optiproxy_config(selection="random", local_candidates=2),
                           seed=0)
    Study(strategy).optimize(tradeoff(), budget=20)
    assert len({t.arch for t in strategy.history.trials}) == 20
    assert len(strategy._local_candidates(2)) == 2 * 24  # two front points, 24 one-edit neighbours each


@pytest.mark.parametrize("success", ["off", "select", "search"])
def test_failed_evaluations_are_not_fitted_and_never_on_the_front(tiny_optiproxy_config, success: str) -> None:
    strategy = _strategy(tiny_optiproxy_config, seed=4, mo_success=success)
    study = Study(strategy)
    study.optimize(tradeoff(fail_all_pool=True), budget=40)
    failed = [t for t in study.trials if t.failed]
    assert failed and not set(t.number for t in failed) & {t.number for t in strategy.front()}
    assert strategy._training_data()[2].shape == (40 - len(failed), 2)
    first_failure = failed[0].number
    fitted = [s["success_model"] for s in strategy.step_log]
    assert fitted == [success != "off" and s["evaluations"] > first_failure for s in strategy.step_log]


def test_a_constraint_on_top_trains_the_heads_but_keeps_infeasible_points_off_the_front(tiny_optiproxy_config) -> None:
    strategy = _strategy(tiny_optiproxy_config, seed=4)
    study = Study(strategy)
    study.optimize(tradeoff(cost_limit=2.0), budget=40)
    infeasible = {t.number for t in study.trials if not t.feasible}
    unconstrained = nondominated([trial_values(t, CRITERIA) for t in study.trials], CRITERIA)
    assert infeasible & {t.number for t, m in zip(study.trials, unconstrained) if m}  # some would be on it
    assert strategy.front() and not infeasible & {t.number for t in strategy.front()}
    assert strategy._training_data()[2].shape == (40, 2)  # every evaluation trains the heads
    last = strategy.step_log[-1]["evaluations"]
    assert len(strategy._observed) == sum(t.feasible for t in study.trials[:last])  # the evaluated front's points
    first = min(infeasible)  # from then on, the chance of "measured and feasible" weighs the candidates
    assert [s["success_model"] for s in strategy.step_log] == [s["evaluations"] > first for s in strategy.step_log]


def test_greedy_hvi_weighs_each_improvement_by_its_chance_of_success() -> None:
    front, reference = np.array([[0.5, 0.5]]), np.array([1.1, 1.1])
    predicted = np.array([[0.1, 0.1], [0.3, 0.3]])  # the first improves more, but will likely fail
    assert greedy_hvi(front, predicted, 1, reference)[0] == 0
    assert greedy_hvi(front, predicted, 1, reference, chance=np.array([0.05, 0.9])) == [1]
    assert greedy_hvi(front, predicted, 2, reference, chance=np.array([0.0, 0.9])) == [1]  # sure to fail: never


def test_replayed_records_continue_identically(tiny_optiproxy_config) -> None:
    objective = tradeoff()
    full = Study(_strategy(tiny_optiproxy_config, seed=5))
    full.optimize(objective, budget=25)
    part = Study(_strategy(tiny_optiproxy_config, seed=5))
    part.optimize(objective, budget=17)
    restored = Study(_strategy(tiny_optiproxy_config, seed=5))
    assert restored.replay(part.storage.records()) == 17
    restored.optimize(objective, budget=25)
    assert [t.arch for t in restored.trials] == [t.arch for t in full.trials]


def test_without_a_config_it_takes_the_constrained_preset_of_the_objective_dataset() -> None:
    strategy = OptiProxyMO(NasBench201(), "val,cost:min", seed=0)
    assert strategy.config == mo_preset("nasbench201")

    class Objective:
        dataset = "ImageNet16-120"

    strategy.prepare(Objective())
    assert strategy.config == mo_preset("nasbench201", "ImageNet16-120")
    assert strategy.config != OptiProxy(NasBench201(), seed=0).config  # not the unconstrained preset


def test_the_front_preset_is_the_constrained_one_with_its_own_settings_on_top() -> None:
    from naslib_optiproxy.config import OptiProxyConfig

    constrained = OptiProxyConfig.preset("nasbench201", "cifar100", True)
    assert mo_preset("nasbench201", "cifar100") == constrained.replace(fit_target="copula")
    assert constrained.fit.target == "standard"  # single-objective constrained runs keep theirs
    assert mo_preset("nasbench201", "cifar100", fit_target="standard", batch_size=4) == constrained.replace(batch_size=4)


def test_a_single_objective_is_refused() -> None:
    with pytest.raises(ValueError, match="at least two objectives"):
        OptiProxyMO(NasBench201(), "val", seed=0)


def test_each_group_climbs_its_own_scalarisation(tiny_optiproxy_config) -> None:
    """After a step, the gradient search's score of the groups is finite and their weights span the simplex."""
    strategy = _strategy(tiny_optiproxy_config, seed=6)
    Study(strategy).optimize(tradeoff(), budget=15)
    assert math.isfinite(strategy.step_log[-1]["search_objective"])
    w = strategy.weights[:, 0]
    assert w.min() < 1 / 3 and w.max() >= 2 / 3  # three groups, three strata


@pytest.mark.parametrize("extremes", ["first", "all"])
def test_extremes_take_the_first_slots_of_every_batch(tiny_optiproxy_config, extremes: str) -> None:
    strategy = _strategy(tiny_optiproxy_config, seed=2, mo_extremes=extremes)
    Study(strategy).optimize(tradeoff(), budget=20)
    candidates = strategy._candidates()
    x, adj = strategy.space.encode_batch(candidates)
    v = strategy._units(strategy.trainer.predict(x, adj, standardised=True))
    batch = strategy._select_batch(candidates)
    ends = [candidates[int(i)] for i in v.argmax(0)]  # the best predicted value of each criterion
    assert batch[0] == ends[0]
    if extremes == "all" and ends[1] != ends[0]:
        assert batch[1] == ends[1]
    assert len(set(batch)) == len(batch) == strategy.config.loop.batch_size
    assert strategy._by_hvi <= strategy.config.loop.batch_size - (1 if extremes == "first" else 2)


def test_ei_selection_is_refused_for_a_front(tiny_optiproxy_config) -> None:
    with pytest.raises(ValueError, match="selection 'ei' ranks by one value's expected improvement"):
        OptiProxyMO(NasBench201(), CRITERIA, tiny_optiproxy_config(selection="ei"))
