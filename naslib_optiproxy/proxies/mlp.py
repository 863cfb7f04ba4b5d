"""MLP proxy (paper appendix A.4, Table 1): the flattened op and adjacency matrices."""

from __future__ import annotations

import torch
from torch import nn


class MLPProxy(nn.Module):
    """Multi-layer perceptron on ``concat(flatten(x), flatten(adj))``.

    Args:
        num_nodes: N of the codec's graph layout.
        num_features: F of the codec's graph layout.
        hidden: Width of each hidden layer.
        layers: Number of hidden layers.
        dropout: Dropout after each hidden layer (``train()`` only).

    Shapes: ``x: [B, N, F]``, ``adj: [B, N, N]`` -> ``[B]``.
    """

    def __init__(self, num_nodes: int, num_features: int, hidden: int = 144, layers: int = 2, dropout: float = 0.0):
        super().__init__()
        dims = [num_nodes * (num_features + num_nodes)] + [hidden] * layers
        blocks = []
        for i, o in zip(dims[:-1], dims[1:]):
            blocks += [nn.Linear(i, o), nn.GELU(), nn.Dropout(dropout)]
        self.body = nn.Sequential(*blocks, nn.Linear(dims[-1], 1))

    def forward(self, x: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        return self.body(torch.cat([x.flatten(1), adj.flatten(1)], dim=1)).squeeze(-1)
