"""Every objective ``get_objective`` builds is a :class:`~naslib_optiproxy.types.BenchmarkObjective`."""

from __future__ import annotations

import numpy as np
import pytest

from naslib_optiproxy.objectives import get_objective
from naslib_optiproxy.types import BenchmarkObjective, Evaluation, Objective

BUILT = [
    ("nasbench201", "cifar10", {}),
    ("nasbench201", "imagenet16", {"constraint": "edgegpu_latency<=2"}),
    ("nasbench201", "cifar100", {"fidelity": "low"}),
    ("nasbench201", None, {"fidelity": "full"}),
    ("hw_nas_bench", None, {"constraint": "edgegpu_latency<=2"}),
    ("nasbench_graph", "cora", {}),
    ("nasbench_graph", "cora", {"constraint": "latency<=0.01"}),
]


@pytest.mark.parametrize("space, dataset, options", BUILT, ids=[f"{s}-{d}-{sorted(o)}" for s, d, o in BUILT])
def test_benchmark_objectives_follow_the_protocol(space, dataset, options) -> None:
    objective = get_objective(space, dataset, **options)
    assert isinstance(objective, BenchmarkObjective)
    assert objective.dataset in ("cifar10", "cifar100", "ImageNet16-120", "cora")  # canonical, defaults filled in
    evaluation = objective(objective.space.sample(np.random.default_rng(0)))
    assert isinstance(evaluation, Evaluation)


def test_any_callable_is_an_objective_but_not_a_benchmark() -> None:
    def plain(arch):
        return 1.0

    assert isinstance(plain, Objective) and not isinstance(plain, BenchmarkObjective)
