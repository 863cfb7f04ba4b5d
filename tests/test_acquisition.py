"""RelaxedCandidates (Algorithm 1 as another optimiser's candidate generator) and EnsembleMean."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from naslib_optiproxy.acquisition import EnsembleMean, RelaxedCandidates
from naslib_optiproxy.config import OptiProxyConfig
from naslib_optiproxy.proxies import Standardizer
from naslib_optiproxy.spaces import Architecture, NasBench201

FAST = OptiProxyConfig(num_groups=4, search_epochs=150)


class PreferOp(nn.Module):
    """A differentiable objective: how much the encoding looks like the all-``op`` cell."""

    def __init__(self, space: NasBench201, op: int) -> None:
        super().__init__()
        x_good, _ = space.encode_batch([Architecture((op,) * 6)])
        x_mean, _ = space.encode_batch([Architecture((o,) * 6) for o in range(space.num_ops)])
        self.register_buffer("weight", x_good[0] - x_mean.mean(0))

    def forward(self, x: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        return (x * self.weight).sum((1, 2))


def test_candidates_follow_the_objective() -> None:
    space = NasBench201()
    candidates = RelaxedCandidates(space, FAST, seed=0)(PreferOp(space, 2), 100)
    assert 0 < len(candidates) <= 100
    assert len({space.key(a) for a in candidates}) == len(candidates)
    share = np.mean([np.mean(np.asarray(a.ops) == 2) for a in candidates])
    assert share > 0.4  # uniform draws give 0.2; distinct keys cap the concentration


def test_candidates_are_seeded_and_exclude_what_was_seen() -> None:
    space = NasBench201()
    first = RelaxedCandidates(space, FAST, seed=3)(PreferOp(space, 3), 50)
    again = RelaxedCandidates(space, FAST, seed=3)(PreferOp(space, 3), 50)
    assert first == again
    seen = {space.key(a) for a in first[:10]}
    fresh = RelaxedCandidates(space, FAST, seed=3)(PreferOp(space, 3), 50, exclude=seen)
    assert not seen & {space.key(a) for a in fresh}


def test_the_groups_carry_over_between_calls() -> None:
    space = NasBench201()
    generator = RelaxedCandidates(space, FAST, seed=0)
    generator(PreferOp(space, 2), 20)
    alpha = generator.distribution.alpha.detach().clone()
    generator(PreferOp(space, 2), 20)
    assert not torch.equal(alpha, generator.distribution.alpha.detach())
    assert len(generator.last_trace) == FAST.search_epochs


def test_ensemble_mean_is_the_mean_in_target_units() -> None:
    class Constant(nn.Module):
        def __init__(self, value: float) -> None:
            super().__init__()
            self.value = nn.Parameter(torch.tensor(value))

        def forward(self, x, adj):
            return self.value.expand(x.shape[0])

    mean = EnsembleMean([(Constant(1.0), Standardizer(90.0, 2.0)), (Constant(-1.0), Standardizer(80.0, 4.0))])
    x = torch.zeros(3, 8, 7)
    torch.testing.assert_close(mean(x, x), torch.full((3,), ((90 + 2) + (80 - 4)) / 2))
    mean(x, x).sum().backward()
    assert all(p.grad is not None for p in mean.parameters())
    with pytest.raises(ValueError, match="at least one"):
        EnsembleMean([])
