"""Local search: hill-climbs to the optimum fast, scans neighbourhoods, restarts, ask/tell safe."""

from __future__ import annotations

import json
import math

import pytest

from naslib_optiproxy.strategies import LocalSearch
from naslib_optiproxy.study import Study
from naslib_optiproxy.spaces import NasBench201, NasBenchGraph

from ._helpers import HIDDEN, match_objective, run_ask_tell


def _is_neighbour(a, b) -> bool:
    return sum(x != y for x, y in zip(a.ops, b.ops)) == 1


@pytest.mark.parametrize("first_improvement", [True, False])
@pytest.mark.parametrize("seed", range(5))
def test_reaches_the_optimum_of_a_unimodal_objective_quickly(seed: int, first_improvement: bool) -> None:
    opt = Study(LocalSearch(NasBench201(), seed=seed, first_improvement=first_improvement))
    run_ask_tell(opt, 150)
    assert opt.best.arch.ops == HIDDEN  # random search needs ~7800 evaluations on average


def test_first_improvement_moves_to_the_first_better_neighbour() -> None:
    objective = match_objective()
    opt = Study(LocalSearch(NasBench201(), seed=0, num_init=10, first_improvement=True))
    run_ask_tell(opt, 10, objective)
    assert opt.strategy.centre is None
    while opt.best.value < 6:
        arch = opt.ask()
        centre = opt.strategy.centre
        assert centre is not None and _is_neighbour(arch, centre.arch)
        trial = opt.tell(arch, objective(arch))
        assert opt.strategy.centre is (trial if trial.value > centre.value else centre)


def test_best_improvement_scans_the_whole_neighbourhood_first() -> None:
    objective = match_objective()
    opt = Study(LocalSearch(NasBench201(), seed=0, num_init=10, first_improvement=False))
    run_ask_tell(opt, 10, objective)
    first = opt.ask()
    centre = opt.strategy.centre
    assert centre.value == max(t.value for t in opt.trials)
    opt.tell(first, objective(first))
    unseen = [a for a in NasBench201().neighbours(centre.arch) if not opt.is_seen(a)]
    scanned = run_ask_tell(opt, len(unseen), objective)[-len(unseen) :]
    assert sorted(scanned) == sorted(unseen) and opt.strategy.centre is centre
    opt.ask()
    best_neighbour = max((t for t in opt.trials if _is_neighbour(t.arch, centre.arch)), key=lambda t: t.value)
    assert opt.strategy.centre is best_neighbour


def test_restarts_from_a_random_architecture_at_a_local_optimum() -> None:
    space = NasBench201()
    opt = Study(LocalSearch(space, seed=0, num_init=3))
    flat = lambda arch: 1.0  # noqa: E731 - every architecture is a local optimum
    run_ask_tell(opt, 3, flat)
    centre = opt.trials[0]  # best on ties = first
    neighbours = {a for a in space.neighbours(centre.arch) if not opt.is_seen(a)}
    scanned = run_ask_tell(opt, len(neighbours), flat)[3:]
    assert set(scanned) == neighbours
    assert all(opt.is_seen(a) for a in space.neighbours(centre.arch))
    restart = opt.ask()
    assert not _is_neighbour(restart, centre.arch) and opt.strategy.centre is centre
    opt.tell(restart, 0.0)  # worse than the best so far, still the new centre
    assert opt.strategy.centre.arch == restart
    assert _is_neighbour(opt.ask(), restart)


def test_failed_restart_restarts_again() -> None:
    opt = Study(LocalSearch(NasBench201(), seed=0, num_init=2))
    archs = run_ask_tell(opt, 200, lambda arch: 1.0 if arch.ops[0] != 4 else math.nan)
    assert len(set(archs)) == 200


def test_ask_twice_before_tell() -> None:
    objective = match_objective()
    opt = Study(LocalSearch(NasBench201(), seed=1, num_init=5))
    early = [opt.ask() for _ in range(8)]  # nothing told yet: all random
    for arch in early:
        opt.tell(arch, objective(arch))
    a, b = opt.ask(), opt.ask()
    assert a != b and _is_neighbour(a, opt.strategy.centre.arch) and _is_neighbour(b, opt.strategy.centre.arch)
    opt.tell(b, objective(b))
    opt.tell(a, objective(a))
    archs = run_ask_tell(opt, 100, objective)
    assert len(set(archs)) == len(archs) == 110


def test_all_failures_keep_proposing_random_unique_archs() -> None:
    archs = run_ask_tell(Study(LocalSearch(NasBench201(), seed=0, num_init=3)), 50, lambda arch: math.nan)
    assert len(set(archs)) == 50


def test_seeded_and_unique_on_nasbench_graph() -> None:
    space = NasBenchGraph()
    objective = lambda arch: float(sum(arch.ops) - 3 * sum(arch.topology))  # noqa: E731
    a = run_ask_tell(Study(LocalSearch(space, seed=4)), 120, objective)
    assert a == run_ask_tell(Study(LocalSearch(space, seed=4)), 120, objective)
    assert len({space.key(x) for x in a}) == 120


@pytest.mark.parametrize("first_improvement", [True, False])
@pytest.mark.parametrize("stop", [5, 14, 37, 61])
def test_restored_study_continues_identically(stop: int, first_improvement: bool) -> None:
    reference = Study(LocalSearch(NasBench201(), seed=0, num_init=10, first_improvement=first_improvement))
    run_ask_tell(reference, stop)
    state = json.loads(json.dumps(reference.state_dict()))
    with pytest.raises(ValueError, match="other settings"):  # the state records the settings it needs
        Study(LocalSearch(NasBench201(), seed=7, first_improvement=not first_improvement)).load_state_dict(state)
    restored = Study(LocalSearch(NasBench201(), seed=7, num_init=10, first_improvement=first_improvement))
    restored.load_state_dict(state)
    assert restored.strategy.first_improvement is first_improvement and restored.strategy.seed == 0
    assert run_ask_tell(restored, 80) == run_ask_tell(reference, 80)


def test_restored_mid_restart() -> None:
    flat = lambda arch: 1.0  # noqa: E731
    reference = Study(LocalSearch(NasBench201(), seed=0, num_init=2))
    run_ask_tell(reference, 2 + 24, flat)
    pending = reference.ask()  # the restart, not told yet
    state = json.loads(json.dumps(reference.state_dict()))
    restored = Study(LocalSearch(NasBench201(), num_init=2))
    restored.load_state_dict(state)
    for opt in (reference, restored):
        opt.tell(pending, 0.5)
        assert opt.strategy.centre.arch == pending
    assert run_ask_tell(restored, 30, flat) == run_ask_tell(reference, 30, flat)


def test_invalid_num_init() -> None:
    with pytest.raises(ValueError):
        LocalSearch(NasBench201(), num_init=0)
