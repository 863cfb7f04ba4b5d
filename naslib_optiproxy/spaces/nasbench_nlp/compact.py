"""NASLib's NAS-Bench-NLP compact ``(edges, ops, hiddens)`` and the benchmark's cell strings.

NASLib (``nasbenchnlp/conversions.py``) numbers the nodes ``x, h_prev_0, h_prev_1, h_prev_2``
then the computing nodes, gives each an op index of :data:`NASLIB_OPS`, lists the edges as
``(source, destination)`` pairs and names the two hidden states by node index.
"""

from __future__ import annotations

import re
from typing import List, Sequence, Tuple

from ..._text import ARCH_LIMIT, shorten
from .cells import ACTIVATIONS, COMMUTATIVE, INPUTS, MAIN_OPS, Graph

# NASLib's compact op indices and its 4 fixed input nodes.
NASLIB_OPS = ("in", "activation_sigm", "activation_tanh", "activation_leaky_relu",
              "elementwise_sum", "elementwise_prod", "linear", "blend")
NASLIB_INPUTS = ("x", "h_prev_0", "h_prev_1", "h_prev_2")
EXAMPLE = "node_0=linear(x,h_prev_0);node_1=activation_tanh(node_0);...;h_new_0=...;h_new_1=..."

Compact = Tuple[Tuple[Tuple[int, int], ...], Tuple[int, ...], Tuple[int, ...]]


def compact_graph(compact: Sequence) -> Tuple[Graph, Tuple[str, str]]:
    """The cell graph of a NASLib compact (node names ``n<index>``) and its two ``h_new`` names."""
    try:
        edges, ops, hiddens = compact
        edges = [(int(s), int(d)) for s, d in edges]
        ops = [int(o) for o in ops]
        hiddens = sorted(int(h) for h in hiddens)
    except (TypeError, ValueError) as error:
        raise ValueError(f"not a NASLib NLP compact (edges, ops, hiddens): {shorten(compact, ARCH_LIMIT)} "
                         f"({error})") from None
    if list(ops[:4]) != [0, 0, 0, 0] or len(hiddens) != 2 or any(o not in range(1, 8) for o in ops[4:]):
        raise ValueError(f"compact {shorten(compact, ARCH_LIMIT)}: expected ops[:4] == 0 (x, h_prev_0..2), op ids 1..7 "
                         "after them, and 2 hidden states (NAS-Bench-NLP's hidden tuple size)")
    if any(s == 3 for s, _ in edges):
        raise ValueError(f"compact {shorten(compact, ARCH_LIMIT)} reads h_prev_2: hidden tuples of size 3 are "
                         f"not supported")
    names = [*INPUTS, "h_prev_2"] + [f"n{i}" for i in range(4, len(ops))]
    graph: Graph = {}
    for index in range(4, len(ops)):
        sources = [s for s, d in edges if d == index]
        if any(not 0 <= s < index for s in sources):
            raise ValueError(f"compact {shorten(compact, ARCH_LIMIT)}: node {index} reads a node that is not earlier")
        graph[names[index]] = (NASLIB_OPS[ops[index]], tuple(names[s] for s in sources))
    if any(not 4 <= h < len(ops) for h in hiddens):
        raise ValueError(f"compact {shorten(compact, ARCH_LIMIT)}: hidden states must index computing nodes")
    return graph, (names[hiddens[0]], names[hiddens[1]])


def emit(cell: Graph, placement: List[str], outputs: Tuple[str, str]) -> Compact:
    """The compact of ``cell`` with its computing nodes numbered in ``placement`` order (commutative
    inputs sorted)."""
    index = {name: i for i, name in enumerate(NASLIB_INPUTS)}
    index.update({name: 4 + i for i, name in enumerate(placement)})
    edges: List[Tuple[int, int]] = []
    for node in placement:
        op, inputs = cell[node]
        sources = [index[i] for i in inputs]
        if op in COMMUTATIVE:
            sources.sort()
        edges += [(s, index[node]) for s in sources]
    ops = (0, 0, 0, 0) + tuple(NASLIB_OPS.index(cell[n][0]) for n in placement)
    return tuple(edges), ops, tuple(sorted(index[o] for o in outputs))


def compact_string(compact: Compact) -> str:
    """``name=op(inputs);...`` in the benchmark's node names (``node_<i>``, ``h_new_0/1``)."""
    edges, ops, hiddens = compact
    names = list(NASLIB_INPUTS)
    regular = 0
    for index in range(4, len(ops)):
        if index in hiddens:
            names.append(f"h_new_{hiddens.index(index)}")
        else:
            names.append(f"node_{regular}")
            regular += 1
    parts = []
    for index in range(4, len(ops)):
        inputs = ",".join(names[s] for s, d in edges if d == index)
        parts.append(f"{names[index]}={NASLIB_OPS[ops[index]]}({inputs})")
    return ";".join(parts)


def string_graph(text: str) -> Graph:
    """The cell graph of a ``name=op(inputs);...`` string, nodes in the order given."""
    if not isinstance(text, str):
        raise TypeError(f"from_string takes a NAS-Bench-NLP cell string like {EXAMPLE!r}, got {type(text).__name__}")
    graph: Graph = {}
    for part in filter(None, (p.strip() for p in text.strip().split(";"))):
        match = re.fullmatch(r"([A-Za-z_]\w*)=(\w+)\(([\w,\s]*)\)", part)
        if match is None or match[2] not in (*MAIN_OPS, *ACTIVATIONS):
            raise ValueError(f"bad node {shorten(part)} in {shorten(text, ARCH_LIMIT)}; expected {EXAMPLE!r} "
                             f"with ops from "
                             f"{', '.join((*MAIN_OPS, *ACTIVATIONS))}")
        inputs = tuple(i.strip() for i in match[3].split(",") if i.strip())
        graph[match[1]] = (match[2], inputs)
    if "h_new_0" not in graph or "h_new_1" not in graph:
        raise ValueError(f"{shorten(text, ARCH_LIMIT)} must define h_new_0 and h_new_1; expected {EXAMPLE!r}")
    return graph


__all__ = ["Compact", "NASLIB_INPUTS", "NASLIB_OPS", "compact_graph", "compact_string", "emit", "string_graph"]
