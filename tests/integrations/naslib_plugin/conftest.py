"""Fixtures for the NASLib plugin tests: a synthetic full NB201 table, NASLib when importable."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest

from naslib_optiproxy.objectives.files import CSV_FILE
from naslib_optiproxy.spaces import Architecture, NasBench201

NASLIB_HINT = ("NASLib is not importable; install it from a git checkout (automl/NASLib, branch Develop) "
               "and put it on PYTHONPATH, see docs/naslib.md")


def synthetic_val(ops) -> float:
    """A smooth, tie-free synthetic validation accuracy of an NB201 op tuple (conv-rich is better)."""
    score = sum({2: 3.0, 3: 2.0, 0: 1.0, 4: 0.5, 1: 0.0}[o] * (1 + 0.1 * i) for i, o in enumerate(ops))
    return 50.0 + score + 0.001 * sum(o * 5 ** i for i, o in enumerate(ops)) / 5 ** 6


@pytest.fixture(scope="session")
def synthetic_nb201(tmp_path_factory) -> Path:
    """A folder with ``nb201_val_test.csv`` covering all 15,625 cells (val from :func:`synthetic_val`, test = val + 1)."""
    folder = tmp_path_factory.mktemp("nb201")
    codec = NasBench201()
    columns = ["arch_str"] + [f"{d}_{m}" for d in ("cifar10", "cifar100", "ImageNet16-120") for m in ("val", "test")]
    with open(folder / CSV_FILE, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for ops in itertools.product(range(5), repeat=6):
            val = synthetic_val(ops)
            writer.writerow([codec.to_string(Architecture(ops))] + [val, val + 1.0] * 3)
    return folder


@pytest.fixture(scope="session")
def naslib():
    """NASLib, or a skip saying how to install it."""
    return pytest.importorskip("naslib", reason=NASLIB_HINT)
