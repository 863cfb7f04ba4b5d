"""Differentiable proxy models, their loss and their fitting.

The graph proxies (:mod:`.graph`) are built from PyG layers; ``torch_geometric`` is imported
when the first one is built, so ``import naslib_optiproxy`` and the baselines never pay for it.
"""

from __future__ import annotations

from .factory import PROXIES, ProxySettings, build_proxy
from .fit import FitSettings, ProxyTrainer, Standardizer
from .graph import LAYERS, DirectedGraphConv, GCNProxy, GraphProxy, make_conv, normalized_adjacency
from .loss import pairwise_ranking_loss, proxy_loss
from .mlp import MLPProxy

__all__ = [
    "DirectedGraphConv", "GCNProxy", "GraphProxy", "LAYERS", "MLPProxy", "FitSettings", "ProxyTrainer",
    "Standardizer", "make_conv", "pairwise_ranking_loss", "proxy_loss", "normalized_adjacency", "build_proxy",
    "PROXIES", "ProxySettings",
]
