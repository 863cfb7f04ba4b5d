"""NAS-Bench-201 codec (paper appendix A.8.1): fixed cell topology, 5 ops on 6 edges.

Op indices follow NASLib: 0 skip_connect, 1 none, 2 nor_conv_3x3, 3 nor_conv_1x1,
4 avg_pool_3x3. Edge (op slot) order follows NASLib's ``EDGE_LIST``:
(1,2), (1,3), (1,4), (2,3), (2,4), (3,4), where cell node 1 is the input and 4 the output.

Proxy graph layout (operations on nodes, NASLib's GCN encoding)::

    node 0 = cell input, nodes 1..6 = the 6 edges in the order above, node 7 = cell output
    features: column 0 input, columns 1..5 the op one-hot, column 6 output
    edges: 0->1,2,3   1->4,5   2->6   3->7   4->6   5->7   6->7

An op-node feeds every op-node whose edge starts at the cell node it ends in, and the
output node when it ends in cell node 4. (The authors' release swaps edges (1,4) and (2,3).)
"""

from __future__ import annotations

import itertools
from typing import Iterator, Optional, Tuple

import numpy as np
import torch

from .._text import ARCH_LIMIT, shorten
from .base import Architecture, FixedTopology, SearchSpace

OP_NAMES = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
EDGES = ((1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4))
CELL_OUTPUT = 4


def _layout_adjacency() -> torch.Tensor:
    """The fixed 8x8 op-on-node adjacency derived from :data:`EDGES`."""
    adj = torch.zeros(8, 8)
    for slot, (src, dst) in enumerate(EDGES):
        node = slot + 1
        if src == 1:
            adj[0, node] = 1.0
        if dst == CELL_OUTPUT:
            adj[node, 7] = 1.0
        for later, (src2, _) in enumerate(EDGES):
            if src2 == dst:
                adj[node, later + 1] = 1.0
    return adj


class NasBench201(SearchSpace):
    """NAS-Bench-201: 5^6 = 15,625 cells, searched by alpha only (no beta).

    Example:
        >>> space = NasBench201()
        >>> arch = space.from_string("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|"
        ...                          "+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|")
        >>> arch.ops
        (2, 2, 0, 2, 2, 3)
    """

    name = "nasbench201"
    op_names = OP_NAMES
    num_op_slots = 6
    topology = FixedTopology()
    num_nodes = 8
    num_features = 7

    def __init__(self) -> None:
        self._adjacency = _layout_adjacency()

    def relaxed_encode(
        self, op_weights: torch.Tensor, topology_weights: Optional[torch.Tensor] = None
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        batch = op_weights.shape[0]
        x = op_weights.new_zeros(batch, self.num_nodes, self.num_features)
        x[:, 0, 0] = 1.0
        x[:, 7, 6] = 1.0
        x[:, 1:7, 1:6] = op_weights
        adj = self._adjacency.to(op_weights).expand(batch, -1, -1)
        return x, adj

    def is_valid(self, arch: Architecture) -> bool:
        return (
            len(arch.ops) == 6
            and arch.topology == ()
            and all(isinstance(o, (int, np.integer)) and 0 <= o < 5 for o in arch.ops)
        )

    # NB201 string: |op~0|+|op~0|op~1|+|op~0|op~1|op~2| lists, per cell node 2..4 (string nodes
    # 1..3), the incoming edges from each earlier node. Map string positions to EDGES slots.
    _STRING_ORDER = (0, 1, 3, 2, 4, 5)  # string position -> op slot

    def to_string(self, arch: Architecture) -> str:
        names = [OP_NAMES[arch.ops[slot]] for slot in self._STRING_ORDER]
        return "|{}~0|+|{}~0|{}~1|+|{}~0|{}~1|{}~2|".format(*names)

    def from_string(self, text: str) -> Architecture:
        if not isinstance(text, str):
            raise TypeError(f"from_string takes a NAS-Bench-201 string like "
                            f"'|nor_conv_3x3~0|+|none~0|skip_connect~1|+|...~0|...~1|...~2|', "
                            f"got {type(text).__name__} {shorten(text, ARCH_LIMIT)}")
        expected = "expected an NB201 string like '|nor_conv_3x3~0|+|none~0|skip_connect~1|+|...~0|...~1|...~2|'"
        nodes = [n for n in text.strip().split("+")]
        tokens = [[t for t in node.split("|") if t] for node in nodes]
        if [len(t) for t in tokens] != [1, 2, 3]:
            raise ValueError(f"not a NAS-Bench-201 architecture string: {shorten(text, ARCH_LIMIT)}; {expected}")
        ops = [0] * 6
        position = 0
        for node_tokens in tokens:
            for source, token in enumerate(node_tokens):
                name, _, src = token.partition("~")
                if name not in OP_NAMES or src != str(source):
                    raise ValueError(
                        f"bad token {shorten(token)} in {shorten(text, ARCH_LIMIT)}: op must be one of {OP_NAMES} and "
                        f"the input index must be {source}; {expected}"
                    )
                ops[self._STRING_ORDER[position]] = OP_NAMES.index(name)
                position += 1
        return Architecture(tuple(ops))

    def __iter__(self) -> Iterator[Architecture]:
        for ops in itertools.product(range(5), repeat=6):
            yield Architecture(tuple(ops))

    def __len__(self) -> int:
        return 5**6
