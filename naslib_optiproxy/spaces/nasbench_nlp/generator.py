"""Random NAS-Bench-NLP cells, drawn as the benchmark's own generator draws them."""

from __future__ import annotations

from typing import List, Optional

import numpy as np

from .cells import ACTIVATIONS, INPUTS, MAIN_OPS, Graph, live_nodes, topological


def generate_cell(rng: np.random.Generator) -> Optional[Graph]:
    """One cell drawn as NAS-Bench-NLP's generator draws (ops 3:1:1:1, linear fan-in 2:3 = 4:1).

    Nine node budget; a linear is followed by an activation; two random nodes become
    ``h_new_0/1``; dead nodes pruned. Returns None when the benchmark's sanity checks fail.
    """
    graph: Graph = {}
    activations: List[str] = []
    while len(graph) < 9:
        op = MAIN_OPS[rng.choice(4, p=[0.5, 1 / 6, 1 / 6, 1 / 6])]
        node = f"v{len(graph)}"
        if op == "linear":
            pool = list(INPUTS) + activations
            fan_in = min(int(rng.choice([2, 3], p=[0.8, 0.2])), len(pool))
            graph[node] = (op, tuple(pool[i] for i in rng.choice(len(pool), fan_in, replace=False)))
            act = f"v{len(graph)}"
            graph[act] = (ACTIVATIONS[int(rng.integers(3))], (node,))
            activations.append(act)
        else:
            pool = list(INPUTS[1:]) + list(graph)
            fan_in = 3 if op == "blend" else 2
            if fan_in > len(pool):
                continue
            graph[node] = (op, tuple(pool[i] for i in rng.choice(len(pool), fan_in, replace=False)))
    picks = [list(graph)[i] for i in rng.choice(len(graph), 2, replace=False)]
    rename = {picks[0]: "h_new_0", picks[1]: "h_new_1"}
    graph = {rename.get(n, n): (op, tuple(rename.get(i, i) for i in ins)) for n, (op, ins) in graph.items()}
    live = set(live_nodes(graph, ("h_new_0", "h_new_1")))
    graph = {n: v for n, v in graph.items() if n in live}
    used = {i for _, ins in graph.values() for i in ins}
    if not used.issuperset(INPUTS):
        return None
    if any(i.startswith("h_prev") for o in ("h_new_0", "h_new_1") for i in graph[o][1]):
        return None
    return topological(graph)


__all__ = ["generate_cell"]
