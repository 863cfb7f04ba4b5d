"""Hand-written NAS-Bench-NLP cells and the benchmark's rules, checked independently of the codec."""

from __future__ import annotations

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


__all__ = ["INVALID", "SPACE", "VALID", "benchmark_rules_ok"]
