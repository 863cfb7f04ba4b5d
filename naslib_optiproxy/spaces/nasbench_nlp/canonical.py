"""The canonical NASLib compact of a pruned NAS-Bench-NLP cell (the codec's key).

Nodes are numbered by a topological order driven by colour refinement (input-side and
output-side digests), ties among equal colours resolved exhaustively, and the inputs of
commutative ops sorted. Equal keys always mean the same cell; isomorphic cells share a key
unless colour refinement leaves more than :data:`MAX_TIE_ORDERS` tied orders (not met on 8-node
cells in practice). NASLib's compact numbers ``h_new`` by node index, so a cell whose
``h_new_0`` reads ``h_new_1`` has the compact of the role-swapped cell; the key follows the
compact.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Dict, Iterator, List, Optional, Tuple

from .cells import COMMUTATIVE, INPUTS, Graph, topological
from .compact import Compact, emit

MAX_TIE_ORDERS = 720


def _digest(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=8).hexdigest()


def canonical_compact(cell: Graph, outputs: Tuple[str, str]) -> Compact:
    """Canonical compact of a pruned cell: refined colours order a topological sort (ties searched)."""
    if outputs[1] in ancestors(cell, outputs[0]):
        outputs = (outputs[1], outputs[0])  # NASLib numbers h_new by node index: h_new_1 comes first
    order = list(topological(cell))
    up: Dict[str, str] = {name: name for name in INPUTS}
    for node in order:
        op, inputs = cell[node]
        digests = [up[i] for i in inputs]
        up[node] = _digest(op, digests if op not in COMMUTATIVE else sorted(digests))
    consumers: Dict[str, List[Tuple[str, int]]] = {n: [] for n in (*INPUTS, *cell)}
    for node in order:
        op, inputs = cell[node]
        for position, i in enumerate(inputs):
            consumers[i].append((node, position if op == "blend" else -1))
    down: Dict[str, str] = {}
    for node in reversed(order):
        context = sorted((down[c], up[c], pos) for c, pos in consumers[node])
        down[node] = _digest(tuple(int(node == o) for o in outputs), context)
    colour = {n: (up[n], down[n]) for n in cell}
    after = {n: set(cell[n][1]) - set(INPUTS) for n in cell}
    after[outputs[1]].add(outputs[0])  # h_new_0 before h_new_1
    best: Optional[Compact] = None
    for placement in itertools.islice(_orders(cell, after, colour, []), MAX_TIE_ORDERS):
        compact = emit(cell, placement, outputs)
        best = compact if best is None or compact < best else best
    assert best is not None
    return best


def ancestors(cell: Graph, node: str) -> set:
    """The computing nodes ``node`` reads, directly or not."""
    seen: set = set()
    stack = [node]
    while stack:
        for i in cell[stack.pop()][1]:
            if i in cell and i not in seen:
                seen.add(i)
                stack.append(i)
    return seen


def _orders(cell: Graph, after: Dict[str, set], colour: Dict[str, tuple], placed: List[str]) -> Iterator[List[str]]:
    """Topological orders that always place a smallest-colour ready node (all of them on ties)."""
    if len(placed) == len(cell):
        yield list(placed)
        return
    ready = [n for n in cell if n not in placed and after[n] <= set(placed)]
    smallest = min(colour[n] for n in ready)
    for node in sorted(n for n in ready if colour[n] == smallest):
        yield from _orders(cell, after, colour, placed + [node])


__all__ = ["MAX_TIE_ORDERS", "ancestors", "canonical_compact"]
