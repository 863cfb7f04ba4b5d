"""The search-space codec protocol: what an architecture is and how it is encoded.

A *codec* is a small, stateless object. It knows the candidate operations, which
parts of the topology are fixed or searched, and how an architecture maps to the
proxy model's graph layout (paper, appendix A.8). Architectures are compact,
hashable :class:`Architecture` tuples; no graph objects are built in hot loops.

The single source of truth for the graph layout is :meth:`SearchSpace.relaxed_encode`:
it maps (soft or one-hot) operation weights and topology weights to a node-feature
matrix and an adjacency matrix. The discrete :meth:`SearchSpace.encode` calls it with
one-hot weights, so the proxy sees the same layout when it is fitted on evaluated
architectures and when it is optimised through during the gradient search.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, Callable, Dict, Hashable, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from ..types import Architecture


@dataclass(frozen=True)
class FixedTopology:
    """The graph's edges are fixed; only operations are searched (NAS-Bench-201)."""

    num_slots: int = 0


@dataclass(frozen=True)
class ChoiceTopology:
    """Each slot chooses one input among ``num_candidates[i]`` candidates (a categorical beta).

    Used by NAS-Bench-Graph (each computing node picks one predecessor) and, with one
    slot per chosen input, by the DARTS/NB301 cell.
    """

    num_candidates: Tuple[int, ...]

    @property
    def num_slots(self) -> int:
        return len(self.num_candidates)

    @property
    def max_candidates(self) -> int:
        return max(self.num_candidates)

    def mask(self) -> torch.Tensor:
        """Boolean ``[num_slots, max_candidates]``: True where a candidate exists."""
        mask = torch.zeros(self.num_slots, self.max_candidates, dtype=torch.bool)
        for slot, count in enumerate(self.num_candidates):
            mask[slot, :count] = True
        return mask


@dataclass(frozen=True)
class BernoulliTopology:
    """Free edges under a mask, each an independent Bernoulli(sigmoid(beta)) (NB101, NLP)."""

    num_slots: int


Topology = Union[FixedTopology, ChoiceTopology, BernoulliTopology]


