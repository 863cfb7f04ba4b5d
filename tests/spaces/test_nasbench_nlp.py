"""NAS-Bench-NLP codec: validity rules, canonical keys, round trips, layout."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pytest
import torch

from naslib_optiproxy.relaxations import gumbel_softmax
from naslib_optiproxy.spaces import Architecture, get_search_space
from naslib_optiproxy.spaces.nasbench_nlp import NASLIB_OPS, NasBenchNLP

SPACE = NasBenchNLP()

# Hand-written from the benchmark's definition (x, h_prev_0, h_prev_1 in; h_new_0, h_new_1 out).
VALID = {
    "small": "node_0=linear(x,h_prev_0);node_1=activation_tanh(node_0);node_2=elementwise_sum(h_prev_1,node_1);"
             "h_new_0=blend(node_1,node_2,node_0);h_new_1=elementwise_prod(node_1,h_new_0)",
    "three_input_linear": "node_0=linear(x,h_prev_0,h_prev_1);h_new_1=activation_sigm(node_0);"
                          "node_1=linear(x,h_new_1);h_new_0=activation_leaky_relu(node_1)",
    "linear_output": "node_0=linear(x,h_prev_0,h_prev_1);node_1=activation_tanh(node_0);"
                     "h_new_0=linear(node_1,x);h_new_1=elementwise_sum(node_1,node_0)",
}
INVALID = {
    "unused_input": "node_0=linear(x,h_prev_0);node_1=activation_tanh(node_0);"
                    "h_new_0=elementwise_prod(node_1,node_0);h_new_1=elementwise_sum(node_1,node_0)",
    "blend_two_inputs": "node_0=linear(x,h_prev_0);node_1=activation_tanh(node_0);node_2=blend(h_prev_1,node_1);"
                        "h_new_0=elementwise_sum(node_2,node_0);h_new_1=elementwise_prod(node_1,node_2)",
    "prod_three_inputs": "node_0=linear(x,h_prev_0);node_1=activation_tanh(node_0);"
                         "h_new_0=elementwise_prod(node_1,node_0,h_prev_1);h_new_1=elementwise_sum(node_1,h_new_0)",
    "linear_one_input": "node_0=linear(x);node_1=activation_tanh(node_0);node_2=elementwise_sum(h_prev_0,h_prev_1);"
                        "h_new_0=elementwise_sum(node_1,node_2);h_new_1=elementwise_prod(node_1,node_2)",
    "duplicate_input": "node_0=linear(x,h_prev_0);node_1=activation_tanh(node_0);node_2=elementwise_sum(h_prev_1,node_1);"
                       "h_new_0=elementwise_prod(node_2,node_2);h_new_1=elementwise_sum(node_1,node_2)",
    "x_into_sum": "node_0=linear(h_prev_1,h_prev_0);node_1=activation_tanh(node_0);"
                  "h_new_0=elementwise_sum(x,node_1);h_new_1=elementwise_prod(node_1,h_new_0)",
    "linear_reads_linear": "node_0=linear(x,h_prev_0);node_1=linear(node_0,h_prev_1);node_2=activation_tanh(node_1);"
                           "h_new_0=elementwise_sum(node_2,node_0);h_new_1=elementwise_prod(node_2,h_new_0)",
    "activation_reads_sum": "node_0=linear(x,h_prev_0);node_1=elementwise_sum(node_0,h_prev_1);"
                            "node_2=activation_tanh(node_1);h_new_0=elementwise_sum(node_2,node_0);"
                            "h_new_1=elementwise_prod(node_2,node_1)",
    "h_new_reads_h_prev": "node_0=linear(x,h_prev_0);node_1=activation_tanh(node_0);"
                          "h_new_0=elementwise_sum(node_1,h_prev_1);h_new_1=elementwise_prod(node_1,h_new_0)",
    "two_activations": "node_0=linear(x,h_prev_0);node_1=activation_tanh(node_0);node_2=activation_sigm(node_0);"
                       "node_3=elementwise_sum(h_prev_1,node_1);h_new_0=elementwise_sum(node_3,node_2);"
                       "h_new_1=elementwise_prod(node_1,node_2)",
    "cycle": "node_0=linear(x,node_1);node_1=activation_tanh(node_0);node_2=elementwise_sum(h_prev_0,h_prev_1);"
             "h_new_0=elementwise_sum(node_1,node_2);h_new_1=elementwise_prod(node_1,node_2)",
    "unknown_node": "node_0=linear(x,h_prev_0);node_1=activation_tanh(node_9);node_2=elementwise_sum(h_prev_1,node_1);"
                    "h_new_0=elementwise_sum(node_1,node_2);h_new_1=elementwise_prod(node_1,node_2)",
    "no_h_new_1": "node_0=linear(x,h_prev_0);node_1=activation_tanh(node_0);h_new_0=elementwise_sum(node_1,node_0)",
    "too_many_nodes": "node_0=linear(x,h_prev_0);node_1=activation_tanh(node_0);node_2=linear(x,h_prev_1);"
                      "node_3=activation_tanh(node_2);node_4=linear(x,node_1);node_5=activation_tanh(node_4);"
                      "node_6=elementwise_sum(node_3,node_5);node_7=elementwise_sum(node_6,node_1);"
                      "h_new_0=elementwise_prod(node_7,node_3);h_new_1=elementwise_sum(node_7,node_5)",
}


def benchmark_rules_ok(compact, max_nodes: int = 8) -> bool:
    """The benchmark's rules checked on a NASLib compact, independently of the codec."""
    edges, ops, hiddens = compact
    names = [NASLIB_OPS[o] for o in ops]
    n = len(ops)
    if ops[:4] != (0, 0, 0, 0) or not 0 < n - 4 <= max_nodes or len(hiddens) != 2:
        return False
    inputs = {i: [s for s, d in edges if d == i] for i in range(n)}
    if any(s >= d for s, d in edges) or inputs[3] or any(s == 3 for s, _ in edges):
        return False  # acyclic in index order; h_prev_2 unused (hidden tuple (h, c))
    for node in range(4, n):
        op, ins = names[node], inputs[node]
        if len(set(ins)) != len(ins):
            return False
        if op.startswith("activation"):
            ok = len(ins) == 1 and names[ins[0]] == "linear"
            ok = ok and sum(names[d] .startswith("activation") for s, d in edges if s == ins[0]) == 1
        elif op == "linear":
            ok = len(ins) in (2, 3) and all(i < 3 or names[i].startswith("activation") for i in ins)
        else:
            ok = len(ins) == (3 if op == "blend" else 2) and 0 not in ins
        if not ok:
            return False
    reach = set(hiddens)
    for node in range(n - 1, -1, -1):
        if node in reach:
            reach.update(inputs[node])
    if not reach.issuperset(range(3)) or not reach.issuperset(range(4, n)):
        return False
    return not any(i in (1, 2) for h in hiddens for i in inputs[h])


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


