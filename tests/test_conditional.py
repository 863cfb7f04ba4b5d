"""Draws conditioned on validity: exact on small cases where p(x | valid) can be enumerated."""

from __future__ import annotations

import itertools
from typing import Dict, List, Tuple

import numpy as np
import torch

from naslib_optiproxy.conditional import SlotProbabilities, importance_resampling, rejection
from naslib_optiproxy.distribution import ArchitectureDistribution
from naslib_optiproxy.relaxations import sample_categorical
from naslib_optiproxy.spaces import Architecture, NasBench101, NasBench201, NasBenchGraph, NasBenchNLP
from naslib_optiproxy.spaces.nasbench101 import EDGE_SLOTS


def _chi_square_limit(dof: int, z: float = 3.72) -> float:
    """Wilson-Hilferty approximation of the chi-square quantile at standard-normal ``z`` (3.72: 99.99%)."""
    return dof * (1 - 2 / (9 * dof) + z * np.sqrt(2 / (9 * dof))) ** 3


def _logits(probs: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.log(np.maximum(probs, 1e-30)), dtype=torch.float32)


# ------------------------------------------------------------------ NAS-Bench-101: rejection
CHAIN = {(i, i + 1) for i in range(6)} - {(3, 4)}  # fixed present edges; (3, 4) is left free
FREE = [(0, 2), (0, 3), (1, 3), (2, 4), (3, 4), (3, 5), (4, 6), (0, 6), (1, 5)]


def _nb101_case() -> Tuple[np.ndarray, Dict[Tuple[int, ...], float]]:
    """Edge probabilities (chain fixed, 9 free edges) and the exact p(free edges | valid)."""
    rng = np.random.default_rng(0)
    edge_probs = np.array([1.0 if e in CHAIN else 0.0 for e in EDGE_SLOTS])
    free_probs = rng.uniform(0.25, 0.75, len(FREE))
    for e, p in zip(FREE, free_probs):
        edge_probs[EDGE_SLOTS.index(e)] = p
    space, exact = NasBench101(), {}
    for bits in itertools.product((0, 1), repeat=len(FREE)):
        topo = edge_probs.round().astype(int)
        for e, b in zip(FREE, bits):
            topo[EDGE_SLOTS.index(e)] = b
        if space.is_valid(Architecture((0,) * 5, tuple(int(t) for t in topo))):
            exact[bits] = float(np.prod(np.where(bits, free_probs, 1 - free_probs)))
    total = sum(exact.values())
    return edge_probs, {bits: p / total for bits, p in exact.items()}


def test_nasbench101_draws_follow_the_distribution_conditioned_on_validity():
    edge_probs, exact = _nb101_case()
    assert 0.1 < sum(1 for _ in exact) / 512 < 0.9  # validity is at stake in this case
    dist = ArchitectureDistribution(NasBench101(), 1, np.random.default_rng(1))
    with torch.no_grad():
        dist.beta.copy_(torch.logit(torch.as_tensor(edge_probs, dtype=torch.float32).clamp(1e-12, 1 - 1e-7))[None])
    draws = dist.sample_valid(0, 20000, np.random.default_rng(2))
    assert draws.valid_fraction == 1.0 and draws.proposals > 20000
    counts: Dict[Tuple[int, ...], int] = {}
    for arch in draws.archs:
        bits = tuple(arch.topology[EDGE_SLOTS.index(e)] for e in FREE)
        counts[bits] = counts.get(bits, 0) + 1
    assert set(counts) <= set(exact)
    observed = np.array([counts.get(bits, 0) for bits in exact])
    expected = np.array(list(exact.values())) * len(draws.archs)
    assert ((observed - expected) ** 2 / expected).sum() < _chi_square_limit(len(exact) - 1)


def test_rejection_drops_draws_that_stay_invalid():
    space = NasBench101()
    probs = SlotProbabilities(np.full((6, 5, 3), 1 / 3), np.zeros((6, 21)), bernoulli=True)  # no edges: never valid
    first = [Architecture((0,) * 5, (0,) * 21)] * 6
    draws = rejection(space, probs, first, np.random.default_rng(0), max_rounds=3)
    assert draws.archs == [] and draws.valid_fraction == 0.0 and draws.proposals == 6 * 4


def test_redraws_leave_the_main_random_stream_alone():
    space = NasBenchGraph()
    dist = ArchitectureDistribution(space, 1, np.random.default_rng(5))
    with torch.no_grad():
        dist.alpha[..., space.op_names.index("skip")] = 4.0  # all-skip (invalid) cells are frequent
    conditioned, plain = np.random.default_rng(6), np.random.default_rng(6)
    draws = dist.sample_valid(0, 300, conditioned)
    product = dist.product_draws(0, 300, plain)[1]
    valid = [space.is_valid(a) for a in product]
    assert sum(valid) < 270 and len(draws.archs) == 300 and all(space.is_valid(a) for a in draws.archs)
    assert all(d == p for d, p, ok in zip(draws.archs, product, valid) if ok)  # redrawn only where invalid
    assert conditioned.random() == plain.random()


