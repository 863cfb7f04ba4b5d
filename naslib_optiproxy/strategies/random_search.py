"""Random search: the uniform-sampling baseline (NASLib ``rs``)."""

from __future__ import annotations

from typing import Iterable, List

from ..spaces import Architecture
from .base import Optimizer

_MAX_DRAWS = 1000


def sample_unseen(optimizer: Optimizer, exclude: Iterable[Architecture] = ()) -> Architecture:
    """A uniformly random valid architecture that ``optimizer`` has not asked for or evaluated yet.

    Draws with :meth:`SearchSpace.sample` from ``optimizer.rng``; when ``1000`` draws are all
    seen, picks uniformly among the unseen members of an enumerable space. Architectures in
    ``exclude`` (e.g. proposals not handed out yet) count as seen.

    Raises:
        RuntimeError: If every architecture of the space was already seen.
    """
    space = optimizer.space
    taken = {space.key(a) for a in exclude}

    def unseen(arch: Architecture) -> bool:
        return not optimizer.is_seen(arch) and space.key(arch) not in taken

    for _ in range(_MAX_DRAWS):
        arch = space.sample(optimizer.rng)
        if unseen(arch):
            return arch
    try:
        candidates = [a for a in space if unseen(a)]
    except TypeError:  # not enumerable
        candidates = []
    if not candidates:
        raise RuntimeError(
            f"no unseen architecture left in {space.name} after {len(optimizer.trials)} evaluations"
        )
    return candidates[int(optimizer.rng.integers(0, len(candidates)))]


class RandomSearch(Optimizer):
    """Evaluate uniformly random, not yet evaluated architectures.

    Example:
        >>> from naslib_optiproxy.strategies import RandomSearch
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
