"""Differentiable proxy models, their loss and their fitting."""

from __future__ import annotations

from .factory import PROXIES, ProxySettings, build_proxy
from .fit import FitSettings, ProxyTrainer, Standardizer
from .gat import DirectedGraphAttention, GATProxy
from .gcn import DirectedGraphConv, GCNProxy, normalized_adjacency
from .loss import pairwise_ranking_loss, proxy_loss
from .mlp import MLPProxy

__all__ = [
    "DirectedGraphAttention", "DirectedGraphConv", "GATProxy", "GCNProxy", "MLPProxy", "FitSettings",
    "ProxyTrainer", "Standardizer",
    "pairwise_ranking_loss", "proxy_loss", "normalized_adjacency", "build_proxy", "PROXIES", "ProxySettings",
]
