"""A search space as categorical parameters, the form general-purpose optimizers take it in.

Every peer optimizer (Optuna, SMAC3, HEBO) sees a space as a list of :class:`Param`: one
categorical parameter per operation or topology choice, with text choices (op names, input
names), some active only when a parent parameter takes given values. :func:`encoding_for`
picks the encoding of a codec:

* NAS-Bench-201: one parameter per edge (``op0`` .. ``op5``, NASLib's edge order), 5 ops.
* NAS-Bench-Graph: one op per computing node (``op0`` .. ``op3``, 9 ops) and the input of
  nodes 1..3 (``link1`` .. ``link3``: ``input`` or an earlier node; node 0 always reads the input).
* NAS-Bench-101: the 21 upper-triangular edges (``edge_i_j``, ``0``/``1``) and the op of
  vertices 1..5 (``op1`` .. ``op5``); most edge sets are invalid (disconnected, or more than 9
  edges), which is the space's own shape: the optimizers see them as failed proposals.
* NAS-Bench-301: per cell (``normal``, ``reduce``) and intermediate node 1..3 the input pair
  (``normal_node1_inputs`` in ``0_1``, ``0_2``, ``1_2``; node 0 always reads ``0_1``), and per
  node the op of its smaller and of its larger input (``normal_node0_op_a`` / ``_op_b``), so
  every parameter is always active and every DARTS genotype has exactly one encoding.
* NAS-Bench-NLP: per unit its op token and inputs ``in0``, ``in1`` and ``in2``; ``in2`` is
  *conditional*, active only for a linear (or fused linear-activation) or blend token (the
  ops that read a third input), and the two hidden-state outputs ``h_new_0``, ``h_new_1``.
* Any other codec: ``op<i>`` per op slot and ``topology<i>`` per topology slot (by index).

Parameters with a single choice are left out (their value is fixed). Libraries without
conditional parameters (HEBO) see every parameter; an inactive one is ignored on decoding.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Sequence, Tuple

from ...spaces import (
    BernoulliTopology,
    ChoiceTopology,
    NasBench101,
    NasBench301,
    NasBenchGraph,
    NasBenchNLP,
    SearchSpace,
)
from ...spaces.nasbench101 import EDGE_SLOTS, SHORT_NAMES
from ...spaces.nasbench301 import CELLS, NUM_INTERMEDIATE, PAIRS, edge_slot
from ...spaces.nasbench_nlp.cells import INPUTS, TOKENS
from ...types import Architecture

Values = Mapping[str, str]


@dataclass(frozen=True)
class Param:
    """One categorical parameter; active always, or when parameter ``parent`` takes a value in ``when``."""

    name: str
    choices: Tuple[str, ...]
    parent: Optional[str] = None
    when: Tuple[str, ...] = ()

    def active(self, values: Values) -> bool:
        """Whether this parameter applies, given the values of the parameters before it."""
        return self.parent is None or values.get(self.parent) in self.when


class Encoding(abc.ABC):
    """A codec's architectures as values of :attr:`params` (parents always before their children)."""

    params: Tuple[Param, ...] = ()

    @property
    def conditional(self) -> bool:
        """Whether some parameter is active only under a condition."""
        return any(p.parent is not None for p in self.params)

    @abc.abstractmethod
    def decode(self, values: Values) -> Architecture:
        """The architecture of a full assignment of the active parameters."""

    @abc.abstractmethod
    def encode(self, arch: Architecture) -> Dict[str, str]:
        """The values of the active parameters that decode to ``arch`` (up to its canonical key)."""

    def flat(self, arch: Architecture) -> Dict[str, str]:
        """:meth:`encode` with every inactive parameter at its first choice (for libraries without conditions)."""
        values = self.encode(arch)
        return {p.name: values.get(p.name, p.choices[0]) for p in self.params}

    def _index(self, values: Values, name: str, choices: Sequence[str]) -> int:
        text = str(values[name])
        if text not in choices:
            raise ValueError(f"parameter {name} has no choice {text!r}; choices: {', '.join(choices)}")
        return choices.index(text)


