"""NAS-Bench-201 as an objective: final validation accuracy, with test accuracy alongside.

Tables map NASLib op-index tuples (see :class:`~naslib_optiproxy.spaces.NasBench201`) to
``(val, test)`` accuracies in percent. Three file formats are accepted; in ``data_dir``
the first one present for the dataset wins, in this order:

1. Light pickles ``nb201_{cifar10-valid,cifar100,ImageNet16-120}_val_test_v1_0.pickle``
   (OptiProxy-NAS release): ``{arch_str: {ds_key: {"eval_acc1es": [val, test]}}}``, val
   and test already averaged over NB201's training seeds.
2. ``nb201_val_test.csv`` with columns ``arch_str, cifar10_val, cifar10_test, cifar100_val,
   cifar100_test, ImageNet16-120_val, ImageNet16-120_test``.
3. NASLib's ``nb201_{cifar10,cifar100,ImageNet16}_full_training.pickle``:
   ``{arch_str: {ds_key: {"train_acc1es", "eval_acc1es", "train_losses", "eval_losses",
   "train_times", "eval_times" (per-epoch lists, 200 epochs), "cost_info", "flop",
   "latency", "params", "epochs"}}}``. NASLib's ``NasBench201SearchSpace.query`` reads
   both ``VAL_ACCURACY`` and ``TEST_ACCURACY`` from ``eval_acc1es[epoch]`` of the same
   dataset key, with ``epoch=-1`` for the final result. So here val = test =
   ``eval_acc1es[-1]`` (the last, fully trained epoch): the numbers NASLib itself reports
   for this file. The file holds no separate test split, so use formats 1 or 2 for a
   distinct test accuracy.

Without data of the user's own (no ``data_dir``, no ``$NASLIB_OPTIPROXY_DATA``, no accepted file
in ``./data``) the table bundled with the package is used (format 1's numbers; see
``naslib_optiproxy/data/README.md``). ``NasBench201Objective.data_source`` says which.

``ds_key`` is ``cifar10-valid`` for cifar10 (the train/valid split of CIFAR-10 that
provides a validation accuracy, as NASLib maps it), else ``cifar100`` / ``ImageNet16-120``.

Every pickle is read through :func:`~naslib_optiproxy.objectives.safe_pickle.safe_load`,
and parsed tables are cached per file and dataset for the life of the process.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from .._text import ARCH_LIMIT, clip, shorten
from ..data import bundled
from ..data.validate import accuracy_problem
from ..datasets import canonical_dataset
from ..spaces import Architecture, NasBench201
from ..types import Evaluation
from .errors import BenchmarkDataError, check_architecture
from .files import CSV_FILE, DS_KEYS, FULL_FILES, PathLike, locate_table
from .safe_pickle import safe_load
from .tables import accuracy, read_csv_table

Table = Dict[Tuple[int, ...], Tuple[float, float]]


def load_nb201_table(dataset: str, data_dir: Optional[PathLike] = None) -> Table:
    """``{op-index tuple: (val, test)}`` in percent from the user's file (:func:`locate_table`) or the bundled one.

    Raises:
        ValueError: Unknown dataset name.
        BenchmarkDataError: No accepted file in a folder the user named, or the file is corrupt or malformed.
    """
    dataset = canonical_dataset("nasbench201", dataset)
    path = locate_table(dataset, data_dir)
    return dict(bundled.nb201_table(dataset) if path is None else _cached_table(path, dataset))


def _cached_table(path: Path, dataset: str) -> Mapping[Tuple[int, ...], Tuple[float, float]]:
    stat = path.stat()
    return _parse_table(str(path.resolve()), dataset, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=None)
def _parse_table(path: str, dataset: str, mtime_ns: int, size: int) -> Table:
    """Parse one file (the stat fields only key the cache, so an edited file is re-read)."""
    name = Path(path).name
    if name == CSV_FILE:
        table = _parse_csv(path, dataset)
    else:
        table = _parse_pickle(path, dataset, full=name == FULL_FILES[dataset])
    if not table:
        raise BenchmarkDataError(f"{path} holds no architectures; re-download it")
    return table


_SPACE = NasBench201()


def _ops(arch_str: Any, path: str) -> Tuple[int, ...]:
    try:
        return _SPACE.from_string(arch_str).ops
    except (TypeError, ValueError) as error:
        raise BenchmarkDataError(f"{path}: {error}") from None


def _parse_pickle(path: str, dataset: str, full: bool) -> Table:
    data = safe_load(path)
    key = DS_KEYS[dataset]
    if not isinstance(data, dict):
        raise BenchmarkDataError(f"{path} is not a NAS-Bench-201 table (a {type(data).__name__}, not a dict)")
    table: Table = {}
    entries: Dict[Tuple[int, ...], Any] = {}
    for arch_str, record in data.items():
        try:
            accs = record[key]["eval_acc1es"]
            if full:
                val = test = float(accs[-1])
            else:
                if len(accs) != 2:
                    raise ValueError(f"expected [val, test], got {len(accs)} values")
                val, test = float(accs[0]), float(accs[1])
        except (KeyError, IndexError, TypeError, ValueError, OverflowError) as error:
            raise BenchmarkDataError(
                f"{path}: entry {shorten(arch_str, ARCH_LIMIT)} has no usable {key!r} -> 'eval_acc1es' "
                f"({type(error).__name__}: {clip(error)}); is it the right file for {dataset}?"
            ) from None
        problem = accuracy_problem(val) or accuracy_problem(test)
        if problem:
            raise BenchmarkDataError(f"{path}: entry {shorten(arch_str, ARCH_LIMIT)}: {problem}")
        ops = _ops(arch_str, path)
        if ops in entries:
            raise BenchmarkDataError(f"{path}: entries {shorten(entries[ops], ARCH_LIMIT)} and "
                                     f"{shorten(arch_str, ARCH_LIMIT)} are the same architecture; a table holds each "
                                     f"architecture once (which one is right?)")
        entries[ops] = arch_str
        table[ops] = (val, test)
    return table


def _parse_csv(path: str, dataset: str) -> Table:
    val, test = f"{dataset}_val", f"{dataset}_test"

    def entry(row: Dict[str, str]) -> Tuple[Tuple[int, ...], Tuple[float, float]]:
        accuracies = (accuracy(row, val), accuracy(row, test))
        return _ops(row["arch_str"], path), accuracies

    return read_csv_table(path, ("arch_str", val, test), entry, bad="bad accuracy")


class NasBench201Objective:
    """Tabular NAS-Bench-201 objective: ``arch -> Evaluation(val, {"val", "test"})`` (percent).

    Args:
        dataset: ``cifar10`` (val = cifar10-valid split), ``cifar100`` or ``ImageNet16-120``
            (aliases ``cifar10-valid``, ``ImageNet16``, ``imagenet16-120``, ``imagenet``).
        data_dir: Folder holding one of the accepted files (see the module docstring);
            defaults to ``$NASLIB_OPTIPROXY_DATA``, then ``./data``, then the bundled table.

    Attributes:
        space: The :class:`NasBench201` codec.
        dataset: The canonical dataset name.
        source: Path of the file the table was read from (the bundled ``nb201.npz`` by default).
        data_source: ``{"kind": "bundled", "name": "nb201_<dataset>"}`` or ``{"kind": "file", "path": ...}``.
    """

    def __init__(self, dataset: Optional[str] = None, data_dir: Optional[PathLike] = None) -> None:
        self.space = NasBench201()
        self.dataset = canonical_dataset("nasbench201", dataset)
        path = locate_table(self.dataset, data_dir)
        if path is None:
            self.source = bundled.bundled_file(bundled.NB201_FILE)
            self._table: Mapping[Tuple[int, ...], Tuple[float, float]] = bundled.nb201_table(self.dataset)
            self.data_source = bundled.bundled_source(f"nb201_{self.dataset}", bundled.NB201_FILE)
        else:
            self.source = path
            self._table = _cached_table(path, self.dataset)
            self.data_source = bundled.file_source(path)

    def __call__(self, arch: Architecture) -> Evaluation:
        check_architecture(self.space, arch, "NAS-Bench-201")
        ops = tuple(int(o) for o in arch.ops)
        try:
            val, test = self._table[ops]
        except KeyError:
            raise KeyError(f"{self.space.to_string(arch)} is not in {self.source}") from None
        return Evaluation(value=val, info={"val": val, "test": test})

    def optimum(self) -> Tuple[Architecture, float, float]:
        """``(arch, val, test)`` of the best validation accuracy (smallest op tuple on ties)."""
        best = max(sorted(self._table), key=lambda ops: self._table[ops][0])
        return (Architecture(best), *self._table[best])

    def __len__(self) -> int:
        return len(self._table)

    def __repr__(self) -> str:
        return f"NasBench201Objective(dataset={self.dataset!r}, source={str(self.source)!r})"


__all__ = ["NasBench201Objective", "load_nb201_table"]
