"""The chance of a successful evaluation: a deterministic logistic regression on the encoding."""

from __future__ import annotations

import numpy as np
import torch

from naslib_optiproxy.proxies.success import SuccessModel
from naslib_optiproxy.spaces import NasBench201


def _data(n: int = 120, seed: int = 0):
    """NB201 cells that fail when edge 0 holds ``none`` (op 1), like HW-NAS-Bench's Edge-TPU gaps."""
    space, rng = NasBench201(), np.random.default_rng(seed)
    archs = [space.sample(rng) for _ in range(n)]
    x, adj = space.encode_batch(archs)
    return x, adj, torch.tensor([a.ops[0] != 1 for a in archs])


def test_it_learns_which_architectures_fail() -> None:
    x, adj, ok = _data()
    model = SuccessModel()
    assert torch.equal(model(x, adj), torch.ones(len(x)))  # before any fit: everything may succeed
    loss = model.fit(x, adj, ok)
    p = model(x, adj).detach()
    assert loss < 0.5 and p[ok].min() > p[~ok].max()
    test_x, test_adj, test_ok = _data(seed=1)
    assert ((model(test_x, test_adj) > 0.5) == test_ok).float().mean() > 0.9


def test_fits_are_deterministic_and_leave_the_global_generator_alone() -> None:
    x, adj, ok = _data()
    state = torch.random.get_rng_state()
    first, second = SuccessModel(), SuccessModel()
    first.fit(x, adj, ok)
    second.fit(x, adj, ok)
    assert torch.equal(first.weight, second.weight) and torch.equal(torch.random.get_rng_state(), state)


def test_it_is_differentiable_in_relaxed_encodings() -> None:
    x, adj, ok = _data()
    model = SuccessModel()
    model.fit(x, adj, ok)
    soft = x[:4].clone().requires_grad_(True)
    model(soft, adj[:4]).sum().backward()
    assert soft.grad.abs().sum() > 0
