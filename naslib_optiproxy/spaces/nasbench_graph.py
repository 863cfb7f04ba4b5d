"""NAS-Bench-Graph codec: 4 computing nodes, each picks one predecessor and one GNN op.

Computing node ``i`` (0..3) reads from candidate ``link[i]`` in ``0..i``: 0 is the
graph input, ``j >= 1`` the output of computing node ``j - 1``. This is a
:class:`ChoiceTopology` with 1, 2, 3, 4 candidates. Nodes whose output no later node
reads are combined into the cell output. The all-``skip`` cells are not in the benchmark
and are invalid here. Isomorphic cells share the benchmark's canonical hash
(``nas_bench_graph.Arch.valid_hash``), used as the de-duplication key.

Proxy graph layout: node 0 input, nodes 1..4 the computing nodes, node 5 the output;
features: column 0 input, 1..M the op one-hot, M+1 output. The relaxed edge ``j -> i+1``
carries the probability that node ``i`` picks candidate ``j``; the edge ``i+1 -> 5``
carries the probability that no later node reads node ``i`` (so it is a leaf).
"""

from __future__ import annotations

import functools
import itertools
from typing import Hashable, Iterator, Optional, Tuple

import torch

from .._text import ARCH_LIMIT, shorten
from ..datasets import GRAPH_DATASETS, canonical_dataset
from .base import Architecture, ChoiceTopology, SearchSpace

GNN_OPS = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")
DATASETS = GRAPH_DATASETS


@functools.lru_cache(maxsize=200_000)
def _canonical_hash(ops: Tuple[int, ...], links: Tuple[int, ...], op_names: Tuple[str, ...]) -> int:
    """``nas_bench_graph.Arch.valid_hash`` (pure Python, so memoised: keys are asked for often)."""
    from nas_bench_graph import Arch

    return Arch(list(links), [op_names[o] for o in ops]).valid_hash()


class NasBenchGraph(SearchSpace):
    """NAS-Bench-Graph (Qin et al., 2022): 26,206 distinct GNN cells.

    ``proteins`` is not supported: nas-bench-graph 1.4 numbers its 5 proteins ops
    inconsistently (``gnn_list_proteins`` lacks ``cheb``, which its proteins table uses).

    Args:
        dataset: Benchmark dataset (the op set is the same for all supported ones).

    Example:
        >>> space = NasBenchGraph()
        >>> space.to_string(space.from_string("gcn~0|gat~0|skip~1|sage~2"))
        'gcn~0|gat~0|skip~1|sage~2'
    """

    name = "nasbench_graph"
    num_op_slots = 4
    topology = ChoiceTopology((1, 2, 3, 4))
    num_nodes = 6

    def __init__(self, dataset: Optional[str] = None) -> None:
        self.dataset = canonical_dataset("nasbench_graph", dataset)
        self.op_names = GNN_OPS
        self.num_features = len(self.op_names) + 2
        self._skip = self.op_names.index("skip")

    def relaxed_encode(
        self, op_weights: torch.Tensor, topology_weights: Optional[torch.Tensor]
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        if topology_weights is None:
            raise ValueError("NAS-Bench-Graph needs topology weights [B, 4, 4]")
        batch, m = op_weights.shape[0], self.num_ops
        x = op_weights.new_zeros(batch, 6, self.num_features)
        x[:, 0, 0] = 1.0
        x[:, 5, m + 1] = 1.0
        x[:, 1:5, 1 : m + 1] = op_weights
        adj = op_weights.new_zeros(batch, 6, 6)
        # topology_weights[b, i, j]: node i reads candidate j (0 = input, j = node j-1).
        adj[:, 0:4, 1:5] = topology_weights.transpose(1, 2) * torch.ones(4, 4).to(op_weights).triu()
        read_later = adj[:, 1:5, 2:5]  # [B, 4 sources, 3 readers]: node s+1 read by reader r+2
        not_read = torch.prod(1.0 - read_later, dim=2)
        adj[:, 1:5, 5] = not_read
        return x, adj

    def is_valid(self, arch: Architecture) -> bool:
        if len(arch.ops) != 4 or len(arch.topology) != 4:
            return False
        if not all(0 <= o < self.num_ops for o in arch.ops):
            return False
        if not all(0 <= c <= i for i, c in enumerate(arch.topology)):
            return False
        return any(o != self._skip for o in arch.ops)

    def key(self, arch: Architecture) -> Hashable:
        """The benchmark's canonical hash (isomorphic cells share it)."""
        return _canonical_hash(tuple(arch.ops), tuple(arch.topology), self.op_names)

    def to_string(self, arch: Architecture) -> str:
        return "|".join(f"{self.op_names[o]}~{c}" for o, c in zip(arch.ops, arch.topology))

    def from_string(self, text: str) -> Architecture:
        if not isinstance(text, str):
            raise TypeError(f"from_string takes a NAS-Bench-Graph string like 'gcn~0|gat~0|skip~1|sage~2', "
                            f"got {type(text).__name__} {shorten(text, ARCH_LIMIT)}")
        parts = text.strip().split("|")
        expected = f"expected 4 'op~input' tokens like 'gcn~0|gat~0|skip~1|sage~2' with ops from {self.op_names}"
        if len(parts) != 4:
            raise ValueError(f"not a NAS-Bench-Graph architecture string: {shorten(text, ARCH_LIMIT)}; {expected}")
        ops, links = [], []
        for i, token in enumerate(parts):
            name, _, src = token.partition("~")
            if name not in self.op_names or not src.isdigit() or int(src) > i:
                raise ValueError(f"bad token {shorten(token)} in {shorten(text, ARCH_LIMIT)} (node {i} reads "
                                 f"0..{i}); {expected}")
            ops.append(self.op_names.index(name))
            links.append(int(src))
        arch = Architecture(tuple(ops), tuple(links))
        if not self.is_valid(arch):
            raise ValueError(f"{shorten(text, ARCH_LIMIT)} is not in NAS-Bench-Graph (a cell of only 'skip' ops "
                             f"is excluded)")
        return arch

    def __iter__(self) -> Iterator[Architecture]:
        for topo in itertools.product(*(range(c) for c in self.topology.num_candidates)):
            for ops in itertools.product(range(self.num_ops), repeat=4):
                arch = Architecture(tuple(ops), tuple(topo))
                if self.is_valid(arch):
                    yield arch

    def __repr__(self) -> str:
        return f"NasBenchGraph(dataset={self.dataset!r})"
