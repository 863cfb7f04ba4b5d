"""NAS-Bench-301 codec: reachable topologies, sampler agreement, graph layout, genotype strings.

Layout under test (per cell, reduction cell at +11): nodes 0, 1 = cell inputs, 2 + 2j + e =
op-node of intermediate node j's smaller (e = 0) / larger (e = 1) input, 10 = cell output;
features: column 0 input, 1..7 op one-hot, 8 output. An op-node reads a cell input directly or
both op-nodes of an intermediate node; all op-nodes feed the cell output; the normal cell's
output feeds the reduction cell's inputs.
"""

from __future__ import annotations

import ast
import itertools
import json

import numpy as np
import pytest
import torch

from naslib_optiproxy.data import suite_zero_file
from naslib_optiproxy.distribution import ArchitectureDistribution
from naslib_optiproxy.relaxations import gumbel_softmax
from naslib_optiproxy.spaces import Architecture, ChoiceTopology, NasBench301, get_search_space
from naslib_optiproxy.spaces.nasbench301 import EXPECTED_FORMAT, PAIRS

ZC_NB301 = suite_zero_file("nasbench301")
GENOTYPE = [[(1, 3), (0, 3), (0, 2), (2, 3), (3, 4), (1, 5), (0, 0), (4, 6)],
            [(0, 1), (1, 1), (2, 2), (1, 2), (0, 0), (3, 1), (2, 4), (1, 0)]]
# chi-square critical values at p = 0.001 for 2, 5 and 9 degrees of freedom
CHI2_CRITICAL = {3: 13.82, 6: 20.52, 10: 27.88}


@pytest.fixture(scope="module")
def nb301() -> NasBench301:
    return NasBench301()


def _pairs_per_node(genotype) -> list:
    """Per cell and node: the set of (input, op) edges (written independently of the codec)."""
    return [[frozenset(map(tuple, cell[2 * j: 2 * j + 2])) for j in range(4)] for cell in genotype]


def _expected_encoding(genotype) -> tuple:
    """The A.8.3 layout of a genotype, built edge by edge."""
    x = np.zeros((22, 9), dtype=np.float32)
    adj = np.zeros((22, 22), dtype=np.float32)
    for cell, entries in enumerate(genotype):
        base = 11 * cell
        x[base, 0] = x[base + 1, 0] = x[base + 10, 8] = 1
        for j in range(4):
            for e, (source, op) in enumerate(sorted(entries[2 * j: 2 * j + 2])):
                node = base + 2 + 2 * j + e
                x[node, 1 + op] = 1
                adj[node, base + 10] = 1
                producers = [source] if source < 2 else [2 * source - 2, 2 * source - 1]
                for producer in producers:
                    adj[base + producer, node] = 1
    adj[10, 11] = adj[10, 12] = 1
    return x, adj


def test_space_shape(nb301) -> None:
    assert isinstance(get_search_space("nasbench301"), NasBench301)
    assert nb301.op_names == ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5",
                              "dil_conv_3x3", "dil_conv_5x5")
    assert nb301.num_op_slots == 28 and nb301.num_nodes == 22 and nb301.num_features == 9
    assert nb301.topology == ChoiceTopology((1, 3, 6, 10, 1, 3, 6, 10))
    assert [len(p) for p in PAIRS] == [1, 3, 6, 10]
    assert all(a < b for pairs in PAIRS for a, b in pairs)


def test_every_input_pair_topology_is_reachable_by_the_discrete_sampler(nb301) -> None:
    """All 1*3*6*10 = 180 topologies per cell have probability > 0 and are drawn."""
    dist = ArchitectureDistribution(nb301, 1, np.random.default_rng(0))
    probs = dist.topology_probabilities()[0]
    assert probs[nb301.topology.mask().numpy()].min() > 0.02  # a non-degenerate beta
    for cell in range(2):
        topologies = list(itertools.product(*(range(len(p)) for p in PAIRS)))
        assert len(topologies) == 180
        chance = [np.prod([probs[cell * 4 + j, c] for j, c in enumerate(t)]) for t in topologies]
        assert min(chance) > 0 and np.isclose(sum(chance), 1.0)
    drawn = dist.sample_valid(0, 20_000, np.random.default_rng(1), op_noise=0.0).archs
    for cell in range(2):
        assert len({a.topology[4 * cell: 4 * cell + 4] for a in drawn}) == 180


