"""What every peer optimizer shares: the library's ask/tell behind the strategy protocol.

A :class:`PeerStrategy` drives a general-purpose optimizer (Optuna, SMAC3, HEBO) through the
library's own ask/tell, on the space's categorical encoding (:mod:`.encoding`). Its
:meth:`~PeerStrategy.propose` asks the library until it proposes an architecture that the
study has not seen:

* an **invalid** proposal (not a member of the space, e.g. a disconnected NAS-Bench-101 cell)
  is told to the library as the library records a failed or skipped trial (Optuna: pruned;
  SMAC3: crashed; HEBO: the worst value told so far), is never evaluated and costs no budget;
* a **repeat** (an architecture, or an isomorphic twin, already evaluated) is told the known
  value (and constraint values) without evaluating it again and costs no budget; a repeat of an
  architecture handed out but not told yet (concurrent asks) is told when its value arrives;
* after :data:`MAX_RETRIES` invalid or repeated proposals in a row, an unseen uniformly random
  architecture (:func:`~naslib_optiproxy.strategies.base.sample_unseen`, from the strategy's own
  seeded generator) is proposed instead, and the library is given it as a trial of its own
  (Optuna: an enqueued trial; SMAC3 and HEBO: a told configuration it did not ask for).

Every told trial reaches the library in :meth:`~PeerStrategy.observe` (trials told from outside,
e.g. by a journal replay that diverged, are added as trials the library did not ask for). A
failed evaluation is told as the library's failure. :attr:`PeerStrategy.counts` counts the
library's proposals; a run's ``result.json`` carries them as ``proposals``.

Seeds go to the library (:func:`library_seed`), and the libraries run deterministically given
the seed and the told values, so a journal replay re-asks the same proposals (``--resume``).
The library's model lives in the library: :meth:`~PeerStrategy.state_dict` is refused (continue
a run by journal replay instead).
"""

from __future__ import annotations

import abc
import contextlib
import importlib
import logging
import re
import warnings
from typing import Any, Dict, Hashable, Iterator, List, Optional, Sequence, Tuple, Type

import numpy as np
import torch

from ...constraints import penalised_score
from ...spaces import SearchSpace
from ...threads import torch_threads
from ...types import Architecture, Trial
from ..base import Strategy, sample_unseen
from .encoding import Encoding, Values, encoding_for

#: Invalid or repeated proposals in a row before an unseen random architecture is proposed instead.
MAX_RETRIES = 20
#: Install hint of the libraries in the ``peers`` extra.
PEERS_HINT = "pip install 'naslib-optiproxy[peers]'"
#: Weight of the relative constraint violation in the penalised value told to libraries without
#: a constraint mechanism (SMAC3, HEBO): one unit of value per 1% above the limit.
PENALTY_WEIGHT = 100.0


class MissingLibraryError(ImportError):
    """A peer optimizer's library is not installed (the message says how to install it)."""


