"""Regularized (aging) evolution, Real et al. 2019, as in NASLib's ``re``."""

from __future__ import annotations

from typing import Any, Dict, List

from ..spaces import SearchSpace
from ..types import Architecture, Trial
from .base import Strategy, sample_unseen


class RegularizedEvolution(Strategy):
    """Mutate the best of a random sample of the population; the oldest member dies.

    The first ``population_size`` architectures are random. Afterwards each proposal is
    a one-edit mutation (:meth:`SearchSpace.mutate`) of the best of ``sample_size``
    members drawn uniformly with replacement from the population, which is the last
    ``population_size`` successful trials. A mutation that was already evaluated is
    redrawn up to ``max_mutations`` times, then a random architecture is proposed.

    Example:
        >>> from naslib_optiproxy import NasBench201, RegularizedEvolution, Study
        >>> strategy = RegularizedEvolution(NasBench201(), seed=0, population_size=10, sample_size=3)
        >>> best = Study(strategy).optimize(lambda arch: float(sum(arch.ops)), budget=40)
        >>> len(strategy.population)
        10

    Args:
        space: The search-space codec.
        seed: Seed of the strategy's random generator.
        population_size: Number of (most recent, successful) trials that form the population.
        sample_size: Number of population members compared to choose the parent.
        max_mutations: Mutation attempts per proposal before falling back to a random architecture.
    """

    name = "re"

    def __init__(
        self,
        space: SearchSpace,
        seed: int = 0,
        population_size: int = 30,
        sample_size: int = 10,
        max_mutations: int = 100,
    ) -> None:
        if population_size < 1 or sample_size < 1 or max_mutations < 1:
            raise ValueError(
                "population_size, sample_size and max_mutations must be >= 1, got "
                f"{population_size}, {sample_size}, {max_mutations}"
            )
        super().__init__(space, seed)
        self.population_size = int(population_size)
        self.sample_size = int(sample_size)
        self.max_mutations = int(max_mutations)

    @property
    def population(self) -> List[Trial]:
        """The last ``population_size`` successful trials, oldest first."""
        done = [t for t in self.history.trials if not t.failed]
        return done[-self.population_size :]

    def propose(self) -> List[Architecture]:
        population = self.population
        # num_seen counts architectures asked for or told so far (before this proposal).
        if self.history.num_seen < self.population_size or not population:
            return [sample_unseen(self)]
        picks = self.rng.integers(0, len(population), size=self.sample_size)
        parent = max((population[int(i)] for i in picks), key=Trial.rank_key)  # feasible members first
        for _ in range(self.max_mutations):
            child = self.space.mutate(parent.arch, self.rng)
            if not self.history.is_seen(child):
                return [child]
        return [sample_unseen(self)]

    def settings(self) -> Dict[str, Any]:
        return {"population_size": self.population_size, "sample_size": self.sample_size,
                "max_mutations": self.max_mutations}
