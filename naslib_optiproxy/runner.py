"""Run one configured search: benchmark, optimizer, journal, progress bar, result file.

``<out_dir>/journal.jsonl`` receives every evaluation as it arrives (see
:mod:`~naslib_optiproxy.journal`); ``<out_dir>/result.json`` is written at the end.
With ``resume=True`` an interrupted run continues from its journal (see
:mod:`~naslib_optiproxy.resume`): nothing journaled is evaluated again.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import torch
from tqdm import tqdm

from .objectives import get_objective
from .journal import RunJournal, jsonable, write_atomic
from .strategies import Optimizer, Trial, make_optimizer
from .resume import load_for_resume, replay
from .run_config import RunConfig
from .spaces import SearchSpace

JOURNAL_FILE = "journal.jsonl"
RESULT_FILE = "result.json"


def run_search(cfg: RunConfig, progress: bool = True, resume: bool = False) -> Dict[str, Any]:
    """Run the search ``cfg`` describes and return (and write) its result dict.

    An existing non-empty ``<out_dir>/journal.jsonl`` is refused unless ``resume``; with
    ``resume`` its header must match ``cfg`` (search space, dataset, optimizer, seed,
    effective OptiProxy settings, package version), its evaluations are replayed without
    re-evaluating them, and the run continues to ``cfg.budget``, appending to the journal.
    The result then equals the uninterrupted run's (history, trajectory, best).

    Keys: ``optimizer, search_space, dataset, seed, budget, config`` (effective OptiProxy
    settings, ``{}`` for baselines), ``history`` (per evaluation: ``arch, val, test`` and
    any other info), ``trajectory`` (best-so-far val), ``best`` (``arch, val, test``),
    ``seconds`` (search wall time), ``package_version``.

    Torch runs single-threaded during the search unless ``OMP_NUM_THREADS`` is set:
    the proxies are tiny, and thread start-up costs more than it saves.
    """
    from . import __version__

    cfg = cfg.resolved()
    search_config = cfg.search_config()
    settings = search_config.to_dict() if search_config is not None else {}
    out_dir = Path(cfg.out_dir)
    header = {**cfg.to_dict(), "search": settings}
    records = load_for_resume(out_dir / JOURNAL_FILE, header, resume, cfg.budget)  # before any work
    objective = get_objective(cfg.search_space, cfg.dataset, cfg.data_dir, **cfg.objective_options())
    space = objective.space
    optimizer = make_optimizer(cfg.optimizer, space, cfg.seed, settings or None)

    journal = RunJournal(out_dir / JOURNAL_FILE)
    if records is None:
        journal.start({**header, "dataset": objective.dataset})
    bar = tqdm(total=cfg.budget, initial=len(records or ()),
               desc=f"{cfg.optimizer} {cfg.search_space}/{objective.dataset}",
               file=sys.stderr, disable=not progress, unit="eval", dynamic_ncols=True)
    threads = torch.get_num_threads()
    if "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(1)
    start = time.perf_counter()
    try:
        if records:
            replay(optimizer, records)
        optimizer.optimize(objective, cfg.budget, callbacks=[_journal_writer(journal, space), _progress(bar)],
                           max_consecutive_failures=cfg.max_consecutive_failures)
    finally:
        seconds = time.perf_counter() - start
        torch.set_num_threads(threads)
        bar.close()
        journal.close()

    history = [history_entry(space, trial) for trial in optimizer.trials]
    best = optimizer.best
    result = {
        "optimizer": cfg.optimizer,
        "search_space": cfg.search_space,
        "dataset": objective.dataset,
        "seed": cfg.seed,
        "budget": cfg.budget,
        "config": settings,
        "history": history,
        "trajectory": optimizer.trajectory(),
        "best": best_entry(space, best),
        "seconds": seconds,
        "package_version": __version__,
    }
    result.update(objective_report(objective, optimizer))
    result = jsonable(result)
    _write_json(out_dir / RESULT_FILE, result)
    return result


def history_entry(space: SearchSpace, trial: Trial) -> Dict[str, Any]:
    """``{"arch", "val", "test", ...other info}`` of one evaluation (val ``None`` if it failed)."""
    info = {k: v for k, v in trial.info.items() if k not in ("val", "test")}
    return {"arch": space.to_string(trial.arch), "val": _val(trial), "test": trial.info.get("test"), **info}


def best_entry(space: SearchSpace, best: Optional[Trial]) -> Optional[Dict[str, Any]]:
    """``{"arch", "val", "test"}`` of the best (feasible) trial; ``None`` when no evaluation was feasible."""
    if best is None:
        return None
    return {"arch": space.to_string(best.arch), "val": _val(best), "test": best.info.get("test")}


def objective_report(objective: Any, optimizer: Optimizer) -> Dict[str, Any]:
    """Result keys a constrained or fidelity-aware objective adds.

    Constraint: ``constraint`` ``{metric, max}`` and ``feasible_evaluations``. Fidelity:
    ``fidelity`` and ``epochs`` (cumulative training epochs after each evaluation). Low
    fidelity also replaces ``trajectory`` and ``best`` by the full-fidelity values of the
    promoted architectures (see :class:`~naslib_optiproxy.objectives.low_fidelity.LowFidelityObjective`),
    keeping the searched low-fidelity ones as ``search_trajectory`` and ``search_best``.
    """
    space = optimizer.space
    extra: Dict[str, Any] = {}
    constraint = getattr(objective, "constraint", None)
    if constraint is not None:
        extra["constraint"] = constraint.to_dict()
        extra["feasible_evaluations"] = sum(t.feasible for t in optimizer.trials)
    report = getattr(objective, "report", None)
    if report is not None:
        fidelity = report(optimizer.trials)
        extra.update(fidelity=fidelity["fidelity"], epochs=fidelity["epochs"])
        if "trajectory" in fidelity:
            best = fidelity["best"]
            extra.update(
                search_trajectory=optimizer.trajectory(), search_best=best_entry(space, optimizer.best),
                trajectory=fidelity["trajectory"],
                best=None if best is None else {"arch": space.to_string(best["arch"]),
                                                "val": best["val"], "test": best["test"]},
                promoted=[{**p, "arch": space.to_string(p["arch"])} for p in fidelity["promoted"]],
            )
    return extra


def _val(trial: Trial) -> Any:
    return None if trial.failed else trial.info.get("val", trial.value)


def _journal_writer(journal: RunJournal, space: SearchSpace) -> Callable[[Optimizer, Trial], None]:
    def write(optimizer: Optimizer, trial: Trial) -> None:
        journal.append({
            "number": trial.number,
            "arch": space.to_string(trial.arch),
            "encoding": trial.arch.to_lists(),
            "value": trial.value,
            "info": trial.info,
        })

    return write


def _progress(bar: tqdm) -> Callable[[Optimizer, Trial], None]:
    def update(optimizer: Optimizer, trial: Trial) -> None:
        best = optimizer.best
        if best is not None:
            bar.set_postfix(best=f"{best.value:.3f}", refresh=False)
        bar.update(1)

    return update


def _write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented strict JSON, atomically."""
    write_atomic(path, (json.dumps(data, indent=2, allow_nan=False) + "\n").encode("utf-8"))


__all__: List[str] = ["JOURNAL_FILE", "RESULT_FILE", "history_entry", "run_search"]
