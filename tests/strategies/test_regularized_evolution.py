"""Regularized evolution: random start, aging population, one-edit mutations, beats RS."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from naslib_optiproxy.strategies import RandomSearch, RegularizedEvolution
from naslib_optiproxy.study import Study
from naslib_optiproxy.spaces import NasBench201, NasBenchGraph

from ._helpers import match_objective, run_ask_tell


def test_first_population_is_random_like_rs() -> None:
    re_archs = run_ask_tell(Study(RegularizedEvolution(NasBench201(), seed=5, population_size=30)), 30)
    rs_archs = run_ask_tell(Study(RandomSearch(NasBench201(), seed=5)), 30)
    assert re_archs == rs_archs


def test_children_are_one_edit_mutations_of_the_population() -> None:
    space = NasBench201()
    opt = Study(RegularizedEvolution(space, seed=0, population_size=20, sample_size=5))
    objective = match_objective()
    run_ask_tell(opt, 20, objective)
    for _ in range(80):
        population = {t.arch for t in opt.strategy.population}
        child = opt.ask()
        assert any(sum(a != b for a, b in zip(child.ops, p.ops)) == 1 for p in population)
        opt.tell(child, objective(child))


def test_population_ages_and_skips_failures() -> None:
    opt = Study(RegularizedEvolution(NasBench201(), seed=0, population_size=4, sample_size=2))
    values = [1.0, math.nan, 2.0, 3.0, 4.0, math.nan, 5.0]
    for value in values:
        opt.tell(opt.ask(), value)
    assert [t.value for t in opt.strategy.population] == [2.0, 3.0, 4.0, 5.0]
    assert len(opt.strategy.population) == opt.strategy.population_size


def test_beats_random_search_on_average() -> None:
    objective = match_objective()
    re_best = [Study(RegularizedEvolution(NasBench201(), seed=s)).optimize(objective, 100).value for s in range(5)]
    rs_best = [Study(RandomSearch(NasBench201(), seed=s)).optimize(objective, 100).value for s in range(5)]
    assert np.mean(re_best) > np.mean(rs_best)


def test_seeded_and_unique() -> None:
    a = run_ask_tell(Study(RegularizedEvolution(NasBench201(), seed=2)), 150)
    assert a == run_ask_tell(Study(RegularizedEvolution(NasBench201(), seed=2)), 150)
    assert len(set(a)) == 150


def test_unique_on_nasbench_graph() -> None:
    space = NasBenchGraph()
    opt = Study(RegularizedEvolution(space, seed=0, population_size=10, sample_size=3))
    archs = run_ask_tell(opt, 80, lambda arch: float(sum(arch.ops) + sum(arch.topology)))
    assert len({space.key(a) for a in archs}) == 80


def test_falls_back_to_random_when_mutations_are_exhausted(tiny_space) -> None:
    opt = Study(RegularizedEvolution(tiny_space, seed=0, population_size=2, sample_size=2))
    archs = run_ask_tell(opt, 9, lambda arch: float(arch.ops[0]))
    assert sorted(archs) == sorted(tiny_space)


def test_restored_study_continues_identically() -> None:
    reference = Study(RegularizedEvolution(NasBench201(), seed=0, population_size=10, sample_size=4))
    run_ask_tell(reference, 25)
    state = json.loads(json.dumps(reference.state_dict()))
    with pytest.raises(ValueError, match="other settings"):  # the state records the settings it needs
        Study(RegularizedEvolution(NasBench201())).load_state_dict(state)
    restored = Study(RegularizedEvolution(NasBench201(), seed=3, population_size=10, sample_size=4))
    restored.load_state_dict(state)
    assert (restored.strategy.population_size, restored.strategy.sample_size, restored.strategy.seed) == (10, 4, 0)
    assert run_ask_tell(restored, 40) == run_ask_tell(reference, 40)


@pytest.mark.parametrize("kwargs", [{"population_size": 0}, {"sample_size": 0}, {"max_mutations": 0}])
def test_invalid_arguments(kwargs) -> None:
    with pytest.raises(ValueError):
        RegularizedEvolution(NasBench201(), **kwargs)
