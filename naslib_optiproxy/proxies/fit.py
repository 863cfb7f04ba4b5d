"""Fitting the proxy on evaluated architectures (Algorithm 2, line 6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, List, Mapping, Optional, Union

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


class CopulaStandardizer:
    """Monotone map of targets to their ranks' standard normal quantiles (a Gaussian copula).

    The ``i``-th smallest of ``n`` observed values goes to ``Phi^-1((i + 0.5) / n)`` (tied values share the
    mean of their quantiles); values in between, and beyond the observed range, by linear interpolation
    and extrapolation of those points, so both directions are strictly increasing and differentiable almost
    everywhere. A few very poor architectures then weigh no more in the fit's squared error than any
    others, and the proxy spends its capacity on the order of the good ones. Fewer than two distinct
    values: the plain :class:`Standardizer`'s affine map.
    """

    def __init__(self, values: torch.Tensor, quantiles: torch.Tensor) -> None:
        self.values, self.quantiles = values, quantiles  # both strictly increasing, [u] with u >= 2

    @classmethod
    def fit(cls, y: torch.Tensor) -> Union["CopulaStandardizer", Standardizer]:
        y = y.detach().double().flatten()
        values, inverse = torch.unique(y, sorted=True, return_inverse=True)
        if values.numel() < 2:
            return Standardizer.fit(y)
        n = y.numel()
        ranks = torch.empty(n, dtype=torch.float64)
        ranks[torch.argsort(y, stable=True)] = torch.arange(n, dtype=torch.float64)
        normal = torch.distributions.Normal(0.0, 1.0)
        z = normal.icdf((ranks + 0.5) / n)
        sums = torch.zeros(values.numel(), dtype=torch.float64).index_add_(0, inverse, z)
        quantiles = sums / torch.bincount(inverse, minlength=values.numel())
        return cls(values, quantiles)

    def transform(self, y: torch.Tensor) -> torch.Tensor:
        return _interpolate(y, self.values, self.quantiles)

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        return _interpolate(z, self.quantiles, self.values)


def _interpolate(x: torch.Tensor, xp: torch.Tensor, fp: torch.Tensor) -> torch.Tensor:
    """Piecewise-linear ``x -> f`` through the points ``(xp, fp)`` (``xp`` strictly increasing), extended
    linearly by the first and last segments; keeps ``x``'s dtype and its gradient."""
    xp, fp = xp.to(x.dtype), fp.to(x.dtype)
    right = torch.searchsorted(xp, x.detach().contiguous()).clamp(1, xp.numel() - 1)
    x0, x1, f0, f1 = xp[right - 1], xp[right], fp[right - 1], fp[right]
    return f0 + (x - x0) * (f1 - f0) / (x1 - x0)


@dataclass
class FitSettings:
    """Hyperparameters of one proxy fit (paper appendix A.9, Table 5), with their config keys.

    AdamW with step-wise exponential LR decay on MSE + ``ranking_coe`` x pairwise hinge loss
    (Eq. 4, 5). ``fit_batch_size`` ``None`` fits on the full batch. ``fit_tol`` > 0 ends a
    fit of an already fitted proxy early, on a loss plateau (not in the paper: our speed option,
    measured in ``docs/performance.md``); the first fit always runs every epoch.
    """

    section: ClassVar[str] = "fit"  # its part of OptiProxyConfig (config.fit)

    epochs: int = setting(300, "model_epochs", low=0, high=100_000, doc="fit epochs per step")
    lr: float = setting(1e-3, "fit_lr", above=0, doc="AdamW learning rate of the proxy")
    weight_decay: float = setting(0.01, "fit_weight_decay", low=0, doc="AdamW weight decay of the proxy")
    mini_batch_size: Optional[int] = setting(None, "fit_batch_size", above=0,
                                             doc="the fit's mini-batch size (null: full batch; not B, loop.batch_size)")
    lr_gamma: float = setting(0.9, "fit_lr_gamma", above=0, high=1,
                              doc="factor of the proxy's learning rate every fit_lr_step epochs")
    lr_step: int = setting(10, "fit_lr_step", low=0, doc="epochs between learning-rate decays (0: none)")
    rank_weight: float = setting(0.2, "ranking_coe", low=0, doc="lambda of Eq. (4)")
    rank_margin: float = setting(0.1, "margin", low=0, doc="m of Eq. (5)")
    rank_reduction: str = setting("mean", "rank_reduction", choices=("mean", "sum"),
                                  doc="mean over pairs (release) or sum (Eq. 5 as printed)")
    target: str = setting("standard", "fit_target", choices=("standard", "copula"),
                          doc="how the accuracy is mapped before the fit: standardised (the paper) or its ranks' "
                              "normal quantiles (a Gaussian copula, CopulaStandardizer)")
    tol: float = setting(0.0, "fit_tol", low=0, high=1,
                         doc="stop a warm-started fit once the mean loss of fit_lr_step epochs fell by less "
                             "than this fraction of the previous such window (0: run every epoch)")

    def __post_init__(self) -> None:
        validate(self)


