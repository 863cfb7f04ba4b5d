"""Differentiable proxy models, their loss and their fitting."""

from __future__ import annotations

from torch import nn

from .fit import FitSettings, ProxyTrainer, Standardizer
from .gcn import DirectedGraphConv, GCNProxy, normalized_adjacency
from .loss import pairwise_ranking_loss, proxy_loss
from .mlp import MLPProxy

PROXIES = ("gcn", "mlp")


def build_proxy(kind: str, num_nodes: int, num_features: int, hidden: int = 144, layers: int = 2,
                head_hidden: int = 144, dropout: float = 0.0) -> nn.Module:
    """Build the proxy called ``kind`` (``gcn`` or ``mlp``) for a codec's graph layout."""
    if kind == "gcn":
        return GCNProxy(num_features, hidden, layers, head_hidden, dropout)
    if kind == "mlp":
        return MLPProxy(num_nodes, num_features, hidden, layers, dropout)
    from ..spaces import did_you_mean

    raise ValueError(f"unknown proxy {kind!r}{did_you_mean(kind, PROXIES)}; available: {', '.join(PROXIES)}")


__all__ = [
    "DirectedGraphConv", "GCNProxy", "MLPProxy", "FitSettings", "ProxyTrainer", "Standardizer",
    "pairwise_ranking_loss", "proxy_loss", "normalized_adjacency", "build_proxy", "PROXIES",
]
