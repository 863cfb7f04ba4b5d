"""Objective options: a resource ``constraint`` and the training ``fidelity``, by benchmark.

``get_objective(space, dataset, data_dir, **options)`` sends any options here:

- ``nasbench201`` (and its alias ``hw_nas_bench``): ``constraint`` on an HW-NAS-Bench metric
  (``hw_dir`` locates the CSVs), or ``fidelity`` ``full``/``low`` (``lowfi_dir``, ``top_k``).
- ``nasbench_graph``: ``constraint`` on the table's ``latency`` (seconds) or ``params`` (millions).
- both: ``objectives`` (e.g. ``"val,edgegpu_latency:min"``, or a list of ``{metric, direction}``),
  a multi-objective search (:func:`~naslib_optiproxy.objectives.multi_objective.multi_objective`),
  with a ``constraint`` on top if given.

Example:
    >>> objective = get_objective("nasbench201", "ImageNet16-120", constraint="edgegpu_latency<=2")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

from .constrained import ConstrainedObjective, check_metric, parse_constraint
from .hw_nas_bench import hw_nas_bench_objective
from .low_fidelity import nasbench201_fidelity_objective
from .multi_objective import multi_objective
from .nasbench201 import NasBench201Objective
from .nasbench_graph import NasBenchGraphObjective

GRAPH_METRICS = ("latency", "params")
OPTION_SPACES = ("nasbench201", "hw_nas_bench", "nasbench_graph")


def objective_with_options(search_space: str, dataset: Optional[str], data_dir: Any,
                           options: Mapping[str, Any]) -> Any:
    """The objective of ``search_space`` with ``constraint`` / ``fidelity`` options applied.

    Raises:
        ValueError: An option the benchmark does not take, both options at once, or a bad value.
    """
    left: Dict[str, Any] = {k: v for k, v in options.items() if v is not None}
    constraint = left.pop("constraint", None)
    fidelity = left.pop("fidelity", None)
    objectives = left.pop("objectives", None)
    if objectives is not None and search_space in OPTION_SPACES:
        if fidelity not in (None, "full"):
            raise ValueError("objectives are supported at full fidelity only; drop fidelity or the objectives")
        hw_dir = left.pop("hw_dir", None) if search_space != "nasbench_graph" else None
        _refuse(left, search_space, "objectives, constraint" + (", hw_dir" if search_space != "nasbench_graph" else ""))
        return multi_objective(search_space, dataset, objectives, data_dir, hw_dir, constraint)
    if search_space in ("nasbench201", "hw_nas_bench"):
        if constraint is None and search_space == "hw_nas_bench":
            raise ValueError("hw_nas_bench needs a constraint, e.g. constraint='edgegpu_latency<=2'")
        if constraint is not None:
            if fidelity not in (None, "full"):
                raise ValueError("a constraint is supported at full fidelity only; drop fidelity or the constraint")
            hw_dir = left.pop("hw_dir", None)
            _refuse(left, search_space, "constraint, hw_dir")
            return hw_nas_bench_objective(dataset, constraint, data_dir, hw_dir)
        if fidelity is not None:
            return nasbench201_fidelity_objective(dataset, data_dir, fidelity, **left)
        _refuse(left, search_space, "constraint, hw_dir, fidelity, lowfi_dir, top_k")
        return NasBench201Objective(dataset, data_dir)
    if search_space == "nasbench_graph":
        if fidelity is not None:
            left["fidelity"] = fidelity
        _refuse(left, search_space, "constraint")
        objective = NasBenchGraphObjective(dataset)
        if constraint is None:
            return objective
        parsed = parse_constraint(constraint)
        check_metric(parsed, GRAPH_METRICS, "NAS-Bench-Graph")
        constrained = ConstrainedObjective(objective, parsed)
        constrained.data_source = objective.data_source
        return constrained
    raise ValueError(f"the {search_space} benchmark takes no options (got {', '.join(sorted(options))}); "
                     f"constraint, objectives and fidelity apply to {', '.join(OPTION_SPACES)}")


def _refuse(left: Mapping[str, Any], search_space: str, known: str) -> None:
    if left:
        raise ValueError(f"unknown option(s) {', '.join(sorted(left))} for {search_space}; it takes {known}")


__all__ = ["GRAPH_METRICS", "OPTION_SPACES", "objective_with_options"]
