"""One job = one search of one method on one task with one seed; its result is one JSON file.

A job's record is the run result of :mod:`~naslib_optiproxy.result` (the schema of
``result.json``), written by the same pipeline as ``naslib-optiproxy search``
(:func:`~naslib_optiproxy.run.run_search`). Its file name carries a hash of everything that
changes the result (task, method and settings, seed, budget, package version), so a rerun with
another budget or setting never reuses an old file.
"""

from __future__ import annotations

import hashlib
import json
import resource
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Union

import yaml

from .._files import dumps, jsonable, write_atomic
from .._version import __version__
from ..integrations.naslib_plugin.runner import load_config
from ..integrations.naslib_plugin.runner import run as run_naslib
from ..result import RESULT_KEYS, SCHEMA, known_optimum
from ..config import OptiProxyConfig
from ..run import run_search
from ..strategies import strategy_config
from ..threads import policy_threads
from .methods import Method
from .tasks import Task


#: OptiProxy settings added after the first cached suites: they enter a job's key only when they
#: differ from their default, so the cached runs that never used them keep their keys.
SETTINGS_ADDED_LATER = ("local_candidates", "restart_stale")
_DEFAULTS = OptiProxyConfig().to_dict()


@dataclass(frozen=True)
class Job:
    task: Task
    method: Method
    seed: int
    budget: int

    @property
    def key(self) -> str:
        """8 hex digits identifying everything that changes this job's result."""
        identity = {"task": self.task.name, "optimizer": self.method.optimizer, "settings": list(self.method.settings),
                    "seed": self.seed, "budget": self.budget, "version": __version__, "threads": policy_threads()}
        if self.method.optimizer == "optiproxy":  # the preset it runs with: a changed preset is a new job
            effective = strategy_config(self.task.space, self.task.dataset, dict(self.method.settings),
                                        self.task.constrained).to_dict()
            identity["effective_settings"] = {k: v for k, v in effective.items()
                                              if not (k in SETTINGS_ADDED_LATER and v == _DEFAULTS[k])}
        return hashlib.sha256(dumps(identity).encode("utf-8")).hexdigest()[:8]

    @property
    def relative_path(self) -> Path:
        """``<task>/<method>/seed-<seed>-<key>.json`` under the comparison's output folder."""
        return Path(self.task.slug) / self.method.slug / f"seed-{self.seed}-{self.key}.json"

    def describe(self) -> str:
        return f"{self.task.name} {self.method.name} seed {self.seed}"


DataDir = Union[None, str, Mapping[str, str]]


def data_dir_for(data_dir: DataDir, space: str) -> Optional[str]:
    """One folder for every benchmark, or a ``{space: folder}`` mapping (``None``: the default)."""
    return data_dir.get(space) if isinstance(data_dir, Mapping) else data_dir


def run_job(job: Job, data_dir: DataDir = None, workdir: Optional[str] = None) -> Dict[str, Any]:
    """Run the search in this process and return its result record (the ``result.json`` schema).

    ``workdir``: where a strategy may put scratch files (SMAC3's facade, removed at once; ``None``:
    a temporary folder).
    """
    if job.method.through_naslib:
        return run_naslib_job(job, data_dir)
    objective = job.task.objective(data_dir_for(data_dir, job.task.space))
    return run_search(objective, job.method.optimizer, job.budget, job.seed, dict(job.method.settings),
                      task=job.task.name, method=job.method.name, workdir=workdir)


def run_naslib_job(job: Job, data_dir: DataDir = None) -> Dict[str, Any]:
    """Run ``naslib:<optimizer>`` through NASLib's Trainer (lightweight mode) via the plugin's runner."""
    name = job.method.optimizer.split(":", 1)[1]
    folder = data_dir_for(data_dir, job.task.space)
    with tempfile.TemporaryDirectory() as scratch:
        values = {"search_space": job.task.space, "dataset": job.task.dataset, "optimizer": name, "seed": job.seed,
                  "out_dir": scratch, "search": {"epochs": job.budget, **dict(job.method.settings)}}
        path = Path(scratch) / "config.yaml"
        path.write_text(yaml.safe_dump(values), encoding="utf-8")
        summary = run_naslib(load_config(str(path), []), lightweight=True, data_dir=folder, evaluate=True)
    incumbents = summary["valid_acc"]
    record: Dict[str, Any] = {key: None for key in RESULT_KEYS}
    record.update(
        schema=SCHEMA, task=job.task.name, method=job.method.name, optimizer=job.method.optimizer,
        search_space=job.task.space, dataset=job.task.dataset, seed=job.seed, budget=job.budget,
        settings=dict(job.method.settings), history=[{"arch": None, "val": v} for v in incumbents],
        trajectory=[max(incumbents[: i + 1]) for i in range(len(incumbents))],
        best={"arch": str(summary.get("final_arch")), "val": summary["best_val"], "test": summary.get("table_test")},
        optimum_val=known_optimum(job.task.objective(folder)), exhausted=False, seconds=summary["search_seconds"],
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, torch_threads=policy_threads(),
        package_version=__version__,
    )
    return jsonable(record)


def run_and_save(job: Job, out_dir: str, data_dir: DataDir = None) -> Dict[str, Any]:
    """Run ``job`` and write its record atomically (a killed job leaves no partial file)."""
    record = run_job(job, data_dir, workdir=str((Path(out_dir) / job.relative_path).parent))
    write_atomic(Path(out_dir) / job.relative_path, dumps(record).encode("utf-8"))
    return record


def load_record(path: Path) -> Dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


__all__ = ["DataDir", "Job", "data_dir_for", "load_record", "run_and_save", "run_job", "run_naslib_job"]
