"""Fixtures shared by the optimizer tests."""

from __future__ import annotations

import pytest

from ._helpers import TinySpace


@pytest.fixture
def tiny_space() -> TinySpace:
    return TinySpace()


@pytest.fixture
def tiny_optiproxy_config():
    """A fast OptiProxy config: 10 random, then batches of 5; small proxy, short fit and search."""
    from naslib_optiproxy.config import OptiProxyConfig

    def make(**overrides):
        values = dict(num_init=10, batch_size=5, num_groups=3, candidates_per_group=20, gcn_hidden=16,
                      linear_size=16, model_epochs=20, search_epochs=10)
        return OptiProxyConfig(**{**values, **overrides})

    return make
