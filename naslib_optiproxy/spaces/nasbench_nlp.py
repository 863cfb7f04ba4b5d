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

Keys. :meth:`NasBenchNLP.key` is the canonical NASLib compact ``(edges, ops, hiddens)``:
dead nodes pruned, nodes numbered by a topological order driven by colour refinement
(input-side and output-side digests), ties among equal colours resolved exhaustively, and
the inputs of commutative ops sorted. Equal keys always mean the same cell; isomorphic
cells share a key unless colour refinement leaves more than ``_MAX_TIE_ORDERS`` tied
orders (not met on 8-node cells in practice). NASLib's compact numbers ``h_new`` by node
index, so a cell whose ``h_new_0`` reads ``h_new_1`` has the compact of the role-swapped
cell; the key follows the compact.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
from typing import Any, Dict, Hashable, List, Optional, Sequence, Tuple

import numpy as np
import torch

from .._text import ARCH_LIMIT, shorten
from .base import Architecture, ChoiceTopology, SearchSpace

ACTIVATIONS = ("activation_tanh", "activation_sigm", "activation_leaky_relu")
TOKENS = ("linear", "linear_tanh", "linear_sigm", "linear_leaky_relu", "blend", "elementwise_prod", "elementwise_sum")
MAIN_OPS = ("linear", "blend", "elementwise_prod", "elementwise_sum")
INPUTS = ("x", "h_prev_0", "h_prev_1")
# NASLib's compact op indices (nasbenchnlp/conversions.py) and its 4 fixed input nodes.
NASLIB_OPS = ("in", "activation_sigm", "activation_tanh", "activation_leaky_relu",
              "elementwise_sum", "elementwise_prod", "linear", "blend")
NASLIB_INPUTS = ("x", "h_prev_0", "h_prev_1", "h_prev_2")
FEATURES = (*INPUTS, *MAIN_OPS, "tanh", "sigm", "leaky_relu", "h_new_0", "h_new_1")
ARITY = {"linear": (2, 3), "blend": (3,), "elementwise_prod": (2,), "elementwise_sum": (2,)}
COMMUTATIVE = {"linear", "elementwise_prod", "elementwise_sum"} | set(ACTIVATIONS)

Compact = Tuple[Tuple[Tuple[int, int], ...], Tuple[int, ...], Tuple[int, ...]]
# A cell graph: node name -> (op, input names); node names are inputs or "M<u>" / "A<u>".
Graph = Dict[str, Tuple[str, Tuple[str, ...]]]

_MAX_TIE_ORDERS = 720


