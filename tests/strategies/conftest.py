"""Fixtures shared by the optimizer tests."""

from __future__ import annotations

import pytest

from ._helpers import TinySpace


@pytest.fixture
def tiny_space() -> TinySpace:
    return TinySpace()