class GenericEncoding(Encoding):
    """``op<i>`` per op slot, ``<topology_name><i>`` per topology slot with more than one candidate."""

    def __init__(self, space: SearchSpace, op_prefix: str = "op", op_offset: int = 0,
                 topology_names: Optional[Sequence[str]] = None,
                 topology_choices: Optional[Sequence[Tuple[str, ...]]] = None,
                 op_choices: Optional[Tuple[str, ...]] = None) -> None:
        self.space = space
        self._op_choices = tuple(op_choices or space.op_names)
        self._op_names = tuple(f"{op_prefix}{i + op_offset}" for i in range(space.num_op_slots))
        topo = space.topology
        if isinstance(topo, ChoiceTopology):
            counts: Tuple[int, ...] = topo.num_candidates
        elif isinstance(topo, BernoulliTopology):
            counts = (2,) * topo.num_slots
        else:
            counts = ()
        self._topo_choices = tuple(topology_choices or [tuple(str(c) for c in range(n)) for n in counts])
        self._topo_names = tuple(topology_names or [f"topology{i}" for i in range(len(counts))])
        params = [Param(name, self._op_choices) for name in self._op_names]
        params += [Param(name, choices) for name, choices in zip(self._topo_names, self._topo_choices)
                   if len(choices) > 1]
        self.params = tuple(params)

    def decode(self, values: Values) -> Architecture:
        ops = tuple(self._index(values, name, self._op_choices) for name in self._op_names)
        topology = tuple(self._index(values, name, choices) if len(choices) > 1 else 0
                         for name, choices in zip(self._topo_names, self._topo_choices))
        return Architecture(ops, topology)

    def encode(self, arch: Architecture) -> Dict[str, str]:
        values = {name: self._op_choices[op] for name, op in zip(self._op_names, arch.ops)}
        values.update({name: choices[c] for name, choices, c in zip(self._topo_names, self._topo_choices, arch.topology)
                       if len(choices) > 1})
        return values


def _graph_encoding(space: NasBenchGraph) -> GenericEncoding:
    links = [tuple(["input"] + [f"node{j}" for j in range(i)]) for i in range(space.num_op_slots)]
    return GenericEncoding(space, topology_names=[f"link{i}" for i in range(space.num_op_slots)],
                           topology_choices=links)


def _nb101_encoding(space: NasBench101) -> GenericEncoding:
    return GenericEncoding(space, op_offset=1, op_choices=SHORT_NAMES,
                           topology_names=[f"edge_{i}_{j}" for i, j in EDGE_SLOTS])


class NasBench301Encoding(Encoding):
    """Per cell and node: the input pair (node 0: fixed), the ops of the smaller and the larger input."""

    def __init__(self, space: NasBench301) -> None:
        self.space = space
        self._pairs = tuple(tuple(f"{a}_{b}" for a, b in pairs) for pairs in PAIRS)
        params = []
        for cell in CELLS:
            for node in range(NUM_INTERMEDIATE):
                if len(PAIRS[node]) > 1:
                    params.append(Param(f"{cell}_node{node}_inputs", self._pairs[node]))
                params += [Param(f"{cell}_node{node}_op_{e}", space.op_names) for e in "ab"]
        self.params = tuple(params)

    def decode(self, values: Values) -> Architecture:
        ops = [0] * self.space.num_op_slots
        topology = []
        for c, cell in enumerate(CELLS):
            for node in range(NUM_INTERMEDIATE):
                name = f"{cell}_node{node}_inputs"
                choice = self._index(values, name, self._pairs[node]) if len(PAIRS[node]) > 1 else 0
                topology.append(choice)
                for e, source in zip("ab", PAIRS[node][choice]):
                    ops[edge_slot(c, node, source)] = self._index(values, f"{cell}_node{node}_op_{e}",
                                                                  self.space.op_names)
        return Architecture(tuple(ops), tuple(topology))

    def encode(self, arch: Architecture) -> Dict[str, str]:
        values = {}
        for c, cell in enumerate(CELLS):
            for node in range(NUM_INTERMEDIATE):
                choice = arch.topology[c * NUM_INTERMEDIATE + node]
                if len(PAIRS[node]) > 1:
                    values[f"{cell}_node{node}_inputs"] = self._pairs[node][choice]
                for e, source in zip("ab", PAIRS[node][choice]):
                    values[f"{cell}_node{node}_op_{e}"] = self.space.op_names[arch.ops[edge_slot(c, node, source)]]
        return values


