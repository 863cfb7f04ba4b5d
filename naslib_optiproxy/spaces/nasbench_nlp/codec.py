"""NAS-Bench-NLP codec: recurrent cells of linear, blend, elementwise and activation nodes.

The benchmark (Klyuchnikov et al., 2022) defines a cell as a DAG over the inputs ``x``,
``h_prev_0``, ``h_prev_1`` and computing nodes; two of them are the new hidden states
``h_new_0`` (the cell output) and ``h_new_1`` (the carried state). Its rules, as its
random generator builds the 14k trained cells:

* ``linear`` (a sum of per-input linear maps) reads 2 or 3 distinct nodes among ``x``,
  the ``h_prev`` and activation nodes; each linear may be followed by one activation
  (``activation_tanh/sigm/leaky_relu``), which reads that linear only;
* ``blend`` (``z*a + (1-z)*b``, ordered inputs) reads 3, ``elementwise_prod/sum`` 2
  distinct nodes among the ``h_prev`` and earlier computing nodes (never ``x``);
* nodes that reach no ``h_new`` are removed; ``x``, ``h_prev_0``, ``h_prev_1`` must all be
  used, and no ``h_new`` reads an ``h_prev`` directly;
* NASLib's NLP space keeps cells with at most 8 computing nodes (12 compact nodes).

Encoding. ``max_nodes`` *units*; unit ``i`` has an op token (``linear``, ``linear`` fused
with one of the 3 activations, ``blend``, ``prod``, ``sum``) and three input choices
``in0, in1, in2`` among ``x, h_prev_0, h_prev_1`` and the main (M) and activation (A)
node of every earlier unit (``in2`` may also be *none*: a 2-input linear; ignored by
prod/sum). Two more choices pick the M or A node of ``h_new_0`` and ``h_new_1``. So the
topology is a :class:`ChoiceTopology` (Gumbel-softmax relaxed, categorical discrete),
activations always follow a linear by construction, and every benchmark cell with at
most ``max_nodes`` computing nodes has an encoding.

Graph layout for the proxy (A.8.4, NASLib's NLP graph encoding with node-type columns):
nodes ``x, h_prev_0, h_prev_1`` then ``M_0, A_0, M_1, A_1, ...``; features ``[x, h_prev_0,
h_prev_1, linear, blend, prod, sum, tanh, sigm, leaky_relu, h_new_0, h_new_1]``. Nodes
that reach no ``h_new`` are zeroed (the pruned graph), with a differentiable soft liveness
in the relaxed case. As in NASLib, the order of a blend's inputs is not in the layout.

Keys. :meth:`NasBenchNLP.key` is the canonical NASLib compact of the pruned cell
(:mod:`~naslib_optiproxy.spaces.nasbench_nlp.canonical`).
"""

from __future__ import annotations

import functools
from typing import Any, Dict, Hashable, List, Optional, Sequence, Tuple

import numpy as np
import torch

from ..._text import ARCH_LIMIT, shorten
from ..base import Architecture, ChoiceTopology, SearchSpace
from .canonical import canonical_compact
from .cells import ACTIVATIONS, ARITY, FEATURES, INPUTS, TOKENS, Graph, live_nodes, topological
from .compact import Compact, compact_graph, compact_string, string_graph
from .generator import generate_cell
from .proposal import propose


