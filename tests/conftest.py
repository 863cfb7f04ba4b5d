"""Fixtures shared by the whole suite."""

from __future__ import annotations

import pytest
import torch

from naslib_optiproxy.spaces import NasBench201, NasBenchGraph


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
