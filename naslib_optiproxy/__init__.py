"""naslib-optiproxy: OptiProxy-NAS (gradient search through a differentiable proxy) for NAS.

Quick start::

    from naslib_optiproxy import OptiProxy, get_objective
    objective = get_objective("nasbench_graph", "cora")
    opt = OptiProxy(objective.space, seed=0)
    best = opt.optimize(objective, budget=100)
    print(objective.space.to_string(best.arch), best.value)
"""

from .objectives import BenchmarkDataError, get_objective
from .config import OptiProxyConfig
from .strategies import (
    BASELINES,
    OPTIMIZERS,
    Evaluation,
    LocalSearch,
    Optimizer,
    OptiProxy,
    RandomSearch,
    RegularizedEvolution,
    Trial,
    make_optimizer,
)
from .spaces import Architecture, NasBench201, NasBenchGraph, SearchSpace, get_search_space

__version__ = "0.1.0"

__all__ = [
    "Architecture", "BASELINES", "BenchmarkDataError", "Evaluation", "LocalSearch", "NasBench201",
    "NasBenchGraph", "OPTIMIZERS", "OptiProxy", "OptiProxyConfig", "Optimizer", "RandomSearch",
    "RegularizedEvolution", "SearchSpace", "Trial", "get_objective", "get_search_space", "make_optimizer",
    "__version__",
]
