"""A Gaussian process on the compact encodings, for expected improvement in the selection (not in the paper).

Where the graph proxy cannot rank the best cells apart (NAS-Bench-Graph, ``docs/nasbench_graph_study.md``),
Optuna's GP sampler, which models each categorical choice with its own length scale, chooses better among the
cells next to the incumbent. :class:`CategoricalGP` is that kind of model on an architecture's compact
encoding (one categorical per op slot and per topology slot, :class:`~naslib_optiproxy.types.Architecture`):
an exact GP whose kernel counts the slots where two cells differ, each slot weighted by its own relevance,

    ``k(a, b) = s2 * exp(-sum_d theta_d [a_d != b_d])``,

a product over slots of ``exp(-theta_d [a_d != b_d])``, each positive semi-definite for ``theta_d >= 0``.
Its hyperparameters (``theta``, ``s2``, the noise) maximise the marginal likelihood (Adam on their logs,
warm-started from the previous fit); the targets are the proxy's standardised ones. Its work is bounded:
it conditions on at most :data:`MAX_POINTS` evaluated cells (the best ones, where expected improvement
looks) and predicts candidates in chunks of :data:`CHUNK`, so memory stays ``O(MAX_POINTS x CHUNK x
slots)`` (about 65 MB for NAS-Bench-Graph's eight slots) whatever the budget and the pool. Hand-written
because it is a hundred lines on tensors the package already has, where GPyTorch/BoTorch would be a new
required dependency for one selection option.
"""

from __future__ import annotations

from typing import Dict, Sequence, Tuple

import torch

from ..types import Architecture

#: Most evaluated cells a fit conditions on (the best ones): a fit is O(points^3) per Adam step.
MAX_POINTS = 1_000
#: Candidates predicted at once.
CHUNK = 1_024
#: Bounds of the log-hyperparameters: relevance per slot, signal variance, noise variance.
_LOG_THETA = (-7.0, 3.0)
_LOG_SIGNAL = (-3.0, 3.0)
_LOG_NOISE = (-9.0, 0.0)


def categorical_codes(archs: Sequence[Architecture]) -> torch.Tensor:
    """``[n, slots]`` int64: each architecture's op indices followed by its topology entries."""
    return torch.tensor([tuple(a.ops) + tuple(a.topology) for a in archs], dtype=torch.int64)


class CategoricalGP:
    """Exact GP with an ARD overlap kernel on categorical codes ``[n, slots]`` (zero prior mean).

    Args:
        num_slots: Length of a code (op slots plus topology slots).
        steps: Adam steps on the negative log marginal likelihood per fit.
        lr: Adam's learning rate (on the log-hyperparameters).
    """

    def __init__(self, num_slots: int, steps: int = 100, lr: float = 0.05) -> None:
        self.steps, self.lr = steps, lr
        self.log_theta = torch.full((num_slots,), -1.0, dtype=torch.float64)
        self.log_signal = torch.zeros((), dtype=torch.float64)
        self.log_noise = torch.full((), -4.0, dtype=torch.float64)
        self._codes = torch.zeros(0, num_slots, dtype=torch.int64)
        self._cholesky = torch.zeros(0, 0, dtype=torch.float64)
        self._weights = torch.zeros(0, dtype=torch.float64)

    def kernel(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """``[len(a), len(b)]`` kernel matrix between two code batches (memory ``len(a) x len(b) x slots``)."""
        mismatch = (a[:, None, :] != b[None, :, :]).double()
        return torch.exp(self.log_signal - mismatch @ torch.exp(self.log_theta))

    def _factor(self, codes: torch.Tensor) -> torch.Tensor:
        gram = self.kernel(codes, codes)
        return torch.linalg.cholesky(gram + torch.exp(self.log_noise) * torch.eye(len(codes), dtype=torch.float64))

    def fit(self, codes: torch.Tensor, y: torch.Tensor) -> float:
        """Fit the hyperparameters and condition on ``codes [n, slots]``, ``y [n]`` (the :data:`MAX_POINTS`
        highest ``y`` where ``n`` is larger); returns the final negative log marginal likelihood per point."""
        y = y.double()
        if len(y) > MAX_POINTS:
            best = torch.argsort(y, descending=True, stable=True)[:MAX_POINTS]
            codes, y = codes[best], y[best]
        params = [self.log_theta, self.log_signal, self.log_noise]
        for p in params:
            p.requires_grad_(True)
        optimizer = torch.optim.Adam(params, lr=self.lr)
        for _ in range(self.steps):
            optimizer.zero_grad()
            loss = self._condition(codes, y)[2]
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                self.log_theta.clamp_(*_LOG_THETA)
                self.log_signal.clamp_(*_LOG_SIGNAL)
                self.log_noise.clamp_(*_LOG_NOISE)
        for p in params:
            p.requires_grad_(False)
        with torch.no_grad():
            self._cholesky, self._weights, loss = self._condition(codes, y)
        self._codes = codes
        return float(loss)

    def _condition(self, codes: torch.Tensor, y: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The Cholesky factor of the noisy Gram matrix, the weights ``K^-1 y`` and the negative log
        marginal likelihood per point (without its constant)."""
        factor = self._factor(codes)
        weights = torch.cholesky_solve(y[:, None], factor)[:, 0]
        return factor, weights, (0.5 * y @ weights + torch.log(torch.diagonal(factor)).sum()) / len(y)

    def predict(self, codes: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Posterior mean and standard deviation of the latent function at ``codes [m, slots]`` (float64)."""
        if not len(self._codes):
            raise RuntimeError("CategoricalGP.predict before fit")
        means, stds = [], []
        with torch.no_grad():
            for start in range(0, len(codes), CHUNK):
                cross = self.kernel(self._codes, codes[start:start + CHUNK])
                means.append(cross.T @ self._weights)
                reduced = torch.linalg.solve_triangular(self._cholesky, cross, upper=False)
                stds.append((torch.exp(self.log_signal) - (reduced ** 2).sum(0)).clamp_min(0.0).sqrt())
        return torch.cat(means), torch.cat(stds)

    def state_dict(self) -> Dict[str, torch.Tensor]:
        """The log-hyperparameters (a fit conditions on the data again)."""
        return {"log_theta": self.log_theta.clone(), "log_signal": self.log_signal.clone(),
                "log_noise": self.log_noise.clone()}

    def load_state_dict(self, state: Dict[str, torch.Tensor]) -> None:
        if state["log_theta"].shape != self.log_theta.shape:
            raise ValueError(f"the state's GP has {len(state['log_theta'])} slots, this one {len(self.log_theta)}")
        self.log_theta = state["log_theta"].clone().double()
        self.log_signal = state["log_signal"].clone().double()
        self.log_noise = state["log_noise"].clone().double()


__all__ = ["CHUNK", "CategoricalGP", "MAX_POINTS", "categorical_codes"]
