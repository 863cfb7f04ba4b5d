"""A study: the trials of one search, asked from a strategy and told by any outside loop.

The :class:`Study` owns the history (trials, the architectures asked for but not told yet,
de-duplication by canonical key), the ask/tell/optimize loop and, optionally, a journal
(:class:`~naslib_optiproxy.storage.JournalStorage`) that receives every trial as it is told.
Strategies only propose (:mod:`~naslib_optiproxy.strategies`). Every door (Python API, CLI,
``compare``, NASLib, Ray) drives a study, and :meth:`Study.result` writes the one result
schema (:class:`~naslib_optiproxy.result.RunResult`).

Example:
    >>> from naslib_optiproxy import NasBench201, RandomSearch, Study
    >>> study = Study(RandomSearch(NasBench201(), seed=0))
    >>> best = study.optimize(lambda arch: float(sum(arch.ops)), budget=20)
    >>> len(study.trials), best.value >= 10
    (20, True)

Several objectives (Optuna's convention: one direction per value the objective returns)::

    >>> study = Study(RandomSearch(NasBench201(), seed=0), directions=["maximize", "minimize"])
    >>> _ = study.optimize(lambda arch: (float(sum(arch.ops)), float(arch.ops[0])), budget=20)
    >>> front = study.best_trials  # the non-dominated trials
    >>> all(t.info["value_1"] <= 1 or t.info["value_0"] > 10 for t in front)
    True
"""

from __future__ import annotations

import math
import numbers
import time
import warnings
from typing import Any, Callable, Dict, Hashable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ._text import clip, shorten
from .pareto import Criterion, CriterionLike, nondominated, parse_directions, trial_values
from .spaces import SearchSpace
from .storage import JournalStorage, trial_line
from .threads import torch_threads
from .strategies.base import SpaceExhaustedError, Strategy
from .types import Architecture, ConstraintValue, Evaluation, Trial

Objective = Callable[[Architecture], Union[float, Evaluation]]
Callback = Callable[["Study", Trial], None]


class TooManyFailuresError(RuntimeError):
    """:meth:`Study.optimize` stopped: too many failed evaluations in a row."""


class AllFailedError(RuntimeError):
    """:meth:`Study.optimize` finished, but every evaluation failed (each is recorded with its reason)."""


