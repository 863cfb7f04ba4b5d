"""NAS-Bench-101 as an objective, from the user's own copy of NASLib's ``nasbench_only108.pkl``.

NASLib's ``get_dataset_api("nasbench101")`` reads ``naslib/data/nasbench_only108.pkl``: a
pickle ``{module_hash: (fixed_stats, computed_stats)}`` where ``fixed_stats`` holds
``module_adjacency``, ``module_operations`` and ``trainable_parameters``, and
``computed_stats[108]`` is a list of one dict per training repeat with
``final_validation_accuracy``, ``final_test_accuracy`` and ``final_training_time``
(fractions, seconds). ``module_hash`` is NAS-Bench-101's graph hash of the pruned cell, which
is exactly :meth:`NasBench101.key <naslib_optiproxy.spaces.NasBench101.key>`. The value
optimised is the mean validation accuracy over the repeats (percent), as OptiProxy-NAS
reports it (``sample_mean=True``); the mean test accuracy comes alongside.

Also :func:`load_zero_cost_json`, the reader of NAS-Bench-Suite-Zero's ``zc_<space>.json``
subsets (real ``val_accuracy`` plus zero-cost scores for a few hundred architectures), and
:func:`nb101_zero_cost_subset`, which decodes the NB101 one.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

from .._text import ARCH_LIMIT, clip, shorten
from ..types import Evaluation
from ..spaces import Architecture, NasBench101
from .errors import BenchmarkDataError, check_architecture
from ..data.bundled import file_source
from ..data.validate import accuracy_problem, measurement_problem
from ..datasets import canonical_dataset
from .files import ENV_VAR, resolve_data_dir
from .safe_pickle import safe_load

PathLike = Union[str, "os.PathLike[str]"]
TABLE_FILE = "nasbench_only108.pkl"
EPOCHS = 108
Record = Tuple[float, float, float, float]  # mean val (%), mean test (%), parameters, mean training time (s)
_RULES = "; a valid cell keeps its input connected to its output with at most 9 edges after pruning"


def find_nb101_table(data_dir: Optional[PathLike] = None) -> Path:
    """``nasbench_only108.pkl`` in ``data_dir`` (default ``$NASLIB_OPTIPROXY_DATA``, then ``./data``)."""
    directory = resolve_data_dir(data_dir)
    path = directory / TABLE_FILE
    if path.is_file():
        return path
    raise BenchmarkDataError(
        f"no NAS-Bench-101 table: {path.resolve()} does not exist. NASLib's README explains how to get "
        f"{TABLE_FILE} (github.com/automl/NASLib, 'Queryable Benchmarks': put it in naslib/data/); copy or "
        f"link it into a folder and pass --data-dir DIR (CLI) or data_dir=DIR (API), or set {ENV_VAR}=DIR."
    )


@functools.lru_cache(maxsize=2)
def _parse_table(path: str, mtime_ns: int, size: int) -> Dict[str, Record]:
    """``{module_hash: record}`` of one file (the stat fields only key the cache)."""
    data = safe_load(path)
    if not isinstance(data, dict) or not data:
        raise BenchmarkDataError(f"{path} is not a NAS-Bench-101 table (expected a non-empty dict "
                                 f"{{module_hash: (fixed_stats, computed_stats)}}, got {type(data).__name__})")
    table: Dict[str, Record] = {}
    for module_hash, entry in data.items():
        try:
            fixed, computed = entry
            runs = computed[EPOCHS]
            if not runs:
                raise ValueError("no training repeats")
            val = 100.0 * sum(float(r["final_validation_accuracy"]) for r in runs) / len(runs)
            test = 100.0 * sum(float(r["final_test_accuracy"]) for r in runs) / len(runs)
            seconds = sum(float(r["final_training_time"]) for r in runs) / len(runs)
            table[str(module_hash)] = (val, test, float(fixed["trainable_parameters"]), seconds)
        except (KeyError, IndexError, TypeError, ValueError, OverflowError) as error:
            raise BenchmarkDataError(
                f"{path}: entry {shorten(module_hash)} is not (fixed_stats, computed_stats) with {EPOCHS}-epoch "
                f"repeats holding final_validation_accuracy/final_test_accuracy/final_training_time "
                f"({type(error).__name__}: {clip(error)}); is it NASLib's {TABLE_FILE}?"
            ) from None
        problem = (accuracy_problem(val) or accuracy_problem(test) or measurement_problem(table[str(module_hash)][2])
                   or measurement_problem(seconds))
        if problem:  # the one table validator's checks
            raise BenchmarkDataError(f"{path}: entry {shorten(module_hash)}: {problem}")
    return table


def load_nb101_table(data_dir: Optional[PathLike] = None) -> Dict[str, Record]:
    """``{module_hash: (val %, test %, parameters, training seconds)}``, means over the repeats."""
    path = find_nb101_table(data_dir)
    stat = path.stat()
    return _parse_table(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


class NasBench101Objective:
    """Tabular NAS-Bench-101 objective (CIFAR-10, 108 epochs): ``arch -> Evaluation(mean val %)``.

    Args:
        dataset: Only ``cifar10`` (or ``None``).
        data_dir: Folder holding ``nasbench_only108.pkl``; defaults to ``$NASLIB_OPTIPROXY_DATA``, then ``./data``.
    """

    def __init__(self, dataset: Optional[str] = None, data_dir: Optional[PathLike] = None) -> None:
        self.dataset = canonical_dataset("nasbench101", dataset)
        self.space = NasBench101()
        self.source = find_nb101_table(data_dir)
        self.data_source = file_source(self.source)
        self._table = load_nb101_table(data_dir)

    def __call__(self, arch: Architecture) -> Evaluation:
        check_architecture(self.space, arch, "NAS-Bench-101", _RULES)
        try:
            val, test, params, seconds = self._table[self.space.key(arch)]
        except KeyError:
            raise KeyError(f"{self.space.to_string(arch)} (hash {self.space.key(arch)}) is not in {self.source}") from None
        return Evaluation(value=val, info={"val": val, "test": test, "params": params, "train_time": seconds})

    def __len__(self) -> int:
        return len(self._table)

    def __repr__(self) -> str:
        return f"NasBench101Objective(source={str(self.source)!r})"


def load_zero_cost_json(path: PathLike, search_space: str, dataset: str = "cifar10") -> Dict[str, Dict[str, float]]:
    """``{arch key: {"val_accuracy", zero-cost scores...}}`` of a NAS-Bench-Suite-Zero ``zc_<space>.json``."""
    try:
        with open(path) as handle:
            data = json.load(handle)
        records = data[search_space][dataset]
    except FileNotFoundError:
        raise BenchmarkDataError(f"{path} does not exist; NAS-Bench-Suite-Zero's zc_{search_space}.json comes "
                                 "from NASLib's benchmark data (github.com/automl/NASLib, zc_*.json)") from None
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise BenchmarkDataError(f"{path} is not a NAS-Bench-Suite-Zero file with a {search_space!r} -> "
                                 f"{dataset!r} section ({type(error).__name__}: {error})") from error
    if not isinstance(records, dict) or not all("val_accuracy" in r for r in records.values()):
        raise BenchmarkDataError(f"{path}: every {search_space}/{dataset} entry needs a 'val_accuracy'")
    return records


def nb101_zero_cost_subset(path: PathLike) -> List[Tuple[Architecture, Dict[str, float]]]:
    """The NB101 architectures of ``zc_nasbench101.json`` (keys: NASLib spec tuples) with their records."""
    space = NasBench101()
    out = []
    for text, record in load_zero_cost_json(path, "nasbench101").items():
        try:
            values = [int(v) for v in text.strip("()[] ").split(",")]
            out.append((space.from_naslib_tuple(values), record))
        except ValueError as error:
            raise BenchmarkDataError(f"{path}: key {shorten(text, ARCH_LIMIT)} is not a NAS-Bench-101 spec tuple "
                                     f"({clip(error)})") from None
    return out


__all__ = [
    "EPOCHS",
    "NasBench101Objective",
    "TABLE_FILE",
    "find_nb101_table",
    "load_nb101_table",
    "load_zero_cost_json",
    "nb101_zero_cost_subset",
]