def _digest(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=8).hexdigest()


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

    @staticmethod
    def _live(graph: Graph, outputs: Sequence[str]) -> List[str]:
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
        live = self._live(graph, outputs)
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
        return _canonical_compact(self, tuple(arch.ops), tuple(arch.topology))

    def to_naslib_compact(self, arch: Architecture) -> Compact:
        """NASLib's ``(edges, ops, hiddens)`` tuple of ``arch`` (canonical node order)."""
        return self.key(arch)  # type: ignore[return-value]

    def canonical(self, arch: Architecture) -> Architecture:
        """The canonical encoding of ``arch``'s cell (units in key order, dead units filled)."""
        return self.from_naslib_compact(self.key(arch))  # type: ignore[arg-type]

    def from_naslib_compact(self, compact: Sequence) -> Architecture:
        """Architecture of a NASLib NLP compact ``(edges, ops, hiddens)``; ValueError if outside this space."""
        graph, outputs = _compact_graph(compact)
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
        edges, ops, hiddens = self.key(arch)  # type: ignore[misc]
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

    def from_string(self, text: str) -> Architecture:
        example = "node_0=linear(x,h_prev_0);node_1=activation_tanh(node_0);...;h_new_0=...;h_new_1=..."
        if not isinstance(text, str):
            raise TypeError(f"from_string takes a NAS-Bench-NLP cell string like {example!r}, got {type(text).__name__}")
        graph: Graph = {}
        for part in filter(None, (p.strip() for p in text.strip().split(";"))):
            match = re.fullmatch(r"([A-Za-z_]\w*)=(\w+)\(([\w,\s]*)\)", part)
            if match is None or match[2] not in (*MAIN_OPS, *ACTIVATIONS):
                raise ValueError(f"bad node {shorten(part)} in {shorten(text, ARCH_LIMIT)}; expected {example!r} with ops from "
                                 f"{', '.join((*MAIN_OPS, *ACTIVATIONS))}")
            inputs = tuple(i.strip() for i in match[3].split(",") if i.strip())
            graph[match[1]] = (match[2], inputs)
        if "h_new_0" not in graph or "h_new_1" not in graph:
            raise ValueError(f"{shorten(text, ARCH_LIMIT)} must define h_new_0 and h_new_1; expected {example!r}")
        try:
            ordered = _topological(graph)
        except ValueError as error:
            raise ValueError(f"{shorten(text, ARCH_LIMIT)}: {error}") from None
        return self._from_graph(ordered, ("h_new_0", "h_new_1"), repr(text))

    # ----------------------------------------------------------------- sampling
    def sample(self, rng: np.random.Generator) -> Architecture:
        """A random valid cell, built as the benchmark's generator builds its cells (canonical form)."""
        for _ in range(1000):
            graph = _generate_cell(rng)
            if graph is not None:
                try:
                    return self.canonical(self._from_graph(graph, ("h_new_0", "h_new_1"), "generated cell"))
                except ValueError:
                    continue
        raise RuntimeError(f"{self.name}: no valid cell with at most {self.max_nodes} nodes in 1000 draws")

    # ------------------------------------------------------- conditional draws
    has_proposal = True

    def propose(self, probs: Any, rng: np.random.Generator) -> Tuple[List[Architecture], np.ndarray]:
        """Ancestral proposals that obey the local rules, with ``log(p / q)`` (``-inf`` if invalid).

        Drawn backwards from the outputs, so that a unit's liveness is known when it is drawn:
        the two outputs (distinct), then units ``max_nodes - 1 .. 0``. A dead unit is drawn
        from ``p`` as is. A live unit's token and inputs are drawn from ``p`` restricted to the
        values its consumers and the rules allow: a linear whose activation is read must carry
        one; a linear reads distinct ``x``/``h_prev``/activation nodes (``in2`` may be none), a
        blend 3 and a prod/sum 2 distinct non-``x`` nodes; an output never reads an ``h_prev``.
        Each restricted draw multiplies the weight ``p(x) / q(x)`` by the mass it kept. The
        global rules (at most ``max_nodes`` live nodes, every input used) are left to
        :meth:`is_valid` (weight 0 when broken). Every valid cell can be proposed.
        """
        n, rows = self.max_nodes, len(probs)
        tokens = np.zeros((rows, n), dtype=np.int64)
        topo = np.zeros((rows, 3 * n + 2), dtype=np.int64)
        log_w = np.zeros(rows)
        read_main, read_act, is_output = (np.zeros((rows, n), dtype=bool) for _ in range(3))
        everything = np.ones((rows, probs.topology.shape[-1]), dtype=bool)
        all_rows = np.arange(rows)

        def draw(slot_probs: np.ndarray, allowed: np.ndarray) -> np.ndarray:
            index, log_mass = _masked_draw(slot_probs, allowed, rng)
            log_w[:] += log_mass
            return index

        outs = 3 * n
        topo[:, outs] = draw(probs.topology[:, outs, : 2 * n], everything[:, : 2 * n])
        others = everything[:, : 2 * n].copy()
        others[all_rows, topo[:, outs]] = False
        topo[:, outs + 1] = draw(probs.topology[:, outs + 1, : 2 * n], others)
        for column in (outs, outs + 1):
            unit, act = np.divmod(topo[:, column], 2)
            read_main[all_rows, unit] = True
            read_act[all_rows, unit] |= act.astype(bool)
            is_output[all_rows, unit] |= act == 0
        for unit in reversed(range(n)):
            live = read_main[:, unit]
            nodes = 3 + 2 * unit  # candidates that are nodes; index `nodes` of in2 is 'none'
            token_ok = np.where(read_act[:, unit, None], _ACT_TOKENS, True)
            tokens[:, unit] = draw(probs.ops[:, unit], token_ok | ~live[:, None])
            kind = _TOKEN_KIND[tokens[:, unit]]
            legal = _legal_inputs(nodes, kind == _LINEAR, is_output[:, unit]) | ~live[:, None]
            slots = probs.topology[:, 3 * unit : 3 * unit + 3]
            in0 = draw(slots[:, 0, :nodes], legal)
            legal[all_rows, in0] &= ~live
            in1 = draw(slots[:, 1, :nodes], legal)
            legal[all_rows, in1] &= ~live
            with_none = np.concatenate([legal, ((kind == _LINEAR) | ~live | (kind == _PAIR))[:, None]], axis=1)
            with_none[:, :nodes] |= (kind == _PAIR)[:, None]  # prod / sum ignore in2
            in2 = draw(slots[:, 2, : nodes + 1], with_none)
            topo[:, 3 * unit : 3 * unit + 3] = np.stack([in0, in1, in2], axis=1)
            reads_in2 = live & (kind != _PAIR)
            for choice, reads in ((in0, live), (in1, live), (in2, reads_in2)):
                node = reads & (choice >= 3) & (choice < nodes)
                source, act = np.divmod(choice[node] - 3, 2)
                read_main[all_rows[node], source] = True
                read_act[all_rows[node], source] |= act.astype(bool)
        archs = [Architecture(tuple(map(int, t)), tuple(map(int, c))) for t, c in zip(tokens, topo)]
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


# --------------------------------------------------------------------------- helpers
_ACT_TOKENS = np.array([token.startswith("linear_") for token in TOKENS])


_LINEAR, _BLEND, _PAIR = 0, 1, 2
_TOKEN_KIND = np.array([_LINEAR if t.startswith("linear") else _BLEND if t == "blend" else _PAIR for t in TOKENS])


