"""Optuna's multi-objective samplers as strategies: NSGA-II and multi-objective TPE.

:class:`OptunaFront` drives an in-memory Optuna study with one direction per criterion. The
space is one categorical parameter per op slot (``op<i>``, the op index) and per topology
slot with more than one candidate (``topology<i>``). A proposal that is invalid is told to
Optuna as failed; one whose architecture (up to the codec's canonical key) was already
evaluated is told its known values at no cost, and Optuna asks again (up to
:data:`MAX_ASKS` times, then a random unseen architecture is evaluated and added to Optuna's
study). A failed evaluation (e.g. a metric the table did not measure) is told as a ``PRUNED``
trial, Optuna's way to record a trial that gave no value: TPE ranks pruned trials after every
completed one, so it learns to avoid the cells that cannot be measured (told ``FAIL``, TPE would
ignore them and keep proposing them: 2,478 repeated proposals in one 100-evaluation run), and
NSGA-II leaves pruned trials out of its populations as it does failed ones. A
constraint on top reaches Optuna through its own mechanism (``Trial.set_constraint`` with
``measured - max``, feasible at ``<= 0``), which NSGA-II's constrained domination and TPE read.

Needs ``optuna`` (``pip install 'naslib-optiproxy[peers]'``); it is imported when a strategy is built.
"""

from __future__ import annotations

from typing import Any, Dict, Hashable, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..pareto import Criterion, CriterionLike, parse_criteria, trial_values
from ..spaces import BernoulliTopology, ChoiceTopology, SearchSpace
from ..types import Architecture, Trial
from .base import Strategy, sample_unseen

#: Optuna proposals tried per evaluation before a random unseen architecture is taken instead.
MAX_ASKS = 50
SAMPLERS = ("nsga2", "motpe")


def categorical_slots(space: SearchSpace) -> List[Tuple[str, int]]:
    """``(name, number of choices)`` of every op slot and every topology slot with a choice."""
    slots = [(f"op{i}", space.num_ops) for i in range(space.num_op_slots)]
    topo = space.topology
    counts: Sequence[int] = ()
    if isinstance(topo, ChoiceTopology):
        counts = topo.num_candidates
    elif isinstance(topo, BernoulliTopology):
        counts = (2,) * topo.num_slots
    return slots + [(f"topology{i}", n) for i, n in enumerate(counts) if n > 1]


class OptunaFront(Strategy):
    """NSGA-II (``nsga2``) or multi-objective TPE (``motpe``) from Optuna, on a codec (module docstring).

    Args:
        space: The search-space codec.
        criteria: Two or more criteria.
        sampler: ``nsga2`` (:class:`optuna.samplers.NSGAIISampler`) or ``motpe``
            (:class:`optuna.samplers.TPESampler` on a multi-objective study).
        seed: Seeds the sampler and the random fallback.
        population_size: NSGA-II's population (Optuna's default: 50).
    """

    def __init__(self, space: SearchSpace, criteria: Union[str, Sequence[CriterionLike]], sampler: str = "nsga2",
                 seed: int = 0, population_size: int = 50) -> None:
        super().__init__(space, seed)
        import optuna

        if sampler not in SAMPLERS:
            raise ValueError(f"unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}")
        if isinstance(population_size, bool) or not isinstance(population_size, int) or population_size < 2:
            raise ValueError(f"population_size must be an integer >= 2, got {population_size!r}")
        self.name = sampler
        self.criteria: Tuple[Criterion, ...] = parse_criteria(criteria)
        self.population_size = population_size
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self._optuna = optuna
        built = (optuna.samplers.NSGAIISampler(population_size=population_size, seed=self.seed) if sampler == "nsga2"
                 else optuna.samplers.TPESampler(seed=self.seed))
        directions = ["maximize" if c.maximise else "minimize" for c in self.criteria]
        self.study = optuna.create_study(directions=directions, sampler=built)
        self._slots = categorical_slots(space)
        self._distributions = {name: optuna.distributions.CategoricalDistribution(list(range(n)))
                               for name, n in self._slots}
        self._waiting: Dict[Hashable, List[Any]] = {}  # key -> Optuna trials waiting for its evaluation
        self._known: Dict[Hashable, Tuple[Optional[np.ndarray], Dict[str, float]]] = {}  # key -> (values, excess)

    def settings(self) -> Dict[str, Any]:
        return {"sampler": self.name, "population_size": self.population_size,
                "objectives": [c.to_dict() for c in self.criteria]}

    def _decode(self, params: Dict[str, int]) -> Architecture:
        ops = tuple(int(params[f"op{i}"]) for i in range(self.space.num_op_slots))
        topo = self.space.topology
        counts: Sequence[int] = (topo.num_candidates if isinstance(topo, ChoiceTopology) else
                                 (2,) * topo.num_slots if isinstance(topo, BernoulliTopology) else ())
        topology = tuple(int(params[f"topology{i}"]) if n > 1 else 0 for i, n in enumerate(counts))
        return Architecture(ops, topology)

    def _encode(self, arch: Architecture) -> Dict[str, int]:
        values = {f"op{i}": int(o) for i, o in enumerate(arch.ops)}
        values.update({f"topology{i}": int(t) for i, t in enumerate(arch.topology) if f"topology{i}" in
                       self._distributions})
        return values

    def propose(self) -> List[Architecture]:
        fail = self._optuna.trial.TrialState.FAIL
        for _ in range(MAX_ASKS):
            trial = self.study.ask(self._distributions)
            arch = self._decode(trial.params)
            if not self.space.is_valid(arch):
                self.study.tell(trial, state=fail)
                continue
            key = self.space.key(arch)
            if key in self._known:  # evaluated already: Optuna learns its values again, for free
                self._tell(trial, self._known[key])
                continue
            if self.history.is_seen_key(key):  # handed out and not told yet (concurrent workers)
                self.study.tell(trial, state=fail)
                continue
            self._waiting.setdefault(key, []).append(trial)
            return [arch]
        return [sample_unseen(self)]

    def observe(self, trial: Trial) -> None:
        key = self.space.key(trial.arch)
        values = trial_values(trial, self.criteria)
        known = self._known[key] = (values, {c.metric: c.excess for c in trial.constraints})
        waiting = self._waiting.pop(key, [])
        for optuna_trial in waiting:
            self._tell(optuna_trial, known)
        if not waiting:  # not Optuna's proposal (random fallback, or told from outside): add it
            state = self._optuna.trial.TrialState
            self.study.add_trial(self._optuna.trial.create_trial(
                state=state.COMPLETE if values is not None else state.PRUNED,
                values=None if values is None else [float(v) for v in values],
                params=self._encode(trial.arch), distributions=self._distributions,
                constraints=known[1] if values is not None and known[1] else None))

    def _tell(self, optuna_trial: Any, known: Tuple[Optional[np.ndarray], Dict[str, float]]) -> None:
        values, excess = known
        if values is None:
            self.study.tell(optuna_trial, state=self._optuna.trial.TrialState.PRUNED)
            return
        for metric, amount in excess.items():
            optuna_trial.set_constraint(metric, amount)
        self.study.tell(optuna_trial, [float(v) for v in values])


__all__ = ["MAX_ASKS", "OptunaFront", "SAMPLERS", "categorical_slots"]
