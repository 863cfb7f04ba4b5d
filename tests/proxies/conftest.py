"""Fixtures shared by the proxy tests."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from naslib_optiproxy.spaces import NasBench201, NasBenchGraph


@pytest.fixture(scope="session")
def nb201() -> NasBench201:
    return NasBench201()


@pytest.fixture(scope="session")
def nbg() -> NasBenchGraph:
    return NasBenchGraph()


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tiny models run fastest on one thread, and do not stall when other work shares the CPU."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def seeded() -> None:
    """Deterministic proxy initialisation (restores the global torch RNG afterwards)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        yield


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
