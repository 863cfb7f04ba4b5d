"""naslib-optiproxy: OptiProxy-NAS (gradient search through a differentiable proxy) for NAS.

Quick start (the measured preset for the space and dataset applies when no config is given)::

    from naslib_optiproxy import OptiProxy, Study, get_objective
    objective = get_objective("nasbench201", "cifar10")
    study = Study(OptiProxy(objective.space, seed=0))
    best = study.optimize(objective, budget=100)
    print(objective.space.to_string(best.arch), best.value)

Layers: value types (:mod:`.types`), codecs (:mod:`.spaces`), the method (:mod:`.relaxations`,
:mod:`.distribution`, :mod:`.proxies`, :mod:`.search`, :mod:`.strategies`), the study
(:mod:`.study`, :mod:`.storage`, :mod:`.result`, :mod:`.run`), benchmarks (:mod:`.objectives`);
adapters at the edge (:mod:`.cli`, :mod:`.compare`, :mod:`.integrations`) are never imported here.
"""

from . import _startup

_startup.guard()  # first: Ctrl-C while the command line imports torch gives one line, not a traceback

from ._version import __version__
from .config import LoopSettings, OptiProxyConfig
from .constraints import ConstraintSettings
from .objectives import BenchmarkDataError, get_objective
from .proxies import FitSettings, ProxySettings
from .run import run_search
from .search import SearchSettings
from .spaces import NasBench201, NasBenchGraph, SearchSpace, get_search_space
from .storage import JournalStorage
from .strategies import (
    BASELINES,
    STRATEGIES,
    LocalSearch,
    OptiProxy,
    RandomSearch,
    RegularizedEvolution,
    Strategy,
    make_strategy,
)
from .study import AllFailedError, Study, TooManyFailuresError
from .threads import set_torch_threads
from .types import Architecture, Constraint, ConstraintValue, Evaluation, Trial

__all__ = [
    "AllFailedError", "Architecture", "BASELINES", "BenchmarkDataError", "Constraint", "ConstraintSettings",
    "ConstraintValue",
    "Evaluation", "FitSettings", "JournalStorage", "LocalSearch", "LoopSettings", "NasBench201", "NasBenchGraph",
    "OptiProxy", "OptiProxyConfig", "ProxySettings", "RandomSearch", "RegularizedEvolution", "STRATEGIES",
    "SearchSettings", "SearchSpace", "Strategy", "Study", "TooManyFailuresError", "Trial", "__version__",
    "get_objective", "get_search_space", "make_strategy", "run_search", "set_torch_threads",
]
