"""Building a proxy by name: the proxy families and their size settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Optional

import torch
from torch import nn

from .._settings import setting, validate
from .._text import did_you_mean
from .families import LAYERS
from .graph import GraphProxy, initialise_seeded
from .mlp import MLPProxy

PROXIES = LAYERS + ("mlp",)


def build_proxy(kind: str, num_nodes: int, num_features: int, hidden: int = 144, layers: int = 2,
                head_hidden: int = 144, dropout: float = 0.0, num_outputs: int = 1) -> nn.Module:
    """Build the proxy called ``kind`` (one of :data:`PROXIES`) for a codec's graph layout.

    The graph families are :class:`~naslib_optiproxy.proxies.graph.GraphProxy` with that PyG layer
    (``torch_geometric`` is imported when one is built, not before), drawn from torch's global
    generator by :func:`~naslib_optiproxy.proxies.graph.initialise_seeded`. ``num_outputs > 1``
    predicts several metrics (``[B, num_outputs]``), e.g. accuracy and latency.
    """
    if kind == "mlp":
        return MLPProxy(num_nodes, num_features, hidden, layers, dropout, num_outputs)
    if kind in PROXIES:
        with torch.random.fork_rng(devices=[]):  # what building draws is undone: initialise_seeded draws
            proxy = GraphProxy(num_features, kind, hidden, layers, head_hidden, dropout, num_outputs)
        initialise_seeded(proxy)
        return proxy
    raise ValueError(f"unknown proxy {kind!r}{did_you_mean(kind, PROXIES)}; available: {', '.join(PROXIES)}")


@dataclass
class ProxySettings:
    """The proxy model (paper appendix A.4, Table 5), with its config keys."""

    section: ClassVar[str] = "model"  # its part of OptiProxyConfig (config.model)

    kind: str = setting("gcn", "proxy", choices=PROXIES, doc="proxy family: a PyG graph layer, or mlp")
    hidden: int = setting(144, "gcn_hidden", above=0, high=4096, doc="width of the graph layers")
    layers: int = setting(2, "gcn_layers", above=0, high=32, doc="graph layers (each along and against the edges)")
    head_hidden: int = setting(144, "linear_size", above=0, high=4096, doc="width of the readout MLP")
    dropout: float = setting(0.0, "dropout", low=0, high=1, doc="dropout between the graph layers")
    warm_start: bool = setting(True, "warm_start", doc="keep the proxy's weights between steps")

    def __post_init__(self) -> None:
        validate(self)

    def build(self, num_nodes: int, num_features: int, num_outputs: int = 1, seed: Optional[int] = None) -> nn.Module:
        """A freshly initialised proxy: drawn from ``torch.manual_seed(seed)``, leaving torch's global
        generator as it was, or without ``seed`` from the global generator."""
        with torch.random.fork_rng(devices=[], enabled=seed is not None):
            if seed is not None:
                torch.manual_seed(seed)
            return build_proxy(self.kind, num_nodes, num_features, self.hidden, self.layers, self.head_hidden,
                               self.dropout, num_outputs)


__all__ = ["PROXIES", "ProxySettings", "build_proxy"]
