"""A study: the trials of one search, asked from a strategy and told by any outside loop.

The :class:`Study` runs the ask/tell/optimize loop and de-duplicates by canonical key; its
trials live in a storage (:mod:`~naslib_optiproxy.storage`: in memory by default, or a
:class:`~naslib_optiproxy.storage.JournalStorage` that journals every trial as it is told),
each running (asked, not told yet), complete or failed. Strategies only propose
(:mod:`~naslib_optiproxy.strategies`). Every door (Python API, CLI, ``compare``, NASLib, Ray)
drives a study; :meth:`Study.replay` continues one from its stored records (a CLI resume, a
Ray Tune restore), and :meth:`Study.result` writes the one result schema
(:class:`~naslib_optiproxy.result.RunResult`).

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
from .records import read_records
from .pareto import Criterion, CriterionLike, nondominated, parse_directions, trial_values
from .spaces import SearchSpace
from .storage import FINISHED, BaseStorage, InMemoryStorage
from .threads import torch_threads
from .strategies.base import SpaceExhaustedError, Strategy
from .types import Architecture, Evaluation, Trial, TrialState

Objective = Callable[[Architecture], Union[float, Evaluation]]
Callback = Callable[["Study", Trial], None]


class TooManyFailuresError(RuntimeError):
    """:meth:`Study.optimize` stopped: too many failed evaluations in a row."""


class AllFailedError(RuntimeError):
    """:meth:`Study.optimize` finished, but every evaluation failed (each is recorded with its reason)."""


class Study:
    """The trials of one search: ask/tell/optimize over a strategy, kept by a storage.

    Args:
        strategy: Proposes architectures (:class:`~naslib_optiproxy.strategies.OptiProxy`, RS, RE, LS).
            It is bound to this study and reads its history.
        storage: Where the trials live (``None``: a new
            :class:`~naslib_optiproxy.storage.InMemoryStorage`). A journal that holds trials
            is continued by replaying the records its ``open`` returned (:meth:`replay`).
        directions: Several objectives (``None``: one value, maximised; a strategy that searches
            a front, e.g. ``OptiProxyMO``, brings its own). Optuna's ``["maximize", "minimize"]``:
            the objective returns one number per direction, kept in ``trial.info`` as ``value_0``,
            ``value_1``, ...; or criteria of reported metrics, ``["val", "edgegpu_latency:min"]``
            (:func:`~naslib_optiproxy.pareto.parse_directions`): the objective reports them in its
            evaluations' info or returns ``{metric: value}``. The trial's ``value`` is then the first
            objective's; :attr:`best_trials` is the front.
    """

    def __init__(self, strategy: Strategy, storage: Optional[BaseStorage] = None,
                 directions: Optional[Sequence[CriterionLike]] = None) -> None:
        if not isinstance(strategy, Strategy):
            raise TypeError(f"strategy must be a naslib_optiproxy Strategy (OptiProxy, RandomSearch, ...), "
                            f"got {type(strategy).__name__}")
        if storage is not None and not isinstance(storage, BaseStorage):
            raise TypeError(f"storage must be a naslib_optiproxy storage (InMemoryStorage, JournalStorage), "
                            f"got {type(storage).__name__}")
        own = getattr(strategy, "criteria", None)
        self.criteria: Optional[Tuple[Criterion, ...]] = parse_directions(directions) if directions is not None else own
        if own is not None and self.criteria != own:
            raise ValueError(f"the study's directions {', '.join(map(str, self.criteria))} differ from the objectives "
                             f"its {strategy.name} strategy searches ({', '.join(map(str, own))}); give the same ones")
        self.strategy = strategy
        self.space: SearchSpace = strategy.space
        self.storage: BaseStorage = storage if storage is not None else InMemoryStorage()
        if self.storage.get_n_trials():
            raise ValueError(f"the storage holds another study's trials ({self.storage.get_n_trials()}); give each "
                             f"study its own storage (a new study continues stored records with replay)")
        self.storage.attach(self.space)
        self._pending: List[Architecture] = []  # proposed, not handed out yet
        self._prepared = False
        self.exhausted = False
        strategy.bind(self)

    # ------------------------------------------------------------- history view
    @property
    def trials(self) -> List[Trial]:
        """The finished (complete and failed) trials, in the order they were told."""
        return self.storage.get_trials(FINISHED)

    @property
    def num_seen(self) -> int:
        """Architectures asked for or told (running and finished trials)."""
        return self.storage.get_n_trials()

    @property
    def num_started(self) -> int:
        """Evaluations told or handed out by :meth:`ask` (in flight counts: concurrent workers)."""
        return self.storage.get_n_trials()

    @property
    def running(self) -> List[Architecture]:
        """Architectures handed out by :meth:`ask` and not told yet (the RUNNING trials)."""
        return [t.arch for t in self.storage.get_trials((TrialState.RUNNING,))]

    def is_seen(self, arch: Architecture) -> bool:
        """Whether ``arch`` (or an isomorphic twin) was already asked for or told."""
        return self.is_seen_key(self.space.key(arch))

    def is_seen_key(self, key: Hashable) -> bool:
        """:meth:`is_seen` for an architecture whose canonical key is already computed."""
        return self.storage.get_trial(key) is not None

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
        """The next architecture to evaluate (never one already asked for or told); its trial is RUNNING.

        Raises:
            SpaceExhaustedError: Every architecture of the space was seen.
        """
        arch, key = self._next_proposal()
        self.storage.create_trial(arch, key)
        return arch

    def _next_proposal(self) -> tuple:
        """``(arch, key)``: the first queued proposal, asking the strategy for more when none is queued."""
        while not self._pending:
            unique: Dict[Hashable, Architecture] = {}
            for arch in self.strategy.propose():
                key = self.space.key(arch)
                if not self.is_seen_key(key):
                    unique.setdefault(key, arch)
            self._pending.extend(unique.values())
        arch = self._pending.pop(0)
        return arch, self.space.key(arch)

    def tell(self, arch: Architecture, value: Union[float, Evaluation, None, Sequence[float], Mapping[str, float]],
             **info: Any) -> Trial:
        """Record the measured ``value`` of ``arch``; returns the finished trial.

        ``value`` is a number (a 0-d or 1-element array counts), an :class:`Evaluation`, or
        ``None``. ``None``, NaN, inf or anything that is not one number is recorded as a failed
        trial (the reason in ``trial.info['error']``): it is kept, never proposed again and
        never fitted on. A study with several objectives also takes one number per objective (a
        sequence) or ``{metric: number}``; their values go into ``trial.info``.

        Raises:
            TypeError: ``arch`` is not an :class:`Architecture`.
            ValueError: ``arch`` is not a member of the space, or was told already (a study
                records each architecture once).
        """
        return self._record(arch, value, info)

    def _record(self, arch: Architecture, value: Union[float, Evaluation, None], info: Dict[str, Any]) -> Trial:
        """Validate ``arch``, finish its trial in the storage and let the strategy observe it."""
        self._check_arch(arch)
        constraints: Sequence = ()
        if isinstance(value, Evaluation):
            info, constraints, value = {**value.info, **info}, value.constraints, value.value
        elif self.criteria is not None and value is not None and not _one_number(value):
            value, info = _spread(value, self.criteria, info)
        number, error = _as_number(value)
        if error is not None:
            info.setdefault("error", error)
        trial = self.storage.finish_trial(arch, number, dict(info), tuple(constraints), self.space.key(arch))
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
        while self.storage.get_n_trials(FINISHED) < budget:
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
        """Bring a fresh study to the state of stored ``records`` without evaluating anything.

        ``records`` are a storage's :meth:`~naslib_optiproxy.storage.BaseStorage.records` (the
        lines a :class:`~naslib_optiproxy.storage.JournalStorage` ``open`` returns, or a
        checkpoint's list): the strategy is asked again, and the results told, in the recorded
        order of asks and tells, so it proposes what it would have proposed. Running records
        are asked again and stay running. Returns how many asks proposed the recorded
        architecture. One that differs (e.g. under another torch version) is replaced by the
        recorded one, the unevaluated proposal forgotten and the queue cleared; a RuntimeWarning
        then reports the divergence.

        Raises:
            ValueError: Records out of order or malformed, a study that holds trials already, or a
                strategy that cannot be replayed
                (:meth:`Strategy.replay_problem <naslib_optiproxy.strategies.Strategy.replay_problem>`).
        """
        stored = read_records(records, self.space)
        if not stored:
            return 0
        first: Dict[Hashable, int] = {}
        for index, record in enumerate(stored):
            earlier = first.setdefault(self.space.key(record.arch), index)
            if earlier != index:
                raise ValueError(f"trial records {earlier} and {index} hold the same architecture "
                                 f"({self.space.to_string(record.arch)}); the journal is corrupt")
        if self.storage.get_n_trials():
            raise ValueError(f"replay continues a fresh study; this one holds {self.storage.get_n_trials()} trials")
        problem = self.strategy.replay_problem()
        if problem is not None:
            raise ValueError(f"optimizer {self.strategy.name!r} cannot continue a journaled run: {problem}; "
                             f"start a new run instead")
        events = sorted([(s.asked, 0, i) for i, s in enumerate(stored) if s.asked is not None] +
                        [(s.told, 1, i) for i, s in enumerate(stored) if s.told is not None])
        matched, misses, first_miss = 0, 0, None
        for _, tell, index in events:
            record = stored[index]
            if tell:
                self._record(record.arch, record.evaluation, {})
                continue
            try:
                proposed, key = self._next_proposal()
            except SpaceExhaustedError:
                proposed, key = None, None
            if key is not None and key == self.space.key(record.arch):
                matched += 1
                self.storage.create_trial(proposed, key)
                continue
            misses += 1
            if first_miss is None:
                first_miss = (index, "nothing" if proposed is None else self.space.to_string(proposed),
                              self.space.to_string(record.arch))
            self._pending.clear()  # proposed from a history that differs from the stored one
            self.storage.create_trial(record.arch)
        if first_miss is not None:
            index, proposed_text, journaled = first_miss
            warnings.warn(f"replay diverged from the journal at evaluation {index} (proposed {proposed_text}, journal "
                          f"holds {journaled}) and {misses} times in all, e.g. under another torch/numpy version or "
                          f"thread count; the journal's history is kept, later proposals may differ from an "
                          f"uninterrupted run", RuntimeWarning, stacklevel=2)
        return matched


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
        return None, "no value: the objective returned None"
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


__all__ = ["AllFailedError", "Objective", "Study", "TooManyFailuresError", "evaluate"]
