"""Errors raised while locating or reading benchmark tables, and the objectives' input check."""

from __future__ import annotations

import numbers
from typing import Any

from .._text import ARCH_LIMIT, shorten
from ..data.errors import BenchmarkDataError
from ..spaces import Architecture, SearchSpace


def check_architecture(space: SearchSpace, arch: Any, benchmark: str, rules: str = "") -> None:
    """Refuse what an objective of ``space`` cannot look up, saying what a valid input is.

    ``rules`` adds the space's constraints beyond the shape to the message.

    Raises:
        TypeError: ``arch`` is not an :class:`Architecture` of integer indices (e.g. a string).
        ValueError: ``arch`` is not a member of ``space``.
    """
    if isinstance(arch, str):
        raise TypeError(f"a {benchmark} objective takes an Architecture, got the string {shorten(arch, ARCH_LIMIT)}; "
                        f"parse it first: objective(objective.space.from_string(text))")
    if not isinstance(arch, Architecture):
        raise TypeError(f"a {benchmark} objective takes an Architecture, got {type(arch).__name__} "
                        f"{shorten(arch, ARCH_LIMIT)}; "
                        f"build one with Architecture(ops, topology) or objective.space.from_string(text)")
    indices = (*arch.ops, *arch.topology)
    integral = all(isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in indices)
    if integral and space.is_valid(arch):
        return
    shape = (f"expected {space.num_op_slots} op indices in 0..{space.num_ops - 1} (into {', '.join(space.op_names)}) "
             f"and {space.topology.num_slots} topology entries{rules}")
    raise (ValueError if integral else TypeError)(f"not a {benchmark} architecture: {shorten(arch, ARCH_LIMIT)}; "
                                                  f"{shape}")


__all__ = ["BenchmarkDataError", "check_architecture"]
