"""The ask/tell protocol shared by OptiProxy and the baselines (RS, RE, LS).

An optimizer proposes architectures with :meth:`Optimizer.ask`, receives their
measured value with :meth:`Optimizer.tell`, and keeps the evaluated history. Any
outer loop (the CLI, NASLib's Trainer, Ray Tune) can drive it; :meth:`Optimizer.optimize`
is the plain loop. Each optimizer owns its random state, made from ``seed``.

Example:
    >>> from naslib_optiproxy import RandomSearch, NasBench201
    >>> opt = RandomSearch(NasBench201(), seed=0)
    >>> arch = opt.ask()
    >>> opt.tell(arch, 90.0)
    >>> opt.best.value
    90.0
"""

from __future__ import annotations

import abc
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Hashable, List, Mapping, Optional, Tuple, Union

import numpy as np

from ..spaces import Architecture, SearchSpace


@dataclass
class Evaluation:
    """What an objective returns: the value to maximise and anything else worth keeping."""

    value: float
    info: Dict[str, Any] = field(default_factory=dict)


@dataclass
class Trial:
    """One evaluated architecture. ``value`` is ``None`` when the evaluation failed."""

    number: int
    arch: Architecture
    value: Optional[float]
    info: Dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.value is None

    @property
    def feasible(self) -> bool:
        """Succeeded and met the objective's constraint (``info["feasible"]``; unconstrained: always)."""
        return not self.failed and bool(self.info.get("feasible", True))

    def rank_key(self) -> Tuple[bool, float]:
        """Sort key preferring feasible trials, then higher values (failed trials: lowest)."""
        return (self.feasible, -math.inf if self.failed else self.value)


Objective = Callable[[Architecture], Union[float, Evaluation]]


class TooManyFailuresError(RuntimeError):
    """:meth:`Optimizer.optimize` stopped: too many failed evaluations in a row."""


