"""Strategies propose architectures: OptiProxy and the baselines (RS, RE, LS), by NASLib name."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Type

from .._text import did_you_mean
from ..config import OptiProxyConfig
from ..spaces import SearchSpace
from .base import History, SpaceExhaustedError, Strategy, sample_unseen
from .local_search import LocalSearch
from .optiproxy import OptiProxy
from .random_search import RandomSearch
from .regularized_evolution import RegularizedEvolution

BASELINES: Dict[str, Type[Strategy]] = {
    "rs": RandomSearch,
    "re": RegularizedEvolution,
    "ls": LocalSearch,
}
STRATEGIES: Dict[str, Type[Strategy]] = {"optiproxy": OptiProxy, **BASELINES}


def check_strategy(name: str, settings: Optional[Mapping[str, Any]] = None) -> None:
    """ValueError (with a close match) for an unknown strategy, or settings given to a baseline."""
    if name not in STRATEGIES:
        raise ValueError(f"unknown optimizer {name!r}{did_you_mean(name, STRATEGIES)}; "
                         f"available: {', '.join(STRATEGIES)}")
    if name != "optiproxy" and settings:
        raise ValueError(f"optimizer {name!r} takes no search settings, got search: {sorted(settings)}; "
                         f"remove them or use optimizer optiproxy")


def strategy_config(space: Any, dataset: Optional[str] = None, settings: Optional[Mapping[str, Any]] = None,
                    constrained: bool = False) -> OptiProxyConfig:
    """OptiProxy's measured preset for the space/dataset with ``settings`` (flat keys) on top."""
    return OptiProxyConfig.preset(space, dataset, constrained).replace(**dict(settings or {}))


def make_strategy(name: str, space: SearchSpace, seed: int = 0, settings: Optional[Mapping[str, Any]] = None,
                  dataset: Optional[str] = None, constrained: bool = False) -> Strategy:
    """Build strategy ``name``; OptiProxy takes the measured preset with ``settings`` (flat keys) on top."""
    check_strategy(name, settings)
    if name == "optiproxy":
        strategy = OptiProxy(space, strategy_config(space, dataset, settings, constrained), seed=seed)
        strategy.from_preset = not settings  # an untouched preset still follows the objective's dataset
        return strategy
    return STRATEGIES[name](space, seed=seed)


__all__ = [
    "BASELINES", "History", "LocalSearch", "OptiProxy", "RandomSearch", "RegularizedEvolution", "STRATEGIES",
    "SpaceExhaustedError", "Strategy", "check_strategy", "make_strategy", "sample_unseen", "strategy_config",
]