#: NAS-Bench-NLP tokens that read a third input (``in2``).
THREE_INPUT_TOKENS = tuple(t for t in TOKENS if t.startswith("linear") or t == "blend")


class NasBenchNLPEncoding(Encoding):
    """Per unit: op token, ``in0``, ``in1``, ``in2`` (conditional on the token), then the two outputs."""

    def __init__(self, space: NasBenchNLP) -> None:
        self.space = space
        n = space.max_nodes
        self._inputs = tuple(tuple(INPUTS) + tuple(f"{'MA'[k % 2]}{k // 2}" for k in range(2 * u)) for u in range(n))
        self._outputs = tuple(f"{'MA'[k % 2]}{k // 2}" for k in range(2 * n))
        params = []
        for u in range(n):
            params += [Param(f"unit{u}_op", TOKENS), Param(f"unit{u}_in0", self._inputs[u]),
                       Param(f"unit{u}_in1", self._inputs[u]),
                       Param(f"unit{u}_in2", self._inputs[u] + ("none",), f"unit{u}_op", THREE_INPUT_TOKENS)]
        params += [Param("h_new_0", self._outputs), Param("h_new_1", self._outputs)]
        self.params = tuple(params)

    def decode(self, values: Values) -> Architecture:
        ops, topology = [], []
        for u in range(self.space.max_nodes):
            token = self._index(values, f"unit{u}_op", TOKENS)
            ops.append(token)
            topology += [self._index(values, f"unit{u}_in{i}", self._inputs[u]) for i in range(2)]
            topology.append(self._index(values, f"unit{u}_in2", self._inputs[u] + ("none",))
                            if TOKENS[token] in THREE_INPUT_TOKENS else 0)
        topology += [self._index(values, name, self._outputs) for name in ("h_new_0", "h_new_1")]
        return Architecture(tuple(ops), tuple(topology))

    def encode(self, arch: Architecture) -> Dict[str, str]:
        values = {}
        for u, token in enumerate(arch.ops):
            values[f"unit{u}_op"] = TOKENS[token]
            choices = self._inputs[u] + ("none",)
            for i in range(3):
                if i < 2 or TOKENS[token] in THREE_INPUT_TOKENS:
                    values[f"unit{u}_in{i}"] = choices[arch.topology[3 * u + i]]
        n = self.space.max_nodes
        values["h_new_0"], values["h_new_1"] = (self._outputs[c] for c in arch.topology[3 * n:])
        return values


def encoding_for(space: SearchSpace) -> Encoding:
    """The categorical encoding of ``space`` (module docstring)."""
    if isinstance(space, NasBench301):
        return NasBench301Encoding(space)
    if isinstance(space, NasBenchNLP):
        return NasBenchNLPEncoding(space)
    if isinstance(space, NasBenchGraph):
        return _graph_encoding(space)
    if isinstance(space, NasBench101):
        return _nb101_encoding(space)
    return GenericEncoding(space)


__all__ = ["Encoding", "GenericEncoding", "NasBench301Encoding", "NasBenchNLPEncoding", "Param",
           "THREE_INPUT_TOKENS", "encoding_for"]
