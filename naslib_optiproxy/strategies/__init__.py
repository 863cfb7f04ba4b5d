"""Ask/tell optimizers: OptiProxy and the baselines (RS, RE, LS), by NASLib name."""

from __future__ import annotations

from typing import Any, Dict, Optional, Type

from .base import Evaluation, Objective, Optimizer, Trial
from .local_search import LocalSearch
from .optiproxy import OptiProxy
from .random_search import RandomSearch
from .regularized_evolution import RegularizedEvolution

BASELINES: Dict[str, Type[Optimizer]] = {
    "rs": RandomSearch,
    "re": RegularizedEvolution,
    "ls": LocalSearch,
}
OPTIMIZERS: Dict[str, Type[Optimizer]] = {"optiproxy": OptiProxy, **BASELINES}


def make_optimizer(name: str, space, seed: int = 0, config: Optional[Dict[str, Any]] = None) -> Optimizer:
    """Build optimizer ``name``; ``config`` holds OptiProxy's settings (a YAML ``search:`` section)."""
    from ..config import OptiProxyConfig
    from ..spaces import did_you_mean

    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}{did_you_mean(name, OPTIMIZERS)}; "
                         f"available: {', '.join(OPTIMIZERS)}")
    if name == "optiproxy":
        return OptiProxy(space, OptiProxyConfig.from_dict(config or {}), seed=seed)
    if config:
        raise ValueError(f"optimizer {name!r} takes no search settings, got {sorted(config)}")
    return OPTIMIZERS[name](space, seed=seed)

__all__ = [
    "BASELINES",
    "Evaluation",
    "LocalSearch",
    "Objective",
    "OPTIMIZERS",
    "OptiProxy",
    "Optimizer",
    "make_optimizer",
    "RandomSearch",
    "RegularizedEvolution",
    "Trial",
]
