"""NAS-Bench-NLP codec: validity rules, neighbours, round trips, layout."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from naslib_optiproxy.relaxations import gumbel_softmax
from naslib_optiproxy.spaces import Architecture, get_search_space
from naslib_optiproxy.spaces.nasbench_nlp import NasBenchNLP

from ._cells import INVALID, SPACE, VALID, benchmark_rules_ok


@pytest.mark.parametrize("name", sorted(VALID))
def test_hand_built_valid_cells_are_accepted(name):
    arch = SPACE.from_string(VALID[name])
    assert SPACE.is_valid(arch) and benchmark_rules_ok(SPACE.to_naslib_compact(arch))


@pytest.mark.parametrize("name", sorted(INVALID))
def test_hand_built_invalid_cells_are_rejected(name):
    with pytest.raises(ValueError):
        SPACE.from_string(INVALID[name])


def test_invalid_architectures_are_rejected():
    arch = SPACE.from_string(VALID["small"])
    outs = len(arch.topology) - 2
    same_outputs = Architecture(arch.ops, arch.topology[:outs] + (arch.topology[outs],) * 2)
    assert not SPACE.is_valid(same_outputs)
    missing_activation = Architecture(arch.ops, arch.topology[:outs] + (2 * 7 + 1, arch.topology[-1]))
    assert arch.ops[7] == 0 and not SPACE.is_valid(missing_activation)  # unit 7 has no activation
    assert not SPACE.is_valid(Architecture(arch.ops[:-1], arch.topology))
    assert not SPACE.is_valid(Architecture(arch.ops, arch.topology[:-1] + (99,)))


def test_blend_needs_a_third_input_but_prod_ignores_it():
    arch = SPACE.from_string(VALID["small"])  # units: linear+tanh, sum, blend, prod
    blend, prod = 2, 3
    assert arch.ops[blend] == 4 and arch.ops[prod] == 5
    topo = list(arch.topology)
    topo[3 * blend + 2] = 3 + 2 * blend  # 'none'
    assert not SPACE.is_valid(Architecture(arch.ops, tuple(topo)))
    topo = list(arch.topology)
    topo[3 * prod + 2] = 0
    other = Architecture(arch.ops, tuple(topo))
    assert SPACE.is_valid(other) and SPACE.key(other) == SPACE.key(arch)


def test_neighbours_and_mutations_are_valid_and_new():
    rng = np.random.default_rng(0)
    for _ in range(3):
        arch = SPACE.sample(rng)
        nbhd = SPACE.neighbours(arch)
        keys = [SPACE.key(a) for a in nbhd]
        assert nbhd and len(set(keys)) == len(keys) and SPACE.key(arch) not in keys
        assert all(benchmark_rules_ok(k) for k in keys)
        child = SPACE.mutate(arch, rng)
        assert SPACE.is_valid(child) and SPACE.key(child) in keys


def test_round_trips_on_samples():
    rng = np.random.default_rng(1)
    for _ in range(30):
        arch = SPACE.sample(rng)
        assert SPACE.canonical(arch) == arch
        assert SPACE.from_string(SPACE.to_string(arch)) == arch
        assert SPACE.from_naslib_compact(SPACE.to_naslib_compact(arch)) == arch
        assert Architecture.from_lists(arch.to_lists()) == arch


def _expected_layout(arch: Architecture):
    """The pruned slot layout, built directly from the integer encoding."""
    n = SPACE.max_nodes
    x, adj = np.zeros((SPACE.num_nodes, SPACE.num_features)), np.zeros((SPACE.num_nodes, SPACE.num_nodes))
    x[0, 0] = x[1, 1] = x[2, 2] = 1
    edges = []
    for unit, token in enumerate(arch.ops):
        in0, in1, in2 = arch.topology[3 * unit : 3 * unit + 3]
        used = [in0, in1] + ([in2] if token in (0, 1, 2, 3, 4) and in2 < 3 + 2 * unit else [])
        edges += [(s, 3 + 2 * unit) for s in used]
        if 1 <= token <= 3:
            edges.append((3 + 2 * unit, 4 + 2 * unit))
    outs = [3 + c for c in arch.topology[3 * n :]]
    live = set(outs)
    for node in range(SPACE.num_nodes - 1, 2, -1):
        if node in live:
            live.update(s for s, d in edges if d == node)
    for s, d in edges:
        if d in live:
            adj[s, d] = 1
    for unit, token in enumerate(arch.ops):
        if 3 + 2 * unit in live:
            x[3 + 2 * unit, 3 + max(0, token - 3)] = 1  # linear, blend, prod, sum
        if 4 + 2 * unit in live:
            x[4 + 2 * unit, 6 + token] = 1  # tanh, sigm, leaky_relu
    for role, node in enumerate(outs):
        x[node, 10 + role] = 1
    return x, adj


def test_one_hot_layout_is_the_pruned_discrete_graph():
    rng = np.random.default_rng(2)
    archs = [SPACE.from_string(VALID["small"] + ";node_7=linear(x,h_prev_1);node_8=activation_sigm(node_7)")]
    archs += [SPACE.sample(rng) for _ in range(20)]
    x, adj = SPACE.encode_batch(archs)
    for b, arch in enumerate(archs):
        ex, eadj = _expected_layout(arch)
        np.testing.assert_array_equal(x[b].numpy(), ex)
        np.testing.assert_array_equal(adj[b].numpy(), eadj)


def test_isomorphic_layouts_give_equal_permutation_invariant_summaries():
    a = SPACE.from_string(VALID["small"])
    b = SPACE.from_string("node_2=linear(h_prev_0,x);node_9=activation_tanh(node_2);node_7=linear(x,h_prev_1);"
                          "node_1=elementwise_sum(node_9,h_prev_1);h_new_0=blend(node_9,node_1,node_2);"
                          "h_new_1=elementwise_prod(h_new_0,node_9)")
    (xa, adja), (xb, adjb) = SPACE.encode(a), SPACE.encode(b)
    assert sorted(map(tuple, xa)) == sorted(map(tuple, xb)) and adja.sum() == adjb.sum()


def test_relaxed_layout_is_differentiable_and_on_the_unit_interval():
    torch.manual_seed(0)
    alpha = torch.zeros(4, SPACE.num_op_slots, SPACE.num_ops, requires_grad=True)
    beta = torch.zeros(4, SPACE.topology.num_slots, SPACE.topology.max_candidates, requires_grad=True)
    ops = gumbel_softmax(alpha, 1.0)
    topo = gumbel_softmax(beta, 1.0, mask=SPACE.topology.mask())
    x, adj = SPACE.relaxed_encode(ops, topo)
    assert x.shape == (4, SPACE.num_nodes, SPACE.num_features) and adj.shape == (4, SPACE.num_nodes, SPACE.num_nodes)
    lo, hi = min(float(adj.detach().min()), float(x.detach().min())), max(float(adj.detach().max()), float(x.detach().max()))
    assert 0 <= lo and hi <= 1
    (x.sum() + adj.sum()).backward()
    assert alpha.grad.abs().sum() > 0 and beta.grad.abs().sum() > 0


def test_registered():
    assert isinstance(get_search_space("nasbench_nlp"), NasBenchNLP)
