"""Tabular benchmarks as objectives: ``arch -> Evaluation`` (percent accuracies).

Example:
    >>> objective = get_objective("nasbench_graph", "cora")
    >>> arch, val, test = objective.optimum()
    >>> objective(arch).value == val
    True
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Optional, Union

from .._text import did_you_mean
from ..types import BenchmarkObjective
from .errors import BenchmarkDataError
from .nasbench101 import NasBench101Objective
from .nasbench201 import NasBench201Objective, load_nb201_table
from .nasbench301 import NasBench301Objective
from .nasbench_graph import NasBenchGraphObjective
from .nasbench_nlp import NasBenchNLPObjective
from .options import objective_with_options
from .safe_pickle import UnsafePickleError, safe_load

OBJECTIVES: Dict[str, Callable[..., BenchmarkObjective]] = {
    # The user's NASLib nasbench_only108.pkl in data_dir.
    "nasbench101": lambda dataset, data_dir: NasBench101Objective(dataset, data_dir),
    "nasbench201": lambda dataset, data_dir: NasBench201Objective(dataset, data_dir),
    # NAS-Bench-Graph's tables ship inside its package: no data directory.
    "nasbench_graph": lambda dataset, data_dir: NasBenchGraphObjective(dataset),
    # A surrogate model (ONNX or NB301 v0.9) in data_dir.
    "nasbench301": lambda dataset, data_dir: NasBench301Objective(dataset, data_dir),
    # NB201 accuracy under an HW-NAS-Bench constraint: needs the option constraint=...
    "hw_nas_bench": lambda dataset, data_dir: objective_with_options("hw_nas_bench", dataset, data_dir, {}),
    # The user's NASLib nb_nlp.pickle (+ optional NB-X11 surrogate nbnlp_v01/) in data_dir (PTB only).
    "nasbench_nlp": lambda dataset, data_dir: NasBenchNLPObjective(data_dir),
}


def get_objective(
    search_space: str,
    dataset: Optional[str] = None,
    data_dir: Optional[Union[str, "os.PathLike[str]"]] = None,
    **options: Any,
) -> BenchmarkObjective:
    """The benchmark objective of ``search_space`` on ``dataset`` (its default when ``None``).

    ``data_dir`` is where NAS-Bench-201 tables and NAS-Bench-301 surrogates are looked for;
    NAS-Bench-Graph ignores it. ``options`` (e.g. ``constraint="edgegpu_latency<=2"``,
    ``fidelity="low"``) are described in :mod:`~naslib_optiproxy.objectives.options`.
    """
    if search_space not in OBJECTIVES:
        raise ValueError(
            f"no benchmark for search space {search_space!r}{did_you_mean(search_space, OBJECTIVES)}; "
            f"available: {', '.join(OBJECTIVES)}"
        )
    if any(v is not None for v in options.values()):
        return objective_with_options(search_space, dataset, data_dir, options)
    return OBJECTIVES[search_space](dataset, data_dir)


__all__ = [
    "BenchmarkDataError",
    "NasBench101Objective",
    "NasBench201Objective",
    "NasBench301Objective",
    "NasBenchGraphObjective",
    "NasBenchNLPObjective",
    "OBJECTIVES",
    "UnsafePickleError",
    "get_objective",
    "load_nb201_table",
    "safe_load",
]
