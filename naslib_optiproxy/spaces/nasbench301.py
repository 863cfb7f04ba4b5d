"""NAS-Bench-301 (DARTS space) codec: normal and reduction cells, searched inputs and ops.

A DARTS cell has two inputs (cell nodes 0, 1 = c_{k-2}, c_{k-1}) and four intermediate
nodes 2..5. Intermediate node ``j`` (0..3, cell node ``j + 2``) sums two operations applied
to two *distinct* earlier cell nodes, so it picks an unordered input pair among
``j + 2`` candidates: 1, 3, 6, 10 pairs, 180 topologies per cell.

Representation (:class:`Architecture`):

* ``topology``: 8 :class:`ChoiceTopology` slots, one per intermediate node (normal cell's
  nodes 0..3, then the reduction cell's), whose candidates are the input *pairs* in
  ``itertools.combinations(range(j + 2), 2)`` order (``0_1, 0_2, 1_2, ...``, the
  benchmark's ``inputs_node_*`` order). The Gumbel-softmax relaxation and the discrete
  sampler are then the same categorical distribution over pairs, and every pair is reachable.
* ``ops``: 28 slots, one per *potential* edge: per cell the 14 DARTS edges ``(j, source)``
  in the benchmark's ``edge_*_0..13`` order (node 0's sources 0, 1; node 1's 0..2; ...).
  Ops of edges outside the chosen pairs are ignored by :meth:`NasBench301.key`, the strings
  and the encoding.

Op indices follow NASLib: 0 max_pool_3x3, 1 avg_pool_3x3, 2 skip_connect, 3 sep_conv_3x3,
4 sep_conv_5x5, 5 dil_conv_3x3, 6 dil_conv_5x5. The canonical string is NASLib's compact
genotype ``[[(input, op) x 8 normal], [(input, op) x 8 reduction]]``, entries ``2j`` and
``2j + 1`` belonging to node ``j``, the smaller input first.

Proxy graph layout (paper appendix A.8.3, op-on-node; NASLib's GCN encoding): per cell 11
nodes, 0 and 1 the cell inputs, ``2 + 2j + e`` the op-node of node ``j``'s smaller (``e = 0``)
or larger (``e = 1``) input, 10 the cell output; the reduction cell's nodes follow at +11, and
the normal cell's output feeds the reduction cell's inputs. Features (9): column 0 input,
1..7 the op one-hot, 8 output. An op-node reads its source: a cell input directly, or both
op-nodes of an intermediate node; all op-nodes feed the cell output. Relaxed, the weight of
``source -> op-node (j, e)`` is the probability of the pairs of node ``j`` whose ``e``-th
input is ``source`` (so node ``j`` reads ``source`` with the summed probability of the pairs
containing it), and the op-node's features average the ops of those edges likewise.
"""

from __future__ import annotations

import ast
import functools
import itertools
from typing import Hashable, List, Optional, Sequence, Tuple

import numpy as np
import torch

from .._text import ARCH_LIMIT, shorten
from .base import Architecture, ChoiceTopology, SearchSpace

OP_NAMES = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5",
            "dil_conv_3x3", "dil_conv_5x5")
CELLS = ("normal", "reduce")
NUM_INTERMEDIATE = 4
#: Input pairs of intermediate node j, in the benchmark's order.
PAIRS: Tuple[Tuple[Tuple[int, int], ...], ...] = tuple(
    tuple(itertools.combinations(range(j + 2), 2)) for j in range(NUM_INTERMEDIATE))
EDGE_OFFSETS = (0, 2, 5, 9)
EDGES_PER_CELL = 14
CELL_NODES = 11  # 2 inputs, 8 op-nodes, 1 output
MAX_SOURCES = NUM_INTERMEDIATE + 1

Compact = Tuple[Tuple[Tuple[int, int], ...], Tuple[Tuple[int, int], ...]]
EXPECTED_FORMAT = ("expected NASLib's compact genotype: two lists (normal, reduction) of 8 (input, op) pairs, "
                   "entries 2j and 2j+1 the two distinct inputs of node j in 0..j+1, ops 0..6 in "
                   f"{OP_NAMES}, e.g. '[[(0, 3), (1, 3), (0, 2), (2, 3), (1, 4), (2, 5), (0, 0), (4, 6)], [...]]'")


