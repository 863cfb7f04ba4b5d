"""NAS-Bench-NLP cells as graphs: the benchmark's vocabulary, and pruning and ordering a cell.

A cell graph maps each node name to ``(op, input names)``; names are the inputs ``x``,
``h_prev_0``, ``h_prev_1`` or any id of a computing node (the codec uses ``M<unit>`` for a
unit's main node and ``A<unit>`` for its activation).
"""

from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

ACTIVATIONS = ("activation_tanh", "activation_sigm", "activation_leaky_relu")
TOKENS = ("linear", "linear_tanh", "linear_sigm", "linear_leaky_relu", "blend", "elementwise_prod", "elementwise_sum")
MAIN_OPS = ("linear", "blend", "elementwise_prod", "elementwise_sum")
INPUTS = ("x", "h_prev_0", "h_prev_1")
FEATURES = (*INPUTS, *MAIN_OPS, "tanh", "sigm", "leaky_relu", "h_new_0", "h_new_1")
ARITY = {"linear": (2, 3), "blend": (3,), "elementwise_prod": (2,), "elementwise_sum": (2,)}
COMMUTATIVE = {"linear", "elementwise_prod", "elementwise_sum"} | set(ACTIVATIONS)

# A cell graph: node name -> (op, input names).
Graph = Dict[str, Tuple[str, Tuple[str, ...]]]


def live_nodes(graph: Graph, outputs: Sequence[str]) -> List[str]:
    """Nodes that reach an output (in ``graph`` order)."""
    live = set()
    stack = [o for o in outputs if o in graph]
    while stack:
        node = stack.pop()
        if node in live or node not in graph:
            continue
        live.add(node)
        stack.extend(graph[node][1])
    return [n for n in graph if n in live]


def topological(graph: Graph) -> Graph:
    """``graph`` reordered so every node follows its inputs; ValueError on a cycle or unknown node."""
    done: Dict[str, Tuple[str, Tuple[str, ...]]] = {}
    pending = dict(graph)
    while pending:  # the first ready node each time: an order that is already topological is kept
        ready = next((n for n, (_, ins) in pending.items() if all(i in done or i in INPUTS for i in ins)), None)
        if ready is None:
            unknown = {i for _, ins in pending.values() for i in ins} - set(graph) - set(INPUTS)
            raise ValueError(f"unknown input(s) {sorted(unknown)}" if unknown else
                             f"cycle among {sorted(pending)}")
        done[ready] = pending.pop(ready)
    return done


__all__ = ["ACTIVATIONS", "ARITY", "COMMUTATIVE", "FEATURES", "Graph", "INPUTS", "MAIN_OPS", "TOKENS", "live_nodes",
           "topological"]
