"""One result schema for every run: ``result.json`` of ``search``, each ``compare`` job, the NASLib runner.

:func:`run_result` builds it from a finished :class:`~naslib_optiproxy.study.Study`; every key
of :data:`RESULT_KEYS` is always present (``None`` where it does not apply), so tools can read
any run the same way.

Keys:
    schema: ``"naslib_optiproxy.run/1"``.
    task, method: The task (``space/dataset[:options]``) and the method label (optimizer name,
        or a ``compare`` label such as ``one-group``).
    optimizer, search_space, dataset, seed, budget: What ran.
    settings: The strategy's effective settings (OptiProxy: every flat ``search:`` key).
    constraint, fidelity: The objective's options (``{metric, max}``; ``low``/``full``), or ``None``.
    data_source: Where the benchmark data came from (the objective's ``data_source``), or ``None``.
    history: Per trial ``{arch, val, test, feasible, constraints, ...info}``: ``val`` is the trial's value, the
        number the search maximised (``None`` if it failed).
    trajectory: Best-so-far feasible val after each trial (full-fidelity values of the promoted
        architectures for a low-fidelity search; the searched ones are ``search_trajectory``).
    best: ``{arch, val, test}`` of the best feasible trial, or ``None``.
    optimum_val: The task's known global optimum val, or ``None`` (surrogates).
    feasible_evaluations: Feasible trials under a constraint, else ``None``.
    epochs, search_trajectory, search_best, promoted: Low/full-fidelity accounting, else ``None``.
    exhausted: The space ran out of unseen architectures before the budget.
    seconds, peak_rss_mb: The search's wall time and the process's peak memory.
    torch_threads, torch_version, package_version: What computed it.
    proposals: A peer optimizer's count of its library's proposals (``asked``, ``new``, ``repeats``
        told their known value, ``invalid``, random ``fallbacks``; SMAC3 also ``random_fallback``, its
        own random draws for want of a new configuration), else ``None``.
    front: Several objectives: the non-dominated set, its hypervolume and the reference point
        (:mod:`~naslib_optiproxy.front_result`); ``best`` and ``trajectory`` then follow the first
        objective. ``None`` for one objective.
"""

from __future__ import annotations

import resource
from typing import Any, Dict, List, Mapping, Optional

import torch

from ._files import jsonable
from ._version import __version__
from .front_result import front_result
from .spaces import SearchSpace
from .study import Study
from .types import Trial

SCHEMA = "naslib_optiproxy.run/1"
RESULT_KEYS = ("schema", "task", "method", "optimizer", "search_space", "dataset", "seed", "budget", "settings",
               "constraint", "fidelity", "data_source", "history", "trajectory", "best", "optimum_val",
               "feasible_evaluations", "epochs", "search_trajectory", "search_best", "promoted", "exhausted",
               "seconds", "peak_rss_mb", "torch_threads", "torch_version", "package_version", "proposals", "front")


def history_entry(space: SearchSpace, trial: Trial) -> Dict[str, Any]:
    """``{"arch", "val", "test", "feasible", "constraints", ...other info}`` of one trial."""
    info = {k: v for k, v in trial.info.items() if k not in ("val", "test")}
    return {"arch": space.to_string(trial.arch), "val": _val(trial), "test": trial.info.get("test"),
            "feasible": trial.feasible, "constraints": [c.to_dict() for c in trial.constraints], **info}


def best_entry(space: SearchSpace, best: Optional[Trial]) -> Optional[Dict[str, Any]]:
    """``{"arch", "val", "test"}`` of the best (feasible) trial; ``None`` when none was feasible."""
    if best is None:
        return None
    return {"arch": space.to_string(best.arch), "val": _val(best), "test": best.info.get("test")}


def known_optimum(objective: Any) -> Optional[float]:
    """The objective's global optimum val, or ``None`` where it is unknown (e.g. surrogates)."""
    optimum = getattr(objective, "optimum", None)
    if optimum is None:
        return None
    try:
        return float(optimum()[1])
    except (NotImplementedError, TypeError, ValueError):
        return None