def edge_slot(cell: int, node: int, source: int) -> int:
    """Op slot of the edge ``source -> node`` (node 0..3, source 0..node+1) of ``cell``."""
    return cell * EDGES_PER_CELL + EDGE_OFFSETS[node] + source


def pair_index(node: int, inputs: Sequence[int]) -> int:
    """Candidate index of the unordered input pair ``inputs`` of intermediate ``node``."""
    return PAIRS[node].index(tuple(sorted(int(i) for i in inputs)))


@functools.lru_cache(maxsize=200_000)
def _compact(ops: Tuple[int, ...], topology: Tuple[int, ...]) -> Compact:
    cells = []
    for cell in range(len(CELLS)):
        entries: List[Tuple[int, int]] = []
        for node in range(NUM_INTERMEDIATE):
            for source in PAIRS[node][topology[cell * NUM_INTERMEDIATE + node]]:
                entries.append((source, ops[edge_slot(cell, node, source)]))
        cells.append(tuple(entries))
    return cells[0], cells[1]


def _layout_tables() -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Constant maps of one cell, shared by the discrete and the relaxed encoding.

    Returns:
        ``select [4, 10, 2, 5]``: pair p of node j has source s as its e-th input;
        ``route [4, 2, 5, 11, 11]``: the cell edges that "node j's e-th input is s" switches on;
        ``slots [4, 5]``: op slot (in one cell) of edge ``s -> j`` (0 where there is no such edge).
    """
    max_pairs = len(PAIRS[-1])
    select = torch.zeros(NUM_INTERMEDIATE, max_pairs, 2, MAX_SOURCES)
    route = torch.zeros(NUM_INTERMEDIATE, 2, MAX_SOURCES, CELL_NODES, CELL_NODES)
    slots = torch.zeros(NUM_INTERMEDIATE, MAX_SOURCES, dtype=torch.long)
    for node, pairs in enumerate(PAIRS):
        for p, pair in enumerate(pairs):
            for e, source in enumerate(pair):
                select[node, p, e, source] = 1.0
        for source in range(node + 2):
            slots[node, source] = EDGE_OFFSETS[node] + source
            producers = [source] if source < 2 else [2 * source - 2, 2 * source - 1]
            for e in range(2):
                for producer in producers:
                    route[node, e, source, producer, 2 + 2 * node + e] = 1.0
    return select, route, slots


class NasBench301(SearchSpace):
    """NAS-Bench-301 / DARTS: (180 * 7^8)^2, about 10^18 architectures.

    Example:
        >>> space = NasBench301()
        >>> genotype = [[(1, 3), (0, 3), (0, 2), (2, 3), (1, 4), (2, 5), (0, 0), (4, 6)]] * 2
        >>> space.to_string(space.from_compact(genotype))[:17]  # the smaller input first
        '[[(0, 3), (1, 3),'
    """

    name = "nasbench301"
    op_names = OP_NAMES
    num_op_slots = len(CELLS) * EDGES_PER_CELL
    topology = ChoiceTopology(tuple(len(PAIRS[j]) for _ in CELLS for j in range(NUM_INTERMEDIATE)))
    num_nodes = len(CELLS) * CELL_NODES
    num_features = len(OP_NAMES) + 2

    def __init__(self) -> None:
        self._select, self._route, self._slots = _layout_tables()
        fixed = torch.zeros(self.num_nodes, self.num_nodes)
        features = torch.zeros(self.num_nodes, self.num_features)
        for cell in range(len(CELLS)):
            base = cell * CELL_NODES
            fixed[base + 2: base + 10, base + 10] = 1.0  # every op-node feeds the cell output
            features[base: base + 2, 0] = 1.0
            features[base + 10, -1] = 1.0
        fixed[CELL_NODES - 1, CELL_NODES: CELL_NODES + 2] = 1.0  # normal output -> reduction inputs
        self._fixed_adj, self._fixed_features = fixed, features

    # ------------------------------------------------------------------ layout
    def relaxed_encode(
        self, op_weights: torch.Tensor, topology_weights: Optional[torch.Tensor]
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        if topology_weights is None:
            raise ValueError("NAS-Bench-301 needs topology weights [B, 8, 10] (input-pair probabilities per node)")
        batch = op_weights.shape[0]
        x = self._fixed_features.to(op_weights).expand(batch, -1, -1).clone()
        adj = self._fixed_adj.to(op_weights).expand(batch, -1, -1).clone()
        select, route = self._select.to(op_weights), self._route.to(op_weights)
        for cell in range(len(CELLS)):
            pairs = topology_weights[:, cell * NUM_INTERMEDIATE: (cell + 1) * NUM_INTERMEDIATE]
            # reads[b, j, e, s]: probability that node j's e-th (smaller/larger) input is s
            reads = torch.einsum("bjp,jpes->bjes", pairs, select)
            edge_ops = op_weights[:, cell * EDGES_PER_CELL + self._slots]  # [B, 4, 5, M]
            base = cell * CELL_NODES
            node_ops = torch.einsum("bjes,bjsm->bjem", reads, edge_ops).reshape(batch, 2 * NUM_INTERMEDIATE, -1)
            x[:, base + 2: base + 10, 1:-1] = node_ops
            adj[:, base: base + CELL_NODES, base: base + CELL_NODES] += torch.einsum("bjes,jesuv->buv", reads, route)
        return x, adj

    # ----------------------------------------------------------- discrete API
    def is_valid(self, arch: Architecture) -> bool:
        if len(arch.ops) != self.num_op_slots or len(arch.topology) != self.topology.num_slots:
            return False
        if not all(0 <= o < self.num_ops for o in arch.ops):
            return False
        return all(0 <= c < n for c, n in zip(arch.topology, self.topology.num_candidates))

    def compact(self, arch: Architecture) -> Compact:
        """NASLib's compact genotype ``(normal, reduction)``, each 8 ``(input, op)``, smaller input first."""
        return _compact(tuple(int(o) for o in arch.ops), tuple(int(t) for t in arch.topology))

    def key(self, arch: Architecture) -> Hashable:
        """The canonical compact genotype: ops of unused edges do not count."""
        return self.compact(arch)

    def to_string(self, arch: Architecture) -> str:
        return str([list(cell) for cell in self.compact(arch)])

    def from_compact(self, compact: Sequence[Sequence[Sequence[int]]]) -> Architecture:
        """The architecture of a compact genotype (either input order within a node); ValueError if malformed."""
        try:
            cells = [[(int(src), int(op)) for src, op in cell] for cell in compact]
        except (TypeError, ValueError) as error:
            raise ValueError(f"not a NAS-Bench-301 genotype: {shorten(compact, ARCH_LIMIT)} ({error}); "
                             f"{EXPECTED_FORMAT}") from None
        if len(cells) != len(CELLS) or any(len(cell) != 2 * NUM_INTERMEDIATE for cell in cells):
            raise ValueError(f"not a NAS-Bench-301 genotype: {shorten(compact, ARCH_LIMIT)}; {EXPECTED_FORMAT}")
        ops = [0] * self.num_op_slots
        topology = []
        for cell, entries in enumerate(cells):
            for node in range(NUM_INTERMEDIATE):
                (a, op_a), (b, op_b) = entries[2 * node], entries[2 * node + 1]
                if a == b or not (0 <= a <= node + 1 and 0 <= b <= node + 1):
                    raise ValueError(f"node {node} of the {CELLS[cell]} cell reads {a} and {b} in "
                                     f"{shorten(compact, ARCH_LIMIT)}: "
                                     f"inputs must be distinct and in 0..{node + 1}; {EXPECTED_FORMAT}")
                for source, op in ((a, op_a), (b, op_b)):
                    if not 0 <= op < self.num_ops:
                        raise ValueError(f"op {op} in {shorten(compact, ARCH_LIMIT)} is not in "
                                         f"0..{self.num_ops - 1}; {EXPECTED_FORMAT}")
                    ops[edge_slot(cell, node, source)] = op
                topology.append(pair_index(node, (a, b)))
        return Architecture(tuple(ops), tuple(topology))

    def from_string(self, text: str) -> Architecture:
        if not isinstance(text, str):
            raise TypeError(f"from_string takes a NAS-Bench-301 compact genotype string, got "
                            f"{type(text).__name__} {shorten(text, ARCH_LIMIT)}; {EXPECTED_FORMAT}")
        try:
            compact = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            raise ValueError(f"not a NAS-Bench-301 genotype string: {shorten(text, ARCH_LIMIT)}; "
                             f"{EXPECTED_FORMAT}") from None
        return self.from_compact(compact)

    # ------------------------------------------------- sampling and mutation
    def sample(self, rng: np.random.Generator) -> Architecture:
        """Uniform: an input pair per node, an op per chosen edge (NASLib's random architecture)."""
        ops = [0] * self.num_op_slots
        topology = []
        for cell in range(len(CELLS)):
            for node in range(NUM_INTERMEDIATE):
                choice = int(rng.integers(0, len(PAIRS[node])))
                topology.append(choice)
                for source in PAIRS[node][choice]:
                    ops[edge_slot(cell, node, source)] = int(rng.integers(0, self.num_ops))
        return Architecture(tuple(ops), tuple(topology))

    def _move_input(self, arch: Architecture, cell: int, node: int, old: int, new: int) -> Architecture:
        """``arch`` with node's input ``old`` replaced by ``new``, the edge keeping its op (NASLib)."""
        slot = cell * NUM_INTERMEDIATE + node
        pair = [new if s == old else s for s in PAIRS[node][arch.topology[slot]]]
        ops = list(arch.ops)
        ops[edge_slot(cell, node, new)] = arch.ops[edge_slot(cell, node, old)]
        topology = list(arch.topology)
        topology[slot] = pair_index(node, pair)
        return Architecture(tuple(ops), tuple(topology))

    def _with_op(self, arch: Architecture, slot: int, op: int) -> Architecture:
        return Architecture(arch.ops[:slot] + (op,) + arch.ops[slot + 1:], arch.topology)

    def neighbours(self, arch: Architecture) -> List[Architecture]:
        """NASLib's NB301 neighbourhood: one used edge gets another op (96) or another input (24)."""
        out: List[Architecture] = []
        for cell in range(len(CELLS)):
            for node in range(NUM_INTERMEDIATE):
                pair = PAIRS[node][arch.topology[cell * NUM_INTERMEDIATE + node]]
                for source in pair:
                    slot = edge_slot(cell, node, source)
                    out += [self._with_op(arch, slot, op) for op in range(self.num_ops) if op != arch.ops[slot]]
                    out += [self._move_input(arch, cell, node, source, new)
                            for new in range(node + 2) if new not in pair]
        return out

    def mutate(self, arch: Architecture, rng: np.random.Generator) -> Architecture:
        """NASLib's NB301 mutation: a random used edge draws a new op or a new input, until it changes."""
        while True:
            cell, entry, kind = int(rng.integers(0, 2)), int(rng.integers(0, 8)), int(rng.integers(0, 2))
            node = entry // 2
            pair = PAIRS[node][arch.topology[cell * NUM_INTERMEDIATE + node]]
            source = pair[entry % 2]
            if kind == 1:
                op, slot = int(rng.integers(0, self.num_ops)), edge_slot(cell, node, source)
                if op != arch.ops[slot]:
                    return self._with_op(arch, slot, op)
            else:
                new = int(rng.integers(0, node + 2))
                if new not in pair:
                    return self._move_input(arch, cell, node, source, new)


__all__ = ["CELLS", "NasBench301", "OP_NAMES", "PAIRS", "edge_slot", "pair_index"]
