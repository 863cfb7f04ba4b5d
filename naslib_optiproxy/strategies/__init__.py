"""Strategies propose architectures: OptiProxy, the baselines (RS, RE, LS) and the peer optimizers, by name.

With objectives (several criteria), :func:`make_strategy` builds a front strategy instead
(:mod:`~naslib_optiproxy.strategies.fronts`: ``optiproxy`` is then OptiProxyMO; ``rs``, ``nsga2``,
``motpe``, ``limits``).
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence, Type, Union

from .._text import did_you_mean
from ..config import OptiProxyConfig, resolve_settings
from ..pareto import Criterion
from ..spaces import SearchSpace
from .base import History, SpaceExhaustedError, Strategy, sample_unseen
from .fronts import FRONT_ONLY, FRONT_STRATEGIES, check_front_strategy, make_front_strategy
from .local_search import LocalSearch
from .optiproxy import OptiProxy
from .peers import PEERS, MissingLibraryError, PeerStrategy
from .random_search import RandomSearch
from .regularized_evolution import RegularizedEvolution

BASELINES: Dict[str, Type[Strategy]] = {
    "rs": RandomSearch,
    "re": RegularizedEvolution,
    "ls": LocalSearch,
}
STRATEGIES: Dict[str, Type[Strategy]] = {"optiproxy": OptiProxy, **BASELINES, **PEERS}


def check_strategy(name: str, settings: Optional[Mapping[str, Any]] = None,
                   criteria: Optional[Sequence[Criterion]] = None) -> None:
    """ValueError (with a close match) for an unknown strategy, settings given to another than OptiProxy,
    or a peer optimizer whose library is not installed (the message gives the install command).

    With ``criteria`` (a multi-objective search): :func:`~naslib_optiproxy.strategies.fronts.check_front_strategy`.
    """
    if criteria is not None:
        check_front_strategy(name, settings)
        return
    if name in FRONT_ONLY:
        raise ValueError(f"optimizer {name!r} searches a front: give two or more objectives (--objectives "
                         f"val,edgegpu_latency:min, or objectives: in YAML)")
    if name not in STRATEGIES:
        raise ValueError(f"unknown optimizer {name!r}{did_you_mean(name, STRATEGIES)}; "
                         f"available: {', '.join(STRATEGIES)} (with objectives: {', '.join(FRONT_STRATEGIES)})")
    if name != "optiproxy" and settings:
        raise ValueError(f"optimizer {name!r} takes no search settings, got search: {sorted(settings)}; "
                         f"remove them or use optimizer optiproxy")
    if name in PEERS:
        try:
            PEERS[name].available()
        except MissingLibraryError as error:
            raise ValueError(str(error)) from None


def make_strategy(name: str, space: SearchSpace, seed: int = 0,
                  settings: Union[None, OptiProxyConfig, Mapping[str, Any]] = None,
                  dataset: Optional[str] = None, constrained: bool = False, budget: Optional[int] = None,
                  workdir: Optional[str] = None, criteria: Optional[Sequence[Criterion]] = None) -> Strategy:
    """Build strategy ``name`` for the space (and dataset, constraint: they choose OptiProxy's preset).

    ``settings``: OptiProxy's flat keys over the preset, or a whole :class:`OptiProxyConfig`.
    ``budget``, ``workdir``: the run's budget and a folder for scratch files, for the peer
    optimizers that use them (SMAC3: ``n_trials``, its private output folder).
    ``criteria``: two or more objectives: a front strategy (:mod:`~naslib_optiproxy.strategies.fronts`;
    ``settings`` as flat keys).
    """
    if criteria is not None:
        if isinstance(settings, OptiProxyConfig):
            settings = settings.to_dict()
        return make_front_strategy(name, space, criteria, seed, settings, dataset)
    whole = isinstance(settings, OptiProxyConfig)
    check_strategy(name, settings.to_dict() if whole else settings)
    if name in PEERS:
        return PEERS[name](space, seed=seed, budget=budget, workdir=workdir)
    if name != "optiproxy":
        return STRATEGIES[name](space, seed=seed)
    return OptiProxy(space, resolve_settings(space, dataset, constrained, settings)[1], seed=seed)


__all__ = [
    "BASELINES", "FRONT_STRATEGIES", "History", "LocalSearch", "MissingLibraryError", "OptiProxy", "PEERS",
    "PeerStrategy", "RandomSearch", "RegularizedEvolution", "STRATEGIES", "SpaceExhaustedError", "Strategy", "check_strategy", "make_strategy",
    "sample_unseen",
]
