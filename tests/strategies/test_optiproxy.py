"""OptiProxy (Algorithm 2) as a strategy driven by a study: a tiny config on synthetic objectives, and
default settings on the real (bundled) NAS-Bench-201 table."""

from __future__ import annotations

import copy
import math
from unittest.mock import ANY

import numpy as np
import pytest
import torch

from naslib_optiproxy.config import OptiProxyConfig
from naslib_optiproxy.strategies import OptiProxy, RandomSearch
from naslib_optiproxy.study import Study
from naslib_optiproxy.spaces import Architecture, NasBench201, NasBenchGraph

from ._helpers import match_objective, run_ask_tell



def test_same_seed_same_history_different_seed_differs(tiny_optiproxy_config) -> None:
    config = tiny_optiproxy_config()
    first = Study(OptiProxy(NasBench201(), config, seed=0))
    second = Study(OptiProxy(NasBench201(), config, seed=0))
    history = run_ask_tell(first, 30)
    assert run_ask_tell(second, 30) == history
    assert [t.value for t in first.trials] == [t.value for t in second.trials]
    assert run_ask_tell(Study(OptiProxy(NasBench201(), config, seed=1)), 30) != history


def test_never_evaluates_an_architecture_twice(tiny_optiproxy_config) -> None:
    space = NasBench201()
    archs = run_ask_tell(Study(OptiProxy(space, tiny_optiproxy_config(), seed=2)), 30)
    assert len(set(archs)) == 30 and all(space.is_valid(a) for a in archs)


def test_random_initialisation_then_batches(tiny_optiproxy_config) -> None:
    opt = Study(OptiProxy(NasBench201(), tiny_optiproxy_config(num_init=10, batch_size=5), seed=3))
    objective = match_objective()
    for _ in range(10):  # the first num_init come without any proxy fit
        arch = opt.ask()
        assert opt.strategy.step_log == []
        opt.tell(arch, objective(arch))
    run_ask_tell(opt, 20)
    # One fit -> search -> select step per batch of 5, after 10, 15, 20, 25 evaluations.
    assert [s["evaluations"] for s in opt.strategy.step_log] == [10, 15, 20, 25]
    assert all(s["candidates"] > 0 and math.isfinite(s["fit_loss"]) for s in opt.strategy.step_log)
    assert all(s["search_objective"] is not None for s in opt.strategy.step_log)


def test_initial_architectures_ignore_the_objective(tiny_optiproxy_config) -> None:
    # The first num_init are uniformly random: the objective cannot influence them, only what follows.
    up = match_objective()
    down = lambda arch: -up(arch)  # noqa: E731
    a = run_ask_tell(Study(OptiProxy(NasBench201(), tiny_optiproxy_config(), seed=4)), 20, up)
    b = run_ask_tell(Study(OptiProxy(NasBench201(), tiny_optiproxy_config(), seed=4)), 20, down)
    assert a[:10] == b[:10]
    assert a[10:] != b[10:]


def test_proposals_improve_on_the_random_start(tiny_optiproxy_config) -> None:
    # On the unimodal match objective (mean 1.2 for a random cell, max 6) the proxy-guided
    # batches should be clearly better than the random initial ones.
    opt = Study(OptiProxy(NasBench201(), tiny_optiproxy_config(model_epochs=40, search_epochs=30), seed=5))
    run_ask_tell(opt, 30)
    values = [t.value for t in opt.trials]
    assert np.mean(values[20:]) > np.mean(values[:10]) + 1.0


@pytest.mark.parametrize("stop", [10, 13, 20])
def test_restored_study_continues_identically(tiny_optiproxy_config, stop: int) -> None:
    config = tiny_optiproxy_config()
    reference = Study(OptiProxy(NasBench201(), config, seed=6))
    run_ask_tell(reference, stop)
    restored = Study(OptiProxy(NasBench201(), config, seed=6))
    assert restored.replay(copy.deepcopy(reference.storage.records())) == stop
    assert run_ask_tell(restored, 30 - stop) == run_ask_tell(reference, 30 - stop)


