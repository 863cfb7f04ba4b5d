"""Differentiable proxy models, their loss and their fitting."""

from __future__ import annotations

from torch import nn

from .fit import FitSettings, ProxyTrainer, Standardizer
from .gat import DirectedGraphAttention, GATProxy
from .gcn import DirectedGraphConv, GCNProxy, normalized_adjacency
from .loss import pairwise_ranking_loss, proxy_loss
from .mlp import MLPProxy

PROXIES = ("gcn", "mlp", "gat")


def build_proxy(kind: str, num_nodes: int, num_features: int, hidden: int = 144, layers: int = 2,
                head_hidden: int = 144, dropout: float = 0.0, num_outputs: int = 1) -> nn.Module:
    """Build the proxy called ``kind`` (``gcn``, ``mlp`` or ``gat``) for a codec's graph layout.

    ``num_outputs > 1`` predicts several metrics (``[B, num_outputs]``), e.g. accuracy and latency.
    """
    if kind == "gcn":
        return GCNProxy(num_features, hidden, layers, head_hidden, dropout, num_outputs)
    if kind == "gat":
        return GATProxy(num_features, hidden, layers, head_hidden, dropout, num_outputs)
    if kind == "mlp":
        return MLPProxy(num_nodes, num_features, hidden, layers, dropout, num_outputs)
    from ..spaces import did_you_mean

    raise ValueError(f"unknown proxy {kind!r}{did_you_mean(kind, PROXIES)}; available: {', '.join(PROXIES)}")


__all__ = [
    "DirectedGraphAttention", "DirectedGraphConv", "GATProxy", "GCNProxy", "MLPProxy", "FitSettings",
    "ProxyTrainer", "Standardizer",
    "pairwise_ranking_loss", "proxy_loss", "normalized_adjacency", "build_proxy", "PROXIES",
]