def require(module: str, optimizer: str, hint: str = PEERS_HINT) -> Any:
    """Import ``module`` for ``optimizer``; :class:`MissingLibraryError` with the install hint if it fails."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingLibraryError(f"optimizer {optimizer!r} needs {module.split('.')[0]}, which cannot be imported "
                                  f"({error}); install it with: {hint}") from None


def library_seed(seed: int) -> int:
    """The seed handed to a library: ``seed`` itself below 2**31, else 31 bits derived from it."""
    if seed < 2 ** 31:
        return int(seed)
    return int(np.random.SeedSequence(seed).generate_state(1, dtype=np.uint32)[0] >> 1)


def penalised_value(trial: Trial, weight: float = PENALTY_WEIGHT) -> float:
    """``value - weight * sum_j relu((metric_j - max_j) / |max_j|)`` of a successful trial.

    OptiProxy's :func:`~naslib_optiproxy.constraints.penalised_score` on the measured values,
    each metric relative to its limit (so units do not matter) and a fixed weight (a told
    value cannot be revised later). Unconstrained: the value itself.
    """
    assert trial.value is not None
    if not trial.constraints:
        return float(trial.value)
    scales = [abs(c.max) or 1.0 for c in trial.constraints]
    output = torch.tensor([[trial.value] + [c.value / s for c, s in zip(trial.constraints, scales)]],
                          dtype=torch.float64)
    limits = torch.tensor([c.max / s for c, s in zip(trial.constraints, scales)], dtype=torch.float64)
    return float(penalised_score(output, limits, weight)[0])


class _Holding(logging.Filter):
    """Drops the records whose message matches ``pattern`` (:func:`quiet`)."""

    def __init__(self, pattern: str) -> None:
        super().__init__()
        self.pattern = re.compile(pattern)

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.pattern.search(record.getMessage())


@contextlib.contextmanager
def quiet(loggers: Sequence[str] = (), held: Sequence[Tuple[str, str]] = (),
          level: int = logging.WARNING) -> Iterator[None]:
    """For the block, raise the named ``loggers`` to ``level`` (a library's per-trial INFO lines) and hold
    back the ``held`` log lines ``(logger, message pattern)`` that a library repeats at every step and that
    tell a user nothing to act on (what they say is counted instead); then restore both."""
    levels = [(logging.getLogger(name), logging.getLogger(name).level) for name in loggers]
    filters = [(logging.getLogger(name), _Holding(pattern)) for name, pattern in held]
    for logger, old in levels:
        if old < level:
            logger.setLevel(level)
    for logger, hold in filters:
        logger.addFilter(hold)
    try:
        yield
    finally:
        for logger, old in levels:
            logger.setLevel(old)
        for logger, hold in filters:
            logger.removeFilter(hold)


class PeerStrategy(Strategy):
    """A third-party optimizer as a strategy (module docstring); subclasses wrap one library.

    Args:
        space: The search-space codec (its categorical encoding: :func:`.encoding.encoding_for`).
        seed: Seeds the library and the strategy's fallback generator.
        budget: The run's evaluation budget, for libraries whose defaults depend on it (SMAC3's
            ``n_trials``); ``None``: the library's default.
        workdir: A folder the library may write scratch files to (SMAC3); ``None``: a temporary one.
    """

    #: Python module of the library (checked by :meth:`available`).
    modules: Tuple[str, ...] = ()
    #: How to install the library.
    install_hint: str = PEERS_HINT
    #: Loggers silenced below WARNING while the library works.
    loggers: Tuple[str, ...] = ()
    #: Messages (regular expressions) of the library's warnings that say nothing to a user, ignored.
    ignored_warnings: Tuple[str, ...] = ()
    #: Log lines ``(logger, message pattern)`` the library repeats at every step, held back (:func:`quiet`).
    held_log_lines: Tuple[Tuple[str, str], ...] = ()

    def __init__(self, space: SearchSpace, seed: int = 0, budget: Optional[int] = None,
                 workdir: Optional[str] = None) -> None:
        super().__init__(space, seed)
        self.libs = [require(module, self.name, self.install_hint) for module in self.modules]
        self.encoding: Encoding = encoding_for(space)
        self.library_seed = library_seed(self.seed)
        self.budget = budget
        self.workdir = workdir
        self.counts: Dict[str, int] = {"asked": 0, "new": 0, "repeats": 0, "invalid": 0, "fallbacks": 0}
        self._open: Dict[Hashable, List[Any]] = {}  # key -> library trials awaiting its value
        self._told: Dict[Hashable, Trial] = {}

    @classmethod
    def available(cls) -> None:
        """Raise :class:`MissingLibraryError` (with the install hint) unless the library imports."""
        for module in cls.modules:
            require(module, cls.name, cls.install_hint)

    # ----------------------------------------------------------- library hooks
    @abc.abstractmethod
    def _ask(self) -> Tuple[Any, Values]:
        """One proposal of the library: its trial handle and the parameter values."""

    @abc.abstractmethod
    def _inject(self, arch: Architecture) -> Any:
        """A trial handle for ``arch``, an architecture the library did not propose."""

    @abc.abstractmethod
    def _tell(self, handle: Any, trial: Trial) -> None:
        """Tell the library the outcome of ``trial`` (a success or a failed evaluation) for ``handle``."""

    @abc.abstractmethod
    def _tell_invalid(self, handle: Any) -> None:
        """Tell the library that its proposal ``handle`` is not a member of the space."""

    @contextlib.contextmanager
    def _library(self) -> Iterator[None]:
        """The context of every library call: torch's thread policy, quiet loggers, known noise ignored."""
        with torch_threads(), quiet(self.loggers, self.held_log_lines), warnings.catch_warnings():
            for message in self.ignored_warnings:
                warnings.filterwarnings("ignore", message=message)
            yield

    # --------------------------------------------------------------- strategy
    def propose(self) -> List[Architecture]:
        with self._library():
            for _ in range(MAX_RETRIES):
                handle, values = self._ask()
                self.counts["asked"] += 1
                arch = self._decode(values)
                if arch is None:
                    self.counts["invalid"] += 1
                    self._tell_invalid(handle)
                    continue
                key = self.space.key(arch)
                if key in self._told:
                    self.counts["repeats"] += 1
                    self._tell(handle, self._told[key])
                    continue
                self._open.setdefault(key, []).append(handle)
                if self.history.is_seen_key(key):  # handed out, value not told yet
                    self.counts["repeats"] += 1
                    continue
                self.counts["new"] += 1
                return [arch]
            arch = sample_unseen(self)
            self.counts["fallbacks"] += 1
            self._open.setdefault(self.space.key(arch), []).append(self._inject(arch))
        return [arch]

    def observe(self, trial: Trial) -> None:
        key = self.space.key(trial.arch)
        self._told[key] = trial
        with self._library():
            handles = self._open.pop(key, None) or [self._inject(trial.arch)]
            for handle in handles:
                self._tell(handle, trial)

    def _decode(self, values: Values) -> Optional[Architecture]:
        """The architecture of the library's values, ``None`` when it is not a member of the space."""
        try:
            arch = self.encoding.decode(values)
        except (KeyError, ValueError):
            return None
        return arch if self.space.is_valid(arch) else None

    # --------------------------------------------------------------- records
    def settings(self) -> Dict[str, Any]:
        return {"library": self.library_version(), "max_retries": MAX_RETRIES, **self.library_settings()}

    def library_version(self) -> str:
        module = self.libs[0]
        return f"{module.__name__} {getattr(module, '__version__', 'unknown')}"

    def library_settings(self) -> Dict[str, Any]:
        """The library's settings as recorded in journals and results (JSON types)."""
        return {}

    def stats(self) -> Dict[str, int]:
        return dict(self.counts)

    def state_dict(self) -> Dict[str, Any]:
        raise NotImplementedError(f"{self.name} cannot export its state: its model lives in the library; continue "
                                  f"a run by journal replay (run_search(..., folder=..., resume=True), or "
                                  f"naslib-optiproxy search --resume)")

    def load_state_dict(self, state: Any) -> None:
        self.state_dict()


