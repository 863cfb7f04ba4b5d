"""Strategies propose architectures: OptiProxy and the baselines (RS, RE, LS), by NASLib name."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Type, Union

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
    return OptiProxyConfig.preset(space, dataset, constrained, **dict(settings or {}))


def make_strategy(name: str, space: SearchSpace, seed: int = 0,
                  settings: Union[None, OptiProxyConfig, Mapping[str, Any]] = None,
                  dataset: Optional[str] = None, constrained: bool = False) -> Strategy:
    """Build strategy ``name`` for the space (and dataset, constraint: they choose OptiProxy's preset).

    ``settings``: OptiProxy's flat keys over the preset, or a whole :class:`OptiProxyConfig`.
    """
    whole = isinstance(settings, OptiProxyConfig)
    check_strategy(name, settings.to_dict() if whole else settings)
    if name != "optiproxy":
        return STRATEGIES[name](space, seed=seed)
    if whole:
        return OptiProxy(space, settings, seed=seed)
    if settings:
        return OptiProxy(space, strategy_config(space, dataset, settings, constrained), seed=seed)
    # the preset itself: a study refines it with its objective's dataset and constraint if need be
    return OptiProxy(space, seed=seed, dataset=dataset, constrained=constrained)


__all__ = [
    "BASELINES", "History", "LocalSearch", "OptiProxy", "RandomSearch", "RegularizedEvolution", "STRATEGIES",
    "SpaceExhaustedError", "Strategy", "check_strategy", "make_strategy", "sample_unseen", "strategy_config",
]
