"""Fixtures shared by the search-space codec tests."""

from __future__ import annotations

import pytest

from naslib_optiproxy.spaces import NasBench201, NasBenchGraph

# NAS-Bench-201 cifar10 optimum (validation accuracy), in the benchmark's own notation.
NB201_BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"


@pytest.fixture(scope="session")
def nb201() -> NasBench201:
    return NasBench201()


@pytest.fixture(scope="session")
def nbg() -> NasBenchGraph:
    return NasBenchGraph()


@pytest.fixture
def nb201_best() -> str:
    return NB201_BEST
