"""NAS-Bench-101 codec: validity after pruning, the isomorphism-invariant key, layout, conversions."""

from __future__ import annotations

import itertools
from typing import Dict, List, Sequence, Tuple

import numpy as np
import pytest
import torch

from naslib_optiproxy.objectives.nasbench101 import nb101_zero_cost_subset
from naslib_optiproxy.data import suite_zero_file
from naslib_optiproxy.distribution import ArchitectureDistribution
from naslib_optiproxy.strategies import OptiProxy
from naslib_optiproxy.study import Study
from naslib_optiproxy.proxies import GraphProxy, build_proxy
from naslib_optiproxy.spaces import Architecture, NasBench101, get_search_space
from naslib_optiproxy.spaces.nasbench101 import EDGE_SLOTS, NASLIB_OP_CODES, cell_matrix, liveness
from naslib_optiproxy.spaces.nb101_hash import live_vertices, module_hash, prune

ZC_NB101 = suite_zero_file("nasbench101")
C3, C1, MP = 0, 1, 2  # conv3x3, conv1x1, maxpool3x3


@pytest.fixture(scope="module")
def space() -> NasBench101:
    return NasBench101()


def cell(edges: Sequence[Tuple[int, int]], ops: Sequence[int]) -> Architecture:
    """An architecture from its edge list (vertex 0 input, 6 output) and 5 interior ops."""
    return Architecture(tuple(ops), tuple(int(e in set(edges)) for e in EDGE_SLOTS))


def canonical_form(space: NasBench101, arch: Architecture) -> Tuple:
    """Brute-force isomorphism class of the pruned cell: the smallest relabelling over interior orders."""
    matrix, labels = space.to_spec(arch)
    n = len(labels)
    forms = []
    for interior in itertools.permutations(range(1, n - 1)):
        order = [0, *interior, n - 1]
        forms.append((tuple(matrix[np.ix_(order, order)].flatten()), tuple(labels[v] for v in order)))
    return min(forms)


# A diamond: input -> a, b -> c -> output, plus input -> output.
DIAMOND = [(0, 1), (0, 2), (1, 3), (2, 3), (3, 6), (0, 6)]


# ---------------------------------------------------------------------------- validity
def test_validity_follows_the_benchmark_rules(space) -> None:
    assert space.is_valid(cell(DIAMOND, (C3, C1, MP, C3, C3)))
    assert space.is_valid(cell([(0, 6)], (C3,) * 5))  # the empty cell: input -> output only
    assert not space.is_valid(cell([(0, 1), (2, 6)], (C3,) * 5))  # input never reaches output
    assert not space.is_valid(cell([], (C3,) * 5))
    ten_live = [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (1, 6), (2, 6), (3, 6), (4, 6), (5, 6)]
    assert not space.is_valid(cell(ten_live, (C3,) * 5))
    assert space.is_valid(cell(ten_live[1:5] + ten_live[6:] + [(0, 6)], (C3,) * 5))  # 9 edges


def test_edges_are_counted_after_pruning(space) -> None:
    # 11 raw edges, but vertex 4 reaches no output and vertex 5 is unreachable: 6 edges remain.
    big = cell(DIAMOND + [(0, 4), (1, 4), (2, 4), (3, 4), (5, 6)], (C3, C1, MP, C3, C3))
    assert sum(big.topology) == 11 and space.is_valid(big)
    matrix, ops = space.to_spec(big)
    assert int(matrix.sum()) == 6 and ops == ["input", "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3", "output"]


def test_is_valid_refuses_malformed_input(space) -> None:
    good = cell(DIAMOND, (C3,) * 5)
    assert not space.is_valid(Architecture(good.ops[:4], good.topology))
    assert not space.is_valid(Architecture((3, 0, 0, 0, 0), good.topology))
    assert not space.is_valid(Architecture(good.ops, good.topology[:20]))
    assert not space.is_valid(Architecture(good.ops, (2,) + good.topology[1:]))


# ---------------------------------------------------------------------------------- keys
def test_isomorphic_cells_share_a_key(space) -> None:
    a = cell(DIAMOND, (C3, C1, MP, C3, C3))
    b = cell(DIAMOND, (C1, C3, MP, C3, C3))  # the two parallel branches swapped
    # The same diamond, its middle vertex moved to slot 4 and the branches to slots 2 and 3.
    c = cell([(0, 2), (0, 3), (2, 4), (3, 4), (4, 6), (0, 6)], (C1, C3, C1, MP, C1))
    assert space.key(a) == space.key(b) == space.key(c)
    assert canonical_form(space, a) == canonical_form(space, c)