def test_restored_study_continues_identically_without_warm_start(tiny_optiproxy_config) -> None:
    config = tiny_optiproxy_config(warm_start=False)
    reference = Study(OptiProxy(NasBench201(), config, seed=6))
    run_ask_tell(reference, 13)
    restored = Study(OptiProxy(NasBench201(), config, seed=6))
    restored.replay(reference.storage.records())
    assert run_ask_tell(restored, 17) == run_ask_tell(reference, 17)


def test_state_from_another_config_is_refused(tiny_optiproxy_config) -> None:
    opt = Study(OptiProxy(NasBench201(), tiny_optiproxy_config(), seed=0))
    run_ask_tell(opt, 10)
    other = OptiProxy(NasBench201(), tiny_optiproxy_config(batch_size=4), seed=0)
    with pytest.raises(ValueError, match="other settings"):
        other.load_state_dict(opt.strategy.state_dict())


@pytest.mark.parametrize("overrides", [{"selection": "random"}, {"sampling": "uniform"},
                                       {"selection": "random", "sampling": "uniform"},
                                       {"proxy": "mlp", "distinct_scores": False, "op_noise": 0.0}])
def test_ablations_run(tiny_optiproxy_config, overrides) -> None:
    space = NasBench201()
    opt = Study(OptiProxy(space, tiny_optiproxy_config(**overrides), seed=7))
    archs = run_ask_tell(opt, 25)
    assert len(set(archs)) == 25 and all(space.is_valid(a) for a in archs)
    assert [s["evaluations"] for s in opt.strategy.step_log] == [10, 15, 20]


def test_failed_evaluations_are_excluded_from_the_fit(tiny_optiproxy_config) -> None:
    opt = Study(OptiProxy(NasBench201(), tiny_optiproxy_config(), seed=8))
    fitted = []
    fit = opt.strategy.trainer.fit

    def recording_fit(x, adj, y):
        fitted.append((len(y), y.clone(), sum(not t.failed for t in opt.trials)))
        return fit(x, adj, y)

    opt.strategy.trainer.fit = recording_fit
    objective = match_objective()

    def flaky(arch: Architecture) -> float:
        if arch.ops[0] == 1:  # 'none' on the first edge: a failed run
            return math.nan
        if arch.ops[0] == 4:
            raise RuntimeError("training diverged")
        return objective(arch)

    best = opt.optimize(flaky, 30)
    failures = [t for t in opt.trials if t.failed]
    assert len(opt.trials) == 30 and failures and best.value is not None
    assert all("error" in t.info for t in failures)
    assert fitted, "the proxy was never fitted"
    for n, y, successes in fitted:
        assert n == successes and bool(np.isfinite(y.numpy()).all())


def test_all_initial_failures_keep_sampling_randomly(tiny_optiproxy_config) -> None:
    opt = Study(OptiProxy(NasBench201(), tiny_optiproxy_config(), seed=9))
    calls = []

    def fails_first(arch: Architecture) -> float:
        calls.append(arch)
        return math.nan if len(calls) <= 12 else match_objective()(arch)

    opt.optimize(fails_first, 25)
    assert len(opt.trials) == 25 and len(set(calls)) == 25
    assert opt.strategy.step_log and opt.strategy.step_log[0]["evaluations"] >= 13  # no fit before the first success


def test_runs_on_nasbench_graph_without_duplicate_cells(tiny_optiproxy_config) -> None:
    space = NasBenchGraph()
    gcn = space.op_names.index("gcn")

    def objective(arch: Architecture) -> float:
        return float(sum(o == gcn for o in arch.ops) + sum(c == 0 for c in arch.topology))

    opt = Study(OptiProxy(space, tiny_optiproxy_config(), seed=10))
    archs = run_ask_tell(opt, 20, objective)
    assert all(space.is_valid(a) for a in archs)
    assert len({space.key(a) for a in archs}) == 20
    assert opt.strategy.distribution.beta is not None and opt.strategy.gradient_search.beta_optimizer is not None


