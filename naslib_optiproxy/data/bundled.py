"""Read the benchmark tables bundled in this folder; describe where an objective's data came from.

Row i of every NAS-Bench-201 array is NB201 architecture index i; ``nb201.npz`` holds the op
tuples (``ops``, NASLib op order) that key all of them. Arrays are loaded without pickle.
Tables are parsed once per process.

``data_source`` dicts (JSON-able) say where an objective's numbers come from:
``{"kind": "bundled", "name": ...}`` for a table shipped here, ``{"kind": "file", "path": ...}``
for the user's own file or folder (absolute path), ``{"kind": "combined", "tables": {role: source}}``
for an objective that joins several tables.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from pathlib import Path
from typing import Dict, Iterator, List, Tuple, Union

import numpy as np

from .errors import BenchmarkDataError

DATA_DIR = Path(__file__).resolve().parent
NB201_FILE = "nb201.npz"
LOWFI_FILE = "nb201_12epoch.npz"
HW_FILE = "hw_nas_bench.npz"
NB301_DIR = "nasbench301"
SUITE_ZERO_DIR = "suite_zero"

Ops = Tuple[int, ...]
Source = Dict[str, str]


def bundled_source(name: str) -> Source:
    """``{"kind": "bundled", "name": name}``."""
    return {"kind": "bundled", "name": name}


def file_source(path: Union[str, Path]) -> Source:
    """``{"kind": "file", "path": <absolute path>}``."""
    return {"kind": "file", "path": str(Path(path).resolve())}


def combined_source(**tables: Source) -> Dict[str, object]:
    """The ``data_source`` of an objective reading several tables: ``{"kind": "combined", "tables": {...}}``."""
    return {"kind": "combined", "tables": dict(tables)}


def bundled_file(name: str) -> Path:
    """The bundled file (or folder) ``name``; a clear error if the installation lacks it."""
    path = DATA_DIR / name
    if not path.exists():
        raise BenchmarkDataError(
            f"the bundled benchmark data {path} is missing: this installation of naslib-optiproxy is incomplete. "
            "Reinstall it (pip install -e . in the checkout, or pip install naslib-optiproxy), or rebuild the "
            "data with python -m benchmarks.data.build_data from a checkout beside ../shared.")
    return path


@functools.lru_cache(maxsize=None)
def _arrays(name: str) -> Dict[str, np.ndarray]:
    with np.load(bundled_file(name), allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Build many small containers without the collector: with torch loaded its passes cost ~30x the build."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@functools.lru_cache(maxsize=None)
def nb201_ops() -> List[Ops]:
    """The op-index tuple of every NB201 architecture, by NB201 index."""
    with _gc_paused():
        return [tuple(row) for row in _arrays(NB201_FILE)["ops"].tolist()]


def _pairs(name: str, dataset: str) -> Dict[Ops, Tuple[float, float]]:
    ops = nb201_ops()
    with _gc_paused():
        return dict(zip(ops, map(tuple, _arrays(name)[dataset].tolist())))


@functools.lru_cache(maxsize=None)
def nb201_table(dataset: str) -> Dict[Ops, Tuple[float, float]]:
    """``{ops: (final val, final test)}`` (%) of a canonical NB201 dataset name."""
    return _pairs(NB201_FILE, dataset)


@functools.lru_cache(maxsize=None)
def lowfi_table(dataset: str) -> Dict[Ops, Tuple[float, float]]:
    """``{ops: (12-epoch val, 12-epoch test)}`` (%) of a canonical NB201 dataset name."""
    return _pairs(LOWFI_FILE, dataset)


@functools.lru_cache(maxsize=None)
def hw_table(dataset: str) -> Dict[Ops, Dict[str, float]]:
    """``{ops: {metric: value}}`` of HW-NAS-Bench on a canonical NB201 dataset name, in NB201 index order."""
    arrays, ops = _arrays(HW_FILE), nb201_ops()
    names = [str(m) for m in arrays["metrics"].tolist()]
    with _gc_paused():
        return {key: dict(zip(names, row)) for key, row in zip(ops, arrays[dataset].tolist())}


def nb301_dir() -> Path:
    """The folder of YAHPO Gym's NB301 ONNX surrogate (``new_model.onnx``, ``encoding.json``)."""
    return bundled_file(NB301_DIR)


def suite_zero_file(search_space: str) -> Path:
    """NAS-Bench-Suite-Zero's ``zc_<search_space>.json`` (``nasbench101`` or ``nasbench301``)."""
    return bundled_file(f"{SUITE_ZERO_DIR}/zc_{search_space}.json")
