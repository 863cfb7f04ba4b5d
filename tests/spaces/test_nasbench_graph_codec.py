"""NAS-Bench-Graph codec: validity, canonical keys, graph layout, strings.

Layout under test: proxy node 0 = graph input, nodes 1..4 = computing nodes 0..3, node 5 =
output; features: column 0 input, 1..9 the GNN op one-hot, 10 output. Computing node i reads
candidate ``link[i]`` in 0..i (0 = input, j = computing node j-1 = proxy node j), so the
proxy edge is ``link[i] -> i+1``; every computing node no later node reads (a leaf) feeds 5.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from naslib_optiproxy.spaces import Architecture, ChoiceTopology

GAT, GCN, GIN, CHEB, SAGE, ARMA, GRAPH, FC, SKIP = range(9)
EXPECTED_FORMAT = "expected 4 'op~input' tokens"
TOPOLOGIES = list(itertools.product(range(1), range(2), range(3), range(4)))  # 24 link vectors


def _leaves(links) -> set:
    """Computing nodes no later node reads (written independently of the codec)."""
    read = {c - 1 for c in links if c > 0}
    return {i for i in range(4) if i not in read}


def test_space_shape(nbg) -> None:
    assert nbg.num_ops == 9 and nbg.op_names[SKIP] == "skip" and nbg.op_names[GCN] == "gcn"
    assert nbg.num_features == 11 and nbg.num_nodes == 6
    assert nbg.topology == ChoiceTopology((1, 2, 3, 4))
    assert nbg.topology.mask().tolist() == [[True, False, False, False], [True, True, False, False],
                                            [True, True, True, False], [True, True, True, True]]


def test_all_skip_cells_are_invalid(nbg) -> None:
    for links in TOPOLOGIES:
        assert not nbg.is_valid(Architecture((SKIP,) * 4, links))
        assert nbg.is_valid(Architecture((SKIP, SKIP, SKIP, GCN), links))


@pytest.mark.parametrize(
    "links, valid",
    [
        ((0, 0, 0, 0), True),
        ((0, 1, 2, 3), True),
        ((1, 0, 0, 0), False),  # node 0 can only read the input
        ((0, 2, 0, 0), False),  # node 1 reads 0..1
        ((0, 0, 3, 0), False),  # node 2 reads 0..2
        ((0, 0, 0, 4), False),  # node 3 reads 0..3
        ((0, -1, 0, 0), False),
        ((0, 0, 0), False),
        ((0, 0, 0, 0, 0), False),
    ],
)
def test_link_range(nbg, links, valid: bool) -> None:
    assert nbg.is_valid(Architecture((GCN, GAT, SAGE, GIN), links)) is valid


def test_op_range(nbg) -> None:
    assert not nbg.is_valid(Architecture((GCN, GAT, SAGE, 9), (0, 0, 0, 0)))
    assert not nbg.is_valid(Architecture((GCN, GAT, -1, GIN), (0, 0, 0, 0)))
    assert not nbg.is_valid(Architecture((GCN, GAT, SAGE), (0, 0, 0, 0)))


def test_raw_cells_map_to_26206_distinct_keys(nbg) -> None:
    raw = [Architecture(ops, links) for links in TOPOLOGIES for ops in itertools.product(range(9), repeat=4)]
    assert len(raw) == 9**4 * 24 == 157464
    valid = [a for a in raw if nbg.is_valid(a)]
    assert len(valid) == 157464 - 24  # the 24 all-skip cells
    assert len({nbg.key(a) for a in valid}) == 26206  # NAS-Bench-Graph's number of distinct cells


def test_isomorphic_pairs_share_a_key(nbg) -> None:
    # Nodes 2 and 3 both read node 0: swapping their ops is the same computation.
    a = Architecture((GCN, GAT, SAGE, GIN), (0, 0, 1, 1))
    b = Architecture((GCN, GAT, GIN, SAGE), (0, 0, 1, 1))
    assert nbg.key(a) == nbg.key(b)
    # Relabelling the computing nodes: node 3 reads node 1 == node 3 reads node 0 with 0, 1 swapped.
    c = Architecture((GCN, GAT, SAGE, GIN), (0, 0, 0, 2))
    d = Architecture((GAT, GCN, SAGE, GIN), (0, 0, 0, 1))
    assert nbg.key(c) == nbg.key(d)
    # ... but a different wiring or different ops is a different cell.
    assert nbg.key(a) != nbg.key(Architecture((GCN, GAT, SAGE, GIN), (0, 0, 1, 2)))
    assert nbg.key(a) != nbg.key(Architecture((GCN, GAT, SAGE, CHEB), (0, 0, 1, 1)))


def test_encode_known_architecture(nbg) -> None:
    arch = nbg.from_string("gcn~0|gat~0|skip~1|sage~2")
    assert arch == Architecture((GCN, GAT, SKIP, SAGE), (0, 0, 1, 2))
    x, adj = nbg.encode(arch)
    expected_x = np.zeros((6, 11), dtype=np.float32)
    expected_x[0, 0] = 1  # input
    expected_x[1, 1 + GCN] = expected_x[2, 1 + GAT] = expected_x[3, 1 + SKIP] = expected_x[4, 1 + SAGE] = 1
    expected_x[5, 10] = 1  # output
    expected_adj = np.zeros((6, 6), dtype=np.float32)
    expected_adj[0, 1] = expected_adj[0, 2] = 1  # nodes 0 and 1 read the input
    expected_adj[1, 3] = 1  # node 2 reads node 0
    expected_adj[2, 4] = 1  # node 3 reads node 1
    expected_adj[3, 5] = expected_adj[4, 5] = 1  # nodes 2 and 3 are leaves
    np.testing.assert_array_equal(x, expected_x)
    np.testing.assert_array_equal(adj, expected_adj)


@pytest.mark.parametrize("links", TOPOLOGIES)
def test_leaf_nodes_feed_the_output_node(nbg, links) -> None:
    _, adj = nbg.encode(Architecture((GCN, GAT, SAGE, GIN), links))
    assert {i for i in range(4) if adj[i + 1, 5] == 1} == _leaves(links)
    assert set(np.unique(adj[1:5, 5])) <= {0.0, 1.0}
    for i, c in enumerate(links):  # exactly one input edge per computing node
        assert adj[:, i + 1].tolist() == [1.0 if j == c else 0.0 for j in range(6)]
    assert adj[5].sum() == 0 and adj[:, 0].sum() == 0


def test_relaxed_encode_of_one_hot_equals_encode(nbg) -> None:
    rng = np.random.default_rng(0)
    archs = [nbg.sample(rng) for _ in range(20)]
    ops = torch.nn.functional.one_hot(torch.tensor([a.ops for a in archs]), 9).float()
    topo = torch.nn.functional.one_hot(torch.tensor([a.topology for a in archs]), 4).float()
    x, adj = nbg.relaxed_encode(ops, topo)
    assert x.shape == (20, 6, 11) and adj.shape == (20, 6, 6)
    for i, arch in enumerate(archs):
        xi, ai = nbg.encode(arch)
        np.testing.assert_array_equal(x[i].numpy(), xi)
        np.testing.assert_array_equal(adj[i].numpy(), ai)


def test_relaxed_encode_soft_topology(nbg) -> None:
    # Every node reads each of its candidates with equal probability.
    topo = nbg.topology.mask().float()
    topo = (topo / topo.sum(1, keepdim=True))[None]
    ops = torch.full((1, 4, 9), 1 / 9)
    _, adj = nbg.relaxed_encode(ops, topo)
    adj = adj[0]
    torch.testing.assert_close(adj[0, 1:5], torch.tensor([1.0, 1 / 2, 1 / 3, 1 / 4]))
    torch.testing.assert_close(adj[1, 2:5], torch.tensor([1 / 2, 1 / 3, 1 / 4]))
    # P(node 0 is a leaf) = (1 - 1/2)(1 - 1/3)(1 - 1/4) = 1/4; node 1: (2/3)(3/4); node 2: 3/4; node 3: 1.
    torch.testing.assert_close(adj[1:5, 5], torch.tensor([1 / 4, 1 / 2, 3 / 4, 1.0]))


def test_relaxed_encode_ignores_weight_on_impossible_candidates(nbg) -> None:
    topo = torch.full((1, 4, 4), 0.25)  # mass on candidates a node cannot read
    _, adj = nbg.relaxed_encode(torch.full((1, 4, 9), 1 / 9), topo)
    assert torch.all(adj[0, 1:5, 1:5].tril() == 0)  # no edge into an earlier or the same node


def test_relaxed_encode_propagates_gradients_to_topology(nbg) -> None:
    logits = torch.zeros(2, 4, 4, requires_grad=True)
    topo = torch.softmax(logits.masked_fill(~nbg.topology.mask(), float("-inf")), -1)
    _, adj = nbg.relaxed_encode(torch.full((2, 4, 9), 1 / 9), topo)
    (adj * torch.arange(36.0).reshape(6, 6)).sum().backward()
    grad = logits.grad
    assert torch.all(grad[:, ~nbg.topology.mask()] == 0)
    assert torch.all(grad[:, 1:][:, nbg.topology.mask()[1:]] != 0)


def test_relaxed_encode_needs_topology_weights(nbg) -> None:
    with pytest.raises(ValueError, match=r"topology weights"):
        nbg.relaxed_encode(torch.full((1, 4, 9), 1 / 9), None)


def test_string_round_trip(nbg) -> None:
    rng = np.random.default_rng(1)
    archs = [nbg.sample(rng) for _ in range(3000)]
    archs += [Architecture((FC, SKIP, GRAPH, ARMA), links) for links in TOPOLOGIES]
    for arch in archs:
        text = nbg.to_string(arch)
        assert nbg.from_string(text) == arch
    assert nbg.to_string(Architecture((GCN, GAT, SKIP, SAGE), (0, 0, 1, 2))) == "gcn~0|gat~0|skip~1|sage~2"
    assert len({nbg.to_string(a) for a in set(archs)}) == len(set(archs))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "gcn~0|gat~0|skip~1",
        "gcn~0|gat~0|skip~1|sage~2|gin~3",
        "gcn~1|gat~0|skip~1|sage~2",  # node 0 reads only the input
        "gcn~0|gat~0|skip~3|sage~2",  # node 2 reads 0..2
        "gcn~0|gat~0|skip~1|conv~2",  # unknown op
        "gcn~0|gat~0|skip~1|sage",  # no input index
        "gcn~0|gat~0|skip~1|sage~x",
        "gcn~0|gat~0|skip~-1|sage~2",
    ],
)
def test_bad_strings_raise_with_expected_format(nbg, text: str) -> None:
    with pytest.raises(ValueError, match=EXPECTED_FORMAT):
        nbg.from_string(text)


def test_all_skip_string_is_refused(nbg) -> None:
    with pytest.raises(ValueError, match="only 'skip'"):
        nbg.from_string("skip~0|skip~0|skip~1|skip~2")


def test_unknown_dataset() -> None:
    from naslib_optiproxy.spaces import NasBenchGraph

    with pytest.raises(ValueError, match="unknown NAS-Bench-Graph dataset"):
        NasBenchGraph("proteins")


def test_neighbours_are_valid_single_edits(nbg) -> None:
    rng = np.random.default_rng(2)
    for _ in range(30):
        arch = nbg.sample(rng)
        nbhd = nbg.neighbours(arch)
        assert nbhd and len(nbhd) == len(set(nbhd))
        for other in nbhd:
            assert nbg.is_valid(other)
            edits = sum(a != b for a, b in zip(arch.ops, other.ops))
            edits += sum(a != b for a, b in zip(arch.topology, other.topology))
            assert edits == 1
        # 4 slots x 8 other ops + (0 + 1 + 2 + 3) other links, less the edit that makes it all-skip
        makes_all_skip = sum(o == SKIP for o in arch.ops) == 3
        assert len(nbhd) == 4 * 8 + 6 - makes_all_skip
    nbhd = nbg.neighbours(Architecture((SKIP, SKIP, GCN, SKIP), (0, 1, 1, 3)))
    assert len(nbhd) == 37 and Architecture((SKIP,) * 4, (0, 1, 1, 3)) not in nbhd
