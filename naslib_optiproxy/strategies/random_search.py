"""Random search: the uniform-sampling baseline (NASLib ``rs``)."""

from __future__ import annotations

from typing import List

from ..types import Architecture
from .base import Strategy, sample_unseen


class RandomSearch(Strategy):
    """Evaluate uniformly random, not yet evaluated architectures.

    Example:
        >>> from naslib_optiproxy import NasBench201, RandomSearch, Study
        >>> study = Study(RandomSearch(NasBench201(), seed=0))
        >>> best = study.optimize(lambda arch: float(sum(arch.ops)), budget=20)
        >>> len(study.trials)
        20

    Args:
        space: The search-space codec.
        seed: Seed of the strategy's random generator.
    """

    name = "rs"

    def propose(self) -> List[Architecture]:
        return [sample_unseen(self)]
