"""Fitting the proxy on evaluated architectures (Algorithm 2, line 6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Union

import torch
from torch import nn

from .._settings import setting, validate
from ..optim import FlatAdamW
from .loss import proxy_loss


@dataclass
class Standardizer:
    """Affine map of targets to zero mean, unit variance, fitted on the *observed* values only."""

    mean: float = 0.0
    std: float = 1.0

    @classmethod
    def fit(cls, y: torch.Tensor) -> "Standardizer":
        std = float(y.std()) if y.numel() > 1 else 1.0
        return cls(float(y.mean()), std if std > 1e-8 else 1.0)

    def transform(self, y: torch.Tensor) -> torch.Tensor:
        return (y - self.mean) / self.std

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        return z * self.std + self.mean


@dataclass
class FitSettings:
    """Hyperparameters of one proxy fit (paper appendix A.9, Table 5), with their config keys.

    AdamW with step-wise exponential LR decay on MSE + ``ranking_coe`` x pairwise hinge loss
    (Eq. 4, 5). ``fit_batch_size`` ``None`` fits on the full batch.
    """

    epochs: int = setting(300, "model_epochs", low=0, high=100_000, doc="fit epochs per step")
    lr: float = setting(1e-3, "fit_lr", above=0, doc="AdamW learning rate of the proxy")
    weight_decay: float = setting(0.01, "fit_weight_decay", low=0)
    batch_size: Optional[int] = setting(None, "fit_batch_size", above=0, doc="mini-batch size (null: full batch)")
    lr_gamma: float = setting(0.9, "fit_lr_gamma", above=0, high=1)
    lr_step: int = setting(10, "fit_lr_step", low=0)
    rank_weight: float = setting(0.2, "ranking_coe", low=0, doc="lambda of Eq. (4)")
    rank_margin: float = setting(0.1, "margin", low=0, doc="m of Eq. (5)")
    rank_reduction: str = setting("mean", "rank_reduction", choices=("mean", "sum"),
                                  doc="mean over pairs (release) or sum (Eq. 5 as printed)")

    def __post_init__(self) -> None:
        validate(self)


@dataclass
class ColumnStandardizer:
    """One :class:`Standardizer` per column of ``[n, M]`` targets (one per proxy head)."""

    columns: List[Standardizer]

    @classmethod
    def fit(cls, y: torch.Tensor) -> "ColumnStandardizer":
        return cls([Standardizer.fit(y[:, j]) for j in range(y.shape[1])])

    def transform(self, y: torch.Tensor) -> torch.Tensor:
        return torch.stack([s.transform(y[:, j]) for j, s in enumerate(self.columns)], dim=1)

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        return torch.stack([s.inverse(z[..., j]) for j, s in enumerate(self.columns)], dim=-1)


class ProxyTrainer:
    """Trains a proxy with AdamW + step-wise exponential LR decay on the loss of Eq. (4).

    The optimizer persists between calls, so a warm-started proxy keeps its moments
    (as in the authors' release); the learning rate restarts at ``lr`` on every fit.
    """

    def __init__(self, model: nn.Module, settings: FitSettings, generator: Optional[torch.Generator] = None):
        self.model = model
        self.settings = settings
        self.generator = generator
        self.optimizer = FlatAdamW(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
        self.standardizer: Union[Standardizer, ColumnStandardizer] = Standardizer()

    def fit(self, x: torch.Tensor, adj: torch.Tensor, y: torch.Tensor) -> float:
        """Fit on ``x [n, N, F]``, ``adj [n, N, N]``, raw targets ``y [n]``; returns the last loss.

        Several heads: ``y [n, M]``, each column standardised on its own observed values
        and fitted with its own MSE + ranking loss (summed).
        """
        s = self.settings
        self.standardizer = ColumnStandardizer.fit(y) if y.dim() == 2 else Standardizer.fit(y)
        target = self.standardizer.transform(y)
        self.optimizer.lr = s.lr
        self.model.train()
        n = y.shape[0]
        batch = n if not s.batch_size else min(s.batch_size, n)
        loss = torch.zeros(())
        for epoch in range(s.epochs):
            order = torch.randperm(n, generator=self.generator) if batch < n else None
            for start in range(0, n, batch):
                idx = order[start : start + batch] if order is not None else slice(None)
                self.optimizer.zero_grad()
                loss = proxy_loss(self.model(x[idx], adj[idx]), target[idx], s.rank_weight, s.rank_margin, s.rank_reduction)
                loss.backward()
                self.optimizer.step()
            if s.lr_step and (epoch + 1) % s.lr_step == 0:
                self.optimizer.lr *= s.lr_gamma
        self.model.eval()
        return float(loss.detach())

    @torch.no_grad()
    def predict(self, x: torch.Tensor, adj: torch.Tensor, standardised: bool = False) -> torch.Tensor:
        """Predictions in the targets' original units, or the model's standardised ones (``eval()`` mode)."""
        self.model.eval()
        output = self.model(x, adj)
        return output if standardised else self.standardizer.inverse(output)
