"""NAS-Bench-Graph as an objective, from the tables shipped in the ``nas-bench-graph`` wheel.

Each ``<package>/light/<dataset>.bench`` is a pickle ``{hash: {"valid_perf", "perf",
"latency", "para"}}`` keyed by the benchmark's canonical hash (``Arch.valid_hash``, the
codec's :meth:`~naslib_optiproxy.spaces.NasBenchGraph.key`), accuracies as fractions. It
is read through :func:`~naslib_optiproxy.objectives.safe_pickle.safe_load` and cached.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import Dict, Iterator, Optional, Tuple

from .._text import shorten
from ..data.bundled import content_digest
from ..datasets import canonical_dataset
from ..data.validate import accuracy_problem, measurement_problem
from ..types import Evaluation
from ..spaces import Architecture, NasBenchGraph
from .errors import BenchmarkDataError, check_architecture
from .safe_pickle import safe_load

Record = Tuple[float, float, float, float]  # valid_perf, perf (fractions), latency, params


def bench_file(dataset: str) -> Path:
    """Path of the installed ``nas_bench_graph`` table for ``dataset``."""
    spec = importlib.util.find_spec("nas_bench_graph")
    if spec is None or not spec.submodule_search_locations:
        raise BenchmarkDataError(
            "NAS-Bench-Graph needs the nas-bench-graph package, which ships its tables: "
            "pip install nas-bench-graph"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "light" / f"{dataset}.bench"
    if not path.is_file():
        raise BenchmarkDataError(
            f"{path} is missing from the installed nas-bench-graph package; reinstall it "
            "(pip install --force-reinstall nas-bench-graph)"
        )
    return path


@functools.lru_cache(maxsize=None)
def _load_table(path: str) -> Dict[int, Record]:
    data = safe_load(path)
    if not isinstance(data, dict) or not data:
        raise BenchmarkDataError(f"{path} is not a NAS-Bench-Graph table; reinstall nas-bench-graph")
    try:
        table = {
            int(key): (float(r["valid_perf"]), float(r["perf"]), float(r["latency"]), float(r["para"]))
            for key, r in data.items()
        }
    except (KeyError, TypeError, ValueError, OverflowError) as error:
        raise BenchmarkDataError(
            f"{path} has a malformed entry ({type(error).__name__}: {shorten(str(error))}); reinstall nas-bench-graph"
        ) from None
    for key, (val, test, latency, params) in table.items():  # the one table validator's checks
        problem = (accuracy_problem(100.0 * val) or accuracy_problem(100.0 * test) or measurement_problem(latency)
                   or measurement_problem(params))
        if problem:
            raise BenchmarkDataError(f"{path}: entry {key}: {problem}; reinstall nas-bench-graph")
    return table


class NasBenchGraphObjective:
    """Tabular NAS-Bench-Graph objective: validation accuracy in percent.

    Returns ``Evaluation(100 * valid_perf, {"val", "test", "latency", "params"})``; ``test``
    is ``100 * perf``, ``latency`` in seconds and ``params`` in millions as the table stores them.

    Args:
        dataset: One of ``cora, citeseer, pubmed, cs, physics, photo, computers, arxiv`` (any case).

    Attributes:
        space: The :class:`NasBenchGraph` codec.
        dataset: The dataset name.
        source: Path of the table read.
        data_source: ``{"kind": "package", "name": "nas-bench-graph", "path": ..., "sha256": ...}`` (its wheel
            holds the data).
    """

    def __init__(self, dataset: Optional[str] = None) -> None:
        name = canonical_dataset("nasbench_graph", dataset)
        self.dataset = name
        self.source = bench_file(name)
        self.data_source = {"kind": "package", "name": "nas-bench-graph", "path": str(Path(self.source).resolve()),
                            "sha256": content_digest(self.source)}
        self.space = NasBenchGraph(name)
        self._table = _load_table(str(self.source))

    def __call__(self, arch: Architecture) -> Evaluation:
        check_architecture(self.space, arch, "NAS-Bench-Graph",
                           " (node i reads 0..i; a cell of only 'skip' ops is not in the benchmark)")
        val, test, latency, params = self._lookup(self.space.key(arch), arch)
        return Evaluation(
            value=100.0 * val,
            info={"val": 100.0 * val, "test": 100.0 * test, "latency": latency, "params": params},
        )

    def _lookup(self, key: int, arch: Architecture) -> Record:
        try:
            return self._table[key]
        except KeyError:
            raise KeyError(f"{self.space.to_string(arch)} (hash {key}) is not in {self.source}") from None

    def optimum(self) -> Tuple[Architecture, float, float]:
        """``(arch, val, test)`` in percent of the best validation accuracy (smallest hash on ties)."""
        best = max(sorted(self._table), key=lambda k: self._table[k][0])
        val, test = self._table[best][:2]
        return self._arch_of(best), 100.0 * val, 100.0 * test

    def _arch_of(self, key: int) -> Architecture:
        """An architecture with canonical hash ``key``.

        The hash is ``link_index * 10**4`` plus the 4 op indices as base-10 digits
        (``nas_bench_graph.Arch.hash_arch``); decoded, then checked, else found by search.
        """
        from nas_bench_graph import link_list

        base = self.space.num_ops + 1
        ops = tuple((key // base ** (3 - i)) % base for i in range(4))
        link_index = key // base**4
        if link_index < len(link_list):
            arch = Architecture(ops, tuple(link_list[link_index]))
            if self.space.is_valid(arch) and self.space.key(arch) == key:
                return arch
        return next(a for a in self.space if self.space.key(a) == key)

    def records(self) -> Iterator[Dict[str, float]]:
        """Every architecture's metrics as :meth:`__call__` reports them, one per canonical hash (sorted)."""
        for key in sorted(self._table):
            val, test, latency, params = self._table[key]
            yield {"val": 100.0 * val, "test": 100.0 * test, "latency": latency, "params": params}

    def __len__(self) -> int:
        return len(self._table)

    def __repr__(self) -> str:
        return f"NasBenchGraphObjective(dataset={self.dataset!r})"


__all__ = ["NasBenchGraphObjective", "bench_file"]
