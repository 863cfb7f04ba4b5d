"""The proxy ensemble and expected improvement (selection ``ei``)."""

from __future__ import annotations

import math

import pytest
import torch

from naslib_optiproxy.proxies import FitSettings, ProxySettings
from naslib_optiproxy.proxies.ensemble import ProxyEnsemble, expected_improvement, member_seed
from naslib_optiproxy.spaces import NasBench201


def _closed_form(mean: float, std: float, best: float) -> float:
    z = (mean - best) / std
    cdf = 0.5 * (1 + math.erf(z / math.sqrt(2)))
    pdf = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    return (mean - best) * cdf + std * pdf


@pytest.mark.parametrize("mean, std, best", [(0.0, 1.0, 0.0), (1.2, 0.3, 1.0), (-2.0, 0.5, 1.0), (0.5, 2.0, 3.0)])
def test_expected_improvement_is_the_normal_closed_form(mean: float, std: float, best: float) -> None:
    value = expected_improvement(torch.tensor([mean]), torch.tensor([std]), best)
    assert float(value) == pytest.approx(_closed_form(mean, std, best), rel=1e-5, abs=1e-12)


def test_expected_improvement_without_spread_is_the_plain_improvement() -> None:
    value = expected_improvement(torch.tensor([2.0, 0.5]), torch.zeros(2), 1.0)
    assert value.tolist() == [1.0, 0.0]


def test_spread_raises_the_expected_improvement_of_a_cell_below_the_best() -> None:
    low, high = expected_improvement(torch.tensor([0.0, 0.0]), torch.tensor([0.1, 1.0]), 1.0)
    assert high > low > 0


def test_member_seeds_differ_from_each_other_and_from_the_strategy_seed() -> None:
    seeds = [member_seed(0, m) for m in range(1, 6)]
    assert len(set(seeds)) == 5 and 0 not in seeds
    assert member_seed(1, 1) != member_seed(0, 1) and member_seed(0, 1) == member_seed(0, 1)


def _data(n: int = 24):
    space, generator = NasBench201(), torch.Generator().manual_seed(0)
    import numpy as np

    archs = [space.sample(np.random.default_rng(i)) for i in range(n)]
    x, adj = space.encode_batch(archs)
    y = torch.tensor([float(sum(a.ops)) for a in archs])
    return space, x, adj, y, generator


def test_members_start_apart_and_fit_towards_the_data() -> None:
    space, x, adj, y, generator = _data()
    ensemble = ProxyEnsemble(ProxySettings(hidden=16, head_hidden=16), FitSettings(epochs=60), space.num_nodes,
                             space.num_features, 1, [member_seed(0, m) for m in (1, 2, 3)], generator)
    assert len(ensemble) == 3
    before = ensemble.predict(x, adj)
    assert before.shape == (3, len(y)) and before.std(0).mean() > 0  # their own initialisations
    ensemble.fit(x, adj, y)
    after = ensemble.predict(x, adj)
    target = ensemble.members[0][1].standardizer.transform(y)
    errors = ((after - target) ** 2).mean(1)
    assert bool((errors < ((before - target) ** 2).mean(1)).all())


def test_state_round_trip_gives_the_same_predictions_and_refuses_another_size() -> None:
    space, x, adj, y, generator = _data()
    settings, fit = ProxySettings(hidden=16, head_hidden=16), FitSettings(epochs=5)
    ensemble = ProxyEnsemble(settings, fit, space.num_nodes, space.num_features, 1, [1, 2], generator)
    ensemble.fit(x, adj, y)
    other = ProxyEnsemble(settings, fit, space.num_nodes, space.num_features, 1, [3, 4], generator)
    other.load_state_dict(ensemble.state_dict())
    other.members[0][1].standardizer = ensemble.members[0][1].standardizer
    other.members[1][1].standardizer = ensemble.members[1][1].standardizer
    assert torch.equal(other.predict(x, adj), ensemble.predict(x, adj))
    assert [t.fits for _, t in other.members] == [1, 1]
    with pytest.raises(ValueError, match="holds 2 ensemble members, this ensemble has 1"):
        ProxyEnsemble(settings, fit, space.num_nodes, space.num_features, 1, [5], generator).load_state_dict(
            ensemble.state_dict())
