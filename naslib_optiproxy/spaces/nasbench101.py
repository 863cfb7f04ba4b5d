"""NAS-Bench-101 codec: a free 7-vertex DAG (21 Bernoulli edges) with 3 ops on its 5 interior vertices.

``Architecture.ops`` holds one op index per interior vertex 1..5 in NAS-Bench-101's order
``conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3``; ``Architecture.topology`` holds the 21
upper-triangular adjacency bits in row-major order ``(0,1), (0,2), ..., (0,6), (1,2), ...,
(5,6)`` (vertex 0 = input, 6 = output). A cell is valid, as in the benchmark, when after
pruning the vertices off every input -> output path the input still reaches the output and
at most 9 edges remain. The de-duplication key is the benchmark's own graph hash of the
pruned cell (:func:`~naslib_optiproxy.spaces.nb101_hash.module_hash`), so isomorphic cells
and cells that differ only in dead vertices count once, and the key indexes a NAS-Bench-101
table directly.

Proxy graph layout (the same for fitting and for the gradient search): 7 nodes in cell
order; features column 0 input, 1..3 the op one-hot, 4 output. The layout is the *pruned*
cell in place: a vertex's liveness is the probability that it is reachable from the input
times the probability that it reaches the output (soft-OR recursions over the soft edges,
exact 0/1 for a discrete cell); interior op features and every edge are multiplied by the
liveness of their vertices, so dead vertices are zero rows. A discrete cell and every cell
isomorphic to it or differing only in dead vertices therefore give a graph that a
permutation-invariant proxy (GCN, GAT) scores identically, and gradients reach beta through
both the edges and the liveness.

Cells from the benchmark or NASLib with fewer than 7 vertices are padded as NASLib pads
them: interior vertices keep their positions, the output moves to vertex 6, the unused
vertices are dead ``conv3x3-bn-relu`` vertices.
"""

from __future__ import annotations

import functools
from typing import Hashable, List, Optional, Sequence, Tuple

import numpy as np
import torch

from .._text import ARCH_LIMIT, shorten
from .base import Architecture, BernoulliTopology, SearchSpace
from .nb101_hash import INPUT_LABEL, OUTPUT_LABEL, module_hash, prune

OP_NAMES = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
SHORT_NAMES = ("conv3x3", "conv1x1", "maxpool3x3")
NUM_VERTICES = 7
MAX_EDGES = 9
EDGE_SLOTS: Tuple[Tuple[int, int], ...] = tuple(
    (i, j) for i in range(NUM_VERTICES) for j in range(i + 1, NUM_VERTICES)
)
# NASLib's integer op codes (nasbench101/conversions.py ``all_ops``), used by its tuple hashes and by
# the NAS-Bench-Suite-Zero ``zc_nasbench101.json`` keys. Verified on that file: its cells with one live
# maxpool3x3 (code 2) have exactly the parameter count of the empty cell; code 3 adds ~1.0 M, code 4 ~9.3 M.
NASLIB_OP_CODES = {"input": 0, "output": 1, "maxpool3x3": 2, "conv1x1-bn-relu": 3, "conv3x3-bn-relu": 4}
_CODE_NAMES = {code: name for name, code in NASLIB_OP_CODES.items()}
_FORMAT = ("'<7 rows of 7 adjacency digits, comma-separated>|<5 ops, comma-separated>', e.g. "
           "'0110000,0001000,0001000,0000100,0000010,0000001,0000000|conv3x3,conv1x1,maxpool3x3,conv3x3,conv3x3' "
           f"with ops from {', '.join(SHORT_NAMES)} (or the full names {', '.join(OP_NAMES)})")


def cell_matrix(topology: Sequence[int]) -> np.ndarray:
    """The 7x7 0/1 adjacency matrix of 21 row-major upper-triangular bits."""
    matrix = np.zeros((NUM_VERTICES, NUM_VERTICES), dtype=np.int64)
    rows, cols = zip(*EDGE_SLOTS)
    matrix[rows, cols] = np.asarray(topology, dtype=np.int64)
    return matrix


@functools.lru_cache(maxsize=200_000)
def pruned_cell(ops: Tuple[int, ...], topology: Tuple[int, ...]) -> Optional[Tuple[np.ndarray, Tuple[int, ...]]]:
    """``(matrix, labels)`` of the pruned cell (labels: -1 input, -2 output, op index), or None if disconnected."""
    labels = (INPUT_LABEL, *ops, OUTPUT_LABEL)
    return prune(cell_matrix(topology), labels)


@functools.lru_cache(maxsize=200_000)
def _cell_hash(ops: Tuple[int, ...], topology: Tuple[int, ...]) -> str:
    cell = pruned_cell(ops, topology)
    assert cell is not None  # callers check validity first
    return module_hash(*cell)


