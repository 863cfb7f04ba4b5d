"""Differentiable proxy models, their loss and their fitting.

The graph proxies (:mod:`.graph`) are built from PyG layers, one registered family each
(:mod:`.families`); ``torch_geometric`` is imported when the first one is built, so
``import naslib_optiproxy`` and the baselines never pay for it.
"""

from __future__ import annotations

from .factory import PROXIES, ProxySettings, build_proxy
from .families import FAMILIES, LAYERS, LayerFamily, make_conv, normalized_adjacency
from .fit import CopulaStandardizer, FitSettings, ProxyTrainer, Standardizer
from .graph import DirectedGraphConv, GraphProxy, initialise_seeded
from .loss import pairwise_ranking_loss, proxy_loss
from .mlp import MLPProxy

__all__ = [
    "DirectedGraphConv", "FAMILIES", "GraphProxy", "LAYERS", "LayerFamily", "MLPProxy", "FitSettings", "ProxyTrainer",
    "CopulaStandardizer", "Standardizer", "initialise_seeded", "make_conv", "pairwise_ranking_loss", "proxy_loss", "normalized_adjacency",
    "build_proxy", "PROXIES", "ProxySettings",
]
