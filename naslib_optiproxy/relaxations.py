"""Relaxed and hard samplers of the architecture distribution (paper Sec. 2.2, A.5).

* Eq. (5): ``A_o ~ Cat(softmax(alpha))``            -> :func:`sample_categorical`
* Eq. (6): ``A_t ~ Bernoulli(sigmoid(beta))``       -> :func:`sample_bernoulli`
* Eq. (9): Gumbel-softmax relaxation of Eq. (5)      -> :func:`gumbel_softmax`
* Eq. (10): binary-concrete relaxation of Eq. (6)    -> :func:`binary_concrete`
  with *logistic* noise ``log u - log(1 - u)``, which is what makes it unbiased
  (A.5, Eq. 11: ``P(lim_{tau->0} s_t = 1) = sigmoid(beta)``). The authors' release adds
  a single Gumbel draw instead, which gives ``1 - exp(-e^beta)``; we do not.
* Choice topologies (pick one of several candidate inputs) use the Gumbel-softmax over
  masked logits (:func:`gumbel_softmax` with ``mask``).
* :class:`LinearTemperature`: tau decays linearly from ``base_temp`` to ``min_temp``
  over one search (restarted each step, Algorithm 1 line 11).
* :func:`latin_hypercube`: LHS initialisation of the K (alpha, beta) groups (Sec. 2.4).
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch

_EPS = 1e-10


def _uniform(shape, like: torch.Tensor, generator: Optional[torch.Generator]) -> torch.Tensor:
    u = torch.rand(shape, generator=generator, dtype=like.dtype)
    return u.clamp_(_EPS, 1.0 - _EPS)


def gumbel_softmax(
    logits: torch.Tensor,
    tau: float,
    generator: Optional[torch.Generator] = None,
    straight_through: bool = False,
    mask: Optional[torch.Tensor] = None,
) -> torch.Tensor:
    """Eq. (9): ``softmax((alpha + g) / tau)`` with ``g ~ Gumbel(0, 1)`` over the last dim.

    Args:
        logits: Unnormalised log-probabilities ``alpha`` (any leading shape).
        tau: Temperature > 0.
        generator: Torch generator for the noise (reproducibility).
        straight_through: Forward the hard one-hot of the sample, backward the soft gradient.
        mask: Boolean, broadcastable to ``logits``; False entries get probability 0.
    """
    if tau <= 0:
        raise ValueError(f"temperature must be > 0, got {tau}")
    gumbel = -torch.log(-torch.log(_uniform(logits.shape, logits, generator)))
    scores = (logits + gumbel) / tau
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    soft = torch.softmax(scores, dim=-1)
    if not straight_through:
        return soft
    hard = torch.nn.functional.one_hot(soft.argmax(-1), soft.shape[-1]).to(soft)
    return hard + (soft - soft.detach())


def binary_concrete(
    logits: torch.Tensor,
    tau: float,
    generator: Optional[torch.Generator] = None,
    straight_through: bool = False,
) -> torch.Tensor:
    """Eq. (10) with logistic noise: ``sigmoid((beta + log u - log(1 - u)) / tau)``, u ~ U(0, 1)."""
    if tau <= 0:
        raise ValueError(f"temperature must be > 0, got {tau}")
    u = _uniform(logits.shape, logits, generator)
    soft = torch.sigmoid((logits + torch.log(u) - torch.log1p(-u)) / tau)
    if not straight_through:
        return soft
    hard = (soft > 0.5).to(soft)
    return hard + (soft - soft.detach())


def sample_categorical(probs: np.ndarray, rng: np.random.Generator, n: Optional[int] = None) -> np.ndarray:
    """Eq. (5): one draw per row of ``probs [..., M]`` (rows need not be normalised).

    With ``n``, ``n`` independent draws of every row: returns ``[n, ...]`` indices.
    """
    probs = np.asarray(probs, dtype=np.float64)
    if n is not None:
        probs = np.broadcast_to(probs, (n,) + probs.shape)
    cdf = np.cumsum(probs, axis=-1)
    u = rng.random(probs.shape[:-1] + (1,)) * cdf[..., -1:]
    return np.minimum((u >= cdf).sum(-1), probs.shape[-1] - 1)


def sample_bernoulli(probs: np.ndarray, rng: np.random.Generator, n: Optional[int] = None) -> np.ndarray:
    """Eq. (6): one 0/1 draw of every entry of ``probs``.

    With ``n``, ``n`` independent draws of every entry: returns ``[n, ...]``.
    """
    probs = np.asarray(probs, dtype=np.float64)
    shape = probs.shape if n is None else (n,) + probs.shape
    return (rng.random(shape) < probs).astype(np.int64)


class LinearTemperature:
    """Linear schedule ``tau_t = base - (base - min) * t / (steps - 1)``, t = 0..steps-1.

    Example:
        >>> schedule = LinearTemperature(0.7, 0.2, steps=3)
        >>> [round(schedule(t), 2) for t in range(3)]
        [0.7, 0.45, 0.2]
    """

    def __init__(self, base_temp: float, min_temp: float, steps: int) -> None:
        if not 0 < min_temp <= base_temp:
            raise ValueError(f"need 0 < min_temp <= base_temp, got {min_temp} and {base_temp}")
        self.base_temp, self.min_temp, self.steps = float(base_temp), float(min_temp), int(steps)

    def __call__(self, t: int) -> float:
        if self.steps <= 1:
            return self.min_temp
        frac = min(max(t, 0), self.steps - 1) / (self.steps - 1)
        return self.base_temp - (self.base_temp - self.min_temp) * frac


def latin_hypercube(
    num_samples: int, dim: int, rng: np.random.Generator, lower: float = 0.0, width: float = 1.0
) -> np.ndarray:
    """Latin hypercube design ``[num_samples, dim]`` in ``[lower, lower + width]``.

    Every dimension is cut into ``num_samples`` equal strata and each sample takes one
    stratum per dimension (a random permutation), jittered uniformly inside it.
    """
    strata = np.stack([rng.permutation(num_samples) for _ in range(dim)], axis=1)
    unit = (strata + rng.random((num_samples, dim))) / num_samples
    return lower + width * unit