@dataclass
class ColumnStandardizer:
    """One :class:`Standardizer` per column of ``[n, M]`` targets (one per proxy head)."""

    columns: List[Union[Standardizer, CopulaStandardizer]]

    @classmethod
    def fit(cls, y: torch.Tensor, target: str = "standard") -> "ColumnStandardizer":
        """Each column standardised; with ``target`` ``"copula"`` the first (the accuracy) by its ranks."""
        first = fit_target_map(y[:, 0], target)
        return cls([first] + [Standardizer.fit(y[:, j]) for j in range(1, y.shape[1])])

    def transform(self, y: torch.Tensor) -> torch.Tensor:
        return torch.stack([s.transform(y[:, j]) for j, s in enumerate(self.columns)], dim=1)

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        return torch.stack([s.inverse(z[..., j]) for j, s in enumerate(self.columns)], dim=-1)


def fit_target_map(y: torch.Tensor, target: str = "standard") -> Union[Standardizer, CopulaStandardizer]:
    """The map of ``y [n]`` to the fit's units that ``FitSettings.target`` names."""
    return CopulaStandardizer.fit(y) if target == "copula" else Standardizer.fit(y)


class _Plateau:
    """Says when the mean loss of a window of epochs fell by less than ``tol`` of the previous window's."""

    def __init__(self, tol: float, window: int) -> None:
        self.tol, self.window = tol, window
        self.sum, self.count, self.previous = 0.0, 0, None

    def reached(self, epoch_loss: float) -> bool:
        if not self.tol:
            return False
        self.sum += epoch_loss
        self.count += 1
        if self.count < self.window:
            return False
        mean, self.sum, self.count = self.sum / self.window, 0.0, 0
        stop = self.previous is not None and mean > self.previous * (1 - self.tol)
        self.previous = mean
        return stop


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
        self.standardizer: Union[Standardizer, CopulaStandardizer, ColumnStandardizer] = Standardizer()
        self.fits = 0  # fits run so far: later ones start from fitted weights (warm start)
        self.last_epochs = 0  # epochs the last fit ran

    @classmethod
    def restarted(cls, model: nn.Module, initial_state: Mapping[str, torch.Tensor], settings: FitSettings,
                  generator: Optional[torch.Generator] = None) -> "ProxyTrainer":
        """``model`` reset to its ``initial_state`` and a new trainer for it (fresh moments, no fits): the
        start of a fit from scratch when ``warm_start`` is off."""
        model.load_state_dict(initial_state)
        return cls(model, settings, generator)

    def fit(self, x: torch.Tensor, adj: torch.Tensor, y: torch.Tensor, mask: Optional[torch.Tensor] = None) -> float:
        """Fit on ``x [n, N, F]``, ``adj [n, N, N]``, raw targets ``y [n]``; returns the last loss.

        Several heads: ``y [n, M]``, each column standardised on its own observed values
        and fitted with its own MSE + ranking loss (summed). ``mask [n, N]`` marks the real nodes
        of padded graphs of different sizes (graph proxies only; see :func:`naslib_optiproxy.pyg.to_dense`).
        """
        s = self.settings
        self.standardizer = (ColumnStandardizer.fit(y, s.target) if y.dim() == 2 else fit_target_map(y, s.target))
        target = self.standardizer.transform(y)
        self.optimizer.lr = s.lr
        self.model.train()
        n = y.shape[0]
        batch = n if not s.mini_batch_size else min(s.mini_batch_size, n)
        window = s.lr_step or 10
        plateau = _Plateau(s.tol if self.fits else 0.0, window)
        loss = torch.zeros(())
        epoch = 0
        for epoch in range(s.epochs):
            order = torch.randperm(n, generator=self.generator) if batch < n else None
            epoch_loss = 0.0
            for start in range(0, n, batch):
                idx = order[start : start + batch] if order is not None else slice(None)
                self.optimizer.zero_grad()
                output = self.model(x[idx], adj[idx]) if mask is None else self.model(x[idx], adj[idx], mask[idx])
                loss = proxy_loss(output, target[idx], s.rank_weight, s.rank_margin, s.rank_reduction)
                loss.backward()
                self.optimizer.step()
                epoch_loss += float(loss.detach())
            if s.lr_step and (epoch + 1) % s.lr_step == 0:
                self.optimizer.lr *= s.lr_gamma
            if plateau.reached(epoch_loss):
                break
        self.fits += 1
        self.last_epochs = epoch + 1 if s.epochs else 0
        self.model.eval()
        return float(loss.detach())

    @torch.no_grad()
    def predict(self, x: torch.Tensor, adj: torch.Tensor, standardised: bool = False,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Predictions in the targets' original units, or the model's standardised ones (``eval()`` mode)."""
        self.model.eval()
        output = self.model(x, adj) if mask is None else self.model(x, adj, mask)
        return output if standardised else self.standardizer.inverse(output)
