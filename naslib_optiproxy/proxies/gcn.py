"""The bidirectional GCN proxy of appendix A.4 (Eq. 3), on dense, possibly soft, graphs."""

from __future__ import annotations

import torch
from torch import nn


def normalized_adjacency(adj: torch.Tensor) -> torch.Tensor:
    """Row-normalised ``A + I`` (``[B, N, N]``): each node averages itself and its inputs' rows."""
    eye = torch.eye(adj.shape[-1], dtype=adj.dtype, device=adj.device)
    adj = adj + eye
    return adj / adj.sum(-1, keepdim=True)


class DirectedGraphConv(nn.Module):
    r"""One propagation layer of Eq. (3) in appendix A.4:

    .. math::
        V_{l+1} = \mathrm{LN}\big(\mathrm{Linear}\big([\mathrm{GELU}(\hat A_{in} V_l W_l^+) \,\|\,
                  \mathrm{GELU}(\hat A_{out} V_l W_l^-)]\big)\big)

    where :math:`\hat A_{in}` aggregates over each node's predecessors (information flows
    along the edges) and :math:`\hat A_{out}` over its successors (against them).

    Shapes: ``x: [B, N, F_in]``, ``a_in, a_out: [B, N, N]`` -> ``[B, N, F_out]``.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.out_channels = out_channels
        # W^+ and W^- side by side: one matmul computes both directions' messages.
        self.weight = nn.Linear(in_channels, 2 * out_channels, bias=False)
        self.combine = nn.Linear(2 * out_channels, out_channels)
        self.norm = nn.LayerNorm(out_channels)
        self.act = nn.GELU()
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for half in self.weight.weight.data.split(self.out_channels):
            nn.init.xavier_uniform_(half)
        self.combine.reset_parameters()
        self.norm.reset_parameters()

    def forward(self, x: torch.Tensor, a_in: torch.Tensor, a_out: torch.Tensor) -> torch.Tensor:
        h_in, h_out = self.weight(x).split(self.out_channels, dim=-1)
        # GELU is elementwise: one call on both directions' messages side by side
        messages = self.act(torch.cat([a_in @ h_in, a_out @ h_out], dim=-1))
        return self.norm(self.combine(messages))


class GCNProxy(nn.Module):
    """GCN proxy: ``layers`` x :class:`DirectedGraphConv`, mean readout, 2-layer MLP head.

    Accepts soft node features and soft adjacencies, so gradients reach alpha and beta.

    Args:
        num_features: Width F of the node features (the codec's ``num_features``).
        hidden: Width of every GCN layer (paper: 144).
        layers: Number of GCN layers (paper: 2).
        head_hidden: Width of the MLP head (paper: ``linear_size`` 144).
        dropout: Dropout before the head's output layer (active in ``train()`` only).
        num_outputs: Metrics predicted from the shared graph features (e.g. accuracy and
            latency, paper Sec. 3.2): one MLP head each.

    Shapes: ``x: [B, N, F]``, ``adj: [B, N, N]`` (``adj[b, i, j]``: edge i -> j) -> ``[B]``,
    or ``[B, num_outputs]`` when ``num_outputs > 1``.
    """

    def __init__(
        self, num_features: int, hidden: int = 144, layers: int = 2, head_hidden: int = 144, dropout: float = 0.0,
        num_outputs: int = 1,
    ) -> None:
        super().__init__()
        if num_outputs < 1:
            raise ValueError(f"num_outputs must be >= 1, got {num_outputs}")
        dims = [num_features] + [hidden] * layers
        self.convs = nn.ModuleList(DirectedGraphConv(i, o) for i, o in zip(dims[:-1], dims[1:]))
        self.num_outputs = num_outputs
        self.head = self._make_head(hidden, head_hidden, dropout)
        # Heads beyond the first are separate modules, so a one-output proxy keeps its state-dict keys.
        self.extra_heads = nn.ModuleList(self._make_head(hidden, head_hidden, dropout) for _ in range(num_outputs - 1))

    @staticmethod
    def _make_head(hidden: int, head_hidden: int, dropout: float) -> nn.Sequential:
        return nn.Sequential(nn.Linear(hidden, head_hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(head_hidden, 1))

    def forward(self, x: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        a_in = normalized_adjacency(adj.transpose(1, 2))
        a_out = normalized_adjacency(adj)
        for conv in self.convs:
            x = conv(x, a_in, a_out)
        features = x.mean(dim=1)
        if self.num_outputs == 1:
            return self.head(features).squeeze(-1)
        return torch.cat([self.head(features)] + [head(features) for head in self.extra_heads], dim=-1)
