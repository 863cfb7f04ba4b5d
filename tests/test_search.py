"""Algorithm 1: gradient search of (alpha, beta) through a frozen, differentiable proxy."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from naslib_optiproxy.distribution import ArchitectureDistribution
from naslib_optiproxy.search import GradientSearch, SearchSettings
from naslib_optiproxy.spaces import NasBench201, NasBenchGraph

CONV3 = 2  # NB201 nor_conv_3x3, feature column 1 + 2


class OpReward(nn.Module):
    """Rewards op ``op`` on every op node (and, with ``edge_weights``, some soft edges)."""

    def __init__(self, op: int, op_nodes: slice, edge_weights: torch.Tensor | None = None) -> None:
        super().__init__()
        self.op, self.op_nodes = op, op_nodes
        self.scale = nn.Parameter(torch.tensor(1.0))
        self.edges = nn.Parameter(edge_weights if edge_weights is not None else torch.zeros(1, 1))
        self.calls = 0

    def forward(self, x: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        out = self.scale * x[:, self.op_nodes, 1 + self.op].sum(-1)
        if self.edges.shape == adj.shape[1:]:
            out = out + (adj * self.edges).sum((1, 2))
        return out


def _nb201(groups: int = 3, seed: int = 0):
    space = NasBench201()
    return space, ArchitectureDistribution(space, groups, np.random.default_rng(seed), 0.9, 0.1)


def _nbg(groups: int = 2, seed: int = 0):
    space = NasBenchGraph()
    return space, ArchitectureDistribution(space, groups, np.random.default_rng(seed))


def test_search_raises_the_rewarded_op_in_every_group() -> None:
    space, dist = _nb201()
    before = dist.op_probabilities()[..., CONV3]
    proxy = OpReward(CONV3, slice(1, 7))
    search = GradientSearch(dist, space, SearchSettings(epochs=60, lr_alpha=0.1), torch.Generator().manual_seed(0))
    trace = search.run(proxy)
    after = dist.op_probabilities()[..., CONV3]
    assert before.shape == after.shape == (3, 6)
    assert np.all(after > before + 0.2), (before, after)
    assert len(trace) == 60 and proxy.calls == 60
    assert np.mean(trace[-10:]) > np.mean(trace[:10])
    # The discrete samples follow: almost every drawn op is nor_conv_3x3 now.
    ops = np.array([a.ops for g in range(3) for a in dist.sample_valid(g, 200, np.random.default_rng(1)).archs])
    assert (ops == CONV3).mean() > 0.7


def test_search_is_reproducible_with_a_generator() -> None:
    results = []
    for _ in range(2):
        space, dist = _nb201()
        GradientSearch(dist, space, SearchSettings(epochs=15), torch.Generator().manual_seed(3)).run(
            OpReward(CONV3, slice(1, 7)))
        results.append(dist.alpha.detach().clone())
    torch.testing.assert_close(results[0], results[1], rtol=0, atol=0)


def test_proxy_is_frozen_and_restored() -> None:
    space, dist = _nb201()
    proxy = OpReward(CONV3, slice(1, 7))
    proxy.edges.requires_grad_(False)  # a parameter frozen by the caller stays frozen
    proxy.train()
    state = {k: v.clone() for k, v in proxy.state_dict().items()}
    GradientSearch(dist, space, SearchSettings(epochs=20, lr_alpha=0.1)).run(proxy)
    for key, value in proxy.state_dict().items():
        assert torch.equal(value, state[key]), key
    assert proxy.scale.requires_grad and not proxy.edges.requires_grad
    assert proxy.scale.grad is None
    assert not proxy.training  # the search evaluates the proxy in eval mode


def test_requires_grad_restored_when_the_proxy_fails() -> None:
    space, dist = _nb201()

    class Failing(OpReward):
        def forward(self, x, adj):
            if self.calls == 2:
                raise RuntimeError("boom")
            return super().forward(x, adj)

    proxy = Failing(CONV3, slice(1, 7))
    with pytest.raises(RuntimeError, match="boom"):
        GradientSearch(dist, space, SearchSettings(epochs=10)).run(proxy)
    assert all(p.requires_grad for p in proxy.parameters())


def test_nasbench201_has_no_beta_optimizer() -> None:
    space, dist = _nb201()
    search = GradientSearch(dist, space, SearchSettings(o_epochs=2, t_epochs=3))
    assert search.beta_optimizer is None


def test_alternation_alpha_then_beta() -> None:
    space, dist = _nbg()
    o_epochs, t_epochs, epochs = 3, 2, 12
    snapshots = []

    class Recording(OpReward):
        def forward(self, x, adj):
            snapshots.append((dist.alpha.detach().clone(), dist.beta.detach().clone()))
            return super().forward(x, adj)

    edges = torch.randn(6, 6, generator=torch.Generator().manual_seed(0))
    proxy = Recording(space.op_names.index("gcn"), slice(1, 5), edges)
    settings = SearchSettings(epochs=epochs, o_epochs=o_epochs, t_epochs=t_epochs, lr_alpha=0.05, lr_beta=0.05)
    GradientSearch(dist, space, settings, torch.Generator().manual_seed(1)).run(proxy)
    snapshots.append((dist.alpha.detach().clone(), dist.beta.detach().clone()))
    moved = []
    for (a0, b0), (a1, b1) in zip(snapshots, snapshots[1:]):
        moved.append(("a" if not torch.equal(a0, a1) else "") + ("b" if not torch.equal(b0, b1) else ""))
    # Iterations 0-2 update alpha, 3-4 beta, 5-7 alpha, 8-9 beta, 10-11 alpha: one at a time.
    assert moved == ["a", "a", "a", "b", "b", "a", "a", "a", "b", "b", "a", "a"]


def test_beta_search_prefers_the_rewarded_input() -> None:
    space, dist = _nbg()
    edges = torch.zeros(6, 6)
    edges[0, 1:5] = 1.0  # reward every computing node that reads the graph input
    proxy = OpReward(0, slice(0, 0), edges)
    before = dist.topology_probabilities()[:, 1:, 0]
    settings = SearchSettings(epochs=40, o_epochs=1, t_epochs=3, lr_beta=0.1)
    GradientSearch(dist, space, settings, torch.Generator().manual_seed(2)).run(proxy)
    after = dist.topology_probabilities()[:, 1:, 0]
    assert np.all(after > before + 0.1), (before, after)


def test_learning_rate_restarts_every_run() -> None:
    space, dist = _nb201()
    settings = SearchSettings(epochs=20, lr_alpha=0.02, lr_step=10, lr_gamma=0.5)
    search = GradientSearch(dist, space, settings)
    for _ in range(2):
        search.run(OpReward(CONV3, slice(1, 7)))
        assert search.alpha_optimizer.lr == pytest.approx(0.02 * 0.25)