class ImputedFailures:
    """For libraries without a failure state (SMAC3's model, HEBO): a failed or invalid trial is told
    the worst cost told so far; those before the first success wait for it."""

    def __init__(self) -> None:
        self.worst: Optional[float] = None
        self.waiting: List[Any] = []

    def success(self, cost: float) -> List[Tuple[Any, float]]:
        """Record a told cost; returns the waiting failures to tell now, with their cost."""
        self.worst = cost if self.worst is None else max(self.worst, cost)
        waiting, self.waiting = self.waiting, []
        return [(handle, self.worst) for handle in waiting]

    def failure(self, handle: Any) -> Optional[float]:
        """The cost to tell for a failure now, or ``None`` when it must wait for the first success."""
        if self.worst is None:
            self.waiting.append(handle)
        return self.worst


def cost_of(trial: Trial) -> float:
    """The cost (to minimise) told to SMAC3 and HEBO for a successful trial: minus the penalised value."""
    return -penalised_value(trial)


PeerType = Type[PeerStrategy]

__all__ = ["ImputedFailures", "MAX_RETRIES", "MissingLibraryError", "PENALTY_WEIGHT", "PEERS_HINT", "PeerStrategy",
           "PeerType", "cost_of", "library_seed", "penalised_value", "quiet", "require"]
