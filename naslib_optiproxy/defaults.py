"""Default OptiProxy settings per search space and dataset, chosen by measurement.

The numbers behind each choice are in ``docs/results.md`` (``benchmarks/`` reruns them).
Anything not listed here takes :class:`~naslib_optiproxy.config.OptiProxyConfig`'s default.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

DEFAULTS: Dict[str, Dict[str, Dict[str, Any]]] = {
    "nasbench201": {"*": {}},
    "nasbench_graph": {"*": {}},
}


def default_search_config(search_space: str, dataset: Optional[str] = None) -> Dict[str, Any]:
    """The tuned ``search:`` settings for ``search_space`` on ``dataset`` (a fresh dict)."""
    per_space = DEFAULTS.get(search_space, {})
    return {**per_space.get("*", {}), **per_space.get(str(dataset), {})}