@pytest.mark.parametrize("incumbents", [0, 1, 2])
def test_local_candidates_add_the_neighbours_of_the_best_trials(tiny_optiproxy_config, incumbents) -> None:
    space = NasBench201()
    config = tiny_optiproxy_config(num_groups=1, candidates_per_group=1, local_candidates=incumbents)
    opt = Study(OptiProxy(space, config, seed=11))
    run_ask_tell(opt, 15)
    pool = {space.key(a) for a in opt.strategy._candidates()}
    best = sorted(opt.trials, key=lambda t: -t.value)
    for rank, trial in enumerate(best[:3]):
        unseen = {space.key(a) for a in space.neighbours(trial.arch) if not opt.is_seen(a)}
        assert unseen and (unseen <= pool) == (rank < incumbents)
    assert len(pool) <= 1 + incumbents * len(space.neighbours(best[0].arch))


def test_default_settings_beat_random_search_on_real_nasbench201(tmp_path, monkeypatch) -> None:
    # About 7 s for OptiProxy on 2 CPU cores (one torch thread); random search is instant.
    from naslib_optiproxy.objectives import NasBench201Objective

    monkeypatch.chdir(tmp_path)  # no ./data: the bundled table
    objective = NasBench201Objective("cifar10")
    assert objective.data_source == {"kind": "bundled", "name": "nb201_cifar10", "sha256": ANY}
    budget, seeds = 40, [0]
    optiproxy = [Study(OptiProxy(NasBench201(), OptiProxyConfig(), seed=s)).optimize(objective, budget).value
                 for s in seeds]
    random_same_seeds = [Study(RandomSearch(NasBench201(), seed=s)).optimize(objective, budget).value for s in seeds]
    random_ten_seeds = [Study(RandomSearch(NasBench201(), seed=s)).optimize(objective, budget).value for s in range(10)]
    assert np.mean(optiproxy) > np.mean(random_same_seeds)
    assert np.mean(optiproxy) > np.mean(random_ten_seeds)  # about 90.8 for random search at 40 evaluations


def _point_group_at(strategy: OptiProxy, group: int, arch: Architecture) -> None:
    """Make ``arch`` the most likely architecture of ``group`` (alpha peaked on its ops)."""
    alpha = strategy.distribution.alpha
    with torch.no_grad():
        alpha[group] = 0.0
        for slot, op in enumerate(arch.ops):
            alpha[group, slot, op] = 5.0


@pytest.mark.parametrize("patience", [1, 2])
def test_restart_stale_redraws_a_group_collapsed_on_an_evaluated_architecture(tiny_optiproxy_config, patience) -> None:
    opt = Study(OptiProxy(NasBench201(), tiny_optiproxy_config(restart_stale=patience), seed=12))
    run_ask_tell(opt, 10)
    strategy = opt.strategy
    search = strategy.gradient_search
    search.alpha_optimizer.exp_avg.fill_(1.0)
    _point_group_at(strategy, 0, opt.trials[0].arch)  # evaluated: stale
    unseen = next(a for a in (NasBench201().sample(np.random.default_rng(s)) for s in range(100)) if not opt.is_seen(a))
    _point_group_at(strategy, 1, unseen)  # not evaluated yet: kept
    kept = strategy.distribution.alpha[1:].clone()
    for step in range(1, patience + 1):
        restarted = strategy._restart_stale_groups()
        assert restarted == ([0] if step == patience else [])
    alpha = strategy.distribution.alpha
    low, width = strategy.config.loop.lhs_lower, strategy.config.loop.lhs_range
    assert torch.all((alpha[0] >= low) & (alpha[0] <= low + width))  # drawn afresh in the LHS range
    torch.testing.assert_close(alpha[1:], kept)
    size = alpha[0].numel()
    assert torch.all(search.alpha_optimizer.exp_avg[:size] == 0) and torch.all(search.alpha_optimizer.exp_avg[size:] == 1)
    assert strategy._stale_steps == [0, 0, 0]


def test_restart_stale_off_by_default_and_logged(tiny_optiproxy_config) -> None:
    assert OptiProxyConfig().loop.restart_stale == 0
    off = Study(OptiProxy(NasBench201(), tiny_optiproxy_config(), seed=13))
    run_ask_tell(off, 25)
    assert all(s["restarted_groups"] == [] for s in off.strategy.step_log)
    # patience 1 on the match objective: groups converge onto evaluated cells and are redrawn
    on = Study(OptiProxy(NasBench201(), tiny_optiproxy_config(restart_stale=1, search_epochs=60), seed=13))
    run_ask_tell(on, 40)
    assert any(s["restarted_groups"] for s in on.strategy.step_log)