class NasBenchNLP(SearchSpace):
    """NAS-Bench-NLP recurrent cells (hidden tuple ``(h, c)``, at most ``max_nodes`` computing nodes).

    Args:
        max_nodes: Computing-node limit and number of units (NASLib's NLP space: 8).

    Example:
        >>> space = NasBenchNLP()
        >>> text = ("node_0=linear(x,h_prev_0);node_1=activation_tanh(node_0);node_2=elementwise_sum(h_prev_1,node_1);"
        ...         "h_new_0=blend(node_1,node_2,node_0);h_new_1=elementwise_prod(node_1,h_new_0)")
        >>> space.to_string(space.from_string(text)) == text
        True
        >>> space.to_naslib_compact(space.from_string(text))[2]  # NASLib's hidden-state indices
        (7, 8)
    """

    name = "nasbench_nlp"
    op_names = TOKENS

    def __init__(self, max_nodes: int = 8) -> None:
        if not 3 <= int(max_nodes) <= 12:
            raise ValueError(f"max_nodes must be in 3..12 (NASLib's NLP space uses 8), got {max_nodes!r}")
        self.max_nodes = n = int(max_nodes)
        self.num_op_slots = n
        inputs = tuple(c for i in range(n) for c in (3 + 2 * i, 3 + 2 * i, 4 + 2 * i))
        self.topology = ChoiceTopology(inputs + (2 * n, 2 * n))
        self.num_nodes = 3 + 2 * n
        self.num_features = len(FEATURES)

    # ------------------------------------------------------------ arch <-> graph
    def _input_name(self, unit: int, choice: int) -> Optional[str]:
        """Name of candidate ``choice`` of unit ``unit``'s input slots (None: the 'none' choice)."""
        if choice < 3:
            return INPUTS[choice]
        if choice >= 3 + 2 * unit:
            return None
        return f"{'MA'[(choice - 3) % 2]}{(choice - 3) // 2}"

    @staticmethod
    def _output_name(choice: int) -> str:
        return f"{'MA'[choice % 2]}{choice // 2}"

    def _graph(self, arch: Architecture) -> Tuple[Graph, Tuple[str, str]]:
        """Every node of ``arch`` (dead ones included) and the two ``h_new`` node names."""
        graph: Graph = {}
        for unit, token in enumerate(arch.ops):
            name = TOKENS[token]
            main = "linear" if name.startswith("linear") else name
            in0, in1, in2 = arch.topology[3 * unit : 3 * unit + 3]
            chosen = [in0, in1] + ([in2] if main in ("linear", "blend") else [])
            names = [self._input_name(unit, c) for c in chosen]
            graph[f"M{unit}"] = (main, tuple(n for n in names if n is not None) if main == "linear" else
                                 tuple(n if n is not None else "none" for n in names))
            if name.startswith("linear_"):
                graph[f"A{unit}"] = ("activation_" + name[len("linear_"):], (f"M{unit}",))
        outs = arch.topology[3 * self.max_nodes :]
        return graph, (self._output_name(outs[0]), self._output_name(outs[1]))

    # ----------------------------------------------------------------- validity
    def _shape_ok(self, arch: Architecture) -> bool:
        if len(arch.ops) != self.max_nodes or len(arch.topology) != self.topology.num_slots:
            return False
        if not all(isinstance(o, (int, np.integer)) and 0 <= o < len(TOKENS) for o in arch.ops):
            return False
        return all(isinstance(c, (int, np.integer)) and 0 <= c < k
                   for c, k in zip(arch.topology, self.topology.num_candidates))

    def is_valid(self, arch: Architecture) -> bool:
        """The benchmark's rules (module docstring) on the pruned cell."""
        if not self._shape_ok(arch):
            return False
        graph, outputs = self._graph(arch)
        return self._graph_valid(graph, outputs)

    def _graph_valid(self, graph: Graph, outputs: Tuple[str, str]) -> bool:
        if outputs[0] == outputs[1] or not all(o in graph for o in outputs):
            return False
        live = live_nodes(graph, outputs)
        if len(live) > self.max_nodes:
            return False
        used = set()
        for node in live:
            op, inputs = graph[node]
            used.update(inputs)
            if op in ACTIVATIONS:
                continue
            if len(inputs) not in ARITY[op] or len(set(inputs)) != len(inputs):
                return False
            if any(i not in INPUTS and i not in graph for i in inputs):
                return False  # 'none' for a blend input, or the activation of a unit without one
            if op == "linear":
                if any(i not in INPUTS and graph[i][0] not in ACTIVATIONS for i in inputs):
                    return False
            elif "x" in inputs:
                return False
        if not used.issuperset(INPUTS):
            return False
        return not any(i.startswith("h_prev") for o in outputs for i in graph[o][1])

    # ------------------------------------------------------------ canonical form
    def key(self, arch: Architecture) -> Hashable:
        """The canonical NASLib compact of a valid ``arch`` (module docstring); an invalid one is its own key."""
        if not self.is_valid(arch):
            return arch
        return _canonical_key(self, tuple(arch.ops), tuple(arch.topology))

    def to_naslib_compact(self, arch: Architecture) -> Compact:
        """NASLib's ``(edges, ops, hiddens)`` tuple of ``arch`` (canonical node order)."""
        return self.key(arch)  # type: ignore[return-value]

    def canonical(self, arch: Architecture) -> Architecture:
        """The canonical encoding of ``arch``'s cell (units in key order, dead units filled)."""
        return self.from_naslib_compact(self.key(arch))  # type: ignore[arg-type]

    def from_naslib_compact(self, compact: Sequence) -> Architecture:
        """Architecture of a NASLib NLP compact ``(edges, ops, hiddens)``; ValueError if outside this space."""
        graph, outputs = compact_graph(compact)
        return self._from_graph(graph, outputs, f"compact {shorten(compact, ARCH_LIMIT)}")

    def _from_graph(self, graph: Graph, outputs: Tuple[str, str], what: str) -> Architecture:
        """Encode a cell graph whose node names are inputs or arbitrary ids, given in topological order."""
        units: Dict[str, int] = {}
        tokens: List[int] = []
        fused: Dict[str, str] = {}  # activation node -> its linear
        for node, (op, inputs) in graph.items():
            if op in ACTIVATIONS:
                if len(inputs) != 1 or inputs[0] not in graph or graph[inputs[0]][0] != "linear":
                    raise ValueError(f"{what}: {op} node {node} must read exactly one linear node")
                if inputs[0] in fused.values():
                    raise ValueError(f"{what}: linear node {inputs[0]} has two activations")
                fused[node] = inputs[0]
                tokens[units[inputs[0]]] = TOKENS.index("linear_" + op[len("activation_"):])
            else:
                units[node] = len(tokens)
                tokens.append(TOKENS.index(op))
        if len(tokens) > self.max_nodes:
            raise ValueError(f"{what} has {len(tokens)} units, more than max_nodes={self.max_nodes}")

        def candidate(name: str) -> int:
            if name in INPUTS:
                return INPUTS.index(name)
            if name in fused:
                return 4 + 2 * units[fused[name]]
            return 3 + 2 * units[name]

        topo: List[int] = []
        for unit, node in enumerate(units):
            inputs = [candidate(i) for i in graph[node][1]]
            if any(c >= 3 + 2 * unit for c in inputs) or not 2 <= len(inputs) <= 3:
                raise ValueError(f"{what}: node {node} has {len(inputs)} inputs or reads a later node")
            topo += inputs[:2] + [inputs[2] if len(inputs) == 3 else 3 + 2 * unit]
        for unit in range(len(tokens), self.max_nodes):  # dead filler units
            tokens.append(0)
            topo += [0, 1, 3 + 2 * unit]
        outs = [candidate(o) - 3 for o in outputs]
        arch = Architecture(tuple(tokens), tuple(topo) + tuple(outs))
        if not self.is_valid(arch):
            raise ValueError(f"{what} breaks a NAS-Bench-NLP rule: {self.rules()}")
        return arch

    @staticmethod
    def rules() -> str:
        return ("linear reads 2-3 distinct nodes among x, h_prev_* and activations; an activation reads one "
                "linear; blend reads 3, elementwise_prod/sum 2 distinct nodes, never x; x, h_prev_0 and h_prev_1 "
                "are used; h_new_0 != h_new_1 and neither reads an h_prev directly")

    # ------------------------------------------------------------------ strings
    def to_string(self, arch: Architecture) -> str:
        """The canonical cell as ``name=op(inputs);...`` in the benchmark's node names."""
        return compact_string(self.key(arch))  # type: ignore[arg-type]

    def from_string(self, text: str) -> Architecture:
        graph = string_graph(text)
        try:
            ordered = topological(graph)
        except ValueError as error:
            raise ValueError(f"{shorten(text, ARCH_LIMIT)}: {error}") from None
        return self._from_graph(ordered, ("h_new_0", "h_new_1"), repr(text))

    # ----------------------------------------------------------------- sampling
    def sample(self, rng: np.random.Generator) -> Architecture:
        """A random valid cell, built as the benchmark's generator builds its cells (canonical form)."""
        for _ in range(1000):
            graph = generate_cell(rng)
            if graph is not None:
                try:
                    return self.canonical(self._from_graph(graph, ("h_new_0", "h_new_1"), "generated cell"))
                except ValueError:
                    continue
        raise RuntimeError(f"{self.name}: no valid cell with at most {self.max_nodes} nodes in 1000 draws")

    # ------------------------------------------------------- conditional draws
    has_proposal = True

    def propose(self, probs: Any, rng: np.random.Generator) -> Tuple[List[Architecture], np.ndarray]:
        """Ancestral proposals that obey the local rules, with ``log(p / q)``; ``-inf`` where a cell
        is invalid (:func:`~naslib_optiproxy.spaces.nasbench_nlp.proposal.propose`)."""
        archs, log_w = propose(self.max_nodes, probs, rng)
        for row, arch in enumerate(archs):
            if np.isfinite(log_w[row]) and not self.is_valid(arch):
                log_w[row] = -np.inf
        return archs, log_w

    def neighbours(self, arch: Architecture) -> List[Architecture]:
        """Valid one-edit neighbours, one per distinct cell different from ``arch``'s."""
        seen = {self.key(arch)}
        out = []
        for other in super().neighbours(arch):
            key = self.key(other)
            if key not in seen:
                seen.add(key)
                out.append(other)
        return out

    # ------------------------------------------------------------------- layout
    def relaxed_encode(
        self, op_weights: torch.Tensor, topology_weights: Optional[torch.Tensor]
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        if topology_weights is None:
            raise ValueError("NAS-Bench-NLP needs topology weights [B, 3*max_nodes+2, max_candidates]")
        n, batch = self.max_nodes, op_weights.shape[0]
        size = self.num_nodes
        t = {name: op_weights[..., i] for i, name in enumerate(TOKENS)}  # [B, n]
        p_linear = t["linear"] + t["linear_tanh"] + t["linear_sigm"] + t["linear_leaky_relu"]
        p_act = p_linear - t["linear"]
        # Probability that unit i's slot s feeds it: in0, in1 always; in2 for linear and blend.
        use = torch.stack([torch.ones_like(p_linear), torch.ones_like(p_linear), p_linear + t["blend"]], -1)
        slots = topology_weights[:, : 3 * n].reshape(batch, n, 3, -1)
        adj = op_weights.new_zeros(batch, size, size)
        for unit in range(n):
            width = 3 + 2 * unit  # candidates that are nodes (the 'none' choice of in2 feeds nothing)
            picks = slots[:, unit, :, :width] * use[:, unit, :, None]
            adj[:, :width, 3 + 2 * unit] = 1.0 - torch.prod(1.0 - picks, dim=1)
            adj[:, 3 + 2 * unit, 4 + 2 * unit] = p_act[:, unit]
        outs = topology_weights[:, 3 * n :, : 2 * n]  # [B, 2, 2n]: h_new_k is node 3 + choice
        # Soft liveness, from the last node back: an output, or feeding a live node.
        exists = torch.stack([torch.ones_like(p_act), p_act], -1).reshape(batch, 2 * n)
        is_out = 1.0 - (1.0 - outs[:, 0]) * (1.0 - outs[:, 1])
        live = [None] * (2 * n)
        for node in reversed(range(2 * n)):
            later = [1.0 - adj[:, 3 + node, 3 + c] * live[c] for c in range(node + 1, 2 * n)]
            not_fed = torch.stack(later, -1).prod(-1) if later else torch.ones_like(is_out[:, node])
            live[node] = exists[:, node] * (1.0 - (1.0 - is_out[:, node]) * not_fed)
        alive = torch.stack(live, -1)  # [B, 2n]
        x = op_weights.new_zeros(batch, size, self.num_features)
        x[:, 0, 0] = x[:, 1, 1] = x[:, 2, 2] = 1.0
        main = torch.stack([p_linear, t["blend"], t["elementwise_prod"], t["elementwise_sum"]], -1)
        x[:, 3::2, 3:7] = main * alive[:, 0::2, None]
        acts = torch.stack([t["linear_tanh"], t["linear_sigm"], t["linear_leaky_relu"]], -1)
        x[:, 4::2, 7:10] = acts * alive[:, 1::2, None]
        x[:, 3:, 10:12] = outs.transpose(1, 2) * alive[..., None]
        adj = adj * torch.cat([alive.new_ones(batch, 3), alive], -1)[:, None, :]
        return x, adj

    def __repr__(self) -> str:
        return f"NasBenchNLP(max_nodes={self.max_nodes})"


@functools.lru_cache(maxsize=200_000)
def _canonical_key(space: NasBenchNLP, ops: Tuple[int, ...], topology: Tuple[int, ...]) -> Compact:
    graph, outputs = space._graph(Architecture(ops, topology))
    cell = {n: graph[n] for n in live_nodes(graph, outputs)}
    return canonical_compact(cell, outputs)


__all__ = ["NasBenchNLP"]