def test_dead_vertices_do_not_change_the_key(space) -> None:
    base = cell(DIAMOND, (C3, C1, MP, C3, C3))
    dead_ops = cell(DIAMOND, (C3, C1, MP, MP, C1))  # vertices 4, 5 are dead: their ops do not matter
    dangling = cell(DIAMOND + [(0, 4), (1, 5), (5, 4)], (C3, C1, MP, MP, C1))  # reach no output
    unreachable = cell(DIAMOND + [(4, 5), (5, 6), (4, 6)], (C3, C1, MP, C1, MP))  # no input reaches them
    assert space.key(base) == space.key(dead_ops) == space.key(dangling) == space.key(unreachable)


def test_non_isomorphic_cells_get_different_keys(space) -> None:
    base = cell(DIAMOND, (C3, C1, MP, C3, C3))
    others = [
        cell(DIAMOND, (C3, C1, C3, C3, C3)),  # a live op changed
        cell(DIAMOND, (C3, C3, MP, C3, C3)),
        cell([e for e in DIAMOND if e != (0, 6)], (C3, C1, MP, C3, C3)),  # an edge removed
        cell(DIAMOND + [(1, 2)], (C3, C1, MP, C3, C3)),  # an edge added
        # Same vertices, ops and degree multiset as `base`, different wiring: a chain a -> b -> c.
        cell([(0, 1), (1, 2), (2, 3), (0, 3), (3, 6), (0, 6)], (C3, C1, MP, C3, C3)),
    ]
    keys = {space.key(a) for a in others}
    assert len(keys) == len(others) and space.key(base) not in keys


def test_key_is_the_module_hash_of_the_pruned_cell(space) -> None:
    arch = cell(DIAMOND + [(0, 4)], (C3, C1, MP, C3, C3))
    matrix, labels = prune(cell_matrix(arch.topology), (-1, *arch.ops, -2))
    assert space.key(arch) == module_hash(matrix, labels)
    assert list(labels) == [-1, C3, C1, MP, -2]
    # The hash sees labels: relabelling the output as an op changes it.
    assert module_hash(matrix, [-1, C3, C1, MP, 0]) != space.key(arch)


def test_keys_match_a_brute_force_isomorphism_check(space) -> None:
    rng = np.random.default_rng(0)
    archs: List[Architecture] = []
    while len(archs) < 150:
        # Sparse random cells over 3 ops: many small isomorphic pairs arise naturally.
        arch = Architecture(tuple(int(o) for o in rng.integers(0, 2, 5)), tuple(int(b) for b in rng.random(21) < 0.3))
        if space.is_valid(arch):
            archs.append(arch)
    classes: Dict[Tuple, set] = {}
    for arch in archs:
        classes.setdefault(canonical_form(space, arch), set()).add(space.key(arch))
    assert all(len(keys) == 1 for keys in classes.values())  # isomorphic -> same key
    assert len({k for keys in classes.values() for k in keys}) == len(classes)  # different -> different
    assert len(classes) < len(archs)  # the sample did contain isomorphic pairs


# ---------------------------------------------------------------------------- sampling
def test_every_sampled_cell_is_valid(space) -> None:
    for seed in range(20):
        rng = np.random.default_rng(seed)
        assert all(space.is_valid(space.sample(rng)) for _ in range(50))


def test_neighbours_are_valid_single_edits(space) -> None:
    arch = cell(DIAMOND, (C3, C1, MP, C3, C3))
    nbhd = space.neighbours(arch)
    assert nbhd and all(space.is_valid(n) for n in nbhd)
    for n in nbhd:
        assert sum(a != b for a, b in zip(arch.ops + arch.topology, n.ops + n.topology)) == 1


def test_optiproxy_proposes_only_valid_new_cells(space, tiny_optiproxy_config) -> None:
    config = tiny_optiproxy_config(num_init=6, batch_size=3, num_groups=2)
    opt = Study(OptiProxy(space, config, seed=0))
    # One group is pushed to all 21 edges: none of its draws is a valid cell, and the step must still return.
    with torch.no_grad():
        opt.strategy.distribution.beta[1].fill_(20.0)
    seen = set()
    for _ in range(15):
        arch = opt.ask()
        assert space.is_valid(arch) and space.key(arch) not in seen
        seen.add(space.key(arch))
        opt.tell(arch, float(sum(arch.topology)))


