"""Shared fixtures: tiny NAS-Bench-201 tables in every accepted format."""

from __future__ import annotations

import csv
import pickle
from pathlib import Path
from typing import Callable, Dict, Tuple

import numpy as np
import pytest

from naslib_optiproxy.objectives.files import CSV_FILE, DS_KEYS, FULL_FILES, LIGHT_FILES

BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
MIXED = "|avg_pool_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|none~1|skip_connect~2|"
EMPTY = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"

# dataset -> arch string -> (val, test), distinct everywhere so mix-ups show.
VALUES: Dict[str, Dict[str, Tuple[float, float]]] = {
    "cifar10": {BEST: (91.5, 94.25), MIXED: (70.0, 72.5), EMPTY: (10.0, 10.125)},
    "cifar100": {BEST: (73.0, 73.5), MIXED: (40.25, 41.0), EMPTY: (1.0, 1.25)},
    "ImageNet16-120": {BEST: (46.5, 45.25), MIXED: (20.0, 19.5), EMPTY: (0.75, 0.875)},
}

Writer = Callable[[str, Path], Path]


def _write_light(directory: Path) -> None:
    for dataset, key in DS_KEYS.items():
        table = {
            arch: {key: {"eval_acc1es": [np.float64(val), np.float64(test)]}}
            for arch, (val, test) in VALUES[dataset].items()
        }
        (directory / LIGHT_FILES[dataset]).write_bytes(pickle.dumps(table, protocol=4))


def _write_csv(directory: Path) -> None:
    columns = ["arch_str"] + [f"{ds}_{split}" for ds in VALUES for split in ("val", "test")]
    with open(directory / CSV_FILE, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for arch in VALUES["cifar10"]:
            writer.writerow([arch] + [f"{v:.6f}" for ds in VALUES for v in VALUES[ds][arch]])


def _curve(final: float) -> list:
    """A 200-epoch learning curve ending exactly at ``final`` (earlier epochs all lower)."""
    return [final * epoch / 250 for epoch in range(199)] + [final]


def _write_full(directory: Path) -> None:
    """NASLib's ``nb201_*_full_training.pickle`` layout (per-epoch lists, 200 epochs)."""
    for dataset, key in DS_KEYS.items():
        table = {}
        for arch, (val, test) in VALUES[dataset].items():
            record = {
                "train_acc1es": _curve(99.0),
                "eval_acc1es": _curve(val),
                "train_losses": _curve(0.1)[::-1],
                "eval_losses": _curve(0.5)[::-1],
                "train_times": [10.0] * 200,
                "eval_times": [1.0] * 200,
                "cost_info": {"flops": 1.0, "params": 0.1, "latency": 0.01, "train_time": 10.0},
                "flop": 1.0,
                "latency": 0.01,
                "params": 0.1,
                "epochs": 200,
            }
            table[arch] = {key: record}
            if dataset == "cifar10":  # a decoy: cifar10 must be read from 'cifar10-valid'
                table[arch]["cifar10"] = {**record, "eval_acc1es": _curve(test)}
        (directory / FULL_FILES[dataset]).write_bytes(pickle.dumps(table, protocol=2))


_WRITERS = {"light": _write_light, "csv": _write_csv, "full": _write_full}


@pytest.fixture
def write_nb201(tmp_path: Path) -> Writer:
    """``write(kind, directory)`` writes the fixture table as ``light``, ``csv`` or ``full``."""

    def write(kind: str, directory: Path = tmp_path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        _WRITERS[kind](directory)
        return directory

    return write


@pytest.fixture
def nb201_values() -> Dict[str, Dict[str, Tuple[float, float]]]:
    return VALUES


@pytest.fixture
def no_user_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder (no ``./data``): objectives fall back to the bundled tables."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder
