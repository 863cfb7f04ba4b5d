"""The strategy protocol: propose architectures from the history a study keeps.

A :class:`Strategy` (OptiProxy, RS, RE, LS) only proposes; a
:class:`~naslib_optiproxy.study.Study` owns the trials, de-duplicates, asks, tells and
stores. A strategy is bound to one study, whose read-only view it sees as ``self.history``
(:class:`History`), and owns its random state, made from ``seed``.

Example:
    >>> from naslib_optiproxy import RandomSearch, NasBench201, Study
    >>> study = Study(RandomSearch(NasBench201(), seed=0))
    >>> trial = study.tell(study.ask(), 90.0)
    >>> study.best.value
    90.0
"""

from __future__ import annotations

import abc
from typing import Any, Dict, Hashable, Iterable, List, Mapping, Optional, Protocol, Sequence, Set

import numpy as np

from ..spaces import SearchSpace
from ..types import Architecture, Trial

_MAX_DRAWS = 1000


class History(Protocol):
    """What a strategy may read of its study."""

    @property
    def trials(self) -> Sequence[Trial]: ...

    @property
    def num_seen(self) -> int:
        """Distinct architectures asked for or told so far."""

    @property
    def num_started(self) -> int:
        """Evaluations told or handed out by ``ask`` (in flight counts: concurrent workers)."""

    def is_seen(self, arch: Architecture) -> bool:
        """Whether ``arch`` (or an isomorphic twin) was asked for or told already."""

    def is_seen_key(self, key: Hashable) -> bool:
        """:meth:`is_seen` for an architecture whose canonical key (``space.key``) is already computed."""


class _EmptyHistory:
    """The history of a strategy not bound to a study yet."""

    trials: Sequence[Trial] = ()
    num_seen = 0
    num_started = 0

    def is_seen(self, arch: Architecture) -> bool:
        return False

    def is_seen_key(self, key: Hashable) -> bool:
        return False


class Strategy(abc.ABC):
    """Base class: a seeded proposer bound to one study's history.

    Subclasses implement :meth:`propose`, returning one or more new architectures (the study
    drops those already seen), and may react to results in :meth:`observe`.

    Args:
        space: The search-space codec.
        seed: Seed of the strategy's own random generator.
    """

    name: str = "strategy"

    def __init__(self, space: SearchSpace, seed: int = 0) -> None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2 ** 63:
            raise ValueError(f"seed must be an integer in [0, 2**63), got {str(seed)[:40]}")
        self.space = space
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        self.history: History = _EmptyHistory()

    def bind(self, history: History) -> None:
        """Attach the study whose history this strategy proposes from (once)."""
        if not isinstance(self.history, _EmptyHistory) and self.history is not history:
            raise ValueError(f"this {self.name} strategy already belongs to a study; build one strategy per study")
        self.history = history

    @abc.abstractmethod
    def propose(self) -> List[Architecture]:
        """One or more new architectures to evaluate next."""

    def observe(self, trial: Trial) -> None:
        """Hook called after each told trial."""

    def prepare(self, objective: Any) -> None:
        """Hook called before the first proposal when the study knows its objective (e.g. its dataset)."""

    def settings(self) -> Dict[str, Any]:
        """The strategy's settings, as recorded in journals and results (JSON types)."""
        return {}

    def replay_problem(self) -> Optional[str]:
        """Why a journal replay would not reproduce this strategy's proposals (``None``: it does)."""
        return None

    def stats(self) -> Optional[Dict[str, Any]]:
        """Counts a run's result reports as ``proposals`` (the peer optimizers' proposals), or ``None``."""
        return None

    # ----------------------------------------------------------------- state
    def state_dict(self) -> Dict[str, Any]:
        """The strategy's own state (JSON/pickle-free types and the numpy RNG state)."""
        return {"name": self.name, "seed": self.seed, "rng": self.rng.bit_generator.state,
                "settings": self.settings()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` exported (from a strategy built with the same settings)."""
        if state.get("name") != self.name:
            raise ValueError(f"state was written by strategy {state.get('name')!r}, not {self.name!r}")
        if "settings" in state and dict(state["settings"]) != self.settings():
            raise ValueError(f"the saved {self.name} state was made with other settings; build the strategy with "
                             f"the settings in state['settings']")
        self.seed = int(state["seed"])
        self.rng.bit_generator.state = state["rng"]


def sample_unseen(strategy: Strategy, exclude: Iterable[Architecture] = (),
                  exclude_keys: Optional[Set[Hashable]] = None) -> Architecture:
    """A uniformly random valid architecture that the strategy's study has not seen yet.

    Draws with :meth:`SearchSpace.sample` from ``strategy.rng``; when ``1000`` draws are all
    seen, picks uniformly among the unseen members of an enumerable space. Architectures in
    ``exclude`` (e.g. proposals not handed out yet), and the canonical keys in ``exclude_keys``,
    count as seen.

    Raises:
        SpaceExhaustedError: Every architecture of the space was already seen.
    """
    space, history = strategy.space, strategy.history
    taken = {space.key(a) for a in exclude}
    if exclude_keys:
        taken = taken | exclude_keys if taken else exclude_keys  # not copied when it is the only exclusion

    def unseen(arch: Architecture) -> bool:
        key = space.key(arch)
        return not history.is_seen_key(key) and key not in taken

    for _ in range(_MAX_DRAWS):
        arch = space.sample(strategy.rng)
        if unseen(arch):
            return arch
    try:
        candidates = [a for a in space if unseen(a)]
    except TypeError:  # not enumerable
        candidates = []
    if not candidates:
        raise SpaceExhaustedError(f"no unseen architecture left in {space.name} after {len(history.trials)} "
                                  f"evaluations")
    return candidates[int(strategy.rng.integers(0, len(candidates)))]


class SpaceExhaustedError(RuntimeError):
    """Every architecture of the search space was already asked for or evaluated."""


__all__ = ["History", "SpaceExhaustedError", "Strategy", "sample_unseen"]