def test_the_distribution_sampler_of_a_saturated_group_yields_no_valid_cell(space) -> None:
    dist = ArchitectureDistribution(space, 1, np.random.default_rng(0))
    with torch.no_grad():
        dist.beta.fill_(20.0)
    draws = dist.sample_valid(0, 50, np.random.default_rng(1))
    assert draws.archs == [] and draws.valid_fraction == 0 and draws.proposals > 50  # each redrawn, then dropped


# ------------------------------------------------------------------------------ layout
def test_one_hot_path_is_the_pruned_cell_in_place(space) -> None:
    arch = cell(DIAMOND + [(0, 4), (5, 6)], (C3, C1, MP, C1, MP))
    x, adj = space.encode(arch)
    live = sorted(live_vertices(cell_matrix(arch.topology)))
    assert live == [0, 1, 2, 3, 6]
    expected_adj = np.zeros((7, 7))
    for i, j in DIAMOND:
        expected_adj[i, j] = 1
    np.testing.assert_array_equal(adj, expected_adj)
    assert x[0, 0] == 1 and x[6, 4] == 1 and x.sum() == 5
    np.testing.assert_array_equal(x[[1, 2, 3]][:, 1:4], np.eye(3)[[C3, C1, MP]])
    assert not x[[4, 5]].any()  # dead vertices are zero rows


def test_liveness_of_a_discrete_cell_is_the_pruning_mask(space) -> None:
    rng = np.random.default_rng(3)
    archs = [space.sample(rng) for _ in range(40)]
    adj = torch.as_tensor(np.stack([cell_matrix(a.topology) for a in archs]), dtype=torch.float32)
    live = liveness(adj).numpy()
    for arch, row in zip(archs, live):
        mask = np.zeros(7)
        mask[sorted(live_vertices(cell_matrix(arch.topology)))] = 1
        np.testing.assert_array_equal(row, mask)


def test_isomorphic_cells_look_the_same_to_graph_proxies(space) -> None:
    a = cell(DIAMOND + [(0, 4)], (C3, C1, MP, C3, C3))
    c = cell([(0, 2), (0, 3), (2, 4), (3, 4), (4, 6), (0, 6), (1, 5)], (C1, C3, C1, MP, C1))
    assert space.key(a) == space.key(c)
    x, adj = space.encode_batch([a, c])
    for proxy in (GraphProxy(space.num_features, layer, 16, 2, 16) for layer in ("gcn", "gat", "gin", "sage")):
        out = proxy.eval()(x, adj)
        torch.testing.assert_close(out[0], out[1])


def test_gradients_reach_beta_through_edges_and_liveness(space) -> None:
    dist = ArchitectureDistribution(space, 3, np.random.default_rng(1))
    ops, topo = dist.relaxed(0.7, torch.Generator().manual_seed(2))
    x, adj = space.relaxed_encode(ops, topo)
    assert x.shape == (3, 7, 5) and adj.shape == (3, 7, 7)
    assert torch.all(adj.tril() == 0) and torch.all((adj >= 0) & (adj <= 1))
    torch.manual_seed(0)
    build_proxy("gcn", space.num_nodes, space.num_features, 16, 2, 16)(x, adj).sum().backward()
    assert torch.count_nonzero(dist.alpha.grad) == dist.alpha.numel()
    assert torch.count_nonzero(dist.beta.grad) == dist.beta.numel()


def test_relaxed_encode_needs_topology_weights(space) -> None:
    with pytest.raises(ValueError, match=r"\[B, 21\]"):
        space.relaxed_encode(torch.ones(1, 5, 3) / 3, None)


# --------------------------------------------------------------- strings and conversions
def test_string_round_trip(space) -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        arch = space.sample(rng)
        assert space.from_string(space.to_string(arch)) == arch
    text = "0110000,0001000,0001000,0000001,0000000,0000000,0000000|conv3x3,conv1x1-bn-relu,maxpool3x3,conv3x3,conv3x3"
    assert space.from_string(text) == cell([(0, 1), (0, 2), (1, 3), (2, 3), (3, 6)], (C3, C1, MP, C3, C3))


