"""Where benchmark files are looked for: the data folder, companion folders and NAS-Bench-201's file names.

Every objective that reads a file of the user's own finds it here: ``data_dir`` if given, else
``$NASLIB_OPTIPROXY_DATA``, else ``./data`` (:func:`resolve_data_dir`); tables that accompany
NAS-Bench-201 (HW-NAS-Bench, the 12-epoch accuracies) also in a subfolder or a folder beside it
(:func:`companion_folders`). NAS-Bench-201's accepted files and the order they are looked for
(:func:`expected_files`) are described in :mod:`~naslib_optiproxy.objectives.nasbench201`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional, Tuple, Union

from ..datasets import canonical_dataset
from .errors import BenchmarkDataError

PathLike = Union[str, "os.PathLike[str]"]

#: The environment variable naming the data folder when ``data_dir`` is not given.
ENV_VAR = "NASLIB_OPTIPROXY_DATA"
DS_KEYS = {"cifar10": "cifar10-valid", "cifar100": "cifar100", "ImageNet16-120": "ImageNet16-120"}
LIGHT_FILES = {ds: f"nb201_{key}_val_test_v1_0.pickle" for ds, key in DS_KEYS.items()}
CSV_FILE = "nb201_val_test.csv"
FULL_FILES = {
    "cifar10": "nb201_cifar10_full_training.pickle",
    "cifar100": "nb201_cifar100_full_training.pickle",
    "ImageNet16-120": "nb201_ImageNet16_full_training.pickle",
}


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
    dataset = canonical_dataset("nasbench201", dataset)
    return (LIGHT_FILES[dataset], CSV_FILE, FULL_FILES[dataset])


def find_table_file(dataset: str, data_dir: Optional[PathLike] = None) -> Path:
    """The first accepted NAS-Bench-201 file for ``dataset`` in the resolved data directory."""
    dataset = canonical_dataset("nasbench201", dataset)
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


__all__ = ["CSV_FILE", "DS_KEYS", "ENV_VAR", "FULL_FILES", "LIGHT_FILES", "PathLike", "companion_folders",
           "expected_files", "find_table_file", "first_file", "locate_table", "resolve_data_dir", "user_chose_data"]
