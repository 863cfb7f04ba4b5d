"""Fixtures shared by the whole suite.

Tests read the benchmark tables bundled with the package. Only the round-trip check of the
bundle (``tests/data``) reads the originals in ``../shared/benchmarks`` beside the checkout,
through :func:`shared_benchmarks`; ``NASLIB_OPTIPROXY_NO_SHARED=1`` makes it treat
``../shared`` as absent, as on a fresh clone (``.ci/run`` sets it).
"""

from __future__ import annotations

import csv
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, Sequence

import numpy as np
import pytest
import torch

from naslib_optiproxy.objectives.hw_nas_bench import ENV_VAR as HW_ENV_VAR
from naslib_optiproxy.objectives.low_fidelity import ENV_VAR as LOWFI_ENV_VAR
from naslib_optiproxy.config import OptiProxyConfig
from naslib_optiproxy.data import nb201_table
from naslib_optiproxy.objectives import NasBenchGraphObjective
from naslib_optiproxy.datasets import NB201_DATASETS as DATASETS
from naslib_optiproxy.objectives.files import CSV_FILE, ENV_VAR
from naslib_optiproxy.spaces import Architecture
from naslib_optiproxy.spaces import NasBench201, NasBenchGraph

SHARED_BENCHMARKS = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"
NO_SHARED_VAR = "NASLIB_OPTIPROXY_NO_SHARED"
#: The one small OptiProxy setting of the tests (flat keys): 10 random, then batches of 5 from 3 groups
#: of 20 candidates; a proxy 16 wide, short fits and searches. A test overrides only what it is about.
TINY_SETTINGS: Dict[str, Any] = {"num_init": 10, "batch_size": 5, "num_groups": 3, "candidates_per_group": 20,
                                 "gcn_hidden": 16, "linear_size": 16, "model_epochs": 20, "search_epochs": 10}


@pytest.fixture
def optuna_installed() -> bool:
    """Whether Optuna (the peers extra) is importable: the front peers nsga2/motpe need it."""
    return importlib.util.find_spec("optuna") is not None


@pytest.fixture(autouse=True)
def _no_user_data_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the user's data variables (they would take precedence over the bundled tables)."""
    for name in (ENV_VAR, HW_ENV_VAR, LOWFI_ENV_VAR):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def nb201_csv_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's data folder: the bundled NB201 table written as ``nb201_val_test.csv`` (all 15625 archs, exact)."""
    folder = tmp_path_factory.mktemp("nb201-csv")
    tables, space = {ds: nb201_table(ds) for ds in DATASETS}, NasBench201()
    with open(folder / CSV_FILE, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["arch_str"] + [f"{ds}_{split}" for ds in DATASETS for split in ("val", "test")])
        for ops in tables["cifar10"]:
            writer.writerow([space.to_string(Architecture(ops))] + [repr(v) for ds in DATASETS for v in tables[ds][ops]])
    return folder


@pytest.fixture(scope="session")
def shared_benchmarks() -> Path:
    """The original tables in ``../shared/benchmarks``; skips where absent or ``NASLIB_OPTIPROXY_NO_SHARED=1``."""
    if os.environ.get(NO_SHARED_VAR, "") not in ("", "0"):
        pytest.skip(f"the original tables in ../shared are treated as absent ({NO_SHARED_VAR}=1); "
                    "this round-trip check of the bundled data needs them")
    if not SHARED_BENCHMARKS.is_dir():
        pytest.skip(f"the original tables are not at {SHARED_BENCHMARKS} (../shared is absent); "
                    "this round-trip check of the bundled data needs them")
    return SHARED_BENCHMARKS


RAY_SKIP = "Ray is not installed: pip install 'naslib-optiproxy[ray]'"


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray with 2 CPUs for the tests of one module (its files in a short temporary folder: Ray's
    socket paths must stay short); shut down and removed after them. Skips where Ray is not installed."""
    ray = pytest.importorskip("ray", reason=RAY_SKIP)
    folder = tempfile.mkdtemp(prefix="ray-")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False, _temp_dir=folder)
    try:
        yield ray
    finally:
        ray.shutdown()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """The tiny proxies run fastest on one thread and do not stall when other work shares the CPU."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def nb201() -> NasBench201:
    return NasBench201()


@pytest.fixture(scope="session")
def nbg() -> NasBenchGraph:
    return NasBenchGraph()


@pytest.fixture(scope="module")
def cora() -> NasBenchGraphObjective:
    """The NAS-Bench-Graph objective on cora (one per test module)."""
    return NasBenchGraphObjective("cora")


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder, so that runs read the bundled tables and write nowhere else."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def tiny_settings() -> Callable[..., Dict[str, Any]]:
    """``tiny_settings(**overrides)``: :data:`TINY_SETTINGS` with ``overrides``, as flat keys."""
    return lambda **overrides: {**TINY_SETTINGS, **overrides}


@pytest.fixture
def tiny_optiproxy_config(tiny_settings: Callable[..., Dict[str, Any]]) -> Callable[..., OptiProxyConfig]:
    """``tiny_optiproxy_config(**overrides)``: the :class:`OptiProxyConfig` of ``tiny_settings(**overrides)``."""
    return lambda **overrides: OptiProxyConfig(**tiny_settings(**overrides))


@pytest.fixture
def tiny_method(tiny_settings: Callable[..., Dict[str, Any]]) -> Callable[..., str]:
    """``tiny_method(**overrides)``: ``optiproxy[key=value,...]`` of ``tiny_settings(**overrides)`` (``compare``)."""
    return lambda **overrides: "optiproxy[" + ",".join(f"{k}={v}" for k, v in tiny_settings(**overrides).items()) + "]"


def _ranks(values: Sequence[float]) -> np.ndarray:
    """Ranks from 0, ties averaged (Spearman's convention)."""
    values = np.asarray(values, dtype=float)
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    for value in np.unique(values):
        ranks[values == value] = ranks[values == value].mean()
    return ranks


@pytest.fixture(scope="session")
def spearman() -> Callable[[Sequence[float], Sequence[float]], float]:
    """Spearman's rank correlation of two sequences, ties averaged (no scipy needed)."""
    return lambda a, b: float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])