def test_restored_study_continues_identically_with_restarts(tiny_optiproxy_config) -> None:
    # patience 2, stopped between the first stale step (30) and the restart (35): the count must carry over
    config = tiny_optiproxy_config(restart_stale=2, search_epochs=60)
    reference = Study(OptiProxy(NasBench201(), config, seed=14))
    run_ask_tell(reference, 32)
    restored = Study(OptiProxy(NasBench201(), config, seed=14))
    restored.replay(reference.storage.records())
    assert run_ask_tell(restored, 8) == run_ask_tell(reference, 8)


def test_a_batch_larger_than_what_is_left_does_not_end_the_run() -> None:
    """After num_init random evaluations the candidate pool cannot fill a batch of 15,000: the batch is topped up
    with unseen architectures and the run reaches its budget (it used to stop at 10 with "space ran out")."""
    config = OptiProxyConfig(batch_size=15_000, num_init=10, model_epochs=2, search_epochs=2)
    study = Study(OptiProxy(NasBench201(), config, seed=0))
    study.optimize(lambda arch: float(sum(arch.ops)), budget=25)
    assert len(study.trials) == 25 and not study.exhausted
    with pytest.raises(ValueError, match="search.batch_size 15625 is not smaller than the nasbench201 space"):
        OptiProxy(NasBench201(), OptiProxyConfig(batch_size=15_625))


def test_ei_selection_prefers_spread_below_the_best_over_a_confident_tie(tiny_optiproxy_config, monkeypatch) -> None:
    # selection "ei": the members' mean and spread decide, not the first proxy alone
    opt = Study(OptiProxy(NasBench201(), tiny_optiproxy_config(selection="ei", ensemble_size=3, batch_size=2),
                          seed=0)).strategy
    assert len(opt.ensemble) == 2  # the strategy's proxy is the first member
    rng = np.random.default_rng(0)
    candidates = list({NasBench201().sample(rng) for _ in range(40)})[:4]
    opt._best_target = torch.tensor([1.0])
    # standardised predictions of the three members for the four candidates
    first = torch.tensor([1.5, 0.0, 0.9, 0.9])
    others = torch.tensor([[1.5, 2.0, 0.9, 0.9], [1.5, -2.0, 0.9, 0.9]])
    monkeypatch.setattr(opt.trainer, "predict", lambda x, adj, standardised=False: first)
    monkeypatch.setattr(opt.ensemble, "predict", lambda x, adj: others)
    # candidate 0: a sure improvement of 0.5; 1: mean 0, spread 2 (EI about 0.40); 2 and 3: a sure 0.9, no EI
    assert opt._select(candidates) == [candidates[0], candidates[1]]
    opt.config.loop.selection = "proxy"  # the first proxy alone ranks candidate 1 last
    assert opt._select(candidates) == [candidates[0], candidates[2]]


def test_ei_selection_runs_and_keeps_the_same_seed_same_history(tiny_optiproxy_config) -> None:
    config = tiny_optiproxy_config(selection="ei", ensemble_size=2)
    history = run_ask_tell(Study(OptiProxy(NasBench201(), config, seed=5)), 25)
    assert len(set(history)) == 25
    assert run_ask_tell(Study(OptiProxy(NasBench201(), config, seed=5)), 25) == history
    plain = run_ask_tell(Study(OptiProxy(NasBench201(), tiny_optiproxy_config(), seed=5)), 25)
    assert plain[:10] == history[:10] and plain != history


