"""NAS-Bench-Graph objective on the tables shipped in the nas-bench-graph wheel."""

from __future__ import annotations

import importlib.util
import pickle

import pytest

from naslib_optiproxy.objectives import BenchmarkDataError, NasBenchGraphObjective, get_objective
from naslib_optiproxy.objectives import nasbench_graph
from naslib_optiproxy.types import Evaluation
from naslib_optiproxy.spaces import Architecture


def test_returns_percent_values(cora: NasBenchGraphObjective) -> None:
    arch = cora.space.from_string("gcn~0|gat~0|skip~1|sage~2")
    result = cora(arch)
    assert isinstance(result, Evaluation)
    assert 1.0 < result.value <= 100.0
    assert set(result.info) == {"val", "test", "latency", "params"}
    assert result.info["val"] == result.value and 1.0 < result.info["test"] <= 100.0
    val, test, latency, params = cora._table[cora.space.key(arch)]
    expected = {"val": 100 * val, "test": 100 * test, "latency": latency, "params": params}
    assert result.info == pytest.approx(expected)
    assert len(cora) == 26206 and cora.source.name == "cora.bench"


def test_isomorphic_architectures_evaluate_identically(cora: NasBenchGraphObjective) -> None:
    # All four nodes read the input: swapping two nodes' ops gives the same cell.
    first = Architecture((1, 0, 4, 2), (0, 0, 0, 0))
    second = Architecture((0, 1, 2, 4), (0, 0, 0, 0))
    assert cora.space.key(first) == cora.space.key(second)
    assert cora(first) == cora(second)


def test_optimum(cora: NasBenchGraphObjective) -> None:
    arch, val, test = cora.optimum()
    assert cora.space.is_valid(arch)
    assert cora(arch) == Evaluation(val, cora(arch).info) and cora(arch).info["test"] == test
    assert val == pytest.approx(100 * max(r[0] for r in cora._table.values()))
    assert round(val, 3) == 81.933


def test_dataset_names() -> None:
    assert NasBenchGraphObjective("CiteSeer").dataset == "citeseer"
    with pytest.raises(ValueError, match="did you mean 'cora'"):
        NasBenchGraphObjective("coraa")


def test_invalid_architecture_is_rejected(cora: NasBenchGraphObjective) -> None:
    with pytest.raises(ValueError, match="not a NAS-Bench-Graph architecture"):
        cora(Architecture((8, 8, 8, 8), (0, 0, 0, 0)))  # all-skip cells are not in the benchmark


def test_loads_without_plain_pickle(monkeypatch) -> None:
    def forbidden(*args, **kwargs):
        raise AssertionError("plain pickle.load used")

    monkeypatch.setattr(pickle, "load", forbidden)
    nasbench_graph._load_table.cache_clear()
    assert len(NasBenchGraphObjective("pubmed")) == 26206


def test_missing_package_says_how_to_install(monkeypatch) -> None:
    real = importlib.util.find_spec
    def find_spec(name, *args):
        return None if name == "nas_bench_graph" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(BenchmarkDataError, match="pip install nas-bench-graph"):
        NasBenchGraphObjective("cora")


def test_get_objective_defaults_to_cora() -> None:
    objective = get_objective("nasbench_graph")
    assert isinstance(objective, NasBenchGraphObjective) and objective.dataset == "cora"
    assert get_objective("nasbench_graph", "photo").dataset == "photo"
