r"""Graph proxies of appendix A.4 (Eq. 3): PyG's dense convolutions run along and against the edges.

Eq. (3) propagates node features both ways over the architecture's DAG and combines the two:

.. math::
    V_{l+1} = \mathrm{LN}\big(\mathrm{Linear}\big([\mathrm{GELU}(\mathrm{conv}^+_l(V_l, A^\top))
              \,\|\, \mathrm{GELU}(\mathrm{conv}^-_l(V_l, A))]\big)\big)

``conv^+`` aggregates each node's predecessors (information flows along the edges), ``conv^-``
its successors. The convolutions are PyG's dense layers; the combine, LayerNorm, mean readout and
MLP head around them are ours. The ``proxy:`` key picks the layer family:

=========  ===================================  ==================================================
``gcn``    :class:`~torch_geometric.nn.DenseGCNConv`   (default) on the row-normalised ``A + I`` (below)
``gat``    :class:`~torch_geometric.nn.DenseGATConv`   4 heads; the adjacency is a mask (``A != 0``)
``gin``    :class:`~torch_geometric.nn.DenseGINConv`   ``MLP((1 + eps) V + A V)``, sum over soft edges
``sage``   :class:`~torch_geometric.nn.DenseSAGEConv`  ``W_1 V + W_2 (A V / max(1, rowsum A))``
=========  ===================================  ==================================================

**Normalisation of ``gcn``.** PyG's GCN normalisation ``D^-1/2 (A + I) D^-1/2`` takes ``D`` from
the rows only, which is not a degree normalisation on a directed graph (a node's in-degree scales
its senders). The proxy passes the row-normalised ``A + I`` (each node averages itself and its
inputs, as in the paper and its release) with ``add_loop=False``; its row sums are 1, so PyG's
normalisation leaves it as it is. ``benchmarks/proxy_tau.py`` measured both (``docs/proxies.md``).

**Soft graphs.** Relaxed encodings carry gradients to alpha through the node features and to
beta through the adjacency for ``gcn``, ``gin`` and ``sage``. ``gat`` uses the adjacency only as a
mask, as PyG's attention does: beta gets no gradient through it, so on spaces with a learnable
topology a ``gat`` proxy searches the operations only (the strategy warns).

Shapes: ``x: [B, N, F]``, ``adj: [B, N, N]`` (``adj[b, i, j]``: edge i -> j), optional
``mask: [B, N]`` (real nodes, for padded batches of different-size graphs) -> ``[B]``, or
``[B, num_outputs]`` with several heads. A PyG ``Data``/``Batch`` is accepted in place of ``x``.

``torch_geometric`` is imported when the first graph proxy is built (:func:`make_conv`), so
``import naslib_optiproxy``, ``--help`` and the baselines never load it (``tests/test_imports.py``).
"""

from __future__ import annotations

from typing import Optional, Tuple

import torch
from torch import nn

from ..pyg import import_pyg, is_graphs, to_dense

LAYERS = ("gcn", "gat", "gin", "sage")
GAT_HEADS = 4


def normalized_adjacency(adj: torch.Tensor) -> torch.Tensor:
    """Row-normalised ``A + I`` (``[B, N, N]``): each node averages itself and its inputs' rows."""
    eye = torch.eye(adj.shape[-1], dtype=adj.dtype, device=adj.device)
    adj = adj + eye
    return adj / adj.sum(-1, keepdim=True)