def test_ei_slots_split_the_batch_between_the_first_proxy_and_expected_improvement(tiny_optiproxy_config,
                                                                                   monkeypatch) -> None:
    opt = Study(OptiProxy(NasBench201(), tiny_optiproxy_config(selection="ei", ensemble_size=2, batch_size=3,
                                                               ei_slots=1), seed=0)).strategy
    rng = np.random.default_rng(1)
    candidates = list({NasBench201().sample(rng) for _ in range(40)})[:4]
    opt._best_target = torch.tensor([1.0])
    first = torch.tensor([0.9, 0.8, 0.7, 0.0])  # the first proxy's order: 0, 1, 2, 3
    other = torch.tensor([[0.9, 0.8, 0.7, 4.0]])  # candidate 3: spread and the highest expected improvement
    monkeypatch.setattr(opt.trainer, "predict", lambda x, adj, standardised=False: first)
    monkeypatch.setattr(opt.ensemble, "predict", lambda x, adj: other)
    assert opt._select(candidates) == [candidates[0], candidates[1], candidates[3]]
    opt.config.loop.ei_slots = 0  # every slot by expected improvement: 3 first, then by the members' mean
    assert opt._select(candidates) == [candidates[3], candidates[0], candidates[1]]


def test_ei_scope_local_ranks_only_the_incumbents_neighbours_by_expected_improvement(tiny_optiproxy_config,
                                                                                      monkeypatch) -> None:
    opt = Study(OptiProxy(NasBench201(), tiny_optiproxy_config(selection="ei", ensemble_size=2, batch_size=2,
                                                               local_candidates=1, ei_scope="local"),
                          seed=0)).strategy
    rng = np.random.default_rng(2)
    candidates = list({NasBench201().sample(rng) for _ in range(40)})[:4]
    opt._local_keys = {NasBench201().key(candidates[2]), NasBench201().key(candidates[3])}
    opt._best_target = torch.tensor([1.0])
    first = torch.tensor([0.0, 0.9, 0.5, 0.4])
    other = torch.tensor([[4.0, 0.9, 0.5, 0.4]])  # candidate 0: far and the highest expected improvement
    monkeypatch.setattr(opt.trainer, "predict", lambda x, adj, standardised=False: first)
    monkeypatch.setattr(opt.ensemble, "predict", lambda x, adj: other)
    assert opt._select(candidates) == [candidates[2], candidates[3]]  # the neighbours, by expected improvement
    opt.config.loop.ei_scope = "all"
    assert opt._select(candidates) == [candidates[0], candidates[1]]


def test_ei_model_gp_takes_mean_and_spread_from_the_gp(tiny_optiproxy_config, monkeypatch) -> None:
    opt = Study(OptiProxy(NasBench201(), tiny_optiproxy_config(selection="ei", ei_model="gp", batch_size=2),
                          seed=0)).strategy
    assert opt.ensemble is None and opt.gp is not None
    rng = np.random.default_rng(3)
    candidates = list({NasBench201().sample(rng) for _ in range(40)})[:4]
    opt._best_target = torch.tensor([1.0])
    monkeypatch.setattr(opt.trainer, "predict", lambda x, adj, standardised=False: torch.tensor([2.0, 1.9, 0, 0]))
    gp_mean, gp_std = torch.tensor([0.9, 0.9, 0.0, 1.2], dtype=torch.float64), torch.tensor([0.0, 0.1, 2.0, 0.0])
    monkeypatch.setattr(opt.gp, "predict", lambda codes: (gp_mean, gp_std.double()))
    # the GP's expected improvement: 2 (spread 2, about 0.40) and 3 (a sure 0.2) before the proxy's favourites
    assert opt._select(candidates) == [candidates[2], candidates[3]]


def test_ei_model_gp_runs_and_resumes_identically(tiny_optiproxy_config) -> None:
    config = tiny_optiproxy_config(selection="ei", ei_model="gp", ei_slots=1, local_candidates=2, ei_scope="local")
    reference = Study(OptiProxy(NasBench201(), config, seed=4))
    history = run_ask_tell(reference, 20)
    assert len(set(history)) == 20 and reference.strategy.step_log
    plain = run_ask_tell(Study(OptiProxy(NasBench201(), tiny_optiproxy_config(local_candidates=2), seed=4)), 20)
    assert plain[:10] == history[:10] and plain != history
    restored = Study(OptiProxy(NasBench201(), config, seed=4))
    restored.replay(copy.deepcopy(reference.storage.records()))
    assert run_ask_tell(restored, 10) == run_ask_tell(reference, 10)


