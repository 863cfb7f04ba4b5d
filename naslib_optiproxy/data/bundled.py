"""Read the benchmark tables bundled in this folder; describe where an objective's data came from.

Row i of every NAS-Bench-201 array is NB201 architecture index i; ``nb201.npz`` holds the op
tuples (``ops``, NASLib op order) that key all of them. Arrays are loaded without pickle.
Tables are parsed once per process.

Every bundled file is checked once per process against ``MANIFEST.json`` (its size and SHA-256,
written by ``benchmarks/data/build_data.py``) before it is read, and the arrays against the one table
validator (:mod:`~naslib_optiproxy.data.validate`: shapes, 15,625 unique architectures, accuracies
from 0 to 100, measurements >= 0): a damaged installation gives one :class:`BenchmarkDataError`
saying to reinstall, never a ``BadZipFile``/``EOFError``/``KeyError`` or silently wrong numbers.

``data_source`` dicts (JSON-able) say where an objective's numbers come from, with the SHA-256
of their contents (part of a run's identity: a resume or a cached ``compare`` job on other data
is refused or rerun): ``{"kind": "bundled", "name": ..., "sha256": ...}`` for a table shipped
here, ``{"kind": "file", "path": ..., "sha256": ...}`` for the user's own file or folder (absolute
path), ``{"kind": "combined", "tables": {role: source}}`` for an objective that joins several tables.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple, Union

import numpy as np

from .._files import file_digest
from .errors import BenchmarkDataError
from .validate import NB201_ROWS, check_accuracy_array, check_measurement_array, check_rows, check_unique

DATA_DIR = Path(__file__).resolve().parent
NB201_FILE = "nb201.npz"
LOWFI_FILE = "nb201_12epoch.npz"
HW_FILE = "hw_nas_bench.npz"
NB301_DIR = "nasbench301"
SUITE_ZERO_DIR = "suite_zero"
MANIFEST_FILE = "MANIFEST.json"
#: HW-NAS-Bench's value for a metric it could not measure (edgetpu: 4,699 architectures per dataset).
HW_NOT_MEASURED = {"edgetpu_latency": -1.0}

Ops = Tuple[int, ...]
Source = Dict[str, str]


def bundled_source(name: str, *files: str) -> Source:
    """``{"kind": "bundled", "name": name, "sha256": ...}``: the digest of the bundled ``files`` (checked
    against the manifest; several files: the digest of their names and digests)."""
    digests = [manifest_entry(f)["sha256"] for f in files]
    for f in files:
        verified_file(f)
    source = {"kind": "bundled", "name": name}
    if digests:
        source["sha256"] = digests[0] if len(digests) == 1 else _combined_digest(dict(zip(files, digests)))
    return source


def file_source(path: Union[str, Path]) -> Source:
    """``{"kind": "file", "path": <absolute path>, "sha256": <digest of its contents>}``; for a folder, the
    digest of the names and digests of the files in it."""
    path = Path(path).resolve()
    return {"kind": "file", "path": str(path), "sha256": content_digest(path)}


def content_digest(path: Union[str, Path]) -> str:
    """The SHA-256 of a file, or of a folder's files (names and digests, not recursive); once per process."""
    path = Path(path)
    if not path.is_dir():
        return file_digest(path)
    return _combined_digest({p.name: file_digest(p) for p in sorted(path.iterdir()) if p.is_file()})


def _combined_digest(digests: Dict[str, str]) -> str:
    return hashlib.sha256("".join(f"{name}:{d}\n" for name, d in sorted(digests.items())).encode()).hexdigest()


def combined_source(**tables: Source) -> Dict[str, object]:
    """The ``data_source`` of an objective reading several tables: ``{"kind": "combined", "tables": {...}}``."""
    return {"kind": "combined", "tables": dict(tables)}


_REINSTALL = ("Reinstall it (pip install -e . in the checkout, or pip install naslib-optiproxy), or rebuild the "
              "data with python -m benchmarks.data.build_data from a checkout beside ../shared.")


def bundled_file(name: str) -> Path:
    """The bundled file (or folder) ``name``; a clear error if the installation lacks it."""
    path = DATA_DIR / name
    if not path.exists():
        raise BenchmarkDataError(
            f"the bundled benchmark data {path} is missing: this installation of naslib-optiproxy is incomplete. "
            + _REINSTALL)
    return path


def damaged(path: Union[str, Path], what: str) -> BenchmarkDataError:
    """The error of a bundled file that is not the one released with the package."""
    return BenchmarkDataError(f"the bundled benchmark data {path} is damaged ({what}): this installation of "
                              f"naslib-optiproxy does not hold the files it was released with. " + _REINSTALL)


