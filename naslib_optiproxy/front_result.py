"""The ``front`` of a multi-objective run's result: the non-dominated set, its hypervolume, the reference point.

:func:`front_result` builds it from a finished :class:`~naslib_optiproxy.study.Study` with
several objectives; ``result.json`` holds it under ``front`` (``None`` for one objective).

Keys:
    objectives: ``[{metric, direction}]``, the columns' order everywhere below.
    reference: ``"table"`` (the benchmark's whole table: the ideal point is the best value of each
        objective over it, the reference point the worst; with a constraint, over its feasible
        part) or ``"evaluated"`` (an objective without a table: the run's own best and worst values).
    ideal_point, reference_point: Those points, in the metrics' units.
    hypervolume: The share of the box between the ideal and the reference point that the front
        dominates (each objective mapped to ``[0, 1]``, :mod:`~naslib_optiproxy.pareto`).
    hypervolume_metric_units: The same in the metrics' own units (``hypervolume`` x the box's volume).
    true_front, true_hypervolume: The table's exact front (points) and its hypervolume, or ``None``.
    share, igd: The front's hypervolume over the true front's, and IGD (normalised units: the mean
        distance from each true front point to the nearest evaluated feasible point), or ``None``
        without a table.
    trials: The front, one entry per trial: ``{number, arch, <metric>: value, ...}``, by the first objective.
    plot: ``front.png`` when the run folder has the plot, else ``None`` (``plot_note`` says why).

Example:
    >>> from naslib_optiproxy import RandomSearch, Study
    >>> from naslib_optiproxy.objectives.multi_objective import multi_objective
    >>> objective = multi_objective("nasbench201", "cifar10", "val,edgegpu_latency:min")
    >>> study = Study(RandomSearch(objective.space, seed=0), directions=objective.criteria)
    >>> _ = study.optimize(objective, budget=30)
    >>> front = front_result(study, objective)
    >>> front["reference"], 0 < front["share"] <= 1, len(front["trials"]) == len(study.best_trials)
    ('table', True, True)
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from ._files import render
from .pareto import Bounds, Criterion, FrontScore, hypervolume, parse_criteria, trials_points
from .study import Study

FRONT_PLOT = "front.png"


def front_result(study: Study, objective: Any) -> Dict[str, Any]:
    """The ``front`` entry of a run's result (module docstring); JSON types."""
    criteria = study.criteria
    if criteria is None:
        raise ValueError("a front needs a study with several objectives (directions=...)")
    front = study.best_trials
    _, points = trials_points(front, criteria)
    order = np.argsort(-criteria[0].sign * points[:, 0], kind="stable") if len(points) else np.zeros(0, dtype=int)
    score: Optional[FrontScore] = objective.front_score() if hasattr(objective, "front_score") else None
    _, evaluated = trials_points([t for t in study.trials if t.feasible], criteria)
    if score is not None:
        bounds = score.bounds
    elif len(points):
        bounds = Bounds.of(evaluated, criteria)
    else:
        bounds = None
    value = hypervolume(points, criteria, bounds) if bounds is not None else 0.0
    volume = math.prod(abs(w - i) for i, w in zip(bounds.ideal, bounds.worst)) if bounds is not None else None
    return {
        "objectives": [c.to_dict() for c in criteria],
        "reference": "table" if score is not None else "evaluated",
        "ideal_point": list(bounds.ideal) if bounds is not None else None,
        "reference_point": list(bounds.worst) if bounds is not None else None,
        "hypervolume": value,
        "hypervolume_metric_units": value * volume if volume is not None else None,
        "true_front": score.front.tolist() if score is not None else None,
        "true_hypervolume": score.true_hypervolume if score is not None else None,
        "share": score.share(points) if score is not None else None,
        "igd": score.igd(evaluated) if score is not None and len(evaluated) else None,
        "trials": [{"number": front[i].number, "arch": study.space.to_string(front[i].arch),
                    **{c.metric: float(points[i, j]) for j, c in enumerate(criteria)}} for i in order],
        "plot": None,
    }


def record_score(front: Mapping[str, Any]) -> Optional[FrontScore]:
    """The :class:`FrontScore` a result's ``front`` entry states (``None`` without a true front)."""
    if not front or front.get("true_front") is None:
        return None
    criteria = parse_criteria(front["objectives"])
    bounds = Bounds(tuple(front["ideal_point"]), tuple(front["reference_point"]))
    return FrontScore(criteria, np.asarray(front["true_front"], dtype=np.float64), bounds)


def history_points(history: Sequence[Mapping[str, Any]], criteria: Sequence[Criterion], n: int) -> np.ndarray:
    """``[k, M]``: the objectives' values of the feasible, successful entries among the first ``n`` of a history."""
    rows: List[List[float]] = []
    for entry in history[:n]:
        if entry.get("val") is None or entry.get("feasible") is False:
            continue
        values = [entry.get(c.metric, entry.get("val") if c.metric == "val" else None) for c in criteria]
        if all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
            rows.append([float(v) for v in values])
    return np.array(rows, dtype=np.float64).reshape(-1, len(criteria))


def indicators_at(record: Mapping[str, Any], n: int) -> Tuple[Optional[float], Optional[float]]:
    """``(share of the true front's hypervolume, IGD)`` after ``n`` evaluations of a result record, or
    ``(None, None)`` where the record has no true front."""
    score = record_score(record.get("front") or {})
    if score is None:
        return None, None
    points = history_points(record["history"], score.criteria, n)
    return score.share(points), (score.igd(points) if len(points) else None)


def plot_front(result: Mapping[str, Any], criteria: Sequence[Criterion]) -> bytes:
    """PNG bytes: the evaluated points, the run's front and the true front (where known), the first objective
    against the second (the others are not drawn).

    Raises:
        ImportError: matplotlib is not installed.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    front = result["front"]
    x, y = criteria[1], criteria[0]
    points = history_points(result["history"], criteria, len(result["history"]))
    fig, ax = plt.subplots(figsize=(5, 3.8))
    ax.scatter(points[:, 1], points[:, 0], s=8, color="0.7", label=f"evaluated ({len(points)})")
    if front["true_front"] is not None:
        true = np.asarray(front["true_front"])[:, :2]
        true = true[np.argsort(true[:, 1])]
        ax.step(true[:, 1], true[:, 0], where="post", color="black", lw=1, label="true front")
    found = np.array([[t[y.metric], t[x.metric]] for t in front["trials"]]).reshape(-1, 2)
    found = found[np.argsort(found[:, 1])]
    share = f", {front['share']:.3f} of the true front's HV" if front["share"] is not None else ""
    ax.step(found[:, 1], found[:, 0], where="post", color="tab:red", lw=1.5, marker="o", ms=3,
            label=f"front ({len(found)}), HV {front['hypervolume']:.3f}{share}")
    ax.set_xlabel(f"{x.metric} ({x.direction})")
    ax.set_ylabel(f"{y.metric} ({y.direction})")
    ax.set_title(f"{result['task']}  {result['method']}  seed {result['seed']}", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    try:
        return render(lambda buffer: fig.savefig(buffer, dpi=110, format="png"))
    finally:
        plt.close(fig)


__all__ = ["FRONT_PLOT", "front_result", "history_points", "indicators_at", "plot_front", "record_score"]
