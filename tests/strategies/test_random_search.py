"""Random search: valid, unique, reproducible, restorable, exhausts small spaces cleanly."""

from __future__ import annotations

import json

import pytest

from naslib_optiproxy.strategies import RandomSearch
from naslib_optiproxy.study import Study
from naslib_optiproxy.spaces import NasBench201, NasBenchGraph

from ._helpers import run_ask_tell


def test_valid_and_never_repeated() -> None:
    space = NasBench201()
    archs = run_ask_tell(Study(RandomSearch(space, seed=0)), 500)
    assert all(space.is_valid(a) for a in archs)
    assert len(set(archs)) == 500


def test_nasbench_graph_keys_are_unique() -> None:
    space = NasBenchGraph()
    opt = Study(RandomSearch(space, seed=1))
    keys = [space.key(opt.ask()) for _ in range(300)]
    assert len(set(keys)) == 300


def test_seeded() -> None:
    first, again, other = (run_ask_tell(Study(RandomSearch(NasBench201(), seed=s)), 50) for s in (3, 3, 4))
    assert first == again and first != other


def test_restored_study_continues_identically() -> None:
    reference = Study(RandomSearch(NasBench201(), seed=0))
    run_ask_tell(reference, 20)
    state = json.loads(json.dumps(reference.state_dict()))
    restored = Study(RandomSearch(NasBench201(), seed=99))
    restored.load_state_dict(state)
    assert run_ask_tell(restored, 30) == run_ask_tell(reference, 30)


def test_uniform_over_ops() -> None:
    opt = Study(RandomSearch(NasBench201(), seed=0))
    counts = [0] * 5
    for arch in (opt.ask() for _ in range(2000)):
        for op in arch.ops:
            counts[op] += 1
    assert all(abs(c / 12000 - 0.2) < 0.02 for c in counts)


def test_exhausts_a_small_space_then_raises(tiny_space) -> None:
    opt = Study(RandomSearch(tiny_space, seed=0))
    archs = [opt.ask() for _ in range(9)]
    assert sorted(archs) == sorted(tiny_space)
    with pytest.raises(RuntimeError, match="no unseen architecture"):
        opt.ask()