def test_relaxed_and_discrete_samplers_agree_at_low_temperature(nb301) -> None:
    dist = ArchitectureDistribution(nb301, 1, np.random.default_rng(3), beta_lhs_lower=-1.0, beta_lhs_width=2.0)
    n = 4000
    probs = dist.topology_probabilities()[0]
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        soft = gumbel_softmax(dist.beta[0].expand(n, -1, -1), 0.01, generator, mask=dist.choice_mask)
    assert (soft.max(-1).values > 0.99).float().mean() > 0.9  # nearly one-hot
    relaxed_choices = soft.argmax(-1).numpy()
    discrete = dist.sample_valid(0, n, np.random.default_rng(4), op_noise=0.0).archs
    discrete_choices = np.array([a.topology for a in discrete])
    for slot, count in enumerate(nb301.topology.num_candidates):
        if count == 1:
            continue
        expected = n * probs[slot, :count]
        for choices in (relaxed_choices, discrete_choices):
            observed = np.bincount(choices[:, slot], minlength=count)[:count]
            assert ((observed - expected) ** 2 / expected).sum() < CHI2_CRITICAL[count]
    # ... and so do the graphs the proxy sees: mean soft adjacency vs mean discrete adjacency.
    ops = torch.full((n, 28, 7), 1 / 7)
    _, soft_adj = nb301.relaxed_encode(ops, soft)
    _, hard_adj = nb301.encode_batch(discrete)
    assert torch.allclose(soft_adj.mean(0), hard_adj.mean(0), atol=0.04)


def test_encode_known_genotype(nb301) -> None:
    arch = nb301.from_compact(GENOTYPE)
    x, adj = nb301.encode(arch)
    expected_x, expected_adj = _expected_encoding(GENOTYPE)
    np.testing.assert_array_equal(x, expected_x)
    np.testing.assert_array_equal(adj, expected_adj)


def test_relaxed_encode_of_one_hot_equals_encode(nb301) -> None:
    rng = np.random.default_rng(0)
    archs = [nb301.sample(rng) for _ in range(50)]
    ops = torch.nn.functional.one_hot(torch.tensor([a.ops for a in archs]), 7).float()
    topo = torch.nn.functional.one_hot(torch.tensor([a.topology for a in archs]), 10).float()
    x, adj = nb301.relaxed_encode(ops, topo)
    assert x.shape == (50, 22, 9) and adj.shape == (50, 22, 22)
    for i, arch in enumerate(archs):
        xi, ai = nb301.encode(arch)
        np.testing.assert_array_equal(x[i].numpy(), xi)
        np.testing.assert_array_equal(adj[i].numpy(), ai)
        expected_x, expected_adj = _expected_encoding(ast.literal_eval(nb301.to_string(arch)))
        np.testing.assert_array_equal(xi, expected_x)
        np.testing.assert_array_equal(ai, expected_adj)


def test_relaxed_encode_soft_topology(nb301) -> None:
    topo = nb301.topology.mask().float()
    topo = (topo / topo.sum(1, keepdim=True))[None]  # every pair equally likely
    _, adj = nb301.relaxed_encode(torch.full((1, 28, 7), 1 / 7), topo)
    adj = adj[0]
    # node 1 (pairs 01, 02, 12): smaller input 0 w.p. 2/3, 1 w.p. 1/3; larger 1 w.p. 1/3, 2 w.p. 2/3
    torch.testing.assert_close(adj[0:2, 4], torch.tensor([2 / 3, 1 / 3]))
    torch.testing.assert_close(adj[0:4, 5], torch.tensor([0.0, 1 / 3, 2 / 3, 2 / 3]))
    # node j reads each candidate with the summed probability of the pairs containing it: 2 / (j + 2)
    for j in range(4):
        op_nodes = [2 + 2 * j, 3 + 2 * j]
        reads_input0 = adj[0, op_nodes].sum()
        torch.testing.assert_close(reads_input0, torch.tensor(2 / (j + 2)))
    # each op-node has one unit of input in total (intermediate sources count both op-nodes once)
    for node in range(4, 10):
        cell_inputs = adj[0:2, node].sum()
        intermediate = adj[2:10:2, node].sum()
        torch.testing.assert_close(cell_inputs + intermediate, torch.tensor(1.0))