def _legal_inputs(nodes: int, linear: np.ndarray, no_h_prev: np.ndarray) -> np.ndarray:
    """Input candidates ``[rows, nodes]`` a live unit may read: a linear reads x, h_prev and
    activation nodes; blend/prod/sum read h_prev and every node but x; an output reads no h_prev."""
    legal = np.ones((len(linear), nodes), dtype=bool)
    legal[:, 0] = linear
    legal[:, 1:3] = ~no_h_prev[:, None]
    legal[:, 3::2] = ~linear[:, None]  # main nodes M_j
    return legal


def _masked_draw(probs: np.ndarray, allowed: np.ndarray, rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """One draw per row of ``probs [rows, C]`` restricted to ``allowed``, and ``log(kept mass / mass)``.

    A row with nothing allowed is drawn unrestricted and gets ``-inf``.
    """
    kept = probs * allowed
    mass, total = kept.sum(1), probs.sum(1)
    empty = mass <= 0
    kept[empty], mass[empty] = probs[empty], total[empty]
    index = (rng.random(len(probs))[:, None] * mass[:, None] >= np.cumsum(kept, 1)).sum(1)
    with np.errstate(divide="ignore"):
        log_mass = np.where(empty, -np.inf, np.log(mass / total))
    return np.minimum(index, probs.shape[1] - 1), log_mass


def _topological(graph: Graph) -> Graph:
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


def _compact_graph(compact: Sequence) -> Tuple[Graph, Tuple[str, str]]:
    """The cell graph of a NASLib compact (node names ``n<index>``) and its two ``h_new`` names."""
    try:
        edges, ops, hiddens = compact
        edges = [(int(s), int(d)) for s, d in edges]
        ops = [int(o) for o in ops]
        hiddens = sorted(int(h) for h in hiddens)
    except (TypeError, ValueError) as error:
        raise ValueError(f"not a NASLib NLP compact (edges, ops, hiddens): {shorten(compact, ARCH_LIMIT)} ({error})") from None
    if list(ops[:4]) != [0, 0, 0, 0] or len(hiddens) != 2 or any(o not in range(1, 8) for o in ops[4:]):
        raise ValueError(f"compact {shorten(compact, ARCH_LIMIT)}: expected ops[:4] == 0 (x, h_prev_0..2), op ids 1..7 "
                         "after them, and 2 hidden states (NAS-Bench-NLP's hidden tuple size)")
    if any(s == 3 for s, _ in edges):
        raise ValueError(f"compact {shorten(compact, ARCH_LIMIT)} reads h_prev_2: hidden tuples of size 3 are not supported")
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


@functools.lru_cache(maxsize=200_000)
def _canonical_compact(space: NasBenchNLP, ops: Tuple[int, ...], topology: Tuple[int, ...]) -> Compact:
    graph, outputs = space._graph(Architecture(ops, topology))
    live = NasBenchNLP._live(graph, outputs)
    cell = {n: graph[n] for n in live}
    return _canonical_order(cell, outputs)


def _canonical_order(cell: Graph, outputs: Tuple[str, str]) -> Compact:
    """Canonical compact of a pruned cell: refined colours order a topological sort (ties searched)."""
    if outputs[1] in _ancestors(cell, outputs[0]):
        outputs = (outputs[1], outputs[0])  # NASLib numbers h_new by node index: h_new_1 comes first
    order = list(_topological(cell))
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
    for placement in itertools.islice(_orders(cell, after, colour, []), _MAX_TIE_ORDERS):
        compact = _emit(cell, placement, outputs)
        best = compact if best is None or compact < best else best
    assert best is not None
    return best


def _ancestors(cell: Graph, node: str) -> set:
    seen: set = set()
    stack = [node]
    while stack:
        for i in cell[stack.pop()][1]:
            if i in cell and i not in seen:
                seen.add(i)
                stack.append(i)
    return seen


def _orders(cell: Graph, after: Dict[str, set], colour: Dict[str, tuple], placed: List[str]):
    """Topological orders that always place a smallest-colour ready node (all of them on ties)."""
    if len(placed) == len(cell):
        yield list(placed)
        return
    ready = [n for n in cell if n not in placed and after[n] <= set(placed)]
    smallest = min(colour[n] for n in ready)
    for node in sorted(n for n in ready if colour[n] == smallest):
        yield from _orders(cell, after, colour, placed + [node])


def _emit(cell: Graph, placement: List[str], outputs: Tuple[str, str]) -> Compact:
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


def _generate_cell(rng: np.random.Generator) -> Optional[Graph]:
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
    live = set(NasBenchNLP._live(graph, ("h_new_0", "h_new_1")))
    graph = {n: v for n, v in graph.items() if n in live}
    used = {i for _, ins in graph.values() for i in ins}
    if not used.issuperset(INPUTS):
        return None
    if any(i.startswith("h_prev") for o in ("h_new_0", "h_new_1") for i in graph[o][1]):
        return None
    return _topological(graph)


__all__ = ["NasBenchNLP", "NASLIB_OPS", "TOKENS"]
