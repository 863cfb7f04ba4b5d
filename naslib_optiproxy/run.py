"""One search, start to finish: the pipeline every door runs (CLI ``search``, ``compare`` jobs).

:func:`run_search` takes an objective and a strategy by name, applies the measured preset
(:meth:`OptiProxyConfig.preset <naslib_optiproxy.config.OptiProxyConfig.preset>`), drives a
:class:`~naslib_optiproxy.study.Study` (journaled in ``folder`` when one is given, resumable),
and returns the run's result in the one schema of :mod:`~naslib_optiproxy.result`, written to
``<folder>/result.json``. An objective with several ``criteria`` (the ``objectives`` option of
:func:`~naslib_optiproxy.objectives.get_objective`) runs a front strategy
(:mod:`~naslib_optiproxy.strategies.fronts`); its result then holds the ``front`` and the run
folder a plot of it, ``front.png`` (with matplotlib).

Example:
    >>> from naslib_optiproxy import get_objective, run_search
    >>> result = run_search(get_objective("nasbench_graph", "cora"), "rs", budget=5, seed=0)
    >>> len(result["history"]), result["best"]["val"] > 0
    (5, True)
"""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Sequence, Union

import torch

from ._files import write_atomic, write_json
from .config import OptiProxyConfig
from .front_result import FRONT_PLOT, plot_front
from .result import run_result
from .storage import JournalStorage
from .strategies import make_strategy
from .study import AllFailedError, Callback, Study
from .threads import policy_threads

RESULT_FILE = "result.json"
#: Evaluations per run when none is given (the CLI, ``compare``, the NASLib runner).
DEFAULT_BUDGET = 100
#: A run stops after this many failed evaluations in a row (``None``: never), every door alike. On a
#: tabular benchmark an evaluation fails only when something is broken (a table, the objective), so
#: ten in a row means the rest would fail too; the journal keeps them and ``--resume`` continues once
#: the cause is fixed. :meth:`Study.optimize <naslib_optiproxy.study.Study.optimize>` itself has no limit.
MAX_CONSECUTIVE_FAILURES = 10


def run_identity(optimizer: str, objective: Any, seed: int, settings: Mapping[str, Any]) -> Dict[str, Any]:
    """Everything that changes a run's results (the journal header, checked on resume)."""
    constraint = getattr(objective, "constraint", None)
    criteria = getattr(objective, "criteria", None)
    objectives = {} if criteria is None else {"objectives": [c.to_dict() for c in criteria]}
    return {
        "search_space": objective.space.name,
        "dataset": getattr(objective, "dataset", None),
        "optimizer": optimizer,
        "seed": int(seed),
        "settings": dict(settings),
        "constraint": None if constraint is None else constraint.to_dict(),
        "fidelity": getattr(objective, "fidelity", None),
        "data_source": getattr(objective, "data_source", None),
        "torch_version": str(torch.__version__),
        "torch_threads": policy_threads(),
        **objectives,  # only with several objectives: a single-objective journal's header is unchanged
    }


def run_search(objective: Any, optimizer: str = "optiproxy", budget: int = DEFAULT_BUDGET, seed: int = 0,
               settings: Union[None, OptiProxyConfig, Mapping[str, Any]] = None, folder: Union[None, str, "os.PathLike[str]"] = None,
               resume: bool = False, callbacks: Sequence[Callback] = (),
               max_consecutive_failures: Optional[int] = MAX_CONSECUTIVE_FAILURES,
               task: Optional[str] = None, method: Optional[str] = None,
               resume_hint: str = "pass --resume",
               workdir: Union[None, str, "os.PathLike[str]"] = None) -> Dict[str, Any]:
    """Run ``optimizer`` on ``objective`` for ``budget`` evaluations and return the result dict.

    Args:
        objective: A benchmark objective (:func:`~naslib_optiproxy.objectives.get_objective`).
        optimizer: ``optiproxy``, ``rs``, ``re``, ``ls``, or a peer optimizer (``optuna:tpe``, ``smac``, ...:
            :data:`~naslib_optiproxy.strategies.PEERS`).
        settings: OptiProxy settings (flat keys) over the measured preset, or a whole config.
        folder: Run folder: ``journal.jsonl`` receives every trial as it arrives, ``result.json``
            the result. ``None``: nothing is written.
        resume: Continue the run in ``folder`` (same identity; a larger budget is allowed).
        callbacks: Called as ``callback(study, trial)`` after each trial (also replayed ones: no).
        task, method: Labels for the result (default: ``space/dataset`` and ``optimizer``).
        workdir: Where a strategy may put scratch files (SMAC3's facade; removed at once); default
            ``folder``, else a temporary folder.

    Raises:
        AllFailedError: Every evaluation failed; ``result.json`` is written all the same (each
            failure's reason is in its history entry).
        TooManyFailuresError: ``max_consecutive_failures`` failures in a row (the journal keeps them;
            no result is written: resume once the cause is fixed).
    """
    constrained = getattr(objective, "constraint", None) is not None
    criteria = getattr(objective, "criteria", None)
    scratch = workdir if workdir is not None else folder
    strategy = make_strategy(optimizer, objective.space, seed, settings, getattr(objective, "dataset", None),
                             constrained, budget, None if scratch is None else os.fspath(scratch), criteria)
    identity = run_identity(optimizer, objective, seed, strategy.settings())
    storage = JournalStorage(folder) if folder is not None else None
    records = storage.open(identity, resume, budget, resume_hint) if storage is not None else []
    try:
        study = Study(strategy, storage, directions=criteria)
        study.prepare(objective)
        start = time.perf_counter()
        study.replay(records)
        failure: Optional[AllFailedError] = None
        try:
            study.optimize(objective, budget, callbacks, max_consecutive_failures)
        except AllFailedError as error:  # a finished run all the same: its result says why each failed
            failure = error
        seconds = time.perf_counter() - start
        result = run_result(study, objective, identity, budget, seconds, task, method)
        if folder is not None and result["front"] is not None:
            write_front_plot(result, Path(folder), criteria)
        if folder is not None:
            write_json(Path(folder) / RESULT_FILE, result)  # still under the run's lock
        if failure is not None:
            raise failure
    finally:
        if storage is not None:
            storage.close()
    return result


def write_front_plot(result: Dict[str, Any], folder: Path, criteria: Sequence[Any]) -> None:
    """``front.png`` in the run folder (atomically); without matplotlib, a note in ``result["front"]`` instead."""
    front = result["front"]
    if importlib.util.find_spec("matplotlib") is None:
        front["plot_note"] = "matplotlib is not installed: no front.png (pip install 'naslib-optiproxy[plot]')"
        return
    write_atomic(folder / FRONT_PLOT, plot_front(result, criteria))
    front["plot"] = FRONT_PLOT


__all__ = ["DEFAULT_BUDGET", "MAX_CONSECUTIVE_FAILURES", "RESULT_FILE", "run_identity", "run_search",
           "write_front_plot"]