def make_conv(layer: str, in_channels: int, out_channels: int) -> nn.Module:
    """One PyG dense convolution of family ``layer`` (biases off: the combine layer has one).

    ``torch_geometric`` is imported here, when a graph proxy is first built (:func:`~naslib_optiproxy.pyg.import_pyg`).
    """
    import_pyg()
    from torch_geometric.nn import DenseGATConv, DenseGCNConv, DenseGINConv, DenseSAGEConv

    if layer == "gcn":
        return DenseGCNConv(in_channels, out_channels, bias=False)
    if layer == "gat":
        if out_channels % GAT_HEADS:
            raise ValueError(f"the attention width ({out_channels}) must be a multiple of the heads ({GAT_HEADS})")
        return DenseGATConv(in_channels, out_channels // GAT_HEADS, heads=GAT_HEADS, bias=False)
    if layer == "gin":
        mlp = nn.Sequential(nn.Linear(in_channels, out_channels), nn.GELU(), nn.Linear(out_channels, out_channels))
        return DenseGINConv(mlp, train_eps=True)
    if layer == "sage":
        return DenseSAGEConv(in_channels, out_channels, bias=False)
    raise ValueError(f"unknown graph layer {layer!r}; available: {', '.join(LAYERS)}")


class DirectedGraphConv(nn.Module):
    """One layer of Eq. (3): a PyG convolution along the edges, one against them, combined.

    Shapes: ``x: [B, N, F_in]``, ``a_in, a_out: [B, N, N]`` (row j: the nodes j reads from, as
    prepared by :meth:`GraphProxy.adjacencies`), ``mask: [B, N]`` or None -> ``[B, N, F_out]``.
    """

    def __init__(self, layer: str, in_channels: int, out_channels: int) -> None:
        super().__init__()
        with torch.random.fork_rng(devices=[]):  # built without drawing; reset_parameters draws
            self.along = make_conv(layer, in_channels, out_channels)
            self.against = make_conv(layer, in_channels, out_channels)
            self.combine = nn.Linear(2 * out_channels, out_channels)
        # gcn: self-loops are already in the row-normalised adjacency; sage has no such argument.
        self.call_kwargs = {"gcn": {"add_loop": False}, "sage": {}}.get(layer, {"add_loop": True})
        self.norm = nn.LayerNorm(out_channels)
        self.act = nn.GELU()
        if layer == "gcn":
            # Version 0.1's hand-written layer made these draws first: replaying them keeps seeded
            # runs of the default proxy on their published trajectories (tests/proxies/test_graph.py).
            nn.Linear(in_channels, 2 * out_channels, bias=False)
            nn.Linear(2 * out_channels, out_channels)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for module in (self.along, self.against, self.combine, self.norm):
            module.reset_parameters()

    def forward(self, x: torch.Tensor, a_in: torch.Tensor, a_out: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        messages = torch.cat([self.along(x, a_in, mask, **self.call_kwargs),
                              self.against(x, a_out, mask, **self.call_kwargs)], dim=-1)
        return self.norm(self.combine(self.act(messages)))


class GraphProxy(nn.Module):
    """Graph proxy: ``layers`` x :class:`DirectedGraphConv`, mean readout, 2-layer MLP head(s).

    Args:
        num_features: Width F of the node features (the codec's ``num_features``).
        layer: PyG layer family, one of :data:`LAYERS`.
        hidden: Width of every graph layer (paper: 144).
        layers: Number of graph layers (paper: 2).
        head_hidden: Width of the MLP head (paper: ``linear_size`` 144).
        dropout: Dropout before the head's output layer (active in ``train()`` only).
        num_outputs: Metrics predicted from the shared graph features (e.g. accuracy and
            latency, paper Sec. 3.2): one MLP head each.
    """

    def __init__(self, num_features: int, layer: str = "gcn", hidden: int = 144, layers: int = 2,
                 head_hidden: int = 144, dropout: float = 0.0, num_outputs: int = 1) -> None:
        super().__init__()
        if num_outputs < 1:
            raise ValueError(f"num_outputs must be >= 1, got {num_outputs}")
        self.layer = layer
        dims = [num_features] + [hidden] * layers
        self.convs = nn.ModuleList(DirectedGraphConv(layer, i, o) for i, o in zip(dims[:-1], dims[1:]))
        self.num_outputs = num_outputs
        self.head = self._make_head(hidden, head_hidden, dropout)
        # Heads beyond the first are separate modules, so a one-output proxy keeps its state-dict keys.
        self.extra_heads = nn.ModuleList(self._make_head(hidden, head_hidden, dropout) for _ in range(num_outputs - 1))

    @staticmethod
    def _make_head(hidden: int, head_hidden: int, dropout: float) -> nn.Sequential:
        return nn.Sequential(nn.Linear(hidden, head_hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(head_hidden, 1))

    def adjacencies(self, adj: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(a_in, a_out)``: the adjacency each direction's convolution reads, row j = node j's inputs."""
        if self.layer == "gcn":
            return normalized_adjacency(adj.transpose(1, 2)), normalized_adjacency(adj)
        return adj.transpose(1, 2), adj

    def forward(self, x, adj: Optional[torch.Tensor] = None, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        if adj is None and is_graphs(x):
            x, adj, mask = to_dense(x)
        a_in, a_out = self.adjacencies(adj)
        for conv in self.convs:
            x = conv(x, a_in, a_out, mask)
        if mask is None:
            features = x.mean(dim=1)
        else:
            weights = mask.to(x.dtype).unsqueeze(-1)
            features = (x * weights).sum(1) / weights.sum(1).clamp(min=1)
        if self.num_outputs == 1:
            return self.head(features).squeeze(-1)
        return torch.cat([self.head(features)] + [head(features) for head in self.extra_heads], dim=-1)


class GCNProxy(GraphProxy):
    """The paper's proxy: a :class:`GraphProxy` of PyG GCN layers (``proxy: gcn``), same arguments but ``layer``."""

    def __init__(self, num_features: int, hidden: int = 144, layers: int = 2, head_hidden: int = 144,
                 dropout: float = 0.0, num_outputs: int = 1) -> None:
        super().__init__(num_features, "gcn", hidden, layers, head_hidden, dropout, num_outputs)