def test_relaxed_encode_propagates_gradients(nb301) -> None:
    alpha = torch.zeros(2, 28, 7, requires_grad=True)
    beta = torch.zeros(2, 8, 10, requires_grad=True)
    topo = torch.softmax(beta.masked_fill(~nb301.topology.mask(), float("-inf")), -1)
    x, adj = nb301.relaxed_encode(torch.softmax(alpha, -1), topo)
    weights = torch.arange(22.0 * 22).reshape(22, 22)
    ((adj * weights).sum() + (x * torch.arange(9.0)).sum()).backward()
    mask = nb301.topology.mask()
    assert torch.all(beta.grad[:, ~mask] == 0)
    free = mask.clone()
    free[[0, 4], 0] = False  # node 0 has a single pair: its softmax is constant
    assert torch.all(beta.grad[:, free] != 0)
    assert alpha.grad.abs().sum() > 0


def test_relaxed_encode_needs_topology_weights(nb301) -> None:
    with pytest.raises(ValueError, match="topology weights"):
        nb301.relaxed_encode(torch.full((1, 28, 7), 1 / 7), None)


def test_unused_op_slots_do_not_count(nb301) -> None:
    arch = nb301.from_compact(GENOTYPE)
    for slot in range(28):
        other = Architecture(arch.ops[:slot] + ((arch.ops[slot] + 1) % 7,) + arch.ops[slot + 1:], arch.topology)
        same = nb301.key(other) == nb301.key(arch)
        assert same == (nb301.to_string(other) == nb301.to_string(arch))
        x, adj = nb301.encode(other)
        assert same == bool(np.array_equal(x, nb301.encode(arch)[0]))
    changed = sum(nb301.key(Architecture(arch.ops[:s] + ((arch.ops[s] + 1) % 7,) + arch.ops[s + 1:],
                                          arch.topology)) != nb301.key(arch) for s in range(28))
    assert changed == 16  # exactly the 2 x 8 used edges


def test_string_round_trip(nb301) -> None:
    rng = np.random.default_rng(1)
    for _ in range(500):
        arch = nb301.sample(rng)
        back = nb301.from_string(nb301.to_string(arch))
        assert nb301.key(back) == nb301.key(arch) and back == arch  # sample leaves unused ops at 0
    arch = nb301.from_compact(GENOTYPE)
    assert _pairs_per_node(ast.literal_eval(nb301.to_string(arch))) == _pairs_per_node(GENOTYPE)
    assert nb301.to_string(arch).startswith("[[(0, 3), (1, 3), (0, 2), (2, 3), (1, 5), (3, 4),")
    assert nb301.from_string(str(tuple(tuple(c) for c in GENOTYPE))) == arch  # NASLib's immutable form too


def test_real_nb301_genotypes_decode_encode_and_key(nb301) -> None:
    genotypes = list(json.loads(ZC_NB301.read_text())["nasbench301"]["cifar10"])
    assert len(genotypes) == 500
    archs = [nb301.from_string(text) for text in genotypes]
    x, adj = nb301.encode_batch(archs)
    assert x.shape == (500, 22, 9) and torch.all(x.sum(-1) == 1) and torch.all(adj.sum((1, 2)) >= 2 * (8 + 2) + 2)
    for text, arch in zip(genotypes, archs):
        assert _pairs_per_node(ast.literal_eval(nb301.to_string(arch))) == _pairs_per_node(ast.literal_eval(text))
    distinct = {tuple(map(tuple, _pairs_per_node(ast.literal_eval(t)))) for t in genotypes}
    assert len({nb301.key(a) for a in archs}) == len(distinct)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[[(0, 1)], [(0, 1)]]",  # too few edges
        str([GENOTYPE[0]]),  # one cell
        str([[(0, 1), (0, 2)] + GENOTYPE[0][2:], GENOTYPE[1]]),  # node 0 reads 0 twice
        str([GENOTYPE[0][:2] + [(3, 3), (0, 3)] + GENOTYPE[0][4:], GENOTYPE[1]]),  # node 1 reads 0..2 only
        str([[(0, 7)] + GENOTYPE[0][1:], GENOTYPE[1]]),  # op 7 does not exist
        str([[(0, -1)] + GENOTYPE[0][1:], GENOTYPE[1]]),
        "[[('sep', 0)] * 8, [(0, 1)] * 8]",
        "not python",
    ],
)
def test_bad_strings_raise_with_expected_format(nb301, text: str) -> None:
    with pytest.raises(ValueError, match="expected NASLib's compact genotype"):
        nb301.from_string(text)
    assert "compact genotype" in EXPECTED_FORMAT


