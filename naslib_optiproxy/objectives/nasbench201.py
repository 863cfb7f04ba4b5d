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

import codecs
import csv
import functools
import io
import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from .._text import ARCH_LIMIT, clip, did_you_mean, shorten
from ..data import bundled
from ..data.validate import accuracy_problem, measurement_problem
from ..spaces import Architecture, NasBench201
from ..types import Evaluation
from .errors import BenchmarkDataError, check_architecture
from .safe_pickle import safe_load

Table = Dict[Tuple[int, ...], Tuple[float, float]]
PathLike = Union[str, "os.PathLike[str]"]

DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
ALIASES = {
    "cifar10": "cifar10",
    "cifar10-valid": "cifar10",
    "cifar100": "cifar100",
    "imagenet16-120": "ImageNet16-120",
    "imagenet16": "ImageNet16-120",
    "imagenet": "ImageNet16-120",
}
ENV_VAR = "NASLIB_OPTIPROXY_DATA"
DS_KEYS = {"cifar10": "cifar10-valid", "cifar100": "cifar100", "ImageNet16-120": "ImageNet16-120"}
LIGHT_FILES = {ds: f"nb201_{key}_val_test_v1_0.pickle" for ds, key in DS_KEYS.items()}
CSV_FILE = "nb201_val_test.csv"
FULL_FILES = {
    "cifar10": "nb201_cifar10_full_training.pickle",
    "cifar100": "nb201_cifar100_full_training.pickle",
    "ImageNet16-120": "nb201_ImageNet16_full_training.pickle",
}


def canonical_dataset(name: str) -> str:
    """``cifar10``, ``cifar100`` or ``ImageNet16-120`` for ``name`` or an alias (any case)."""
    canonical = ALIASES.get(str(name).lower())
    if canonical is None:
        raise ValueError(
            f"unknown NAS-Bench-201 dataset {name!r}{did_you_mean(str(name).lower(), ALIASES)}; "
            f"choose one of {', '.join(DATASETS)}"
        )
    return canonical


def resolve_data_dir(data_dir: Optional[PathLike] = None) -> Path:
    """``data_dir`` if given, else ``$NASLIB_OPTIPROXY_DATA``, else ``./data``."""
    if data_dir is not None:
        return Path(data_dir).expanduser()
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else Path("data")


def user_chose_data(data_dir: Optional[PathLike] = None) -> bool:
    """Whether the user named a data folder (``data_dir`` or ``$NASLIB_OPTIPROXY_DATA``): then it must hold the data."""
    return data_dir is not None or bool(os.environ.get(ENV_VAR))


def companion_folders(explicit_dir: Optional[PathLike], env_var: str, data_dir: Optional[PathLike],
                      folder: str) -> List[Path]:
    """Where a table that accompanies NB201 (HW-NAS-Bench, low fidelity) is looked for, in order.

    ``explicit_dir`` if given, else ``$env_var``, else the NB201 data folder, its ``folder/``
    subfolder and a ``folder/`` beside it.
    """
    if explicit_dir is not None:
        return [Path(explicit_dir).expanduser()]
    if os.environ.get(env_var):
        return [Path(os.environ[env_var]).expanduser()]
    base = resolve_data_dir(data_dir)
    return [base, base / folder, base.parent / folder]


def first_file(folders: List[Path], name: str) -> Optional[Path]:
    """``folder / name`` of the first folder that has it."""
    return next((f / name for f in folders if (f / name).is_file()), None)


def expected_files(dataset: str) -> Tuple[str, ...]:
    """The accepted file names for ``dataset``, in the order they are looked for."""
    dataset = canonical_dataset(dataset)
    return (LIGHT_FILES[dataset], CSV_FILE, FULL_FILES[dataset])


def find_table_file(dataset: str, data_dir: Optional[PathLike] = None) -> Path:
    """The first accepted NAS-Bench-201 file for ``dataset`` in the resolved data directory."""
    dataset = canonical_dataset(dataset)
    directory = resolve_data_dir(data_dir)
    for name in expected_files(dataset):
        if (directory / name).is_file():
            return directory / name
    where = directory.resolve()
    state = ""
    if not directory.is_dir():
        state = " (not a directory)" if directory.exists() else " (the directory does not exist)"
    raise BenchmarkDataError(
        f"no NAS-Bench-201 table for {dataset} in {where}{state}; expected one of "
        f"{', '.join(expected_files(dataset))}. Get the light pickles from the OptiProxy-NAS "
        "release (github.com/blyucs/OptiProxy-NAS, naslib/data/), NASLib's full_training "
        "pickles as its README describes (github.com/automl/NASLib, naslib/data/), or convert "
        f"NAS-Bench-201's official NAS-Bench-201-v1_0-e61699.pth to {CSV_FILE}. Then pass "
        f"--data-dir DIR (CLI) or data_dir=DIR (API), or set {ENV_VAR}=DIR."
    )


def locate_table(dataset: str, data_dir: Optional[PathLike] = None) -> Optional[Path]:
    """The user's NAS-Bench-201 file for ``dataset``, or ``None`` for the bundled table.

    A folder the user named (``data_dir``, ``$NASLIB_OPTIPROXY_DATA``) must hold an accepted
    file; ``./data`` is used when it holds one, else the bundled table.

    Raises:
        BenchmarkDataError: The named folder holds no accepted file.
    """
    if user_chose_data(data_dir):
        return find_table_file(dataset, data_dir)
    try:
        return find_table_file(dataset)
    except BenchmarkDataError:
        return None


