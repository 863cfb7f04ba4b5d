r"""The graph-layer families of the graph proxy, one registry entry each (``proxy:`` key).

=========  ===================================  ==================================================
``gcn``    :class:`~torch_geometric.nn.DenseGCNConv`   (default) on the row-normalised ``A + I`` (below)
``gat``    :class:`~torch_geometric.nn.DenseGATConv`   4 heads; the adjacency is a mask (``A != 0``)
``gin``    :class:`~torch_geometric.nn.DenseGINConv`   ``MLP((1 + eps) V + A V)``, sum over soft edges
``sage``   :class:`~torch_geometric.nn.DenseSAGEConv`  ``W_1 V + W_2 (A V / max(1, rowsum A))``
=========  ===================================  ==================================================

An entry (:class:`LayerFamily`) says how to build the family's convolution, which adjacency it
reads and what every call passes; :mod:`~naslib_optiproxy.proxies.graph` only looks them up.

**Normalisation of ``gcn``.** PyG's GCN normalisation ``D^-1/2 (A + I) D^-1/2`` takes ``D`` from
the rows only, which is not a degree normalisation on a directed graph (a node's in-degree scales
its senders). The proxy passes the row-normalised ``A + I`` (each node averages itself and its
inputs, as in the paper and its release) with ``add_loop=False``; its row sums are 1, so PyG's
normalisation leaves it as it is. ``benchmarks/studies/proxy_tau.py`` measured both (``docs/proxies.md``).

**Soft graphs.** Relaxed encodings carry gradients to alpha through the node features and to
beta through the adjacency for ``gcn``, ``gin`` and ``sage``. ``gat`` uses the adjacency only as a
mask, as PyG's attention does: beta gets no gradient through it, so on spaces with a learnable
topology a ``gat`` proxy searches the operations only (the strategy warns).

``torch_geometric`` is imported when the first convolution is built (:func:`make_conv`), so
``import naslib_optiproxy``, ``--help`` and the baselines never load it (``tests/test_imports.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable, Dict, Mapping

import torch
from torch import nn

from .._text import did_you_mean
from ..pyg import import_pyg

GAT_HEADS = 4


def normalized_adjacency(adj: torch.Tensor) -> torch.Tensor:
    """Row-normalised ``A + I`` (``[B, N, N]``): each node averages itself and its inputs' rows."""
    eye = torch.eye(adj.shape[-1], dtype=adj.dtype, device=adj.device)
    adj = adj + eye
    return adj / adj.sum(-1, keepdim=True)


def as_is(adj: torch.Tensor) -> torch.Tensor:
    """The adjacency unchanged (the convolution normalises, or masks, itself)."""
    return adj


@dataclass(frozen=True)
class LayerFamily:
    """How the graph proxy uses one PyG dense convolution family.

    Attributes:
        conv: ``(torch_geometric.nn, in_channels, out_channels) ->`` the convolution, biases off
            (the combine layer after it has one).
        adjacency: What each direction's convolution reads, from ``[B, N, N]`` with row j = node
            j's inputs.
        call_kwargs: Keyword arguments of every call of the convolution.
        v0_1_draws: Seeded initialisation first draws version 0.1's hand-written weights of each
            layer and drops them (:func:`~naslib_optiproxy.proxies.graph.initialise_seeded`).
    """

    conv: Callable[[ModuleType, int, int], nn.Module]
    adjacency: Callable[[torch.Tensor], torch.Tensor] = as_is
    call_kwargs: Mapping[str, Any] = field(default_factory=dict)
    v0_1_draws: bool = False


def _gat(pyg_nn: ModuleType, in_channels: int, out_channels: int) -> nn.Module:
    if out_channels % GAT_HEADS:
        raise ValueError(f"the attention width ({out_channels}) must be a multiple of the heads ({GAT_HEADS})")
    return pyg_nn.DenseGATConv(in_channels, out_channels // GAT_HEADS, heads=GAT_HEADS, bias=False)


def _gin(pyg_nn: ModuleType, in_channels: int, out_channels: int) -> nn.Module:
    mlp = nn.Sequential(nn.Linear(in_channels, out_channels), nn.GELU(), nn.Linear(out_channels, out_channels))
    return pyg_nn.DenseGINConv(mlp, train_eps=True)


#: The families by ``proxy:`` name. gcn's self-loops are already in the row-normalised adjacency;
#: sage takes no ``add_loop``.
FAMILIES: Dict[str, LayerFamily] = {
    "gcn": LayerFamily(lambda pyg_nn, i, o: pyg_nn.DenseGCNConv(i, o, bias=False), normalized_adjacency,
                       {"add_loop": False}, v0_1_draws=True),
    "gat": LayerFamily(_gat, call_kwargs={"add_loop": True}),
    "gin": LayerFamily(_gin, call_kwargs={"add_loop": True}),
    "sage": LayerFamily(lambda pyg_nn, i, o: pyg_nn.DenseSAGEConv(i, o, bias=False)),
}
LAYERS = tuple(FAMILIES)


def family(layer: str) -> LayerFamily:
    """The registry entry of ``layer``; a ``ValueError`` naming the families for an unknown one."""
    if layer not in FAMILIES:
        raise ValueError(f"unknown graph layer {layer!r}{did_you_mean(layer, LAYERS)}; available: {', '.join(LAYERS)}")
    return FAMILIES[layer]


def make_conv(layer: str, in_channels: int, out_channels: int) -> nn.Module:
    """One PyG dense convolution of family ``layer``, initialised as PyG does (global generator).

    ``torch_geometric`` is imported here, when a graph proxy is first built (:func:`~naslib_optiproxy.pyg.import_pyg`).
    """
    entry = family(layer)
    return entry.conv(import_pyg().nn, in_channels, out_channels)


__all__ = ["FAMILIES", "GAT_HEADS", "LAYERS", "LayerFamily", "as_is", "family", "make_conv", "normalized_adjacency"]
