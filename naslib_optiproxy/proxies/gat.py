"""A GAT-style attention proxy (paper appendix A.4, Table 1) on dense, possibly soft, graphs.

Graph attention (Velickovic et al., 2018) restricted to the architecture graph: node ``j``
attends over its predecessors (and itself) in one direction and over its successors (and
itself) in the other, as the bidirectional GCN of Eq. (3) does. The soft adjacency weights
the attention: ``w_ij = A_ij exp(e_ij) / sum_k A_kj exp(e_kj)`` with ``A_jj = 1``, so a
missing edge gets no attention, a half-present edge half the un-normalised weight, and
gradients reach the adjacency (beta) as well as the node features (alpha).
"""

from __future__ import annotations

import torch
from torch import nn

from .gcn import GCNProxy


def soft_attention(logits: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Row-wise ``weights * exp(logits)``, normalised; rows need one positive weight (self-loops).

    Shapes: ``logits, weights: [B, H, N, N]`` (row ``j`` = the receiving node) -> same.
    """
    shift = logits.masked_fill(weights <= 0, float("-inf")).amax(-1, keepdim=True).detach()
    scores = weights * torch.exp((logits - shift).clamp(max=0.0))  # the clamp only touches weight-0 entries
    return scores / scores.sum(-1, keepdim=True)


class DirectedGraphAttention(nn.Module):
    """One bidirectional multi-head attention layer:
    ``LN(Linear([GELU(Att_in V W^+) || GELU(Att_out V W^-)]))``.

    Args:
        in_channels, out_channels: Feature widths; ``out_channels`` must divide by ``heads``.
        heads: Attention heads per direction.

    Shapes: ``x: [B, N, F_in]``, ``adj: [B, N, N]`` (``adj[b, i, j]``: edge i -> j) -> ``[B, N, F_out]``.
    """

    def __init__(self, in_channels: int, out_channels: int, heads: int = 4) -> None:
        super().__init__()
        if out_channels % heads:
            raise ValueError(f"the attention width ({out_channels}) must be a multiple of the heads ({heads})")
        self.heads, self.out_channels = heads, out_channels
        self.weight = nn.Linear(in_channels, 2 * out_channels, bias=False)  # W^+ and W^- side by side
        # Per direction and head: a_dst . h_receiver + a_src . h_sender (GAT's attention vector, split).
        self.att_dst = nn.Parameter(torch.empty(2, heads, out_channels // heads))
        self.att_src = nn.Parameter(torch.empty(2, heads, out_channels // heads))
        self.combine = nn.Linear(2 * out_channels, out_channels)
        self.norm = nn.LayerNorm(out_channels)
        self.act = nn.GELU()
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for half in self.weight.weight.data.split(self.out_channels):
            nn.init.xavier_uniform_(half)
        nn.init.xavier_uniform_(self.att_dst)
        nn.init.xavier_uniform_(self.att_src)
        self.combine.reset_parameters()
        self.norm.reset_parameters()

    def _attend(self, h: torch.Tensor, neighbours: torch.Tensor, direction: int) -> torch.Tensor:
        """``h: [B, N, C]``, ``neighbours[b, j, i]``: weight of i in j's neighbourhood -> ``[B, N, C]``."""
        batch, nodes, _ = h.shape
        heads = h.view(batch, nodes, self.heads, -1).transpose(1, 2)  # [B, H, N, C/H]
        dst = (heads * self.att_dst[direction][None, :, None]).sum(-1)  # [B, H, N]
        src = (heads * self.att_src[direction][None, :, None]).sum(-1)
        logits = nn.functional.leaky_relu(dst[..., :, None] + src[..., None, :], 0.2)  # [B, H, N(j), N(i)]
        weights = soft_attention(logits, neighbours[:, None])
        return (weights @ heads).transpose(1, 2).reshape(batch, nodes, -1)

    def forward(self, x: torch.Tensor, a_in: torch.Tensor, a_out: torch.Tensor) -> torch.Tensor:
        """``a_in[b, j, i]`` / ``a_out[b, j, i]``: weight of predecessor / successor i of j, self-loop included.

        Row scaling cancels in the attention, so the GCN's row-normalised ``A + I`` can be passed as is.
        """
        h_in, h_out = self.weight(x).split(self.out_channels, dim=-1)
        forward_msg = self.act(self._attend(h_in, a_in, 0))
        backward_msg = self.act(self._attend(h_out, a_out, 1))
        return self.norm(self.combine(torch.cat([forward_msg, backward_msg], dim=-1)))


class GATProxy(GCNProxy):
    """GAT proxy: :class:`~naslib_optiproxy.proxies.gcn.GCNProxy` with its propagation layers
    (``convs``) replaced by :class:`DirectedGraphAttention`; same readout and head(s).

    Same arguments as ``GCNProxy``, plus ``heads`` (``hidden`` must be a multiple of it).
    Shapes: ``x: [B, N, F]``, ``adj: [B, N, N]`` -> ``[B]`` (``[B, num_outputs]`` when > 1).
    """

    def __init__(self, num_features: int, hidden: int = 144, layers: int = 2, head_hidden: int = 144,
                 dropout: float = 0.0, num_outputs: int = 1, heads: int = 4) -> None:
        super().__init__(num_features, hidden, layers, head_hidden, dropout, num_outputs)
        dims = [num_features] + [hidden] * layers
        self.convs = nn.ModuleList(DirectedGraphAttention(i, o, heads) for i, o in zip(dims[:-1], dims[1:]))