@pytest.mark.parametrize("seed", range(20))
def test_sampled_cells_follow_the_benchmark_rules(seed):
    rng = np.random.default_rng(seed)
    for _ in range(10):
        arch = SPACE.sample(rng)
        assert SPACE.is_valid(arch)
        assert benchmark_rules_ok(SPACE.to_naslib_compact(arch)), SPACE.to_string(arch)


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


def test_key_ignores_node_order_commutative_inputs_and_dead_nodes():
    base = SPACE.from_string(VALID["small"])
    reordered = ("node_2=linear(h_prev_0,x);node_9=activation_tanh(node_2);node_1=elementwise_sum(node_9,h_prev_1);"
                 "h_new_0=blend(node_9,node_1,node_2);h_new_1=elementwise_prod(h_new_0,node_9)")
    with_dead = VALID["small"] + ";node_7=linear(x,h_prev_1);node_8=activation_sigm(node_7)"
    assert SPACE.key(SPACE.from_string(reordered)) == SPACE.key(base)
    assert SPACE.key(SPACE.from_string(with_dead)) == SPACE.key(base)
    assert SPACE.from_string(with_dead) != base


def test_key_distinguishes_blend_order_and_output_roles():
    base = SPACE.key(SPACE.from_string(VALID["small"]))
    swapped_blend = VALID["small"].replace("blend(node_1,node_2,node_0)", "blend(node_1,node_0,node_2)")
    assert SPACE.key(SPACE.from_string(swapped_blend)) != base
    independent = ("node_0=linear(x,h_prev_0);node_1=activation_tanh(node_0);node_2=linear(x,h_prev_1);"
                   "node_3=activation_sigm(node_2);h_new_0=elementwise_sum(node_1,node_3);"
                   "h_new_1=elementwise_prod(node_1,node_3)")
    roles_swapped = independent.replace("h_new_0=", "TMP=").replace("h_new_1=", "h_new_0=").replace("TMP=", "h_new_1=")
    assert SPACE.key(SPACE.from_string(roles_swapped)) != SPACE.key(SPACE.from_string(independent))


def test_key_follows_naslib_hidden_numbering_when_h_new_0_reads_h_new_1():
    # NASLib's compact numbers h_new by node index, so these two cells share a compact.
    reads = VALID["three_input_linear"]  # h_new_0 reads h_new_1
    named_by_index = reads.replace("h_new_1", "H").replace("h_new_0", "h_new_1").replace("H", "h_new_0")
    assert SPACE.key(SPACE.from_string(reads)) == SPACE.key(SPACE.from_string(named_by_index))


def test_naslib_compact_round_trip_and_numbering():
    # The compact NASLib's convert_recipe_to_compact gives VALID["small"] (node order as written).
    compact = (((0, 4), (1, 4), (4, 5), (2, 6), (5, 6), (5, 7), (6, 7), (4, 7), (5, 8), (7, 8)),
               (0, 0, 0, 0, 6, 2, 4, 7, 5), (7, 8))
    arch = SPACE.from_naslib_compact(compact)
    assert SPACE.key(arch) == SPACE.key(SPACE.from_string(VALID["small"]))
    renumbered = (((0, 4), (1, 4), (4, 5), (2, 6), (5, 6), (5, 7), (6, 7), (4, 7), (5, 8), (7, 8)),
                  (0, 0, 0, 0, 6, 2, 4, 7, 5), (8, 7))  # hiddens unsorted
    assert SPACE.key(SPACE.from_naslib_compact(renumbered)) == SPACE.key(arch)
    for bad in ((compact[0] + ((3, 6),), compact[1], compact[2]), (compact[0], compact[1], (8,)), "text"):
        with pytest.raises(ValueError):
            SPACE.from_naslib_compact(bad)


def test_round_trips_on_samples():
    rng = np.random.default_rng(1)
    for _ in range(30):
        arch = SPACE.sample(rng)
        assert SPACE.canonical(arch) == arch
        assert SPACE.from_string(SPACE.to_string(arch)) == arch
        assert SPACE.from_naslib_compact(SPACE.to_naslib_compact(arch)) == arch
        assert Architecture.from_lists(arch.to_lists()) == arch


def test_from_string_errors_say_what_is_expected():
    with pytest.raises(ValueError, match="expected"):
        SPACE.from_string("node_0=conv(x)")
    with pytest.raises(TypeError):
        SPACE.from_string(3)
    with pytest.raises(ValueError, match="max_nodes"):
        NasBenchNLP(max_nodes=2)


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
