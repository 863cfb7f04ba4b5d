"""Candidate draws conditioned on validity: ``x ~ p(x | valid(x))`` for spaces with rules.

The K groups define a product distribution ``p`` over the codec's slots (Eq. 5 and 6,
:class:`~naslib_optiproxy.distribution.ArchitectureDistribution`). Where a codec has
validity rules (NAS-Bench-101: the pruned cell connects input to output with at most 9
edges; NAS-Bench-NLP: the generator's rules; NAS-Bench-Graph: not all ``skip``), the
candidates are drawn from ``p`` *conditioned on validity*, so that the gradient search's
output is what gets evaluated:

* **Rejection** (every codec): each invalid draw is redrawn from its own distribution, at
  most ``max_rounds`` times. Exact: an accepted draw follows ``p(x | valid)``. A draw
  still invalid after ``max_rounds`` redraws is dropped (the strategy tops its batch up
  with random valid architectures and logs the valid fraction). Redraws use a side stream
  (:func:`side_stream`), so the other draws are those of plain product sampling.
* **Importance resampling** (codecs with :meth:`~naslib_optiproxy.spaces.SearchSpace.propose`,
  i.e. NAS-Bench-NLP, whose product draws are valid about 0.04% of the time): ``oversample``
  proposals per requested draw from the codec's ancestral proposal ``q`` (the local rules as
  masks), weighted ``w = p(x) / q(x) * 1[valid(x)]`` (the codec returns ``log w``), and
  ``n`` draws resampled with probability proportional to ``w``. Consistent: the resampled
  draws follow ``p(x | valid)`` up to an ``O(1 / (oversample * n))`` bias, which
  ``tests/test_conditional.py`` bounds against the exact conditional on a small case.

Spaces without rules (NAS-Bench-201, NAS-Bench-301) never redraw, so their draws and
random streams are what they were before conditioning existed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .relaxations import sample_bernoulli, sample_categorical
from .spaces import Architecture, SearchSpace

#: Redraws of one invalid draw before it is dropped (rejection).
MAX_ROUNDS = 100
#: Proposals per requested draw (importance resampling).
OVERSAMPLE = 8


@dataclass
class SlotProbabilities:
    """Per-draw probabilities of the product distribution (rows need not be normalised).

    Attributes:
        ops: ``[n, num_op_slots, num_ops]``.
        topology: ``[n, slots, max_candidates]`` (a choice per slot), ``[n, slots]``
            (Bernoulli edge probabilities) or ``None`` (fixed topology).
        bernoulli: Whether ``topology`` holds edge probabilities.
    """

    ops: np.ndarray
    topology: Optional[np.ndarray]
    bernoulli: bool = False

    def __len__(self) -> int:
        return len(self.ops)

    def rows(self, index: Sequence[int]) -> "SlotProbabilities":
        topology = None if self.topology is None else self.topology[index]
        return SlotProbabilities(self.ops[index], topology, self.bernoulli)

    def draw_topology(self, rng: np.random.Generator) -> np.ndarray:
        """One topology per row: ``[n, slots]`` (``[n, 0]`` for a fixed topology)."""
        if self.topology is None:
            return np.zeros((len(self), 0), dtype=np.int64)
        if self.bernoulli:
            return sample_bernoulli(self.topology, rng)
        return sample_categorical(self.topology, rng)

    def draw(self, rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
        """One product draw per row: ops ``[n, S]`` and topology ``[n, T]``."""
        return sample_categorical(self.ops, rng), self.draw_topology(rng)


@dataclass
class ValidDraws:
    """Valid draws and how they were obtained (for the step log)."""

    archs: List[Architecture]
    requested: int
    proposals: int

    @property
    def valid_fraction(self) -> float:
        return len(self.archs) / self.requested if self.requested else 1.0


def architectures(ops: np.ndarray, topology: np.ndarray) -> List[Architecture]:
    """One :class:`Architecture` per row of op indices ``[n, S]`` and topology ``[n, T]``."""
    return [Architecture(tuple(map(int, o)), tuple(map(int, t))) for o, t in zip(ops, topology)]


def side_stream(rng: np.random.Generator) -> np.random.Generator:
    """A generator seeded from ``rng``'s current state, which it leaves untouched.

    Redraws come from it, so the main stream (every later draw, group and step) is the same
    as if the invalid draws had been dropped; deterministic, and restored with ``rng``'s state.
    """
    digest = hashlib.sha256(repr(rng.bit_generator.state).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


def rejection(space: SearchSpace, probs: SlotProbabilities, first: List[Architecture], rng: np.random.Generator,
              max_rounds: int = MAX_ROUNDS) -> ValidDraws:
    """Redraw each invalid member of ``first`` (one draw per row of ``probs``) until valid, in order."""
    draws = list(first)
    invalid = [i for i, arch in enumerate(draws) if not space.is_valid(arch)]
    proposals = len(draws)
    if invalid:
        rng = side_stream(rng)
    for _ in range(max_rounds):
        if not invalid:
            break
        redraws = architectures(*probs.rows(invalid).draw(rng))
        proposals += len(invalid)
        still = []
        for i, arch in zip(invalid, redraws):
            draws[i] = arch
            if not space.is_valid(arch):
                still.append(i)
        invalid = still
    dropped = set(invalid)
    kept = [arch for i, arch in enumerate(draws) if i not in dropped]
    return ValidDraws(kept, len(draws), proposals)


def importance_resampling(space: SearchSpace, probs: SlotProbabilities, rng: np.random.Generator,
                          oversample: int = OVERSAMPLE, max_rounds: int = 4) -> ValidDraws:
    """``len(probs)`` draws resampled from the codec's weighted proposals (module docstring)."""
    n = len(probs)
    pooled = probs.rows(np.repeat(np.arange(n), oversample))
    archs: List[Architecture] = []
    log_weights: List[np.ndarray] = []
    for _ in range(max_rounds):  # more rounds only while no proposal at all was valid
        new, log_w = space.propose(pooled, rng)
        archs += new
        log_weights.append(log_w)
        if np.isfinite(log_w).any():
            break
    log_w = np.concatenate(log_weights)
    if not np.isfinite(log_w).any():
        return ValidDraws([], n, len(archs))
    weights = np.exp(log_w - log_w[np.isfinite(log_w)].max())
    picks = rng.choice(len(archs), size=n, p=weights / weights.sum())
    return ValidDraws([archs[i] for i in picks], n, len(archs))


__all__ = ["MAX_ROUNDS", "OVERSAMPLE", "SlotProbabilities", "ValidDraws", "architectures", "importance_resampling",
           "rejection", "side_stream"]
