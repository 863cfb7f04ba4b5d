"""One job = one search of one method on one task with one seed; its result is one JSON file.

A job's record is the run result of :mod:`~naslib_optiproxy.result` (the schema of
``result.json``), written by the same pipeline as ``naslib-optiproxy search``
(:func:`~naslib_optiproxy.run.run_search`). Its file name carries a hash of everything that
changes the result (task, method and settings, seed, budget, package version, thread count, and
the SHA-256 of the benchmark tables the task reads: :func:`with_data`), so a rerun with another
budget, setting or data never reuses an old file. A job file is written atomically; one that
does not read back as a result is refused, naming it, before any job runs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from .._files import dumps, make_dirs, write_atomic
from .._text import clip, shorten
from .._version import __version__
from ..objectives import BenchmarkDataError
from ..result import build_result, known_optimum
from ..config import OptiProxyConfig, resolve_settings
from ..run import run_search
from ..strategies.fronts import front_settings
from ..strategies.optiproxy_mo import mo_preset
from ..threads import policy_threads
from .methods import Method
from .tasks import Task


#: OptiProxy settings added after the first cached suites: they enter a job's key only when they
#: differ from their default, so the cached runs that never used them keep their keys.
SETTINGS_ADDED_LATER = (
    "local_candidates", "restart_stale", "fit_target", "ensemble_size", "ei_slots", "ei_scope", "ei_model",
    "ei_when_stalled", "climb_moves")
#: Largest job file read back (a result of 10,000 evaluations is a few MB).
MAX_RECORD_BYTES = 256 << 20
_DEFAULTS = OptiProxyConfig().to_dict()


@dataclass(frozen=True)
class Job:
    """One (task, method, seed, budget); ``data``: the digest of the task's tables (:func:`with_data`)."""

    task: Task
    method: Method
    seed: int
    budget: int
    data: str = ""

    @property
    def config(self) -> Optional[OptiProxyConfig]:
        """The OptiProxy settings this job runs with (preset + the method's settings), else ``None``."""
        if self.method.optimizer != "optiproxy":
            return None
        if self.task.criteria is not None:  # OptiProxyMO: the front preset and the method's loop/proxy keys
            return mo_preset(self.task.space, self.task.dataset, **front_settings(dict(self.method.settings))[0])
        return resolve_settings(self.task.space, self.task.dataset, self.task.constrained,
                                dict(self.method.settings))[1]

    @property
    def key(self) -> str:
        """8 hex digits identifying everything that changes this job's result."""
        identity = {"task": self.task.name, "optimizer": self.method.optimizer, "settings": list(self.method.settings),
                    "seed": self.seed, "budget": self.budget, "version": __version__, "threads": policy_threads()}
        if self.data:
            identity["data"] = self.data
        config = self.config
        if config is not None:  # the preset it runs with: a changed preset is a new job
            effective = config.to_dict()
            identity["effective_settings"] = {k: v for k, v in effective.items()
                                              if not (k in SETTINGS_ADDED_LATER and v == _DEFAULTS[k])}
            if self.task.criteria is not None:  # and the front settings (mo_*) given
                identity["effective_settings"].update(front_settings(dict(self.method.settings))[1])
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


def data_identity(data_source: Any) -> str:
    """16 hex digits of the contents of every table a ``data_source`` names (its ``sha256`` entries), or of
    the source itself where it records no digest (an objective of the user's own)."""
    digests = sorted(_digests(data_source))
    text = "\n".join(digests) if digests else dumps(data_source)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _digests(value: Any) -> List[str]:
    if isinstance(value, Mapping):
        own = [str(value["sha256"])] if "sha256" in value else []
        return own + [d for v in value.values() if isinstance(v, Mapping) for d in _digests(v)]
    return []


def with_data(jobs: Sequence[Job], data_dir: DataDir = None) -> List[Job]:
    """``jobs`` with ``data`` set to the digest of the tables each task reads (each task's objective is
    built once here, which also refuses missing or malformed data before any job runs)."""
    known: Dict[Tuple[str, Optional[str]], str] = {}
    out = []
    for job in jobs:
        folder = data_dir_for(data_dir, job.task.space)
        where = (job.task.name, folder)
        if where not in known:
            known[where] = data_identity(getattr(job.task.objective(folder), "data_source", None))
        out.append(replace(job, data=known[where]))
    return out


