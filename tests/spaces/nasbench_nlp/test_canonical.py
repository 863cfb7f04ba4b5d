"""The canonical compact of NAS-Bench-NLP cells: one key per cell, whatever its node order."""

from __future__ import annotations

from ._cells import SPACE, VALID


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