class SearchSpace(abc.ABC):
    """Abstract codec of a cell-based search space.

    Subclasses declare ``name``, ``op_names``, ``num_op_slots``, ``topology``,
    ``num_nodes`` and ``num_features`` and implement the abstract methods.
    """

    name: str = ""
    op_names: Tuple[str, ...] = ()
    num_op_slots: int = 0
    topology: Topology = FixedTopology()
    num_nodes: int = 0
    num_features: int = 0

    @property
    def num_ops(self) -> int:
        return len(self.op_names)

    # ------------------------------------------------------------------ layout
    @abc.abstractmethod
    def relaxed_encode(
        self, op_weights: torch.Tensor, topology_weights: Optional[torch.Tensor]
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Differentiable map to the proxy's graph layout.

        Args:
            op_weights: ``[B, num_op_slots, num_ops]``, rows on the probability simplex
                (one-hot for a discrete architecture, a Gumbel-softmax sample when relaxed).
            topology_weights: ``[B, num_topology_slots, max_candidates]`` for a
                :class:`ChoiceTopology`, ``[B, num_slots]`` for a :class:`BernoulliTopology`,
                ``None`` for a :class:`FixedTopology`.

        Returns:
            ``(x, adj)`` with ``x: [B, num_nodes, num_features]`` and
            ``adj: [B, num_nodes, num_nodes]`` (``adj[b, i, j]`` = edge i -> j).
        """

    def one_hot(self, archs: Sequence[Architecture]) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """One-hot op and topology weights of discrete architectures (inputs of :meth:`relaxed_encode`)."""
        ops = torch.as_tensor(np.asarray([a.ops for a in archs], dtype=np.int64).reshape(len(archs), -1))
        op_weights = torch.nn.functional.one_hot(ops, self.num_ops).float()
        topo = self.topology
        if isinstance(topo, ChoiceTopology):
            choices = torch.as_tensor(np.asarray([a.topology for a in archs], dtype=np.int64))
            return op_weights, torch.nn.functional.one_hot(choices, topo.max_candidates).float()
        if isinstance(topo, BernoulliTopology):
            return op_weights, torch.as_tensor(np.asarray([a.topology for a in archs], dtype=np.float32))
        return op_weights, None

    def encode_batch(self, archs: Sequence[Architecture]) -> Tuple[torch.Tensor, torch.Tensor]:
        """Graph encodings ``(x [B, N, F], adj [B, N, N])`` of discrete architectures."""
        op_weights, topology_weights = self.one_hot(archs)
        return self.relaxed_encode(op_weights, topology_weights)

    def encode(self, arch: Architecture) -> Tuple[np.ndarray, np.ndarray]:
        """One architecture's one-hot node features ``[N, F]`` and adjacency ``[N, N]``."""
        x, adj = self.encode_batch([arch])
        return x[0].numpy(), adj[0].numpy()

    # ----------------------------------------------------------- discrete API
    @abc.abstractmethod
    def is_valid(self, arch: Architecture) -> bool:
        """Whether ``arch`` is a well-formed member of the space."""

    def key(self, arch: Architecture) -> Hashable:
        """Canonical hashable key: isomorphic architectures share it (de-duplication)."""
        return arch

    def distinct_unseen(self, archs: Iterable[Architecture], seen: Callable[[Hashable], bool]) -> List[Architecture]:
        """The first of ``archs`` for each canonical key that ``seen`` rejects, in order (one :meth:`key` per arch)."""
        unique: Dict[Hashable, Architecture] = {}
        for arch in archs:
            key = self.key(arch)  # a hash for NB101, NB301, NAS-Bench-Graph: once per candidate
            if not seen(key):
                unique.setdefault(key, arch)
        return list(unique.values())

    @abc.abstractmethod
    def to_string(self, arch: Architecture) -> str:
        """Readable, parseable string (the benchmark's own notation where one exists)."""

    @abc.abstractmethod
    def from_string(self, text: str) -> Architecture:
        """Inverse of :meth:`to_string`; raises ``ValueError`` with the expected format."""

    #: Whether :meth:`propose` exists: the conditional sampler then resamples its weighted
    #: proposals instead of redrawing invalid product draws (:mod:`naslib_optiproxy.conditional`).
    has_proposal: bool = False

    def propose(self, probs: Any, rng: np.random.Generator) -> Tuple[List[Architecture], np.ndarray]:
        """Proposals for the draws conditioned on validity, one per row of ``probs``, and their log weights.

        ``probs`` is a :class:`~naslib_optiproxy.conditional.SlotProbabilities` (per-row product
        distribution ``p``). A codec whose product draws are rarely valid draws from a proposal
        ``q`` that respects its rules and returns ``log(p(x) / q(x))`` per proposal, ``-inf`` for
        an invalid one. Only codecs with ``has_proposal = True`` implement it.
        """
        raise NotImplementedError(f"{self.name} has no proposal for conditional draws (has_proposal is False)")

    def sample(self, rng: np.random.Generator) -> Architecture:
        """Uniformly random valid architecture (rejection over the product space)."""
        for _ in range(10_000):
            ops = tuple(int(o) for o in rng.integers(0, self.num_ops, size=self.num_op_slots))
            arch = Architecture(ops, self._sample_topology(rng))
            if self.is_valid(arch):
                return arch
        raise RuntimeError(f"{self.name}: no valid architecture in 10000 random draws")

    def _sample_topology(self, rng: np.random.Generator) -> Tuple[int, ...]:
        topo = self.topology
        if isinstance(topo, ChoiceTopology):
            return tuple(int(rng.integers(0, c)) for c in topo.num_candidates)
        if isinstance(topo, BernoulliTopology):
            return tuple(int(b) for b in rng.integers(0, 2, size=topo.num_slots))
        return ()

    def neighbours(self, arch: Architecture) -> List[Architecture]:
        """All valid architectures one edit away (one op or one topology choice changed)."""
        out: List[Architecture] = []
        for slot in range(self.num_op_slots):
            for op in range(self.num_ops):
                if op != arch.ops[slot]:
                    ops = arch.ops[:slot] + (op,) + arch.ops[slot + 1 :]
                    out.append(Architecture(ops, arch.topology))
        for slot, alternatives in enumerate(self._topology_alternatives()):
            for choice in range(alternatives):
                if choice != arch.topology[slot]:
                    topo = arch.topology[:slot] + (choice,) + arch.topology[slot + 1 :]
                    out.append(Architecture(arch.ops, topo))
        return [a for a in out if self.is_valid(a)]

    def _topology_alternatives(self) -> Tuple[int, ...]:
        topo = self.topology
        if isinstance(topo, ChoiceTopology):
            return topo.num_candidates
        if isinstance(topo, BernoulliTopology):
            return (2,) * topo.num_slots
        return ()

    def mutate(self, arch: Architecture, rng: np.random.Generator) -> Architecture:
        """A uniformly chosen valid one-edit neighbour."""
        nbhd = self.neighbours(arch)
        return nbhd[int(rng.integers(0, len(nbhd)))]

    def __iter__(self) -> Iterator[Architecture]:  # pragma: no cover - optional
        raise TypeError(f"{self.name} cannot be enumerated")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
