"""Fixtures shared by the proxy tests."""

from __future__ import annotations

import numpy as np
import pytest
import torch


@pytest.fixture
def seeded() -> None:
    """Deterministic proxy initialisation (restores the global torch RNG afterwards)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        yield


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
