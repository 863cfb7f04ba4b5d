"""The chance that an evaluation succeeds: a logistic regression on an architecture's encoding.

Some objectives fail for whole families of architectures (HW-NAS-Bench has no Edge-TPU latency
for 4,699 NB201 cells, most with a ``none`` op on the first edge; a real device rejects
operations it cannot run). A proxy fitted on the successful evaluations alone keeps proposing
such cells. :class:`SuccessModel` fits ``P(success | arch) = sigmoid(w . [flatten(x), flatten(adj)] + b)``
on every evaluation, successful or failed, with an L2 penalty; it is deterministic (full-batch
L-BFGS from zero weights) and differentiable in ``x`` and ``adj``, so relaxed encodings work too.
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import nn


class SuccessModel(nn.Module):
    """Logistic regression of evaluation success on the flattened encoding (module docstring).

    Args:
        l2: Weight of the squared-norm penalty on ``w`` (per evaluation: the loss is a mean).
        max_iter: L-BFGS iterations per fit.
    """

    def __init__(self, l2: float = 1e-2, max_iter: int = 100) -> None:
        super().__init__()
        self.l2 = l2
        self.max_iter = max_iter
        self.weight: Optional[nn.Parameter] = None
        self.bias: Optional[nn.Parameter] = None

    @staticmethod
    def _features(x: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        return torch.cat([x.flatten(1), adj.flatten(1)], dim=1)

    def fit(self, x: torch.Tensor, adj: torch.Tensor, succeeded: torch.Tensor) -> float:
        """Fit on encodings ``x [n, N, F]``, ``adj [n, N, N]`` and ``succeeded [n]`` (bool); returns the loss."""
        features = self._features(x, adj).detach().float()
        target = succeeded.float()
        rate = target.mean().clamp(1e-3, 1 - 1e-3)
        self.weight = nn.Parameter(torch.zeros(features.shape[1]))  # from zero: no random initialisation
        self.bias = nn.Parameter(torch.log(rate / (1 - rate)).reshape(()))
        optimizer = torch.optim.LBFGS([self.weight, self.bias], max_iter=self.max_iter, line_search_fn="strong_wolfe")

        def closure() -> torch.Tensor:
            optimizer.zero_grad()
            logits = features @ self.weight + self.bias
            loss = nn.functional.binary_cross_entropy_with_logits(logits, target) + self.l2 * self.weight.pow(2).sum()
            loss.backward()
            return loss

        with torch.enable_grad():
            loss = optimizer.step(closure)
        return float(loss.detach())

    def forward(self, x: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        """``[B]`` probabilities of success (1 before any fit)."""
        if self.weight is None:
            return torch.ones(x.shape[0])
        return torch.sigmoid(self._features(x, adj) @ self.weight + self.bias)


__all__ = ["SuccessModel"]
