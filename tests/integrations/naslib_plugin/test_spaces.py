"""Lightweight NASLib search-space objects (with NASLib)."""

from __future__ import annotations

import numpy as np
import pytest

from naslib_optiproxy.integrations.naslib_plugin.spaces import make_search_space


def test_unknown_space_is_refused() -> None:
    with pytest.raises(ValueError, match="did you mean 'nasbench201'"):
        make_search_space("nasbench210")


def test_light_nb201_behaves_like_naslib(naslib) -> None:
    from naslib.search_spaces import NasBench201SearchSpace

    light = make_search_space("nasbench201")
    assert isinstance(light, NasBench201SearchSpace) and not light.instantiate_model
    assert len(list(light.parameters())) == 0
    np.random.seed(0)
    a = light.clone()
    a.sample_random_architecture()
    np.random.seed(0)
    b = NasBench201SearchSpace()
    b.instantiate_model = False
    b.sample_random_architecture()
    assert a.get_hash() == b.get_hash()
    child = light.clone()
    child.mutate(a)
    assert sum(x != y for x, y in zip(child.get_hash(), a.get_hash())) == 1