def test_ei_scope_local_needs_local_candidates() -> None:
    with pytest.raises(ValueError, match="local_candidates is 0; set local_candidates"):
        OptiProxyConfig(selection="ei", ei_scope="local")


def test_ei_when_stalled_selects_by_expected_improvement_only_after_a_stall(tiny_optiproxy_config) -> None:
    config = tiny_optiproxy_config(ei_when_stalled=2, ensemble_size=2, batch_size=2)
    study = Study(OptiProxy(NasBench201(), config, seed=3))
    opt = study.strategy
    assert opt.ensemble is not None and not opt._stalled()
    values = iter([5.0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 6.0, 0, 0, 0])  # the best (5) stands for ten evaluations
    stalls = []
    for _ in range(14):
        study.tell(study.ask(), next(values))
        stalls.append(opt._stalled())
    # ten random (all told), then the last 2 x 2 evaluations never beat the best before them, until 6.0
    assert stalls == [False, False, False, False, True, True, True, True, True, True, False, False, False, False]
    # steps after 10 told (stalled) and after 12 (6.0 among the last four)
    assert [entry["stalled"] for entry in opt.step_log] == [True, False]


def test_ei_when_stalled_runs_and_keeps_the_same_seed_same_history(tiny_optiproxy_config) -> None:
    config = tiny_optiproxy_config(ei_when_stalled=1, ensemble_size=2)
    history = run_ask_tell(Study(OptiProxy(NasBench201(), config, seed=5)), 40)
    assert len(set(history)) == 40
    assert run_ask_tell(Study(OptiProxy(NasBench201(), config, seed=5)), 40) == history


def test_ei_when_stalled_needs_selection_proxy() -> None:
    with pytest.raises(ValueError, match="ei_when_stalled switches selection 'proxy'.*with selection 'ei' set it to 0"):
        OptiProxyConfig(selection="ei", ei_when_stalled=2)


def test_climb_moves_reach_unseen_cells_each_predicted_better_than_the_last(tiny_optiproxy_config) -> None:
    space = NasBench201()
    config = tiny_optiproxy_config(num_groups=1, candidates_per_group=2, local_candidates=1, climb_moves=2)
    study = Study(OptiProxy(space, config, seed=12))
    run_ask_tell(study, 15)
    opt = study.strategy
    pool = opt._candidates()
    climbed = opt._climbed(pool, ())
    score = opt._proxy_score(())
    reached = [a for a in climbed if space.key(a) in opt._climbed_keys]
    assert reached and not any(study.is_seen(a) for a in climbed)
    assert {space.key(a) for a in pool} <= {space.key(a) for a in climbed}
    # every cell reached is predicted above the best start it could come from two moves away or less
    starts = sorted(pool, key=lambda a: -score([a])[0])[: config.loop.batch_size]
    starts += [max(study.trials, key=lambda t: t.value).arch]
    for arch in reached:
        near = [s for s in starts if _edits(space, s, arch) <= 2]
        assert near and score([arch])[0] > min(score(near))
    assert "climbed" in opt.step_log[-1] and 0 <= opt.step_log[-1]["climbed"] <= config.loop.batch_size


def test_climb_moves_zero_leaves_the_history_unchanged_and_climbing_changes_it(tiny_optiproxy_config) -> None:
    plain = run_ask_tell(Study(OptiProxy(NasBench201(), tiny_optiproxy_config(), seed=6)), 30)
    climbing = tiny_optiproxy_config(climb_moves=3)
    history = run_ask_tell(Study(OptiProxy(NasBench201(), climbing, seed=6)), 30)
    assert history[:10] == plain[:10] and history != plain and len(set(history)) == 30
    assert run_ask_tell(Study(OptiProxy(NasBench201(), climbing, seed=6)), 30) == history


def test_climb_moves_need_the_proxy_to_select() -> None:
    with pytest.raises(ValueError, match="climb_moves climbs on the proxy's prediction.*set climb_moves to 0"):
        OptiProxyConfig(selection="random", climb_moves=2)


def _edits(space: NasBench201, a: Architecture, b: Architecture) -> int:
    return sum(x != y for x, y in zip(a.ops, b.ops))
