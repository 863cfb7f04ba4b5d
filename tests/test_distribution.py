"""ArchitectureDistribution: shapes per topology kind, relaxed and discrete samples."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from naslib_optiproxy.distribution import ArchitectureDistribution
from naslib_optiproxy.spaces import Architecture, BernoulliTopology, NasBench201, NasBenchGraph, SearchSpace

K = 4
DRAWS = 20000


class EdgeSpace(SearchSpace):
    """Three op slots, five free edges: a stand-in for a Bernoulli-topology space (NB101-like)."""

    name = "edges"
    op_names = ("a", "b", "c")
    num_op_slots = 3
    topology = BernoulliTopology(5)

    def relaxed_encode(self, op_weights, topology_weights):  # pragma: no cover - unused
        raise NotImplementedError

    def is_valid(self, arch: Architecture) -> bool:
        return len(arch.ops) == 3 and len(arch.topology) == 5 and set(arch.topology) <= {0, 1}

    def to_string(self, arch):  # pragma: no cover - unused
        return str(arch)

    def from_string(self, text):  # pragma: no cover - unused
        raise ValueError(text)


def _chi_square(counts: np.ndarray, probs: np.ndarray) -> float:
    expected = probs * counts.sum()
    keep = expected > 0
    assert counts[~keep].sum() == 0  # nothing drawn where the probability is zero
    return float(((counts[keep] - expected[keep]) ** 2 / expected[keep]).sum())


# 99.99th percentiles of chi-square by degrees of freedom (fixed seeds: deterministic anyway).
CHI2_LIMIT = {1: 15.1, 2: 18.4, 3: 21.1, 8: 31.8}


def test_nasbench201_shapes() -> None:
    dist = ArchitectureDistribution(NasBench201(), K, np.random.default_rng(0), lhs_lower=0.9, lhs_width=0.1)
    assert dist.alpha.shape == (K, 6, 5) and dist.beta is None and dist.choice_mask is None
    assert torch.all(dist.alpha >= 0.9) and torch.all(dist.alpha <= 1.0)
    ops, topo = dist.relaxed(0.5, torch.Generator().manual_seed(0))
    assert ops.shape == (K, 6, 5) and topo is None
    torch.testing.assert_close(ops.sum(-1), torch.ones(K, 6))
    assert dist.topology_probabilities() is None
    assert [n for n, _ in dist.named_parameters()] == ["alpha"]


def test_nasbench_graph_shapes_and_mask() -> None:
    space = NasBenchGraph()
    dist = ArchitectureDistribution(space, K, np.random.default_rng(1), beta_lhs_lower=-0.5, beta_lhs_width=1.0)
    assert dist.alpha.shape == (K, 4, 9) and dist.beta.shape == (K, 4, 4)
    assert torch.equal(dist.choice_mask, space.topology.mask())
    assert torch.all(dist.beta >= -0.5) and torch.all(dist.beta <= 0.5)
    ops, topo = dist.relaxed(0.5, torch.Generator().manual_seed(0))
    assert ops.shape == (K, 4, 9) and topo.shape == (K, 4, 4)
    torch.testing.assert_close(ops.sum(-1), torch.ones(K, 4))
    torch.testing.assert_close(topo.sum(-1), torch.ones(K, 4))
    assert torch.all(ops >= 0) and torch.all(topo >= 0)
    assert torch.all(topo[:, ~dist.choice_mask] == 0)
    probs = dist.topology_probabilities()
    assert probs.shape == (K, 4, 4) and np.all(probs[:, ~dist.choice_mask.numpy()] == 0)
    np.testing.assert_allclose(probs.sum(-1), 1.0, atol=1e-6)
    np.testing.assert_allclose(probs[:, 0, 0], 1.0)


def test_bernoulli_topology_shapes() -> None:
    dist = ArchitectureDistribution(EdgeSpace(), K, np.random.default_rng(2))
    assert dist.beta.shape == (K, 5) and dist.choice_mask is None
    _, topo = dist.relaxed(0.5, torch.Generator().manual_seed(0))
    assert topo.shape == (K, 5) and torch.all((topo > 0) & (topo < 1))
    np.testing.assert_allclose(dist.topology_probabilities(), torch.sigmoid(dist.beta).detach().numpy(), rtol=1e-6)
    archs = dist.sample_valid(1, 50, np.random.default_rng(3)).archs
    assert all(EdgeSpace().is_valid(a) for a in archs)


def test_relaxed_is_differentiable_and_seeded() -> None:
    dist = ArchitectureDistribution(NasBenchGraph(), K, np.random.default_rng(4))
    ops, topo = dist.relaxed(0.7, torch.Generator().manual_seed(5))
    again_ops, again_topo = dist.relaxed(0.7, torch.Generator().manual_seed(5))
    assert torch.equal(ops, again_ops) and torch.equal(topo, again_topo)
    (ops.square().sum() + (topo * torch.arange(4.0)).sum()).backward()
    assert torch.count_nonzero(dist.alpha.grad) == dist.alpha.numel()
    assert torch.all(dist.beta.grad[:, ~dist.choice_mask] == 0)
    assert torch.all(dist.beta.grad[:, 1:][:, dist.choice_mask[1:]] != 0)


def test_latin_hypercube_initialisation_across_groups() -> None:
    dist = ArchitectureDistribution(NasBench201(), 8, np.random.default_rng(6), lhs_lower=0.9, lhs_width=0.1)
    flat = dist.alpha.detach().double().numpy().reshape(8, -1)
    strata = np.minimum(np.floor((flat - 0.9) / 0.1 * 8).astype(int), 7)
    for d in range(flat.shape[1]):
        assert sorted(strata[:, d].tolist()) == list(range(8))


def test_samples_are_well_formed() -> None:
    nb201 = NasBench201()
    dist = ArchitectureDistribution(nb201, K, np.random.default_rng(7))
    archs = dist.sample_valid(2, 500, np.random.default_rng(8), op_noise=0.3).archs
    assert len(archs) == 500 and all(nb201.is_valid(a) for a in archs)
    nbg = NasBenchGraph()
    dist = ArchitectureDistribution(nbg, K, np.random.default_rng(9))
    archs = dist.sample_valid(0, 2000, np.random.default_rng(10)).archs
    # The distribution can produce an all-skip cell (probability ~9^-4); everything else is valid.
    assert all(nbg.is_valid(a) or set(a.ops) == {nbg.op_names.index("skip")} for a in archs)
    assert sum(nbg.is_valid(a) for a in archs) > 1990
    assert all(isinstance(o, int) for a in archs[:10] for o in a.ops + a.topology)


def test_sample_frequencies_match_probabilities_without_noise() -> None:
    space = NasBenchGraph()
    dist = ArchitectureDistribution(space, K, np.random.default_rng(11))
    gen = torch.Generator().manual_seed(12)
    with torch.no_grad():
        dist.alpha.copy_(torch.randn(K, 4, 9, generator=gen))
        dist.beta.copy_(2 * torch.randn(K, 4, 4, generator=gen))
    group = 2
    archs = dist.sample_valid(group, DRAWS, np.random.default_rng(13), op_noise=0.0).archs
    ops = np.array([a.ops for a in archs])
    links = np.array([a.topology for a in archs])
    op_probs = dist.op_probabilities()[group]
    np.testing.assert_allclose(op_probs, torch.softmax(dist.alpha[group], -1).detach().numpy(), rtol=1e-6)
    topo_probs = dist.topology_probabilities()[group]
    for slot in range(4):
        counts = np.bincount(ops[:, slot], minlength=9)
        assert _chi_square(counts, op_probs[slot]) < CHI2_LIMIT[8]
        np.testing.assert_allclose(counts / DRAWS, op_probs[slot], atol=0.02)
        counts = np.bincount(links[:, slot], minlength=4)
        assert np.all(counts[slot + 1:] == 0)  # never an impossible candidate
        if slot > 0:
            assert _chi_square(counts, topo_probs[slot]) < CHI2_LIMIT[slot]


def test_samples_come_from_the_requested_group() -> None:
    dist = ArchitectureDistribution(NasBench201(), 2, np.random.default_rng(14))
    with torch.no_grad():
        dist.alpha.zero_()
        dist.alpha[0, :, 0] = 8.0
        dist.alpha[1, :, 4] = 8.0
    first = np.array([a.ops for a in dist.sample_valid(0, 500, np.random.default_rng(15)).archs])
    second = np.array([a.ops for a in dist.sample_valid(1, 500, np.random.default_rng(15)).archs])
    assert (first == 0).mean() > 0.99 and (second == 4).mean() > 0.99


def test_op_noise_flattens_the_distribution() -> None:
    dist = ArchitectureDistribution(NasBench201(), 1, np.random.default_rng(16))
    with torch.no_grad():
        dist.alpha.zero_()
        dist.alpha[..., 2] = 5.0  # p(op 2) = e^5 / (e^5 + 4) = 0.974
    rng = np.random.default_rng(17)
    exact = np.array([a.ops for a in dist.sample_valid(0, 5000, rng, op_noise=0.0).archs])
    noisy = np.array([a.ops for a in dist.sample_valid(0, 5000, rng, op_noise=1.0).archs])
    p_exact, p_noisy = (exact == 2).mean(), (noisy == 2).mean()
    assert p_exact == pytest.approx(np.exp(5) / (np.exp(5) + 4), abs=0.01)
    # With U(0,1) noise on every probability, op 2 keeps about (0.97 + 0.5) / (1 + 2.5) = 0.42.
    assert p_noisy == pytest.approx(0.42, abs=0.06)
    freq = lambda ops: np.bincount(ops.ravel(), minlength=5) / ops.size  # noqa: E731
    entropy = lambda p: float(-(p[p > 0] * np.log(p[p > 0])).sum())  # noqa: E731
    assert entropy(freq(noisy)) > entropy(freq(exact)) + 0.5
    assert freq(noisy).min() > 0.1 > 0.02 > freq(exact).min()


def test_modes_and_redraw_of_one_group() -> None:
    space = NasBenchGraph()
    dist = ArchitectureDistribution(space, K, np.random.default_rng(0), lhs_lower=0.9, lhs_width=0.1,
                                    beta_lhs_lower=-0.5, beta_lhs_width=1.0)
    modes = dist.modes()
    probs, topo = dist.op_probabilities(), dist.topology_probabilities()
    for k, mode in enumerate(modes):
        assert mode.ops == tuple(int(i) for i in probs[k].argmax(-1))
        assert mode.topology == tuple(int(i) for i in topo[k].argmax(-1))
    before = (dist.alpha.detach().clone(), dist.beta.detach().clone())
    dist.redraw(2, np.random.default_rng(1))
    changed = [not torch.equal(dist.alpha[k], before[0][k]) for k in range(K)]
    assert changed == [False, False, True, False]
    assert not torch.equal(dist.beta[2], before[1][2]) and torch.equal(dist.beta[:2], before[1][:2])
    assert torch.all((dist.alpha[2] >= 0.9) & (dist.alpha[2] <= 1.0))
    assert torch.all((dist.beta[2] >= -0.5) & (dist.beta[2] <= 0.5))


def test_modes_of_bernoulli_edges_are_the_likely_edges() -> None:
    dist = ArchitectureDistribution(EdgeSpace(), K, np.random.default_rng(0))
    with torch.no_grad():
        dist.beta[0] = torch.tensor([2.0, -2.0, 0.5, -0.5, 3.0])
    assert dist.modes()[0].topology == (1, 0, 1, 0, 1)
