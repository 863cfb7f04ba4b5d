"""Tabular benchmarks as objectives: ``arch -> Evaluation`` (percent accuracies).

Example:
    >>> objective = get_objective("nasbench_graph", "cora")
    >>> arch, val, test = objective.optimum()
    >>> objective(arch).value == val
    True
"""

from __future__ import annotations

import os
from typing import Callable, Dict, Optional, Union

from ..spaces import did_you_mean
from .errors import BenchmarkDataError
from .nasbench201 import NasBench201Objective, load_nb201_table
from .nasbench_graph import NasBenchGraphObjective
from .safe_pickle import UnsafePickleError, safe_load

Objective = Union[NasBench201Objective, NasBenchGraphObjective]

OBJECTIVES: Dict[str, Callable[..., Objective]] = {
    "nasbench201": lambda dataset, data_dir: NasBench201Objective(dataset or "cifar10", data_dir),
    # NAS-Bench-Graph's tables ship inside its package: no data directory.
    "nasbench_graph": lambda dataset, data_dir: NasBenchGraphObjective(dataset or "cora"),
}


def get_objective(
    search_space: str,
    dataset: Optional[str] = None,
    data_dir: Optional[Union[str, "os.PathLike[str]"]] = None,
) -> Objective:
    """The benchmark objective of ``search_space`` on ``dataset`` (its default when ``None``).

    ``data_dir`` is where NAS-Bench-201 tables are looked for; NAS-Bench-Graph ignores it.
    """
    if search_space not in OBJECTIVES:
        raise ValueError(
            f"no benchmark for search space {search_space!r}{did_you_mean(search_space, OBJECTIVES)}; "
            f"available: {', '.join(OBJECTIVES)}"
        )
    return OBJECTIVES[search_space](dataset, data_dir)


__all__ = [
    "BenchmarkDataError",
    "NasBench201Objective",
    "NasBenchGraphObjective",
    "OBJECTIVES",
    "UnsafePickleError",
    "get_objective",
    "load_nb201_table",
    "safe_load",
]
