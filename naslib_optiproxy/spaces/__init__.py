"""Search-space codecs and the registry that builds them by name."""

from __future__ import annotations

from typing import Callable, Dict

from .._text import did_you_mean
from .base import (
    Architecture,
    BernoulliTopology,
    ChoiceTopology,
    FixedTopology,
    SearchSpace,
)
from .nasbench101 import NasBench101
from .nasbench201 import NasBench201
from .nasbench301 import NasBench301
from .nasbench_graph import NasBenchGraph
from .nasbench_nlp import NasBenchNLP

SEARCH_SPACES: Dict[str, Callable[..., SearchSpace]] = {
    "nasbench101": lambda dataset=None: NasBench101(),
    "nasbench201": lambda dataset=None: NasBench201(),
    "nasbench_graph": lambda dataset=None: NasBenchGraph(dataset),
    "nasbench301": lambda dataset=None: NasBench301(),
    "nasbench_nlp": lambda dataset=None: NasBenchNLP(),
}


def get_search_space(name: str, dataset: str | None = None) -> SearchSpace:
    """Build the codec called ``name`` (``nasbench201`` or ``nasbench_graph``)."""
    if name not in SEARCH_SPACES:
        raise ValueError(
            f"unknown search space {name!r}{did_you_mean(name, SEARCH_SPACES)}; "
            f"available: {', '.join(SEARCH_SPACES)}"
        )
    return SEARCH_SPACES[name](dataset)


__all__ = [
    "Architecture",
    "BernoulliTopology",
    "ChoiceTopology",
    "FixedTopology",
    "NasBench101",
    "NasBench201",
    "NasBench301",
    "NasBenchGraph",
    "NasBenchNLP",
    "SearchSpace",
    "SEARCH_SPACES",
    "get_search_space",
    "did_you_mean",
]