def test_from_string_refuses_non_strings(nb301) -> None:
    with pytest.raises(TypeError, match="compact genotype"):
        nb301.from_string(GENOTYPE)


@pytest.mark.parametrize(
    "arch, valid",
    [
        (Architecture((0,) * 28, (0,) * 8), True),
        (Architecture((0,) * 28, (0, 2, 5, 9) * 2), True),
        (Architecture((0,) * 28, (1, 0, 0, 0) * 2), False),  # node 0 has one pair
        (Architecture((0,) * 28, (0, 3, 0, 0) * 2), False),
        (Architecture((0,) * 28, (0, 0, 0, 10) * 2), False),
        (Architecture((7,) + (0,) * 27, (0,) * 8), False),
        (Architecture((0,) * 27, (0,) * 8), False),
        (Architecture((0,) * 28, (0,) * 7), False),
    ],
)
def test_is_valid(nb301, arch: Architecture, valid: bool) -> None:
    assert nb301.is_valid(arch) is valid


def _edge_edits(nb301, a: Architecture, b: Architecture) -> list:
    """(cell, node, removed edges, added edges) wherever the used edges differ."""
    out = []
    for cell, (ca, cb) in enumerate(zip(nb301.compact(a), nb301.compact(b))):
        for j in range(4):
            ea, eb = set(ca[2 * j: 2 * j + 2]), set(cb[2 * j: 2 * j + 2])
            if ea != eb:
                out.append((cell, j, ea - eb, eb - ea))
    return out


def test_neighbours_change_one_used_edge(nb301) -> None:
    rng = np.random.default_rng(2)
    for _ in range(20):
        arch = nb301.sample(rng)
        nbhd = nb301.neighbours(arch)
        assert len(nbhd) == 2 * 8 * 6 + 2 * (0 + 2 + 4 + 6)  # NASLib's get_nbhd: 96 op + 24 input changes
        assert len({nb301.key(a) for a in nbhd}) == len(nbhd)
        for other in nbhd:
            assert nb301.is_valid(other)
            ((_, _, removed, added),) = _edge_edits(nb301, arch, other)
            ((src_old, op_old),), ((src_new, op_new),) = removed, added
            assert (src_old == src_new) != (op_old == op_new)  # the op or the input, never both


def test_mutate_is_a_neighbour_and_moves_inputs_with_their_op(nb301) -> None:
    rng = np.random.default_rng(5)
    arch = nb301.from_compact(GENOTYPE)
    neighbours = {nb301.key(a) for a in nb301.neighbours(arch)}
    kinds = {"op": 0, "input": 0}
    for _ in range(400):
        child = nb301.mutate(arch, rng)
        assert nb301.key(child) in neighbours
        ((_, _, removed, added),) = _edge_edits(nb301, arch, child)
        ((src_old, _),), ((src_new, _),) = removed, added
        kinds["op" if src_old == src_new else "input"] += 1
    assert kinds["op"] > 0 and kinds["input"] > 0


def test_sample_is_uniform_over_pairs(nb301) -> None:
    rng = np.random.default_rng(6)
    counts = np.zeros(10)
    for _ in range(3000):
        counts[nb301.sample(rng).topology[3]] += 1
    expected = 300.0
    assert ((counts - expected) ** 2 / expected).sum() < CHI2_CRITICAL[10]
