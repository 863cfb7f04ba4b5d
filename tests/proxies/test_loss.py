"""Proxy loss of appendix A.4: Eq. (4) MSE + lambda * rank, Eq. (5) pairwise hinge ranking."""

from __future__ import annotations

import pytest
import torch

from naslib_optiproxy.proxies import pairwise_ranking_loss, proxy_loss


def test_ranking_loss_hand_computed() -> None:
    pred = torch.tensor([0.2, 0.5, 0.0])
    target = torch.tensor([3.0, 1.0, 2.0])
    # Pairs (i, j) with y_i > y_j and their hinge max(0, m - (f_i - f_j)), m = 0.1:
    #   (0, 1): 3 > 1 -> 0.1 - (0.2 - 0.5) = 0.4
    #   (0, 2): 3 > 2 -> 0.1 - (0.2 - 0.0) = -0.1 -> 0
    #   (2, 1): 2 > 1 -> 0.1 - (0.0 - 0.5) = 0.6
    # sum = 1.0 over 3 pairs; mean = 1/3.
    assert float(pairwise_ranking_loss(pred, target, 0.1, "sum")) == pytest.approx(1.0)
    assert float(pairwise_ranking_loss(pred, target, 0.1, "mean")) == pytest.approx(1.0 / 3)
    assert float(pairwise_ranking_loss(pred, target)) == pytest.approx(1.0 / 3)  # defaults: m=0.1, mean


def test_ranking_loss_zero_when_ordered_beyond_the_margin() -> None:
    pred = torch.tensor([0.5, 0.0, 0.2])
    target = torch.tensor([3.0, 1.0, 2.0])
    # (0, 1): 0.1 - 0.5 < 0;  (0, 2): 0.1 - 0.3 < 0;  (2, 1): 0.1 - 0.2 < 0  -> all zero.
    assert float(pairwise_ranking_loss(pred, target, 0.1, "sum")) == 0.0
    # A larger margin m = 0.25 makes only the (2, 1) pair active: 0.25 - 0.2 = 0.05.
    assert float(pairwise_ranking_loss(pred, target, 0.25, "sum")) == pytest.approx(0.05)
    assert float(pairwise_ranking_loss(pred, target, 0.25, "mean")) == pytest.approx(0.05 / 3)


def test_ties_form_no_pair() -> None:
    pred = torch.tensor([0.0, 5.0])
    target = torch.tensor([1.0, 1.0])
    assert float(pairwise_ranking_loss(pred, target, 0.1, "sum")) == 0.0
    assert float(pairwise_ranking_loss(pred, target, 0.1, "mean")) == 0.0
    # Partial ties: only (0, 1) and (0, 2) are pairs; (1, 2) is tied.
    pred = torch.tensor([0.0, 1.0, 2.0])
    target = torch.tensor([2.0, 1.0, 1.0])
    # (0, 1): 0.1 - (0 - 1) = 1.1;  (0, 2): 0.1 - (0 - 2) = 2.1  -> sum 3.2, mean 1.6.
    assert float(pairwise_ranking_loss(pred, target, 0.1, "sum")) == pytest.approx(3.2)
    assert float(pairwise_ranking_loss(pred, target, 0.1, "mean")) == pytest.approx(1.6)


def test_bad_reduction() -> None:
    with pytest.raises(ValueError, match="reduction"):
        pairwise_ranking_loss(torch.zeros(2), torch.tensor([0.0, 1.0]), reduction="max")


def test_proxy_loss_is_mse_plus_weighted_rank() -> None:
    pred = torch.tensor([0.2, 0.5, 0.0])
    target = torch.tensor([3.0, 1.0, 2.0])
    mse = ((0.2 - 3) ** 2 + (0.5 - 1) ** 2 + (0.0 - 2) ** 2) / 3  # = (7.84 + 0.25 + 4) / 3
    assert float(proxy_loss(pred, target, 0.0)) == pytest.approx(mse)
    assert float(proxy_loss(pred, target, 0.2, 0.1, "mean")) == pytest.approx(mse + 0.2 * (1.0 / 3))
    assert float(proxy_loss(pred, target, 0.2, 0.1, "sum")) == pytest.approx(mse + 0.2 * 1.0)
    # Margin 0.25: (0, 1): 0.25 + 0.3 = 0.55;  (0, 2): 0.25 - 0.2 = 0.05;  (2, 1): 0.25 + 0.5 = 0.75.
    assert float(proxy_loss(pred, target, 1.5, 0.25, "sum")) == pytest.approx(mse + 1.5 * 1.35)


def test_proxy_loss_gradient_pushes_the_ranking() -> None:
    pred = torch.tensor([0.0, 0.0], requires_grad=True)
    target = torch.tensor([1.0, 0.0])
    pairwise_ranking_loss(pred, target, 0.1, "sum").backward()
    assert pred.grad.tolist() == [-1.0, 1.0]  # raise the better one, lower the worse one