@pytest.mark.parametrize("text, match", [
    ("0110000,0001000|conv3x3,conv3x3,conv3x3,conv3x3,conv3x3", "bad adjacency"),
    ("0110000,0001000,0001000,0000001,0000000,0000000,1000000|conv3x3,conv3x3,conv3x3,conv3x3,conv3x3", "i < j"),
    ("0110000,0001000,0001000,0000001,0000000,0000000,0000000|conv3x3,conv5x5,conv3x3,conv3x3,conv3x3", "bad ops"),
    ("0100000,0000000,0000000,0000000,0000000,0000000,0000000|conv3x3,conv3x3,conv3x3,conv3x3,conv3x3", "pruning"),
])
def test_from_string_refuses_bad_text(space, text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        space.from_string(text)
    with pytest.raises(TypeError, match="NAS-Bench-101 string"):
        space.from_string(42)


def test_spec_with_fewer_vertices_is_padded_like_naslib(space) -> None:
    matrix = [[0, 1, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]]
    ops = ["input", "conv1x1-bn-relu", "maxpool3x3", "conv3x3-bn-relu", "output"]
    arch = space.from_spec(matrix, ops)
    assert arch == cell([(0, 1), (0, 2), (1, 3), (2, 3), (3, 6)], (C1, MP, C3, C3, C3))
    pruned, names = space.to_spec(arch)
    np.testing.assert_array_equal(pruned, matrix)
    assert names == ops
    assert space.from_naslib_tuple(space.to_naslib_tuple(arch)) == arch
    small = (*np.asarray(matrix).flatten(), *(NASLIB_OP_CODES[o] for o in ops))
    assert space.from_naslib_tuple(small) == arch


@pytest.mark.parametrize("matrix, ops, match", [
    ([[0, 1], [0, 0]], ["input", "conv3x3-bn-relu"], "'input', then ops"),
    ([[0, 1], [1, 0]], ["input", "output"], "upper-triangular"),
    ([[0, 1, 0], [0, 0, 1]], ["input", "maxpool3x3", "output"], "V x V"),
])
def test_from_spec_refuses_bad_specs(space, matrix, ops, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        space.from_spec(matrix, ops)
    with pytest.raises(ValueError, match="NASLib NAS-Bench-101 tuple"):
        space.from_naslib_tuple((0, 1, 0, 0, 0, 7))


def test_registered() -> None:
    assert isinstance(get_search_space("nasbench101"), NasBench101)


# --------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def zc_nb101() -> List:
    return nb101_zero_cost_subset(ZC_NB101)


def test_the_500_real_cells_decode_encode_and_key(space, zc_nb101) -> None:
    assert len(zc_nb101) == 500
    archs = [a for a, _ in zc_nb101]
    assert all(space.is_valid(a) for a in archs)
    x, adj = space.encode_batch(archs)
    assert torch.isfinite(x).all() and torch.isfinite(adj).all()
    by_class: Dict[Tuple, set] = {}
    for arch in archs:
        by_class.setdefault(canonical_form(space, arch), set()).add(space.key(arch))
    assert all(len(keys) == 1 for keys in by_class.values())
    assert len({k for keys in by_class.values() for k in keys}) == len(by_class)  # non-isomorphic: distinct
    assert len(by_class) < len(archs)  # the subset repeats cells (raw specs with dead vertices)


def test_real_cells_with_one_key_have_the_same_network(space, zc_nb101) -> None:
    # Isomorphic cells build the same network up to NB101's order-dependent channel rounding.
    params: Dict[str, List[float]] = {}
    for arch, record in zc_nb101:
        params.setdefault(space.key(arch), []).append(record["params"])
    assert all(max(p) <= 1.01 * min(p) for p in params.values())


def test_naslib_op_codes_on_real_cells(space, zc_nb101) -> None:
    # Cells with a single live interior vertex: maxpool adds no parameters, conv1x1 some, conv3x3 most.
    params = {}
    for arch, record in zc_nb101:
        matrix, ops = space.to_spec(arch)
        if len(ops) == 3 and not matrix[0, 2]:
            params.setdefault(ops[1], set()).add(round(record["params"], 4))
    empty = {round(r["params"], 4) for a, r in zc_nb101 if len(space.to_spec(a)[1]) == 2}
    assert params["maxpool3x3"] == empty
    assert max(params["maxpool3x3"]) < min(params["conv1x1-bn-relu"]) < min(params["conv3x3-bn-relu"])
