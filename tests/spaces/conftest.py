"""Fixtures shared by the search-space codec tests."""

from __future__ import annotations

import pytest


# NAS-Bench-201 cifar10 optimum (validation accuracy), in the benchmark's own notation.
NB201_BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"


@pytest.fixture
def nb201_best() -> str:
    return NB201_BEST