class Study:
    """The trials of one search: ask/tell/optimize over a strategy, in memory or journaled.

    Args:
        strategy: Proposes architectures (:class:`~naslib_optiproxy.strategies.OptiProxy`, RS, RE, LS).
            It is bound to this study and reads its history.
        storage: Where told trials go as they arrive (``None``: memory only). A study built
            on a journal that holds trials continues it (:meth:`resume`).
        directions: Several objectives (``None``: one value, maximised; a strategy that searches
            a front, e.g. ``OptiProxyMO``, brings its own). Optuna's ``["maximize", "minimize"]``:
            the objective returns one number per direction, kept in ``trial.info`` as ``value_0``,
            ``value_1``, ...; or criteria of reported metrics, ``["val", "edgegpu_latency:min"]``
            (:func:`~naslib_optiproxy.pareto.parse_directions`): the objective reports them in its
            evaluations' info or returns ``{metric: value}``. The trial's ``value`` is then the first
            objective's; :attr:`best_trials` is the front.
    """

    def __init__(self, strategy: Strategy, storage: Optional[JournalStorage] = None,
                 directions: Optional[Sequence[CriterionLike]] = None) -> None:
        if not isinstance(strategy, Strategy):
            raise TypeError(f"strategy must be a naslib_optiproxy Strategy (OptiProxy, RandomSearch, ...), "
                            f"got {type(strategy).__name__}")
        own = getattr(strategy, "criteria", None)
        self.criteria: Optional[Tuple[Criterion, ...]] = parse_directions(directions) if directions is not None else own
        if own is not None and self.criteria != own:
            raise ValueError(f"the study's directions {', '.join(map(str, self.criteria))} differ from the objectives "
                             f"its {strategy.name} strategy searches ({', '.join(map(str, own))}); give the same ones")
        self.strategy = strategy
        self.space: SearchSpace = strategy.space
        self.storage = storage
        self.trials: List[Trial] = []
        self._seen: set = set()  # keys asked for or told
        self._told: Dict[Hashable, int] = {}  # key -> trial number
        self._pending: List[Architecture] = []  # proposed, not handed out yet
        self._running: Dict[Hashable, Architecture] = {}  # handed out by ask, not told yet
        self._num_asked = 0
        self._prepared = False
        self.exhausted = False
        strategy.bind(self)

    # ------------------------------------------------------------- history view
    @property
    def num_seen(self) -> int:
        return len(self._seen)

    @property
    def num_started(self) -> int:
        """Evaluations told or handed out by :meth:`ask` (in flight counts: concurrent workers)."""
        return max(self._num_asked, len(self.trials))

    @property
    def running(self) -> List[Architecture]:
        """Architectures handed out by :meth:`ask` and not told yet."""
        return list(self._running.values())

    def is_seen(self, arch: Architecture) -> bool:
        """Whether ``arch`` (or an isomorphic twin) was already asked for or told."""
        return self.space.key(arch) in self._seen

    def is_seen_key(self, key: Hashable) -> bool:
        """:meth:`is_seen` for an architecture whose canonical key is already computed."""
        return key in self._seen

    @property
    def best(self) -> Optional[Trial]:
        """The best feasible trial so far (first one on ties); ``None`` while there is none.

        With several objectives: the best in the first one (its direction) among the trials with every value.
        """
        done = [t for t in self.trials if t.feasible and self._first(t) is not None]
        return max(done, key=self._first) if done else None

    def trajectory(self) -> List[float]:
        """Best-so-far feasible value after each trial (NaN until the first feasible success).

        With several objectives: of the first one, in its own units and direction.
        """
        best, out = -math.inf, []
        sign = 1.0 if self.criteria is None else self.criteria[0].sign
        for t in self.trials:
            score = self._first(t) if t.feasible else None
            if score is not None:
                best = max(best, score)
            out.append(sign * best if best > -math.inf else math.nan)
        return out

    @property
    def best_trials(self) -> List[Trial]:
        """The non-dominated feasible trials (in trial order; of equal points, the first).

        Raises:
            RuntimeError: A single-objective study (use :attr:`best`).
        """
        if self.criteria is None:
            raise RuntimeError("best_trials is for a study with several objectives (directions=...); use best")
        done = [t for t in self.trials if t.feasible and trial_values(t, self.criteria) is not None]
        if not done:
            return []
        mask = nondominated(np.stack([trial_values(t, self.criteria) for t in done]), self.criteria)
        return [t for t, keep in zip(done, mask) if keep]

    def _first(self, trial: Trial) -> Optional[float]:
        """What :attr:`best` ranks by: the value (one objective) or the signed first objective's value."""
        if self.criteria is None:
            return trial.value
        values = trial_values(trial, self.criteria)
        return None if values is None else float(self.criteria[0].sign * values[0])

    # --------------------------------------------------------------- ask / tell
    def ask(self) -> Architecture:
        """The next architecture to evaluate (never one already asked for or told).

        Raises:
            SpaceExhaustedError: Every architecture of the space was seen.
        """
        while not self._pending:
            unique: Dict[Hashable, Architecture] = {}
            for arch in self.strategy.propose():
                key = self.space.key(arch)
                if not self.is_seen_key(key):
                    unique.setdefault(key, arch)
            self._pending.extend(unique.values())
        arch = self._pending.pop(0)
        key = self.space.key(arch)
        self._seen.add(key)
        self._running[key] = arch
        self._num_asked += 1
        return arch

    def tell(self, arch: Architecture, value: Union[float, Evaluation, None, Sequence[float], Mapping[str, float]],
             **info: Any) -> Trial:
        """Record the measured ``value`` of ``arch``; returns the trial.

        ``value`` is a number (a 0-d or 1-element array counts), an :class:`Evaluation`, or
        ``None``. ``None``, NaN, inf or anything that is not one number is recorded as a failed
        evaluation (the reason in ``trial.info['error']``): it is kept, never proposed again and
        never fitted on. A study with several objectives also takes one number per objective (a
        sequence) or ``{metric: number}``; their values go into ``trial.info``.

        Raises:
            TypeError: ``arch`` is not an :class:`Architecture`.
            ValueError: ``arch`` is not a member of the space, or was told already (a study
                records each architecture once).
        """
        return self._record(arch, value, info)

    def _record(self, arch: Architecture, value: Union[float, Evaluation, None], info: Dict[str, Any],
                store: bool = True, notify: bool = True) -> Trial:
        """Validate and append one trial; ``store``: to the journal, ``notify``: to the strategy."""
        self._check_arch(arch)
        key = self.space.key(arch)
        if key in self._told:
            raise ValueError(f"{self.space.to_string(arch)} was told already (trial {self._told[key]}); "
                             f"a study records each architecture once")
        constraints: Sequence[ConstraintValue] = ()
        if isinstance(value, Evaluation):
            info, constraints, value = {**value.info, **info}, value.constraints, value.value
        elif self.criteria is not None and value is not None and not _one_number(value):
            value, info = _spread(value, self.criteria, info)
        number, error = _as_number(value)
        if error is not None:
            info.setdefault("error", error)
        trial = Trial(len(self.trials), arch, number, dict(info), tuple(constraints))
        self._seen.add(key)
        self._told[key] = trial.number
        self._running.pop(key, None)
        self.trials.append(trial)
        if store and self.storage is not None:
            self.storage.append(self.space, trial)
        if notify:
            self.strategy.observe(trial)
        return trial

    def _check_arch(self, arch: Any) -> None:
        if not isinstance(arch, Architecture):
            raise TypeError(f"tell takes an Architecture (from ask() or space.from_string), got "
                            f"{type(arch).__name__} {shorten(arch)}")
        try:
            valid = self.space.is_valid(arch)
        except (TypeError, ValueError, IndexError):
            valid = False
        if not valid:
            raise ValueError(f"{shorten(arch)} is not a valid {self.space.name} architecture")

    # --------------------------------------------------------------------- loop
    def optimize(self, objective: Objective, budget: int, callbacks: Sequence[Callback] = (),
                 max_consecutive_failures: Optional[int] = None) -> Optional[Trial]:
        """Evaluate until ``budget`` trials in total (earlier ones count) and return the best.

        The best is the best *feasible* trial: ``None`` when evaluations succeeded but none met
        the objective's constraint. An objective that raises or returns no finite number gives a
        failed trial. When the space runs out of unseen architectures the loop stops early with
        what it has (:attr:`exhausted` is then ``True``, and a RuntimeWarning says so).

        Args:
            objective: Maps an architecture to its value (or an :class:`Evaluation`).
            budget: Total number of trials to reach.
            callbacks: Called as ``callback(study, trial)`` after each :meth:`tell`.
            max_consecutive_failures: Stop after this many failed evaluations in a row within
                this call (``None``: never stop for failures).

        Raises:
            TooManyFailuresError: ``max_consecutive_failures`` failures in a row.
            AllFailedError: Every evaluation failed (a ``RuntimeError``; the trials are kept).
        """
        if isinstance(budget, bool) or not isinstance(budget, numbers.Integral) or budget <= 0:
            raise ValueError(f"budget must be a positive number of evaluations, got {budget!r}")
        if max_consecutive_failures is not None and max_consecutive_failures < 1:
            raise ValueError(f"max_consecutive_failures must be >= 1 or None, got {max_consecutive_failures}")
        self.prepare(objective)
        with torch_threads():  # once for the loop (a strategy's steps then keep it; see threads.py)
            self._loop(objective, budget, callbacks, max_consecutive_failures)
        if self.trials and all(t.failed for t in self.trials):
            raise AllFailedError(f"every evaluation failed ({len(self.trials)} of {len(self.trials)}); last error: "
                                 f"{self.trials[-1].info.get('error', 'unknown')}")
        return self.best

    def _loop(self, objective: Objective, budget: int, callbacks: Sequence[Callback],
              max_consecutive_failures: Optional[int]) -> None:
        streak = 0
        while len(self.trials) < budget:
            try:
                arch = self.ask()
            except SpaceExhaustedError as error:
                self.exhausted = True
                warnings.warn(f"{error}; stopping with {len(self.trials)} of {budget} evaluations",
                              RuntimeWarning, stacklevel=3)
                break
            result, info = evaluate(objective, arch)
            trial = self.tell(arch, result, **info)
            for callback in callbacks:
                callback(self, trial)
            streak = streak + 1 if trial.failed else 0
            if max_consecutive_failures is not None and streak >= max_consecutive_failures:
                raise TooManyFailuresError(
                    f"stopped after {streak} failed evaluations in a row (max_consecutive_failures="
                    f"{max_consecutive_failures}); last error: {trial.info.get('error', 'unknown')}")

    def prepare(self, objective: Any) -> None:
        """Let the strategy see the objective (its dataset, its constraint) before it proposes anything."""
        if not self._prepared and not self.num_started:
            self.strategy.prepare(objective)
        self._prepared = True

    # ------------------------------------------------------------------- resume
    def replay(self, records: Sequence[Mapping[str, Any]]) -> int:
        """Bring a fresh study to a journal's state by asking again and telling the journaled results.

        Evaluates nothing; returns how many asks matched the journal. If a proposal differs from
        the journaled architecture (e.g. another torch version), the journaled one is told anyway,
        the unevaluated proposal is forgotten and the pending queue cleared; a RuntimeWarning then
        reports the divergence.

        Raises:
            ValueError: Records out of order or malformed, or a strategy that cannot be replayed
                (:meth:`Strategy.replay_problem <naslib_optiproxy.strategies.Strategy.replay_problem>`).
        """
        problem = self.strategy.replay_problem() if records else None
        if problem is not None:
            raise ValueError(f"optimizer {self.strategy.name!r} cannot continue a journaled run: {problem}; "
                             f"start a new run instead")
        matched, first_miss = 0, None
        for index, record in enumerate(records):
            arch, evaluation = _record_trial(record, index, self.space)
            asked = self.ask()
            if asked == arch:
                matched += 1
            else:
                if first_miss is None:
                    first_miss = (index, self.space.to_string(asked), self.space.to_string(arch))
                key = self.space.key(asked)
                if key != self.space.key(arch):
                    self._seen.discard(key)  # proposed, never evaluated
                    self._running.pop(key, None)
                self._pending.clear()
            self._record(arch, evaluation, {}, store=False)  # already in the journal
        if first_miss is not None:
            index, asked_text, journaled = first_miss
            warnings.warn(f"replay diverged from the journal at evaluation {index} (proposed {asked_text}, journal "
                          f"holds {journaled}) and {len(records) - matched} times in all, e.g. under another "
                          f"torch/numpy version or thread count; the journal's history is kept, later proposals "
                          f"may differ from an uninterrupted run", RuntimeWarning, stacklevel=2)
        return matched

    # -------------------------------------------------------------------- state
    def state_dict(self) -> Dict[str, Any]:
        """Everything needed to continue: trials, queued and running architectures, the strategy's state."""
        return {
            "trials": [trial_line(self.space, t) for t in self.trials],
            "pending": [a.to_lists() for a in self._pending],
            "running": [a.to_lists() for a in self._running.values()],
            "num_asked": self._num_asked,
            "strategy": self.strategy.state_dict(),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` exported into a study built with the same strategy settings.

        Raises:
            ValueError: A malformed state, or one written by another strategy or settings.
        """
        try:
            records = list(state["trials"])
            pending = [Architecture.from_lists(a) for a in state["pending"]]
            running = [Architecture.from_lists(a) for a in state.get("running", [])]
            num_asked = int(state.get("num_asked", len(records)))
            strategy_state = state["strategy"]
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not a study state ({type(error).__name__}: {shorten(str(error))})") from None
        self.strategy.load_state_dict(strategy_state)
        self.trials, self._seen, self._told, self._running = [], set(), {}, {}
        for index, record in enumerate(records):  # the strategy's own state is restored already
            arch, evaluation = _record_trial(record, index, self.space)
            self._record(arch, evaluation, {}, store=False, notify=False)
        for arch in running:
            self._check_arch(arch)
            self._seen.add(self.space.key(arch))
            self._running[self.space.key(arch)] = arch
        for arch in pending:
            self._check_arch(arch)
            self._seen.add(self.space.key(arch))
        self._pending = pending
        self._num_asked = max(num_asked, len(self.trials))
        self._prepared = True


def evaluate(objective: Objective, arch: Architecture) -> tuple:
    """``(result, info)`` of one evaluation; an exception becomes a failed result with its reason."""
    start = time.perf_counter()
    try:
        result = objective(arch)
    except Exception as error:  # a failed evaluation must not end the search
        result, info = None, {"error": f"{type(error).__name__}: {clip(error)}"}  # plain text, bounded
    else:
        info = {}
    info["eval_seconds"] = time.perf_counter() - start
    return result, info


def _one_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) or (hasattr(value, "numel") and callable(value.numel) and value.numel() == 1) \
        or (isinstance(value, np.ndarray) and value.ndim == 0)


def _spread(value: Any, criteria: Sequence[Criterion], info: Dict[str, Any]) -> tuple:
    """``(first value, info with every objective's value)`` of a multi-objective result: one number per
    criterion (a sequence) or ``{metric: number}``; ``(None, info with the reason)`` when malformed."""
    if isinstance(value, Mapping):
        missing = [c.metric for c in criteria if c.metric not in value]
        if missing:
            return None, {**info, "error": f"the objective returned no {', '.join(missing)} (keys: "
                                           f"{shorten(sorted(map(str, value)))})"}
        values = [value[c.metric] for c in criteria]
    elif isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, (str, bytes)):
        values = list(np.asarray(value, dtype=object).reshape(-1)) if isinstance(value, np.ndarray) else list(value)
        if len(values) != len(criteria):
            return None, {**info, "error": f"the objective returned {len(values)} values for {len(criteria)} "
                                           f"objectives ({', '.join(map(str, criteria))})"}
    else:
        return value, info
    numbers_ = []
    for criterion, item in zip(criteria, values):
        number, error = _as_number(item)
        if number is None:
            return None, {**info, "error": f"{criterion.metric}: {error or 'no value'}"}
        numbers_.append(number)
    return numbers_[0], {**info, **{c.metric: v for c, v in zip(criteria, numbers_)}}


def _as_number(value: Any) -> tuple:
    """``(float, None)`` for one finite number, else ``(None, reason)``."""
    if value is None:
        return None, None
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    elif hasattr(value, "numel") and callable(value.numel) and value.numel() == 1:  # a 1-element tensor
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)):
        return None, f"the objective returned {type(value).__name__} {shorten(value)}, not one number"
    try:
        number = float(value)
    except OverflowError:  # e.g. 10**400: no float holds it
        text = shorten(value) if isinstance(value, int) else f"{type(value).__name__} {shorten(value)}"
        return None, f"the objective returned {text}, too large for a float"
    except (TypeError, ValueError) as error:
        return None, f"the objective returned {type(value).__name__} {shorten(value)}, not a float ({error})"
    if not math.isfinite(number):
        return None, f"non-finite value {shorten(value)}"
    return number, None


def _record_trial(record: Mapping[str, Any], index: int, space: SearchSpace) -> tuple:
    """``(arch, Evaluation)`` of a trial record; ValueError naming the record when malformed."""
    if not isinstance(record, Mapping):
        raise ValueError(f"trial record {index} is not a JSON object; the journal is corrupt")
    if record.get("number", index) != index:
        raise ValueError(f"trial record {index} is numbered {shorten(record.get('number'))}; the journal is corrupt")
    try:
        arch = Architecture.from_lists(record["encoding"])
    except (KeyError, TypeError, ValueError, OverflowError, RecursionError):
        raise ValueError(f"trial record {index} has no valid 'encoding' ([ops, topology]); "
                         f"the journal is corrupt") from None
    try:
        valid = space.is_valid(arch)
    except (TypeError, ValueError, IndexError, KeyError, OverflowError):
        valid = False
    if not valid:
        raise ValueError(f"trial record {index} has the encoding {shorten(record['encoding'])}, which is not a "
                         f"{space.name} architecture (wrong length or an unknown op index); the journal is corrupt")
    info = record.get("info") or {}
    value = record.get("value")
    if not isinstance(info, Mapping) or not (value is None or isinstance(value, (int, float))):
        raise ValueError(f"trial record {index} has a malformed 'info' or 'value'; the journal is corrupt")
    constraints = record.get("constraints") or []
    if not isinstance(constraints, list):
        raise ValueError(f"trial record {index} has malformed 'constraints'; the journal is corrupt")
    return arch, Evaluation(value, dict(info), tuple(ConstraintValue.from_dict(c) for c in constraints))


__all__ = ["AllFailedError", "Objective", "Study", "TooManyFailuresError", "evaluate"]
