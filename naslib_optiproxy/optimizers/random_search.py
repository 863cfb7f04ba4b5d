"""Random search: the uniform-sampling baseline (NASLib ``rs``)."""

from __future__ import annotations

from typing import List

from ..spaces import Architecture
from .base import Optimizer

_MAX_DRAWS = 1000


def sample_unseen(optimizer: Optimizer) -> Architecture:
    """A uniformly random valid architecture that ``optimizer`` has not asked for or evaluated yet.

    Draws with :meth:`SearchSpace.sample` from ``optimizer.rng``; when ``1000`` draws are all
    seen, picks uniformly among the unseen members of an enumerable space.

    Raises:
        RuntimeError: If every architecture of the space was already seen.
    """
    space = optimizer.space
    for _ in range(_MAX_DRAWS):
        arch = space.sample(optimizer.rng)
        if not optimizer.is_seen(arch):
            return arch
    try:
        unseen = [a for a in space if not optimizer.is_seen(a)]
    except TypeError:  # not enumerable
        unseen = []
    if not unseen:
        raise RuntimeError(
            f"no unseen architecture left in {space.name} after {len(optimizer.trials)} evaluations"
        )
    return unseen[int(optimizer.rng.integers(0, len(unseen)))]


class RandomSearch(Optimizer):
    """Evaluate uniformly random, not yet evaluated architectures.

    Example:
        >>> from naslib_optiproxy.optimizers import RandomSearch
        >>> from naslib_optiproxy.spaces import NasBench201
        >>> opt = RandomSearch(NasBench201(), seed=0)
        >>> best = opt.optimize(lambda arch: float(sum(arch.ops)), budget=20)
        >>> len(opt.trials)
        20

    Args:
        space: The search-space codec.
        seed: Seed of the optimizer's random generator.
    """

    name = "rs"

    def _propose(self) -> List[Architecture]:
        return [sample_unseen(self)]
