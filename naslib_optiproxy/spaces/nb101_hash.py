"""NAS-Bench-101 cell graphs: pruning and the benchmark's isomorphism-invariant hash.

A cell is an upper-triangular 0/1 adjacency matrix over V vertices (0 = input, V-1 =
output) with one integer label per vertex. NAS-Bench-101 prunes every vertex that is not
on some input -> output path before it checks or looks a cell up; its table is keyed by
:func:`module_hash` of the pruned cell with labels ``-1`` (input), ``-2`` (output) and the
op's index in ``conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3`` for the others.

The hash (written from the benchmark paper's description of ``hash_module``): every vertex
starts from the MD5 of ``(out-degree, in-degree, label)``; then, V times, each vertex's
hash becomes the MD5 of its sorted in-neighbour hashes, its sorted out-neighbour hashes and
its own hash; the cell's hash is the MD5 of the sorted final vertex hashes. Isomorphic
labelled cells therefore get the same hash.
"""

from __future__ import annotations

import hashlib
from typing import FrozenSet, Optional, Sequence, Tuple

import numpy as np

INPUT_LABEL = -1
OUTPUT_LABEL = -2


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def live_vertices(matrix: np.ndarray) -> FrozenSet[int]:
    """Vertices on an input -> output path (empty when the output is unreachable)."""
    size = matrix.shape[0]
    from_input = {0}
    for dst in range(1, size):
        if any(matrix[src, dst] and src in from_input for src in range(dst)):
            from_input.add(dst)
    to_output = {size - 1}
    for src in range(size - 2, -1, -1):
        if any(matrix[src, dst] and dst in to_output for dst in range(src + 1, size)):
            to_output.add(src)
    if size - 1 not in from_input:
        return frozenset()
    return frozenset(from_input & to_output)


def prune(matrix: np.ndarray, labels: Sequence[int]) -> Optional[Tuple[np.ndarray, Tuple[int, ...]]]:
    """The cell restricted to its live vertices (order kept), or ``None`` if input and output are disconnected."""
    live = sorted(live_vertices(matrix))
    if not live:
        return None
    return matrix[np.ix_(live, live)], tuple(labels[v] for v in live)


def module_hash(matrix: np.ndarray, labels: Sequence[int]) -> str:
    """NAS-Bench-101's isomorphism-invariant MD5 fingerprint of a (pruned) labelled cell."""
    matrix = np.asarray(matrix)
    size = matrix.shape[0]
    if matrix.shape != (size, size) or len(labels) != size:
        raise ValueError(f"need a square matrix and one label per vertex, got {matrix.shape} and {len(labels)} labels")
    ins = matrix.sum(axis=0).tolist()
    outs = matrix.sum(axis=1).tolist()
    hashes = [_md5(str((int(outs[v]), int(ins[v]), int(labels[v])))) for v in range(size)]
    preds = [[u for u in range(size) if matrix[u, v]] for v in range(size)]
    succs = [[w for w in range(size) if matrix[v, w]] for v in range(size)]
    for _ in range(size):
        hashes = [
            _md5("".join(sorted(hashes[u] for u in preds[v])) + "|"
                 + "".join(sorted(hashes[w] for w in succs[v])) + "|" + hashes[v])
            for v in range(size)
        ]
    return _md5(str(sorted(hashes)))
