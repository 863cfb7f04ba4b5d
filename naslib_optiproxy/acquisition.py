"""Algorithm 1 as a candidate generator for other optimisers' acquisition step.

BANANAS and NPENAS pick each batch as the candidates that maximise an acquisition function
of a predictor ensemble; they make the candidates by mutating the best architectures or by
uniform sampling. :class:`RelaxedCandidates` makes them the OptiProxy way instead: gradient
ascent of K LHS-initialised (alpha, beta) groups through a differentiable objective (Alg. 1,
:mod:`~naslib_optiproxy.search`), then draws from the optimised groups, conditioned on validity
(:meth:`~naslib_optiproxy.distribution.ArchitectureDistribution.sample_valid`). The groups and
their optimiser moments carry over between calls, as in Algorithm 2.

The objective is any ``nn.Module`` mapping ``(x [B, N, F], adj [B, N, N])`` to ``[B]``: a fitted
proxy, or :class:`EnsembleMean` of several (NASLib adapter:
:mod:`naslib_optiproxy.integrations.naslib_plugin.acquisition`).
"""

from __future__ import annotations

from typing import Container, Hashable, List, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

from .config import OptiProxyConfig
from .distribution import ArchitectureDistribution
from .proxies import CopulaStandardizer, Standardizer
from .search import GradientSearch
from .spaces import SearchSpace
from .threads import torch_threads
from .types import Architecture


class EnsembleMean(nn.Module):
    """Mean prediction of fitted proxies, each mapped back to the targets' units by its standardiser.

    Shapes: ``x: [B, N, F]``, ``adj: [B, N, N]`` -> ``[B]``.
    """

    def __init__(self, members: Sequence[Tuple[nn.Module, Union[Standardizer, CopulaStandardizer]]]) -> None:
        super().__init__()
        if not members:
            raise ValueError("EnsembleMean needs at least one (proxy, standardizer) pair")
        self.models = nn.ModuleList(model for model, _ in members)
        self.maps = [target_map for _, target_map in members]

    def forward(self, x: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        outputs = [target_map.inverse(model(x, adj)) for model, target_map in zip(self.models, self.maps)]
        return torch.stack(outputs).mean(0)


class RelaxedCandidates:
    """Candidates from (alpha, beta) groups optimised through a differentiable objective.

    Args:
        space: The codec the objective reads (``relaxed_encode``).
        config: Settings by the paper's names: ``num_groups`` (K), the LHS ranges, ``op_noise``
            and the gradient search's (``search_epochs``, learning rates, temperatures, ...).
        seed: Seeds the LHS initialisation, the relaxation noise and the draws.
    """

    def __init__(self, space: SearchSpace, config: OptiProxyConfig, seed: int = 0) -> None:
        loop = config.loop
        self.space, self.config = space, config
        self.rng = np.random.default_rng(seed)
        self.distribution = ArchitectureDistribution(space, loop.num_groups, self.rng, loop.lhs_lower, loop.lhs_range,
                                                     loop.beta_lhs_lower, loop.beta_lhs_range)
        self.search = GradientSearch(self.distribution, space, config.search, torch.Generator().manual_seed(seed))
        self.last_trace: List[float] = []

    def __call__(self, objective: nn.Module, num_candidates: int,
                 exclude: Container[Hashable] = ()) -> List[Architecture]:
        """Optimise the groups through ``objective``, then draw ``num_candidates`` / K per group.

        Returns the distinct valid draws (by canonical key) whose keys are not in ``exclude``;
        fewer than ``num_candidates`` when draws repeat.
        """
        groups = self.distribution.num_groups
        per_group = max(1, -(-num_candidates // groups))
        with torch_threads():
            self.last_trace = self.search.run(objective)
        op_noise = self.config.loop.op_noise
        draws = [arch for group in range(groups)
                 for arch in self.distribution.sample_valid(group, per_group, self.rng, op_noise).archs]
        return self.space.distinct_unseen(draws, exclude.__contains__)[:num_candidates]


__all__ = ["EnsembleMean", "RelaxedCandidates"]
