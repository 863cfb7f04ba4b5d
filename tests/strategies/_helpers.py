"""Cheap synthetic objectives and a tiny enumerable space for the strategy tests."""

from __future__ import annotations

import itertools
from typing import Callable, Iterator, Tuple

import torch

from naslib_optiproxy.spaces import Architecture, FixedTopology, SearchSpace

HIDDEN = (2, 2, 0, 2, 2, 3)  # NB201 cifar10 optimum; any tuple works


def match_objective(target: Tuple[int, ...] = HIDDEN) -> Callable[[Architecture], float]:
    """Unimodal on NAS-Bench-201: number of op slots that equal ``target`` (maximum 6)."""

    def objective(arch: Architecture) -> float:
        return float(sum(a == b for a, b in zip(arch.ops, target)))

    return objective


def run_ask_tell(opt, n: int, objective=None) -> list:
    """Drive the study ``opt`` for ``n`` ask/tell rounds (default: :func:`match_objective`); returns all evaluated archs."""
    objective = objective or match_objective()
    for _ in range(n):
        arch = opt.ask()
        opt.tell(arch, objective(arch))
    return [t.arch for t in opt.trials]


class TinySpace(SearchSpace):
    """Nine architectures: two op slots, three ops (for exhaustion tests)."""

    name = "tiny"
    op_names = ("a", "b", "c")
    num_op_slots = 2
    topology = FixedTopology()

    def relaxed_encode(self, op_weights: torch.Tensor, topology_weights=None):
        raise NotImplementedError

    def is_valid(self, arch: Architecture) -> bool:
        return len(arch.ops) == 2 and arch.topology == () and all(0 <= o < 3 for o in arch.ops)

    def to_string(self, arch: Architecture) -> str:
        return "".join(self.op_names[o] for o in arch.ops)

    def from_string(self, text: str) -> Architecture:
        return Architecture(tuple(self.op_names.index(c) for c in text))

    def __iter__(self) -> Iterator[Architecture]:
        for ops in itertools.product(range(3), repeat=2):
            yield Architecture(ops)