def run_result(study: Study, objective: Any, identity: Mapping[str, Any], budget: int, seconds: float,
               task: Optional[str] = None, method: Optional[str] = None) -> Dict[str, Any]:
    """The result of a finished study on ``objective`` (strict-JSON types, every :data:`RESULT_KEYS` key).

    ``identity`` holds the run's ``optimizer, search_space, dataset, seed, settings, constraint,
    fidelity, data_source, torch_threads`` (a journal header's config).
    """
    space = study.space
    constraint = getattr(objective, "constraint", None)
    result = build_result(identity, budget, seconds, [history_entry(space, t) for t in study.trials],
                          study.trajectory(), best_entry(space, study.best), known_optimum(objective),
                          study.exhausted, task, method, study.strategy.stats())
    if study.criteria is not None:
        result["front"] = front_result(study, objective)
    if constraint is not None:  # its {metric, max} came with the identity
        result["feasible_evaluations"] = sum(t.feasible for t in study.trials)
    report = getattr(objective, "report", None)
    if report is not None:
        fidelity = report(study.trials)
        result.update(fidelity=fidelity["fidelity"], epochs=fidelity["epochs"])
        if "trajectory" in fidelity:
            best = fidelity["best"]
            result.update(
                search_trajectory=study.trajectory(), search_best=best_entry(space, study.best),
                trajectory=fidelity["trajectory"],
                best=None if best is None else {"arch": space.to_string(best["arch"]), "val": best["val"],
                                                "test": best["test"]},
                promoted=[{**p, "arch": space.to_string(p["arch"])} for p in fidelity["promoted"]],
            )
    return jsonable(result)


def build_result(identity: Mapping[str, Any], budget: int, seconds: float, history: List[Dict[str, Any]],
                 trajectory: List[float], best: Optional[Dict[str, Any]], optimum_val: Optional[float],
                 exhausted: bool = False, task: Optional[str] = None, method: Optional[str] = None,
                 proposals: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """A result with every :data:`RESULT_KEYS` key (strict-JSON types): the one place the schema is written.

    :func:`run_result` builds a study's from it; a run of another framework (``compare``'s ``naslib:``
    methods) passes what it knows (``None`` stays where it does not apply).
    """
    result: Dict[str, Any] = {key: None for key in RESULT_KEYS}
    result.update({key: identity.get(key) for key in ("optimizer", "search_space", "dataset", "seed", "settings",
                                                        "constraint", "fidelity", "data_source", "torch_threads")})
    result.update(
        schema=SCHEMA, task=task or task_name(identity), method=method or identity.get("optimizer"), budget=budget,
        history=history, trajectory=trajectory, best=best, optimum_val=optimum_val, exhausted=exhausted,
        seconds=seconds, peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        torch_version=str(torch.__version__), package_version=__version__, proposals=proposals,
    )
    return jsonable(result)


def task_name(identity: Mapping[str, Any]) -> str:
    """``space/dataset[:constraint=...|fidelity=...]`` of a run."""
    name = f"{identity.get('search_space')}/{identity.get('dataset')}"
    options = []
    constraint = identity.get("constraint")
    if constraint:
        options.append(f"constraint={constraint['metric']}<={constraint['max']:g}")
    if identity.get("fidelity"):
        options.append(f"fidelity={identity['fidelity']}")
    return name + (":" + ",".join(options) if options else "")


def _val(trial: Trial) -> Any:
    """The value the study ranked the trial by (its ``info["val"]`` equals it for every bundled objective), so
    ``best.val`` is always the largest feasible ``val`` of the history, even after a journal was edited."""
    return None if trial.failed else trial.value


__all__ = ["RESULT_KEYS", "SCHEMA", "best_entry", "build_result", "history_entry", "known_optimum", "run_result", "task_name"]
