"""Benchmark data for NASLib from the files users have: a NASLib ``dataset_api``.

NASLib's ``NasBench201SearchSpace.query`` reads
``dataset_api["nb201_data"][arch_str][ds_key][key][epoch]`` with ``ds_key = "cifar10-valid"``
for cifar10, ``key = "eval_acc1es"`` for both ``VAL_ACCURACY`` and ``TEST_ACCURACY`` and
``epoch = -1`` by default (NASLib's RS passes ``search.fidelity`` as the epoch). NASLib itself
only reads its ``nb201_*_full_training.pickle`` files and cannot read the light val/test
pickles (their ``eval_acc1es`` is ``[val, test]``, so its query would return the *test*
accuracy as VAL_ACCURACY).

:func:`nb201_dataset_api` accepts every format :mod:`naslib_optiproxy.objectives.nasbench201`
reads (light pickles, ``nb201_val_test.csv``, NASLib's full_training pickles) and returns a
``dataset_api`` that NASLib's unmodified query path uses:

================================  ==========================================  ===============================
file found                        ``query(VAL_ACCURACY)``                     ``query(TEST_ACCURACY)``
================================  ==========================================  ===============================
light pickle / CSV                the table's validation accuracy (cifar10:   the same validation accuracy
                                  cifar10-valid split), for every epoch index  (NASLib maps both metrics to
                                                                              ``eval_acc1es``)
NASLib full_training pickle       ``eval_acc1es[epoch]`` as NASLib reads it    ``eval_acc1es[epoch]`` (= VAL)
================================  ==========================================  ===============================

The table's real test accuracy is in ``dataset_api["optiproxy_table"]`` (``{ops: (val,
test)}``; full_training: test = val) and :func:`table_accuracies` looks it up; the runner
reports it next to NASLib's numbers. ``TRAIN_ACCURACY``, losses and ``TRAIN_TIME`` are
``-1`` for the light files (they hold no such data); other metrics raise ``KeyError``.

:func:`export_naslib_nb201` writes the light data as NASLib-format
``nb201_{cifar10,cifar100,ImageNet16}_full_training.pickle`` files, for NASLib's own
``get_dataset_api`` and ``runner.py``.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, Optional, Tuple, Union

from ...datasets import NB201_DATASETS, canonical_dataset
from ...objectives import BenchmarkDataError, load_nb201_table
from ...objectives.files import DS_KEYS, FULL_FILES, find_table_file
from ...objectives.safe_pickle import safe_load
from ...spaces import Architecture, NasBench201

PathLike = Union[str, "os.PathLike[str]"]
NUM_EPOCHS = 200  # NAS-Bench-201's training length; the light tables hold the final epoch only
TABLE_KEY = "optiproxy_table"
SOURCE_KEY = "optiproxy_source"
BUNDLED_SOURCE = "bundled nb201.npz (naslib_optiproxy/data/)"


class FinalValueCurve(Sequence):
    """A learning curve known only at its end: every epoch index returns the final value.

    NASLib indexes ``eval_acc1es[epoch]`` (``-1`` or ``search.fidelity``) and slices it for
    full learning curves; the light tables only know the value after the last epoch.
    """

    __slots__ = ("value", "length")

    def __init__(self, value: float, length: int = NUM_EPOCHS) -> None:
        self.value = float(value)
        self.length = int(length)

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.value] * len(range(*index.indices(self.length)))
        if not -self.length <= index < self.length:
            raise IndexError(f"epoch {index} out of range for a {self.length}-epoch curve")
        return self.value

    def __repr__(self) -> str:
        return f"FinalValueCurve({self.value!r}, length={self.length})"


def _record(val: float, missing: float = -1.0) -> Dict[str, Any]:
    """One NASLib NB201 per-dataset entry from a final validation accuracy."""
    return {
        "eval_acc1es": FinalValueCurve(val),
        "train_acc1es": FinalValueCurve(missing),
        "eval_losses": FinalValueCurve(missing),
        "train_losses": FinalValueCurve(missing),
        "cost_info": {"train_time": missing},
    }


def nb201_dataset_api(dataset: str, data_dir: Optional[PathLike] = None) -> Dict[str, Any]:
    """A NASLib NB201 ``dataset_api`` from the first table file found (see the module docstring).

    Args:
        dataset: ``cifar10``, ``cifar100`` or ``ImageNet16-120`` (NASLib's names; aliases accepted).
        data_dir: Folder with the files; default ``$NASLIB_OPTIPROXY_DATA``, then ``./data``.

    Raises:
        BenchmarkDataError: No accepted file (the message says where to get one), or a corrupt one.
    """
    dataset = canonical_dataset("nasbench201", dataset)
    path = find_table_file(dataset, data_dir)
    if path.name == FULL_FILES[dataset]:  # NASLib's own format, with full learning curves
        return {"nb201_data": safe_load(path), TABLE_KEY: load_nb201_table(dataset, data_dir), SOURCE_KEY: str(path)}
    return _light_api(dataset, load_nb201_table(dataset, data_dir), str(path))


def bundled_nb201_dataset_api(dataset: str) -> Dict[str, Any]:
    """The :func:`nb201_dataset_api` of the NB201 table bundled with the package (no file needed)."""
    dataset = canonical_dataset("nasbench201", dataset)
    return _light_api(dataset, load_nb201_table(dataset, None), BUNDLED_SOURCE)


class LightNB201Data(Mapping):
    """``dataset_api["nb201_data"]`` of a light table: ``{arch string: {ds_key: record}}``, each record made
    when NASLib first asks for it (a run queries a few hundred of the 15,625 cells)."""

    def __init__(self, table: Mapping[Tuple[int, ...], Tuple[float, float]], ds_key: str) -> None:
        self.table, self.ds_key, self.codec = table, ds_key, NasBench201()

    def __getitem__(self, arch: str) -> Dict[str, Any]:
        try:
            ops = self.codec.from_string(arch).ops
        except (TypeError, ValueError):
            raise KeyError(arch) from None
        if ops not in self.table or self.codec.to_string(Architecture(ops)) != arch:  # exact strings only
            raise KeyError(arch)
        return {self.ds_key: _record(self.table[ops][0])}

    def __iter__(self) -> Iterator[str]:
        return (self.codec.to_string(Architecture(ops)) for ops in self.table)

    def __len__(self) -> int:
        return len(self.table)


def _light_api(dataset: str, table: Dict[Tuple[int, ...], Tuple[float, float]], source: str) -> Dict[str, Any]:
    return {"nb201_data": LightNB201Data(table, DS_KEYS[dataset]), TABLE_KEY: table, SOURCE_KEY: source}


def table_accuracies(dataset_api: Dict[str, Any], ops: Iterable[int]) -> Optional[Tuple[float, float]]:
    """``(val, test)`` of an NB201 op-index tuple from a :func:`nb201_dataset_api` (``None`` if absent)."""
    table = dataset_api.get(TABLE_KEY) if isinstance(dataset_api, dict) else None
    return None if table is None else table.get(tuple(int(o) for o in ops))


def get_dataset_api(search_space: str, dataset: str, data_dir: Optional[PathLike] = None) -> Any:
    """The ``dataset_api`` for a NASLib run.

    NAS-Bench-201: :func:`nb201_dataset_api` when a table is found in ``data_dir`` (or
    ``$NASLIB_OPTIPROXY_DATA``, ``./data``), else NASLib's own ``get_dataset_api`` when its
    ``naslib/data`` folder holds the dataset's full_training pickle, else the table bundled with
    the package (:func:`bundled_nb201_dataset_api`). Every other space: NASLib's ``get_dataset_api``.
    """
    if search_space == "nasbench201":
        try:
            return nb201_dataset_api(dataset, data_dir)
        except BenchmarkDataError:
            if data_dir is not None:
                raise
        if naslib_nb201_file(dataset) is None:
            return bundled_nb201_dataset_api(dataset)
    from naslib.utils import get_dataset_api as naslib_dataset_api

    return naslib_dataset_api(search_space, dataset)


def naslib_nb201_file(dataset: str) -> Optional[Path]:
    """NASLib's own ``naslib/data/nb201_*_full_training.pickle`` for ``dataset``, if that file exists."""
    from .compat import apply

    apply()  # NASLib's utils import torchvision, which may need its shim
    from naslib.utils import get_project_root

    path = Path(get_project_root()) / "data" / FULL_FILES[canonical_dataset("nasbench201", dataset)]
    return path if path.is_file() else None


def export_naslib_nb201(dest_dir: PathLike, data_dir: Optional[PathLike] = None,
                        datasets: Iterable[str] = NB201_DATASETS) -> Dict[str, Path]:
    """Write NASLib-format ``nb201_*_full_training.pickle`` files from our tables.

    Each entry holds ``eval_acc1es`` = the validation accuracy repeated over 200 epochs (so
    NASLib's query returns it for every epoch, for VAL and TEST alike), ``train_acc1es``
    and losses ``-1``, ``cost_info.train_time -1``. Point ``dest_dir`` at NASLib's
    ``naslib/data`` folder. Returns ``{dataset: path}``.
    """
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    written: Dict[str, Path] = {}
    codec = NasBench201()
    for dataset in datasets:
        dataset = canonical_dataset("nasbench201", dataset)
        key = DS_KEYS[dataset]
        table = load_nb201_table(dataset, data_dir)
        minus = [-1.0] * NUM_EPOCHS
        data = {codec.to_string(Architecture(ops)): {key: {
            "eval_acc1es": [float(val)] * NUM_EPOCHS, "train_acc1es": minus, "eval_losses": minus,
            "train_losses": minus, "cost_info": {"train_time": -1.0}}} for ops, (val, _test) in table.items()}
        path = dest / FULL_FILES[dataset]
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as handle:
            pickle.dump(data, handle, protocol=4)
        os.replace(tmp, path)
        written[dataset] = path
    return written


__all__ = ["FinalValueCurve", "LightNB201Data", "NUM_EPOCHS", "SOURCE_KEY", "TABLE_KEY", "export_naslib_nb201", "get_dataset_api",
           "nb201_dataset_api", "table_accuracies"]
