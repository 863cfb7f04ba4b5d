"""Proxy training loss (appendix A.4, Eq. 4-5): MSE + lambda * pairwise hinge ranking loss."""

from __future__ import annotations

import torch


def pairwise_ranking_loss(pred: torch.Tensor, target: torch.Tensor, margin: float = 0.1, reduction: str = "mean") -> torch.Tensor:
    """Eq. (5): ``sum over pairs with y_i > y_j of max(0, m - (f_i - f_j))``.

    Ties in ``target`` form no pair. ``reduction="mean"`` divides by the number of
    pairs (the authors' release), ``"sum"`` is Eq. (5) as printed.
    """
    better = target[:, None] > target[None, :]
    hinge = torch.relu(margin - (pred[:, None] - pred[None, :]))
    total = (hinge * better).sum()
    if reduction == "sum":
        return total
    if reduction == "mean":
        return total / better.sum().clamp(min=1)
    raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")


def proxy_loss(
    pred: torch.Tensor, target: torch.Tensor, rank_weight: float = 0.2, margin: float = 0.1, reduction: str = "mean"
) -> torch.Tensor:
    """Eq. (4): ``MSE(pred, target) + rank_weight * pairwise_ranking_loss``.

    For several heads (``pred, target: [n, M]``) the loss is the sum of each head's Eq. (4).
    """
    if pred.dim() == 2:
        return sum(proxy_loss(pred[:, j], target[:, j], rank_weight, margin, reduction) for j in range(pred.shape[1]))
    mse = torch.mean((pred - target) ** 2)
    if rank_weight == 0:
        return mse
    return mse + rank_weight * pairwise_ranking_loss(pred, target, margin, reduction)