@functools.lru_cache(maxsize=None)
def manifest() -> Dict[str, Dict[str, Any]]:
    """``{relative name: {"bytes", "sha256", ...}}`` of every bundled file (``MANIFEST.json``)."""
    path = bundled_file(MANIFEST_FILE)
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
        if not isinstance(files, dict):
            raise TypeError("'files' is not a mapping")
    except (ValueError, KeyError, TypeError, OSError) as error:
        raise damaged(path, f"{type(error).__name__}: {error}") from None
    return files


def manifest_entry(name: str) -> Dict[str, Any]:
    entry = manifest().get(name)
    if not isinstance(entry, dict) or not {"bytes", "sha256"} <= set(entry):
        raise damaged(DATA_DIR / MANIFEST_FILE, f"it lists no size and digest for {name}")
    return entry


@functools.lru_cache(maxsize=None)
def verified_file(name: str) -> Path:
    """The bundled file ``name``, once per process checked to have the size and SHA-256 of the manifest."""
    path, entry = bundled_file(name), manifest_entry(name)
    size = path.stat().st_size
    if size != entry["bytes"]:
        raise damaged(path, f"{size:,} bytes, not the {entry['bytes']:,} released")
    if file_digest(path) != entry["sha256"]:
        raise damaged(path, "its SHA-256 differs from the one released")
    return path


@functools.lru_cache(maxsize=None)
def _arrays(name: str) -> Dict[str, np.ndarray]:
    """The arrays of a bundled ``.npz``, verified (manifest) and validated, once per process."""
    path = verified_file(name)
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as error:
        raise damaged(path, f"{type(error).__name__}: {error}") from None
    expected = manifest_entry(name).get("arrays", {})
    for key, shape in expected.items():
        if key not in arrays:
            raise damaged(path, f"it lacks the array {key!r}")
        if list(arrays[key].shape) != list(shape):
            raise damaged(path, f"array {key!r} has shape {list(arrays[key].shape)}, not {list(shape)}")
    _validate(name, arrays)
    return arrays


def _validate(name: str, arrays: Dict[str, np.ndarray]) -> None:
    """The table validator on a bundled file's arrays (every NB201 array: 15,625 rows)."""
    where = str(DATA_DIR / name)
    if name == NB201_FILE:
        ops = arrays.get("ops")
        if ops is None:
            raise damaged(where, "it lacks the array 'ops'")
        check_rows(len(ops), f"{where} (ops)", NB201_ROWS)
        if ops.ndim != 2 or ops.shape[1] != 6 or ops.min(initial=0) < 0 or ops.max(initial=0) > 4:
            raise damaged(where, "its ops are not 6 op indices in 0..4 per row")
        check_unique(map(tuple, ops.tolist()), f"{where} (ops)")
    for key, array in arrays.items():
        if key in ("ops", "metrics"):
            continue
        check_rows(len(array), f"{where} ({key})", NB201_ROWS)
        if name == HW_FILE:
            if "metrics" not in arrays:
                raise damaged(where, "it lacks the array 'metrics'")
            check_measurement_array(array, f"{where} ({key})", [str(m) for m in arrays["metrics"].tolist()],
                                    HW_NOT_MEASURED)
        else:
            check_accuracy_array(array, f"{where} ({key})", ("val", "test"))


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
        return [tuple(row) for row in _array(NB201_FILE, "ops").tolist()]


def _array(name: str, key: str) -> np.ndarray:
    """One array of a bundled ``.npz`` (a damaged-installation error when it is missing)."""
    arrays = _arrays(name)
    if key not in arrays:
        raise damaged(DATA_DIR / name, f"it lacks the array {key!r}")
    return arrays[key]


def _pairs(name: str, dataset: str) -> Dict[Ops, Tuple[float, float]]:
    ops = nb201_ops()
    with _gc_paused():
        return dict(zip(ops, map(tuple, _array(name, dataset).tolist())))


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
    ops, names = nb201_ops(), [str(m) for m in _array(HW_FILE, "metrics").tolist()]
    with _gc_paused():
        return {key: dict(zip(names, row)) for key, row in zip(ops, _array(HW_FILE, dataset).tolist())}


def nb301_files() -> Tuple[str, ...]:
    """The bundled files of YAHPO Gym's NB301 surrogate, as the manifest names them."""
    return tuple(sorted(name for name in manifest() if name.startswith(NB301_DIR + "/")))


def nb301_dir() -> Path:
    """The folder of YAHPO Gym's NB301 ONNX surrogate (``new_model.onnx``, ``encoding.json``), verified."""
    for name in nb301_files():
        verified_file(name)
    return bundled_file(NB301_DIR)


def suite_zero_file(search_space: str) -> Path:
    """NAS-Bench-Suite-Zero's ``zc_<search_space>.json`` (``nasbench101`` or ``nasbench301``), verified."""
    return verified_file(f"{SUITE_ZERO_DIR}/zc_{search_space}.json")
