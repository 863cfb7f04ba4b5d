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
        num_outputs: Metrics predicted by the shared layers' last linear map.

    Shapes: ``x: [B, N, F]``, ``adj: [B, N, N]`` -> ``[B]`` (``[B, num_outputs]`` when ``num_outputs > 1``).
    """

    def __init__(self, num_nodes: int, num_features: int, hidden: int = 144, layers: int = 2, dropout: float = 0.0,
                 num_outputs: int = 1):
        super().__init__()
        if num_outputs < 1:
            raise ValueError(f"num_outputs must be >= 1, got {num_outputs}")
        dims = [num_nodes * (num_features + num_nodes)] + [hidden] * layers
        blocks = []
        for i, o in zip(dims[:-1], dims[1:]):
            blocks += [nn.Linear(i, o), nn.GELU(), nn.Dropout(dropout)]
        self.num_outputs = num_outputs
        self.body = nn.Sequential(*blocks, nn.Linear(dims[-1], num_outputs))

    def forward(self, x: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        out = self.body(torch.cat([x.flatten(1), adj.flatten(1)], dim=1))
        return out.squeeze(-1) if self.num_outputs == 1 else out
