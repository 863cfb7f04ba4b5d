"""Strategies that search a Pareto front, by name: what ``make_strategy`` builds when objectives are given.

=============  ===============================================================  =====================================
name           strategy                                                         settings
=============  ===============================================================  =====================================
``optiproxy``  :class:`~naslib_optiproxy.strategies.optiproxy_mo.OptiProxyMO`   OptiProxy's keys and the ``mo_*`` keys
``rs``         :class:`~naslib_optiproxy.strategies.RandomSearch`                none
``nsga2``      Optuna's NSGA-II (:class:`~.mo_peers.OptunaFront`)               ``population_size``
``motpe``      Optuna's multi-objective TPE (:class:`~.mo_peers.OptunaFront`)   none
``limits``     constrained OptiProxy, one run per limit (:class:`~.limit_runs.LimitRuns`)  ``limits`` or ``quantiles``
=============  ===============================================================  =====================================

Example:
    >>> from naslib_optiproxy import NasBench201
    >>> make_front_strategy("nsga2", NasBench201(), "val,edgegpu_latency:min", settings={"population_size": 20}).name
    'nsga2'
"""

from __future__ import annotations

import importlib.util
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from .._text import did_you_mean
from ..config import KEYS
from ..pareto import Criterion
from ..spaces import SearchSpace
from .base import Strategy
from .limit_runs import LIMIT_QUANTILES, LimitRuns
from .mo_peers import OptunaFront
from .optiproxy_mo import FRONT_KEYS, FrontSettings, OptiProxyMO, mo_preset
from .peers.base import PEERS_HINT
from .random_search import RandomSearch

#: strategy name -> the settings it takes (``optiproxy``: OptiProxy's keys and :data:`FRONT_KEYS`)
FRONT_STRATEGIES: Dict[str, Tuple[str, ...]] = {
    "optiproxy": (*KEYS, *FRONT_KEYS), "rs": (), "nsga2": ("population_size",), "motpe": (),
    "limits": ("limits", "quantiles"),
}
#: the names that search a front only (they need objectives)
FRONT_ONLY = ("nsga2", "motpe", "limits")


def check_front_strategy(name: str, settings: Optional[Mapping[str, Any]] = None) -> None:
    """ValueError (with a close match) for a name that cannot search a front, a setting it does not take,
    or Optuna missing for ``nsga2``/``motpe``."""
    if name not in FRONT_STRATEGIES:
        raise ValueError(f"optimizer {name!r} searches one objective; with objectives use one of "
                         f"{', '.join(FRONT_STRATEGIES)}{did_you_mean(name, FRONT_STRATEGIES)}")
    known = FRONT_STRATEGIES[name]
    for key in settings or {}:
        if key not in known:
            takes = f"it takes {', '.join(known)}" if name != "optiproxy" else "see OptiProxyConfig and FrontSettings"
            raise ValueError(f"optimizer {name!r} with objectives has no setting {str(key)[:80]!r}"
                             f"{did_you_mean(str(key), known)}; " + (takes if known else "it takes none"))
    if name in ("nsga2", "motpe") and importlib.util.find_spec("optuna") is None:
        raise ValueError(f"optimizer {name} needs Optuna; install it with: {PEERS_HINT}")


def front_settings(settings: Optional[Mapping[str, Any]]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """OptiProxyMO's settings split into ``(OptiProxyConfig keys, FrontSettings keys)``."""
    values = dict(settings or {})
    return ({k: v for k, v in values.items() if k not in FRONT_KEYS},
            {k: v for k, v in values.items() if k in FRONT_KEYS})


def make_front_strategy(name: str, space: SearchSpace, criteria: Sequence[Criterion], seed: int = 0,
                        settings: Optional[Mapping[str, Any]] = None, dataset: Optional[str] = None) -> Strategy:
    """Build front strategy ``name`` (module table) for ``criteria``, its ``settings`` on top of its defaults.

    Raises:
        ValueError: An unknown name or setting (:func:`check_front_strategy`), or a bad value.
    """
    check_front_strategy(name, settings)
    values = dict(settings or {})
    if name == "optiproxy":
        config, front = front_settings(values)
        built = mo_preset(space, dataset, **config) if config else None
        return OptiProxyMO(space, criteria, built, FrontSettings.from_dict(front), seed=seed, dataset=dataset)
    if name == "rs":
        return RandomSearch(space, seed=seed)
    if name in ("nsga2", "motpe"):
        return OptunaFront(space, criteria, name, seed=seed, **values)
    return LimitRuns(space, criteria, values.get("limits"), seed=seed, dataset=dataset,
                     quantiles=values.get("quantiles", LIMIT_QUANTILES))


__all__ = ["FRONT_ONLY", "FRONT_STRATEGIES", "check_front_strategy", "front_settings", "make_front_strategy"]