class Optimizer(abc.ABC):
    """Base class: history, de-duplication by canonical key, best-so-far, the optimize loop.

    Subclasses implement :meth:`_propose`, returning new (not yet evaluated) architectures.

    Args:
        space: The search-space codec.
        seed: Seed of the optimizer's own random generator.
    """

    name: str = "optimizer"

    def __init__(self, space: SearchSpace, seed: int = 0) -> None:
        self.space = space
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        self.trials: List[Trial] = []
        self._seen: set = set()
        self._pending: List[Architecture] = []
        self._num_asked = 0

    # ------------------------------------------------------------- ask / tell
    def ask(self) -> Architecture:
        """The next architecture to evaluate (never one already evaluated or pending)."""
        while not self._pending:
            proposals = [a for a in self._propose() if not self.is_seen(a)]
            unique: Dict[Hashable, Architecture] = {}
            for arch in proposals:
                unique.setdefault(self.space.key(arch), arch)
            self._pending.extend(unique.values())
        arch = self._pending.pop(0)
        self._seen.add(self.space.key(arch))
        self._num_asked += 1
        return arch

    @property
    def num_started(self) -> int:
        """Evaluations told or handed out by :meth:`ask` (in flight counts: concurrent workers)."""
        return max(self._num_asked, len(self.trials))

    def tell(self, arch: Architecture, value: Union[float, Evaluation, None], **info: Any) -> Trial:
        """Record the measured ``value`` of ``arch`` (``None``/NaN/inf = failed evaluation)."""
        if isinstance(value, Evaluation):
            info = {**value.info, **info}
            value = value.value
        if value is not None and not math.isfinite(float(value)):
            info.setdefault("error", f"non-finite value {value!r}")
            value = None
        trial = Trial(len(self.trials), arch, None if value is None else float(value), dict(info))
        self._seen.add(self.space.key(arch))
        self.trials.append(trial)
        self._on_tell(trial)
        return trial

    def is_seen(self, arch: Architecture) -> bool:
        """Whether ``arch`` (or an isomorphic twin) was already asked for or evaluated."""
        return self.space.key(arch) in self._seen

    @property
    def best(self) -> Optional[Trial]:
        """The best feasible trial so far (first one on ties); ``None`` while there is none.

        Under a constraint (see :mod:`~naslib_optiproxy.constraints`) an infeasible
        evaluation is never the best, however high its value.
        """
        done = [t for t in self.trials if t.feasible]
        return max(done, key=lambda t: t.value) if done else None

    def trajectory(self) -> List[float]:
        """Best-so-far feasible value after each evaluation (NaN until the first feasible success)."""
        best, out = -math.inf, []
        for t in self.trials:
            if t.feasible:
                best = max(best, t.value)
            out.append(best if best > -math.inf else math.nan)
        return out

    # ------------------------------------------------------------------ loop
    def optimize(
        self,
        objective: Objective,
        budget: int,
        callbacks: Optional[List[Callable[["Optimizer", Trial], None]]] = None,
        max_consecutive_failures: Optional[int] = None,
    ) -> Optional[Trial]:
        """Evaluate ``budget`` architectures in total (counting earlier trials) and return the best.

        The best is the best *feasible* trial: ``None`` when evaluations succeeded but none
        met the objective's constraint.

        An objective that raises or returns NaN/inf gives a failed trial (the error in
        ``trial.info['error']``); its architecture is never proposed again.

        Args:
            objective: Maps an architecture to its value (or an :class:`Evaluation`).
            budget: Total number of trials to reach.
            callbacks: Called as ``callback(optimizer, trial)`` after each :meth:`tell`.
            max_consecutive_failures: Stop after this many failed evaluations in a row
                within this call (``None``: never stop for failures).

        Raises:
            TooManyFailuresError: ``max_consecutive_failures`` failures in a row.
            RuntimeError: Every evaluation failed.
        """
        if budget <= 0:
            raise ValueError(f"budget must be a positive number of evaluations, got {budget}")
        if max_consecutive_failures is not None and max_consecutive_failures < 1:
            raise ValueError(f"max_consecutive_failures must be >= 1 or None, got {max_consecutive_failures}")
        streak = 0
        while len(self.trials) < budget:
            arch = self.ask()
            start = time.perf_counter()
            try:
                result = objective(arch)
            except Exception as error:  # a failed evaluation must not end the search
                result = None
                info = {"error": f"{type(error).__name__}: {error}"}
            else:
                info = {}
            info["eval_seconds"] = time.perf_counter() - start
            trial = self.tell(arch, result, **info)
            for callback in callbacks or ():
                callback(self, trial)
            streak = streak + 1 if trial.failed else 0
            if max_consecutive_failures is not None and streak >= max_consecutive_failures:
                raise TooManyFailuresError(
                    f"stopped after {streak} failed evaluations in a row (max_consecutive_failures="
                    f"{max_consecutive_failures}); last error: {trial.info.get('error', 'unknown')}")
        if all(t.failed for t in self.trials):
            raise RuntimeError("every evaluation failed; see trial.info['error'] for the reasons")
        return self.best

    # --------------------------------------------------------------- subclass
    @abc.abstractmethod
    def _propose(self) -> List[Architecture]:
        """One or more new architectures to evaluate next."""

    def _on_tell(self, trial: Trial) -> None:
        """Hook called after each :meth:`tell`."""

    # ----------------------------------------------------------------- state
    def state_dict(self) -> Dict[str, Any]:
        """Everything needed to continue this run (JSON/pickle-free types and numpy RNG state)."""
        return {
            "name": self.name,
            "seed": self.seed,
            "rng": self.rng.bit_generator.state,
            "trials": [
                {"arch": t.arch.to_lists(), "value": t.value, "info": t.info}
                for t in self.trials
            ],
            "pending": [a.to_lists() for a in self._pending],
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` exported."""
        if state.get("name") != self.name:
            raise ValueError(f"state was written by {state.get('name')!r}, not {self.name!r}")
        self.seed = int(state["seed"])
        self.rng.bit_generator.state = state["rng"]
        self.trials, self._seen = [], set()
        for record in state["trials"]:
            arch = Architecture.from_lists(record["arch"])
            self.trials.append(Trial(len(self.trials), arch, record["value"], dict(record["info"])))
            self._seen.add(self.space.key(arch))
        self._pending = [Architecture.from_lists(a) for a in state["pending"]]
        for arch in self._pending:
            self._seen.add(self.space.key(arch))
        self._num_asked = len(self.trials)