def _check_data(job: Job, objective: Any) -> None:
    """Refuse to run ``job`` on other tables than the ones its key names (they changed since it was queued)."""
    if job.data and data_identity(getattr(objective, "data_source", None)) != job.data:
        raise BenchmarkDataError(f"the benchmark data of {job.task.name} changed while the comparison ran "
                                 f"({shorten(getattr(objective, 'data_source', None), 300)}); rerun the comparison")


def run_job(job: Job, data_dir: DataDir = None, workdir: Optional[str] = None) -> Dict[str, Any]:
    """Run the search in this process and return its result record (the ``result.json`` schema).

    ``workdir``: where a strategy may put scratch files (SMAC3's facade, NASLib's run; removed at once; ``None``:
    a temporary folder).
    """
    if job.method.through_naslib:
        return run_naslib_job(job, data_dir, workdir)
    objective = job.task.objective(data_dir_for(data_dir, job.task.space))
    _check_data(job, objective)
    return run_search(objective, job.method.optimizer, job.budget, job.seed, dict(job.method.settings),
                      task=job.task.name, method=job.method.name, workdir=workdir)


def run_naslib_job(job: Job, data_dir: DataDir = None, workdir: Optional[str] = None) -> Dict[str, Any]:
    """Run ``naslib:<optimizer>`` through NASLib's Trainer (lightweight mode) via the plugin, loaded now
    (:meth:`~naslib_optiproxy.compare.methods.Method.external_runner`); the record is the one result schema.
    NASLib's scratch files go inside ``workdir`` (``None``: a temporary folder) and are removed."""
    runner, name = job.method.external_runner()
    folder = data_dir_for(data_dir, job.task.space)
    objective = job.task.objective(folder)  # the same tables as NASLib's dataset_api reads from folder
    _check_data(job, objective)
    summary = runner.run_search(job.task.space, job.task.dataset, name, job.seed, job.budget,
                                dict(job.method.settings), folder, workdir)
    incumbents = summary["valid_acc"]  # NASLib reports the incumbent per epoch, not each evaluation
    identity = {"optimizer": job.method.optimizer, "search_space": job.task.space, "dataset": job.task.dataset,
                "seed": job.seed, "settings": dict(job.method.settings), "torch_threads": policy_threads()}
    return build_result(
        identity, job.budget, summary["search_seconds"], history=[{"arch": None, "val": v} for v in incumbents],
        trajectory=[max(incumbents[: i + 1]) for i in range(len(incumbents))],
        best={"arch": str(summary.get("final_arch")), "val": summary["best_val"], "test": summary.get("table_test")},
        optimum_val=known_optimum(objective), task=job.task.name, method=job.method.name)


def run_and_save(job: Job, out_dir: str, data_dir: DataDir = None) -> Dict[str, Any]:
    """Run ``job`` and write its record atomically (a killed job leaves no partial file; a link planted at
    its name or a folder of its path is never followed). A strategy's scratch files (SMAC3's) go in the job's
    folder and are removed at once."""
    folder = make_dirs(out_dir, job.relative_path.parent)
    record = run_job(job, data_dir, workdir=str(folder))
    write_atomic(folder / job.relative_path.name, dumps(record).encode("utf-8"))
    return record


#: Keys a job file must hold to be read as a finished job's result.
RECORD_KEYS = ("task", "method", "seed", "budget", "trajectory", "best", "seconds")


def load_record(path: Path) -> Dict[str, Any]:
    """A job's result record.

    Raises:
        ValueError: The file is not a result (empty, not JSON, keys missing), naming it and the fix.
    """
    path = Path(path)
    problem = ""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_RECORD_BYTES + 1)
        if len(raw) > MAX_RECORD_BYTES:
            problem = f"larger than {MAX_RECORD_BYTES >> 20} MB"
        else:
            record = json.loads(raw.decode("utf-8")) if raw.strip() else None
            if record is None:
                problem = "empty"
            elif not isinstance(record, dict):
                problem = f"a JSON {type(record).__name__}, not a result"
            else:
                missing = [key for key in RECORD_KEYS if key not in record]
                if missing:
                    problem = f"it lacks {', '.join(missing)}"
                elif not isinstance(record["trajectory"], list):
                    problem = "its trajectory is not a list"
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        problem = f"not JSON: {clip(error, 200)}"
    if problem:
        raise ValueError(f"{path} is not the result of a finished job ({problem}); delete it to run the job again")
    return record


__all__ = ["DataDir", "Job", "RECORD_KEYS", "data_dir_for", "data_identity", "load_record", "run_and_save", "run_job",
           "run_naslib_job", "with_data"]