def _soft_or(terms: List[torch.Tensor]) -> torch.Tensor:
    """``1 - prod(1 - t)``: probability that at least one of independent events happens."""
    return 1.0 - torch.prod(1.0 - torch.stack(terms, dim=-1), dim=-1)


def liveness(adj: torch.Tensor) -> torch.Tensor:
    """``[B, 7]``: P(reachable from the input) x P(reaches the output); input and output are 1.

    For a 0/1 adjacency this is exactly NAS-Bench-101's pruning mask of a connected cell.
    """
    size = adj.shape[-1]
    ones = adj.new_ones(adj.shape[0])
    from_input = [ones]
    for dst in range(1, size):
        from_input.append(_soft_or([adj[:, src, dst] * from_input[src] for src in range(dst)]))
    to_output = [ones]
    for src in range(size - 2, -1, -1):
        to_output.insert(0, _soft_or([adj[:, src, dst] * to_output[dst - src - 1] for dst in range(src + 1, size)]))
    live = torch.stack(from_input, 1) * torch.stack(to_output, 1)
    return torch.cat([ones[:, None], live[:, 1:-1], ones[:, None]], dim=1)


class NasBench101(SearchSpace):
    """NAS-Bench-101 (Ying et al., 2019): 423,624 distinct cells on CIFAR-10.

    Example:
        >>> space = NasBench101()
        >>> arch = space.from_string("0110000,0001000,0001000,0000100,0000010,0000001,0000000"
        ...                          "|conv3x3,conv1x1,maxpool3x3,conv3x3,conv3x3")
        >>> space.is_valid(arch), len(space.key(arch))
        (True, 32)
    """

    name = "nasbench101"
    op_names = OP_NAMES
    num_op_slots = NUM_VERTICES - 2
    topology = BernoulliTopology(len(EDGE_SLOTS))
    num_nodes = NUM_VERTICES
    num_features = len(OP_NAMES) + 2

    def __init__(self) -> None:
        rows, cols = zip(*EDGE_SLOTS)
        self._rows, self._cols = torch.tensor(rows), torch.tensor(cols)

    # ------------------------------------------------------------------ layout
    def relaxed_encode(
        self, op_weights: torch.Tensor, topology_weights: Optional[torch.Tensor]
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        if topology_weights is None or topology_weights.shape[-1] != len(EDGE_SLOTS):
            raise ValueError(f"NAS-Bench-101 needs topology weights [B, {len(EDGE_SLOTS)}] (one per upper-triangular edge)")
        batch, m = op_weights.shape[0], self.num_ops
        raw = op_weights.new_zeros(batch, NUM_VERTICES, NUM_VERTICES)
        raw[:, self._rows, self._cols] = topology_weights.to(op_weights)
        live = liveness(raw)
        adj = raw * live[:, :, None] * live[:, None, :]
        x = op_weights.new_zeros(batch, NUM_VERTICES, self.num_features)
        x[:, 0, 0] = 1.0
        x[:, -1, m + 1] = 1.0
        x[:, 1:-1, 1 : m + 1] = op_weights * live[:, 1:-1, None]
        return x, adj

    # ----------------------------------------------------------- discrete API
    def is_valid(self, arch: Architecture) -> bool:
        if len(arch.ops) != self.num_op_slots or len(arch.topology) != len(EDGE_SLOTS):
            return False
        if not all(0 <= o < self.num_ops for o in arch.ops) or not all(t in (0, 1) for t in arch.topology):
            return False
        cell = pruned_cell(tuple(int(o) for o in arch.ops), tuple(int(t) for t in arch.topology))
        return cell is not None and int(cell[0].sum()) <= MAX_EDGES

    def key(self, arch: Architecture) -> Hashable:
        """NAS-Bench-101's hash of the pruned cell (an MD5 hex string); the architecture itself when invalid."""
        if not self.is_valid(arch):
            return arch
        return _cell_hash(tuple(int(o) for o in arch.ops), tuple(int(t) for t in arch.topology))

    def to_string(self, arch: Architecture) -> str:
        rows = ",".join("".join(str(int(b)) for b in row) for row in cell_matrix(arch.topology))
        return rows + "|" + ",".join(SHORT_NAMES[o] for o in arch.ops)

    def from_string(self, text: str) -> Architecture:
        if not isinstance(text, str):
            raise TypeError(f"from_string takes a NAS-Bench-101 string {_FORMAT}; got {type(text).__name__} "
                            f"{shorten(text, ARCH_LIMIT)}")
        adjacency, _, ops_text = text.strip().partition("|")
        rows = adjacency.split(",")
        names = [n.strip() for n in ops_text.split(",")]
        if len(rows) != NUM_VERTICES or any(len(r) != NUM_VERTICES or set(r) - {"0", "1"} for r in rows):
            raise ValueError(f"bad adjacency in {shorten(text, ARCH_LIMIT)}; expected {_FORMAT}")
        if len(names) != self.num_op_slots or any(n not in SHORT_NAMES + OP_NAMES for n in names):
            raise ValueError(f"bad ops in {shorten(text, ARCH_LIMIT)}; expected {_FORMAT}")
        matrix = np.array([[int(c) for c in r] for r in rows])
        if np.any(np.tril(matrix)):
            raise ValueError(f"bad adjacency in {shorten(text, ARCH_LIMIT)}: only edges i -> j with i < j "
                             f"exist; expected {_FORMAT}")
        ops = [SHORT_NAMES.index(n) if n in SHORT_NAMES else OP_NAMES.index(n) for n in names]
        return self._checked(self._from_matrix(matrix, ops), text)

    # --------------------------------------------------- benchmark conversions
    def from_spec(self, matrix: Sequence[Sequence[int]], ops: Sequence[str]) -> Architecture:
        """The architecture of a NAS-Bench-101 spec (``matrix`` V x V, ``ops`` with input/output), V <= 7."""
        matrix = np.asarray(matrix, dtype=np.int64)
        size = len(ops)
        if matrix.shape != (size, size) or not 2 <= size <= NUM_VERTICES:
            raise ValueError(f"a NAS-Bench-101 spec has a V x V matrix and V op names, 2 <= V <= 7; "
                             f"got a matrix of shape {matrix.shape} and {size} ops")
        if ops[0] != "input" or ops[-1] != "output" or any(o not in OP_NAMES for o in ops[1:-1]):
            raise ValueError(f"spec ops must be 'input', then ops from {OP_NAMES}, then 'output'; got {list(ops)}")
        if np.any(np.tril(matrix)) or not np.isin(matrix, (0, 1)).all():
            raise ValueError(f"a NAS-Bench-101 matrix is 0/1 and strictly upper-triangular; got\n{matrix}")
        padded = np.zeros((NUM_VERTICES, NUM_VERTICES), dtype=np.int64)
        padded[: size - 1, : size - 1] = matrix[:-1, :-1]
        padded[: size - 1, -1] = matrix[:-1, -1]
        interior = [OP_NAMES.index(o) for o in ops[1:-1]]
        interior += [0] * (self.num_op_slots - len(interior))  # dead padding vertices: conv3x3
        return self._checked(self._from_matrix(padded, interior), f"spec {matrix.tolist()} {list(ops)}")

    def to_spec(self, arch: Architecture, pruned: bool = True) -> Tuple[np.ndarray, List[str]]:
        """``(matrix, ops)`` as NAS-Bench-101 stores it (pruned) or the raw 7-vertex cell."""
        ops = tuple(int(o) for o in arch.ops)
        if not pruned:
            return cell_matrix(arch.topology), ["input", *(OP_NAMES[o] for o in ops), "output"]
        cell = pruned_cell(ops, tuple(int(t) for t in arch.topology))
        if cell is None:
            raise ValueError(f"{self.to_string(arch)}: the input does not reach the output; nothing to prune to")
        matrix, labels = cell
        names = {INPUT_LABEL: "input", OUTPUT_LABEL: "output"}
        return matrix.copy(), [names.get(label) or OP_NAMES[label] for label in labels]

    def from_naslib_tuple(self, values: Sequence[int]) -> Architecture:
        """NASLib's spec tuple (``V*V`` flattened adjacency + ``V`` op codes, see :data:`NASLIB_OP_CODES`)."""
        values = [int(v) for v in values]
        size = int(round((np.sqrt(1 + 4 * len(values)) - 1) / 2))
        if size * size + size != len(values) or any(c not in _CODE_NAMES for c in values[size * size :]):
            raise ValueError(f"not a NASLib NAS-Bench-101 tuple (V*V adjacency + V op codes in "
                             f"{NASLIB_OP_CODES}): {tuple(values)}")
        matrix = np.array(values[: size * size]).reshape(size, size)
        return self.from_spec(matrix, [_CODE_NAMES[c] for c in values[size * size :]])

    def to_naslib_tuple(self, arch: Architecture) -> Tuple[int, ...]:
        """The 56-value NASLib tuple of the raw (unpruned, 7-vertex) cell."""
        matrix, ops = self.to_spec(arch, pruned=False)
        return (*(int(v) for v in matrix.flatten()), *(NASLIB_OP_CODES[o] for o in ops))

    # ----------------------------------------------------------------- helpers
    @staticmethod
    def _from_matrix(matrix: np.ndarray, ops: Sequence[int]) -> Architecture:
        rows, cols = zip(*EDGE_SLOTS)
        return Architecture(tuple(int(o) for o in ops), tuple(int(b) for b in matrix[rows, cols]))

    def _checked(self, arch: Architecture, source: str) -> Architecture:
        if not self.is_valid(arch):
            raise ValueError(f"{source} is not a NAS-Bench-101 cell: after pruning the vertices off every "
                             f"input -> output path, the input must reach the output with at most {MAX_EDGES} edges")
        return arch

    def __repr__(self) -> str:
        return "NasBench101()"