def test_spaces_without_rules_keep_the_plain_product_draws():
    dist = ArchitectureDistribution(NasBench201(), 2, np.random.default_rng(3))
    archs = dist.sample_valid(1, 300, np.random.default_rng(4), op_noise=0.3).archs
    rng = np.random.default_rng(4)
    probs = dist.op_probabilities()[1]
    noisy = np.broadcast_to(probs, (300,) + probs.shape) + 0.3 * rng.random((300,) + probs.shape)
    assert [a.ops for a in archs] == [tuple(map(int, o)) for o in sample_categorical(noisy, rng)]


# ------------------------------------------------------- NAS-Bench-NLP: importance resampling
def _nlp_case() -> Tuple[NasBenchNLP, np.ndarray, np.ndarray, Dict[Architecture, float]]:
    """Two values per slot around a valid 3-unit cell, and the exact p(x | valid) by enumeration."""
    space = NasBenchNLP(max_nodes=3)
    rng = np.random.default_rng(0)
    base = space.sample(rng)
    ops = np.zeros((space.num_op_slots, space.num_ops))
    topo = np.zeros((space.topology.num_slots, space.topology.max_candidates))
    support: List[Tuple[int, int]] = []
    for slot, value in enumerate(base.ops + base.topology):
        size = space.num_ops if slot < len(base.ops) else space.topology.num_candidates[slot - len(base.ops)]
        other = int(rng.choice([v for v in range(size) if v != value]))
        row = ops[slot] if slot < len(base.ops) else topo[slot - len(base.ops)]
        row[value] = rng.uniform(0.3, 0.7)
        row[other] = 1 - row[value]
        support.append((value, other))
    exact: Dict[Architecture, float] = {}
    for combo in itertools.product(*support):
        arch = Architecture(combo[: len(base.ops)], combo[len(base.ops):])
        if space.is_valid(arch):
            exact[arch] = float(np.prod([ops[i, v] for i, v in enumerate(arch.ops)]) *
                                np.prod([topo[i, v] for i, v in enumerate(arch.topology)]))
    total = sum(exact.values())
    return space, ops, topo, {arch: p / total for arch, p in exact.items()}


def _batch_z_scores(batches: List[List[Architecture]], exact: Dict[Architecture, float]) -> np.ndarray:
    """Per architecture: (mean frequency over batches - exact) / its standard error."""
    index = {arch: i for i, arch in enumerate(exact)}
    freqs = np.zeros((len(batches), len(exact)))
    for b, batch in enumerate(batches):
        for arch in batch:
            freqs[b, index[arch]] += 1 / len(batch)
    se = freqs.std(0, ddof=1) / np.sqrt(len(batches))
    return (freqs.mean(0) - np.array(list(exact.values()))) / np.maximum(se, 1e-4)


def test_nasbench_nlp_draws_follow_the_distribution_conditioned_on_validity():
    space, ops, topo, exact = _nlp_case()
    assert len(exact) >= 20
    dist = ArchitectureDistribution(space, 1, np.random.default_rng(1))
    with torch.no_grad():
        dist.alpha.copy_(_logits(ops)[None])
        dist.beta.copy_(_logits(topo)[None])
    batches = [dist.sample_valid(0, 400, np.random.default_rng(10 + b)) for b in range(30)]
    assert all(b.valid_fraction == 1.0 for b in batches)
    assert all(arch in exact for b in batches for arch in b.archs)
    assert np.abs(_batch_z_scores([b.archs for b in batches], exact)).max() < 4.5
    # the same test rejects the proposal without its weights: the weights matter here
    probs = SlotProbabilities(np.repeat(ops[None], 2000, 0), np.repeat(topo[None], 2000, 0))
    unweighted = []
    for b in range(30):
        archs, log_w = space.propose(probs, np.random.default_rng(100 + b))
        unweighted.append([a for a, w in zip(archs, log_w) if np.isfinite(w)])
    assert np.abs(_batch_z_scores(unweighted, exact)).max() > 8


def test_importance_resampling_returns_nothing_when_no_proposal_is_valid():
    space = NasBenchNLP(max_nodes=3)
    ops = np.zeros((4, 3, space.num_ops))
    ops[..., space.op_names.index("blend")] = 1.0  # only blends: x is never read, never valid
    topo = np.ones((4, space.topology.num_slots, space.topology.max_candidates))
    draws = importance_resampling(space, SlotProbabilities(ops, topo), np.random.default_rng(0), oversample=2)
    assert draws.archs == [] and draws.valid_fraction == 0.0 and draws.proposals == 4 * 2 * 4
