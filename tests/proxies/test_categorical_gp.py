"""The GP on compact encodings (``ei_model: gp``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from naslib_optiproxy.proxies.categorical_gp import CategoricalGP, categorical_codes
from naslib_optiproxy.spaces import NasBench201, NasBenchGraph
from naslib_optiproxy.types import Architecture


def _random_codes(n: int, slots: int = 6, levels: int = 5, seed: int = 0) -> torch.Tensor:
    return torch.as_tensor(np.random.default_rng(seed).integers(0, levels, size=(n, slots)))


def test_codes_are_the_op_slots_then_the_topology_slots() -> None:
    codes = categorical_codes([Architecture((1, 2, 3, 4), (0, 1, 0, 2)), Architecture((0, 0, 0, 0), (0, 0, 1, 3))])
    assert codes.tolist() == [[1, 2, 3, 4, 0, 1, 0, 2], [0, 0, 0, 0, 0, 0, 1, 3]]
    space = NasBenchGraph()
    assert categorical_codes([space.sample(np.random.default_rng(0))]).shape == (1, 8)
    assert categorical_codes([NasBench201().sample(np.random.default_rng(0))]).shape == (1, 6)


def test_kernel_is_positive_semi_definite_and_counts_differing_slots() -> None:
    gp = CategoricalGP(6)
    gp.log_theta = torch.linspace(-3, 1, 6, dtype=torch.float64)
    codes = _random_codes(40)
    assert torch.linalg.eigvalsh(gp.kernel(codes, codes)).min() > -1e-10
    a, b = codes[:1], codes[:1].clone()
    b[0, 2] = (b[0, 2] + 1) % 5  # one slot differs: exp(-theta_2) of the signal variance
    assert float(gp.kernel(a, b)) == pytest.approx(float(torch.exp(-torch.exp(gp.log_theta[2]))))


def test_fit_learns_which_slot_matters_and_interpolates() -> None:
    codes = _random_codes(60, seed=1)
    y = (codes[:, 3] == 2).double() * 2.0 - 0.5  # only slot 3 matters
    gp = CategoricalGP(6, steps=200)
    gp.fit(codes, (y - y.mean()) / y.std())
    theta = torch.exp(gp.log_theta)
    assert int(theta.argmax()) == 3 and float(theta[3]) > 5 * float(theta[[0, 1, 2, 4, 5]].max())
    mean, std = gp.predict(codes)
    assert torch.corrcoef(torch.stack([mean, y]))[0, 1] > 0.99
    unseen = _random_codes(200, seed=2)
    far = [i for i in range(len(unseen)) if not (unseen[i] == codes).all(dim=1).any()]
    assert std[:10].max() < gp.predict(unseen[far])[1].mean()  # less spread where it has seen the cell


def test_predict_before_fit_and_a_state_of_another_size_are_refused() -> None:
    with pytest.raises(RuntimeError, match="before fit"):
        CategoricalGP(4).predict(_random_codes(2, slots=4))
    with pytest.raises(ValueError, match="state's GP has 6 slots, this one 4"):
        CategoricalGP(4).load_state_dict(CategoricalGP(6).state_dict())


def test_state_round_trip_gives_the_same_fit() -> None:
    codes, y = _random_codes(30, seed=3), torch.randn(30, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    first = CategoricalGP(6, steps=20)
    first.fit(codes, y)
    second = CategoricalGP(6, steps=20)
    second.load_state_dict(first.state_dict())
    first.fit(codes, y), second.fit(codes, y)
    assert torch.equal(first.predict(codes)[0], second.predict(codes)[0])


def test_work_is_bounded_by_the_best_points_and_chunks(monkeypatch) -> None:
    from naslib_optiproxy.proxies import categorical_gp

    monkeypatch.setattr(categorical_gp, "MAX_POINTS", 20)
    monkeypatch.setattr(categorical_gp, "CHUNK", 7)
    codes = _random_codes(50, seed=4)
    y = torch.arange(50, dtype=torch.float64)
    gp = CategoricalGP(6, steps=5)
    gp.fit(codes, y)
    assert gp._codes.tolist() == codes[30:].flip(0).tolist()  # the 20 highest targets, best first
    mean, std = gp.predict(codes)  # 50 candidates in chunks of 7: the same as all at once
    monkeypatch.setattr(categorical_gp, "CHUNK", 1_024)
    whole_mean, whole_std = gp.predict(codes)
    assert mean.shape == (50,) and torch.allclose(mean, whole_mean, rtol=1e-12) and torch.allclose(std, whole_std, rtol=1e-12)
