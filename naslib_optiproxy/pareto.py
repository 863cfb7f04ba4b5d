"""Several objectives at once: directions, non-dominated sets, hypervolume and IGD.

A multi-objective search names its objectives as :class:`Criterion` ``(metric, direction)``,
e.g. ``val:max`` and ``edgegpu_latency:min`` (:func:`parse_criteria`). Points are arrays
``[n, M]`` in the metrics' own units, one column per criterion, in the order given.

The indicators come from `moocore <https://multi-objective.github.io/moocore/python/>`_
(exact hypervolume, IGD, IGD+, non-dominated filtering), never written here. They are
computed in *normalised* units (:class:`Bounds`): every criterion mapped to ``[0, 1]`` as a
minimisation, 0 at the best value of the benchmark's whole table (the ideal point), 1 at the
worst (the reference point). So

* the hypervolume of a set is the share of the unit box it dominates, and its share of the
  true front's hypervolume (:meth:`FrontScore.share`) is the same in any affine units;
* IGD and IGD+ are distances in units of each criterion's range over the table, so
  accuracy (percent) and latency (ms) weigh alike.

A point that is worse than the reference point in some criterion dominates none of the box
and adds nothing to a hypervolume.

Example:
    >>> criteria = parse_criteria("val,edgegpu_latency:min")
    >>> [str(c) for c in criteria]
    ['val:max', 'edgegpu_latency:min']
    >>> points = np.array([[90.0, 3.0], [80.0, 1.0], [70.0, 2.0]])
    >>> nondominated(points, criteria).tolist()
    [True, True, False]
    >>> bounds = Bounds.of(points, criteria)
    >>> round(hypervolume(points, criteria, bounds), 3)
    0.5
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

import moocore
import numpy as np

from ._text import did_you_mean, shorten
from .types import Trial

DIRECTIONS = ("max", "min")
_ALIASES = {"max": "max", "maximise": "max", "maximize": "max", "min": "min", "minimise": "min", "minimize": "min"}
_FORMS = ("write METRIC or METRIC:max / METRIC:min, comma-separated (e.g. val,edgegpu_latency:min), or "
          "{metric: edgegpu_latency, direction: min} in YAML")

CriterionLike = Union[str, Mapping[str, Any], "Criterion"]


@dataclass(frozen=True)
class Criterion:
    """One objective of a multi-objective search: a reported ``metric`` and whether to ``max``/``min`` it."""

    metric: str
    direction: str = "max"

    def __post_init__(self) -> None:
        if not isinstance(self.metric, str) or not self.metric.strip():
            raise ValueError(f"an objective's metric must be a metric name, got {shorten(self.metric)}; {_FORMS}")
        direction = _ALIASES.get(str(self.direction).lower()) if isinstance(self.direction, str) else None
        if direction is None:
            raise ValueError(f"objective {self.metric!r}: direction must be max or min, got "
                             f"{shorten(self.direction)}{did_you_mean(self.direction, _ALIASES)}")
        object.__setattr__(self, "direction", direction)

    @property
    def maximise(self) -> bool:
        return self.direction == "max"

    @property
    def sign(self) -> float:
        """+1 for ``max``, -1 for ``min``: ``sign * value`` is to be maximised."""
        return 1.0 if self.maximise else -1.0

    def to_dict(self) -> dict:
        return {"metric": self.metric, "direction": self.direction}

    def __str__(self) -> str:
        return f"{self.metric}:{self.direction}"


def parse_criterion(value: CriterionLike) -> Criterion:
    """A :class:`Criterion` from ``"metric"`` (max), ``"metric:min"`` or ``{metric, direction}``."""
    if isinstance(value, Criterion):
        return value
    if isinstance(value, str):
        metric, _, direction = value.strip().partition(":")
        return Criterion(metric.strip(), direction.strip() or "max")
    if isinstance(value, Mapping):
        keys = set(value)
        if not {"metric"} <= keys <= {"metric", "direction"}:
            raise ValueError(f"bad objective {shorten(dict(value))}: expected the keys metric and direction, got "
                             f"{', '.join(sorted(map(str, keys))) or 'none'}; {_FORMS}")
        return Criterion(value["metric"], value.get("direction", "max"))
    raise TypeError(f"an objective must be text like 'edgegpu_latency:min' or a mapping, got "
                    f"{type(value).__name__} {shorten(value)}")


def parse_criteria(value: Union[str, Iterable[CriterionLike]]) -> Tuple[Criterion, ...]:
    """Two or more distinct criteria from ``"val,edgegpu_latency:min"`` (``;`` separates too) or a sequence of
    criterion forms.

    Raises:
        ValueError: A malformed criterion, fewer than two, or one metric named twice.
    """
    items = [part for part in re.split(r"[,;]", value) if part.strip()] if isinstance(value, str) else list(value)
    criteria = tuple(parse_criterion(item) for item in items)
    if len(criteria) < 2:
        raise ValueError(f"a multi-objective search needs at least two objectives, got "
                         f"{', '.join(map(str, criteria)) or 'none'}; {_FORMS}")
    metrics = [c.metric for c in criteria]
    twice = sorted({m for m in metrics if metrics.count(m) > 1})
    if twice:
        raise ValueError(f"objective {twice[0]!r} is named twice; name each metric once")
    return criteria


def parse_directions(directions: Sequence[CriterionLike]) -> Tuple[Criterion, ...]:
    """Criteria from Optuna's convention or ours: ``["maximize", "minimize"]`` names the objectives
    ``value_0, value_1, ...`` (the objective returns one number per direction); ``["val",
    "edgegpu_latency:min"]`` or ``{metric, direction}`` mappings name reported metrics.

    Raises:
        ValueError: Fewer than two, a malformed one, or a metric named twice.
    """
    if isinstance(directions, str):
        return parse_criteria(directions)
    items = []
    for i, item in enumerate(directions):
        bare = isinstance(item, str) and item.strip().lower() in _ALIASES
        items.append(Criterion(f"value_{i}", item.strip()) if bare else item)
    return parse_criteria(items)


def _flags(criteria: Sequence[Criterion]) -> list:
    return [c.maximise for c in criteria]


def _points(points: Any, criteria: Sequence[Criterion]) -> np.ndarray:
    array = np.asarray(points, dtype=np.float64).reshape(-1, len(criteria))
    if not np.isfinite(array).all():
        raise ValueError("points must be finite (drop failed evaluations before computing indicators)")
    return array


def nondominated(points: Any, criteria: Sequence[Criterion]) -> np.ndarray:
    """``[n]`` bool: the points no other point dominates (of equal points, the first only)."""
    array = _points(points, criteria)
    if not len(array):
        return np.zeros(0, dtype=bool)
    return np.asarray(moocore.is_nondominated(array, maximise=_flags(criteria)), dtype=bool)


def pareto_front(points: Any, criteria: Sequence[Criterion]) -> np.ndarray:
    """The non-dominated points, distinct, sorted by the first criterion from best to worst."""
    array = _points(points, criteria)
    front = array[nondominated(array, criteria)]
    return front[np.argsort(-criteria[0].sign * front[:, 0], kind="stable")]


@dataclass(frozen=True)
class Bounds:
    """The ideal and worst value of each criterion; maps points to ``[0, 1]`` minimisation units.

    The worst point is the reference point of every hypervolume (module docstring).
    """

    ideal: Tuple[float, ...]
    worst: Tuple[float, ...]

    @classmethod
    def of(cls, points: Any, criteria: Sequence[Criterion]) -> "Bounds":
        """The best and worst value of each criterion among ``points`` (e.g. a benchmark's whole table)."""
        array = _points(points, criteria)
        if not len(array):
            raise ValueError("bounds need at least one point")
        signs = np.array([c.sign for c in criteria])
        return cls(tuple(float(v) for v in (signs * (signs * array).max(0))),
                   tuple(float(v) for v in (signs * (signs * array).min(0))))

    def normalise(self, points: Any, criteria: Sequence[Criterion]) -> np.ndarray:
        """``(value - ideal) / (worst - ideal)`` per criterion: 0 best, 1 at the reference point."""
        array = _points(points, criteria)
        ideal, worst = np.array(self.ideal), np.array(self.worst)
        span = np.where(worst != ideal, worst - ideal, 1.0)
        return (array - ideal) / span

    def to_dict(self) -> dict:
        return {"ideal": list(self.ideal), "reference": list(self.worst)}


def hypervolume(points: Any, criteria: Sequence[Criterion], bounds: Bounds) -> float:
    """The share of the unit box between ``bounds``' ideal and reference points that ``points`` dominate."""
    unit = bounds.normalise(points, criteria)
    if not len(unit):
        return 0.0
    return float(moocore.hypervolume(unit, ref=np.ones(len(criteria))))


@dataclass(frozen=True)
class FrontScore:
    """Indicators of found points against a benchmark's true front, in :class:`Bounds`' units.

    Args:
        criteria: The criteria, in the columns' order.
        front: The true Pareto front ``[F, M]`` (metrics' units).
        bounds: Ideal and reference points (the convention: the whole table's best and worst values).
    """

    criteria: Tuple[Criterion, ...]
    front: np.ndarray
    bounds: Bounds

    @property
    def true_hypervolume(self) -> float:
        return hypervolume(self.front, self.criteria, self.bounds)

    def share(self, points: Any) -> float:
        """Hypervolume of ``points`` over the true front's (1.0: the whole front found)."""
        return hypervolume(points, self.criteria, self.bounds) / self.true_hypervolume

    def igd(self, points: Any) -> float:
        """Mean distance from each true front point to its nearest found point (``inf`` for no points)."""
        return self._distance(moocore.igd, points)

    def igd_plus(self, points: Any) -> float:
        """IGD+ (distance counted only where a found point is worse): Pareto-compliant."""
        return self._distance(moocore.igd_plus, points)

    def _distance(self, indicator: Any, points: Any) -> float:
        unit = self.bounds.normalise(points, self.criteria)
        if not len(unit):
            return math.inf
        return float(indicator(unit, ref=self.bounds.normalise(self.front, self.criteria)))


def trial_values(trial: Trial, criteria: Sequence[Criterion]) -> Optional[np.ndarray]:
    """The criteria's values ``[M]`` of a trial, or ``None`` for a failed one or a metric not reported.

    The one place strategies and reports read several objectives of a trial: from its
    ``info`` (a multi-metric objective reports every metric there), a metric missing from
    ``info`` being the trial's ``value``. A value that is not a finite number counts as not
    reported.
    """
    if trial.failed:
        return None
    values = []
    for criterion in criteria:
        value = trial.info.get(criterion.metric, trial.value if criterion.metric in ("value", "val") else None)
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        if not math.isfinite(number):
            return None
        values.append(number)
    return np.array(values)


def trials_points(trials: Sequence[Trial], criteria: Sequence[Criterion]) -> Tuple[list, np.ndarray]:
    """``(trials that have every value, their points [n, M])``."""
    kept, rows = [], []
    for trial in trials:
        values = trial_values(trial, criteria)
        if values is not None:
            kept.append(trial)
            rows.append(values)
    return kept, np.array(rows, dtype=np.float64).reshape(-1, len(criteria))


__all__ = ["Bounds", "Criterion", "DIRECTIONS", "FrontScore", "hypervolume", "nondominated", "parse_criteria",
           "parse_criterion", "parse_directions", "pareto_front", "trial_values", "trials_points"]
