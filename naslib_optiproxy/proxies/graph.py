r"""Graph proxies of appendix A.4 (Eq. 3): PyG's dense convolutions run along and against the edges.

Eq. (3) propagates node features both ways over the architecture's DAG and combines the two:

.. math::
    V_{l+1} = \mathrm{LN}\big(\mathrm{Linear}\big([\mathrm{GELU}(\mathrm{conv}^+_l(V_l, A^\top))
              \,\|\, \mathrm{GELU}(\mathrm{conv}^-_l(V_l, A))]\big)\big)

``conv^+`` aggregates each node's predecessors (information flows along the edges), ``conv^-``
its successors. The convolutions are PyG's dense layers; the combine, LayerNorm, mean readout and
MLP head around them are ours. The ``proxy:`` key picks the layer family; each family's
convolution, the adjacency it reads and its call arguments are registered in
:mod:`~naslib_optiproxy.proxies.families`.

Shapes: ``x: [B, N, F]``, ``adj: [B, N, N]`` (``adj[b, i, j]``: edge i -> j), optional
``mask: [B, N]`` (real nodes, for padded batches of different-size graphs) -> ``[B]``, or
``[B, num_outputs]`` with several heads. A PyG ``Data``/``Batch`` is accepted in place of ``x``.

**Initialisation.** Every part initialises itself when built, as PyG's layers do, and
``reset_parameters()`` draws it afresh. :func:`initialise_seeded` draws a built proxy in the order
that seeded runs have always used (:func:`~naslib_optiproxy.proxies.factory.build_proxy` applies it).
"""

from __future__ import annotations

from typing import Optional, Tuple

import torch
from torch import nn

from ..pyg import is_graphs, to_dense
from .families import LAYERS, family, make_conv


class DirectedGraphConv(nn.Module):
    """One layer of Eq. (3): a PyG convolution along the edges, one against them, combined.

    Shapes: ``x: [B, N, F_in]``, ``a_in, a_out: [B, N, N]`` (row j: the nodes j reads from, as
    prepared by :meth:`GraphProxy.adjacencies`), ``mask: [B, N]`` or None -> ``[B, N, F_out]``.
    """

    def __init__(self, layer: str, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.layer, self.in_channels, self.out_channels = layer, in_channels, out_channels
        self.call_kwargs = dict(family(layer).call_kwargs)
        self.along = make_conv(layer, in_channels, out_channels)
        self.against = make_conv(layer, in_channels, out_channels)
        self.combine = nn.Linear(2 * out_channels, out_channels)
        self.norm = nn.LayerNorm(out_channels)
        self.act = nn.GELU()

    def reset_parameters(self) -> None:
        for module in (self.along, self.against, self.combine, self.norm):
            module.reset_parameters()

    def forward(self, x: torch.Tensor, a_in: torch.Tensor, a_out: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        messages = torch.cat([self.along(x, a_in, mask, **self.call_kwargs),
                              self.against(x, a_out, mask, **self.call_kwargs)], dim=-1)
        return self.norm(self.combine(self.act(messages)))

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.layer}, {self.in_channels}, {self.out_channels})"


class GraphProxy(nn.Module):
    """Graph proxy: ``layers`` x :class:`DirectedGraphConv`, mean readout, 2-layer MLP head(s).

    Args:
        num_features: Width F of the node features (the codec's ``num_features``).
        layer: PyG layer family, one of :data:`~naslib_optiproxy.proxies.families.LAYERS`.
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

    def reset_parameters(self) -> None:
        for conv in self.convs:
            conv.reset_parameters()
        self.reset_heads()

    def reset_heads(self) -> None:
        """Draw the MLP heads afresh, in order."""
        for head in [self.head, *self.extra_heads]:
            for module in head:
                if isinstance(module, nn.Linear):
                    module.reset_parameters()

    def adjacencies(self, adj: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(a_in, a_out)``: the adjacency each direction's convolution reads, row j = node j's inputs."""
        adjacency = family(self.layer).adjacency
        return adjacency(adj.transpose(1, 2)), adjacency(adj)

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


def initialise_seeded(proxy: GraphProxy) -> None:
    """Draw a built proxy's parameters from torch's global generator in the order seeded runs use.

    Layer by layer ``reset_parameters()``, then the heads. For families registered with
    ``v0_1_draws`` (gcn), each layer first draws the two weight matrices of version 0.1's
    hand-written layer and drops them: seeded runs keep their published trajectories
    (``tests/proxies/test_graph.py``).
    """
    v0_1 = family(proxy.layer).v0_1_draws
    for conv in proxy.convs:
        if v0_1:
            nn.Linear(conv.in_channels, 2 * conv.out_channels, bias=False)
            nn.Linear(2 * conv.out_channels, conv.out_channels)
        conv.reset_parameters()
    proxy.reset_heads()


__all__ = ["DirectedGraphConv", "GraphProxy", "LAYERS", "initialise_seeded"]
