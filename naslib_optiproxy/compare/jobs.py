"""One job = one search of one method on one task with one seed; its result is one JSON file."""

from __future__ import annotations

import json
import resource
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Union

from ..journal import dumps, write_atomic
from .methods import Method
from .tasks import Task


@dataclass(frozen=True)
class Job:
    task: Task
    method: Method
    seed: int
    budget: int

    @property
    def relative_path(self) -> Path:
        """``<task>/<method>/seed-<seed>.json`` under the comparison's output folder."""
        return Path(self.task.slug) / self.method.slug / f"seed-{self.seed}.json"

    def describe(self) -> str:
        return f"{self.task.name} {self.method.name} seed {self.seed}"


DataDir = Union[None, str, Mapping[str, str]]


def data_dir_for(data_dir: DataDir, space: str) -> Optional[str]:
    """One folder for every benchmark, or a ``{space: folder}`` mapping (``None``: the default)."""
    return data_dir.get(space) if isinstance(data_dir, Mapping) else data_dir


def run_job(job: Job, data_dir: DataDir = None) -> Dict[str, Any]:
    """Run the search in this process (one torch thread) and return its result record.

    The record holds the best-so-far value after every evaluation (``trajectory``), the best
    architecture, the task's known optimum (``None`` where unknown) and the run's costs.
    """
    import torch

    torch.set_num_threads(1)
    if job.method.through_naslib:
        return run_naslib_job(job, data_dir)
    from ..strategies import make_optimizer
    from ..runner import objective_report

    objective = job.task.objective(data_dir_for(data_dir, job.task.space))
    space = objective.space
    settings = job.task.search_config(job.method)
    optimizer = make_optimizer(job.method.optimizer, space, job.seed, settings)
    start = time.perf_counter()
    best = optimizer.optimize(objective, job.budget)
    seconds = time.perf_counter() - start
    record = {
        "task": job.task.name,
        "method": job.method.name,
        "optimizer": job.method.optimizer,
        "settings": settings,
        "seed": job.seed,
        "budget": job.budget,
        "trajectory": optimizer.trajectory(),
        "best_arch": None if best is None else space.to_string(best.arch),
        "best_val": None if best is None else best.value,
        "best_test": None if best is None else best.info.get("test"),
        "optimum_val": known_optimum(objective),
        "seconds": seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    # constraint: feasible count; fidelity: epochs spent, and for low fidelity the full-fidelity
    # trajectory and best of the promoted architectures (the searched values stay as search_*)
    extra = objective_report(objective, optimizer)
    if "best" in extra:
        promoted = extra.pop("best") or {}
        record.update(best_arch=promoted.get("arch"), best_val=promoted.get("val"), best_test=promoted.get("test"))
    record.update(extra)
    return record


def run_naslib_job(job: Job, data_dir: DataDir = None) -> Dict[str, Any]:
    """Run ``naslib:<optimizer>`` through NASLib's Trainer (lightweight mode) via the plugin's runner."""
    import tempfile

    import yaml

    from ..integrations.naslib_plugin.runner import load_config, run

    name = job.method.optimizer.split(":", 1)[1]
    folder = data_dir_for(data_dir, job.task.space)
    with tempfile.TemporaryDirectory() as scratch:
        values = {"search_space": job.task.space, "dataset": job.task.dataset, "optimizer": name, "seed": job.seed,
                  "out_dir": scratch, "search": {"epochs": job.budget, **dict(job.method.settings)}}
        path = Path(scratch) / "config.yaml"
        path.write_text(yaml.safe_dump(values), encoding="utf-8")
        summary = run(load_config(str(path), []), lightweight=True, data_dir=folder, evaluate=True)
    incumbents = summary["valid_acc"]
    return {
        "task": job.task.name, "method": job.method.name, "optimizer": job.method.optimizer,
        "settings": dict(job.method.settings), "seed": job.seed, "budget": job.budget,
        "trajectory": [max(incumbents[: i + 1]) for i in range(len(incumbents))],
        "best_arch": str(summary.get("final_arch")), "best_val": summary["best_val"],
        "best_test": summary.get("table_test"), "optimum_val": known_optimum(job.task.objective(folder)),
        "seconds": summary["search_seconds"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def known_optimum(objective: Any) -> Optional[float]:
    """The task's global optimum val, or ``None`` for objectives without one (e.g. surrogates)."""
    optimum = getattr(objective, "optimum", None)
    if optimum is None:
        return None
    try:
        return float(optimum()[1])
    except (NotImplementedError, TypeError, ValueError):
        return None


def run_and_save(job: Job, out_dir: str, data_dir: DataDir = None) -> Dict[str, Any]:
    """Run ``job`` and write its record atomically (a killed job leaves no partial file)."""
    record = run_job(job, data_dir)
    path = Path(out_dir) / job.relative_path
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, dumps(record).encode("utf-8"))
    return record


def load_record(path: Path) -> Dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))