def load_nb201_table(dataset: str, data_dir: Optional[PathLike] = None) -> Table:
    """``{op-index tuple: (val, test)}`` in percent from the user's file (:func:`locate_table`) or the bundled one.

    Raises:
        ValueError: Unknown dataset name.
        BenchmarkDataError: No accepted file in a folder the user named, or the file is corrupt or malformed.
    """
    dataset = canonical_dataset(dataset)
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


class BadValue(ValueError):
    """A well-formed field whose value is not allowed (NaN, negative, out of range); no "truncated" hint."""


def number(row: Dict[str, str], column: str) -> float:
    """The float in ``row[column]``; ValueError (value echoed, shortened) when it is not a number."""
    text = row[column]
    if text is None:
        raise ValueError(f"column {column} is missing in this row")
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"could not convert string to float: {shorten(text)} in column {column}") from None


def accuracy(row: Dict[str, str], column: str) -> float:
    """An accuracy in percent: a number in 0..100 (BadValue otherwise)."""
    value = number(row, column)
    problem = accuracy_problem(value)
    if problem:
        raise BadValue(f"column {column}: {problem}")
    return value


def measurement(row: Dict[str, str], column: str, not_measured: Optional[float] = None) -> float:
    """A latency or energy: finite and >= 0, or the table's ``not_measured`` marker (BadValue otherwise)."""
    value = number(row, column)
    problem = measurement_problem(value, not_measured)
    if problem:
        raise BadValue(f"column {column}: {problem}")
    return value


#: Longest CSV field read (the csv module's default); a longer one is a corrupt file, named with its line.
FIELD_LIMIT = csv.field_size_limit()


def _decode(path: str, raw: bytes) -> str:
    """UTF-8 text of a table (a leading byte-order mark is dropped); BenchmarkDataError naming the byte."""
    bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        return raw[bom:].decode("utf-8")
    except UnicodeDecodeError as error:
        at = bom + error.start
        line = raw.count(b"\n", 0, at) + 1
        raise BenchmarkDataError(
            f"{path}, line {line}: not UTF-8 text (byte 0x{raw[at]:02x} at offset {at}: {error.reason}); "
            f"save the table as UTF-8 CSV") from None


def read_csv_table(path: str, columns: Sequence[str], parse_row: Callable[[Dict[str, str]], Tuple[Any, Any]],
                   bad: str = "bad row", hint: str = "") -> Dict[Any, Any]:
    """``{key: value}`` from ``parse_row(row)`` of every row of the CSV at ``path``.

    The file is UTF-8 (a byte-order mark is accepted). ``parse_row`` raises ValueError for a
    field that does not parse and :class:`BadValue` for a value that is not allowed
    (see :func:`accuracy`, :func:`measurement`).

    Raises:
        BenchmarkDataError: A column of ``columns`` is missing (``hint`` is appended); the file
            is not UTF-8; a field is longer than :data:`FIELD_LIMIT`; a row does not parse
            (``"<path>, line N: <bad> (<error>); the file is truncated or corrupt"``); a value is
            not allowed (``"<path>, line N: column C: ..."``); or two rows hold the same key
            (both line numbers are named).
    """
    with open(path, "rb") as handle:
        text = _decode(path, handle.read())
    reader = csv.DictReader(io.StringIO(text, newline=""))
    table: Dict[Any, Any] = {}
    lines: Dict[Any, int] = {}
    try:
        missing = [c for c in columns if c not in (reader.fieldnames or ())]
        if missing:
            raise BenchmarkDataError(f"{path} lacks the column(s) {', '.join(missing)}{hint}")
        for row in reader:
            try:
                key, value = parse_row(row)
            except BenchmarkDataError:
                raise
            except BadValue as error:
                raise BenchmarkDataError(f"{path}, line {reader.line_num}: {error}") from None
            except (SyntaxError, TypeError, ValueError) as error:
                raise BenchmarkDataError(
                    f"{path}, line {reader.line_num}: {bad} ({error}); the file is truncated or corrupt"
                ) from None
            if key in lines:
                raise BenchmarkDataError(
                    f"{path}, line {reader.line_num}: the same architecture as line {lines[key]}; "
                    f"a table holds each architecture once (which row is right?)")
            lines[key] = reader.line_num
            table[key] = value
    except csv.Error as error:
        raise BenchmarkDataError(f"{path}, line {reader.line_num + 1}: not a CSV table ({error}); "
                                 f"the file is truncated or corrupt") from None
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

    def __init__(self, dataset: str = "cifar10", data_dir: Optional[PathLike] = None) -> None:
        self.space = NasBench201()
        self.dataset = canonical_dataset(dataset)
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


__all__ = [
    "CSV_FILE",
    "DATASETS",
    "ENV_VAR",
    "FULL_FILES",
    "LIGHT_FILES",
    "NasBench201Objective",
    "canonical_dataset",
    "expected_files",
    "find_table_file",
    "load_nb201_table",
    "locate_table",
    "resolve_data_dir",
    "user_chose_data",
]
