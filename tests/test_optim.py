"""FlatAdamW: torch.optim.AdamW's update on one flat buffer."""

import pytest
import torch
from torch import nn

from naslib_optiproxy.optim import FlatAdamW


def _model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 7), nn.GELU(), nn.LayerNorm(7), nn.Linear(7, 1))


def _train(model: nn.Module, optimizer, steps: int, flat: bool) -> None:
    torch.manual_seed(1)
    x, y = torch.randn(16, 5), torch.randn(16, 1)
    for step in range(steps):
        if flat:
            optimizer.zero_grad()
        else:
            optimizer.zero_grad(set_to_none=True)
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
        if step % 7 == 6:  # a schedule changes the learning rate between steps
            if flat:
                optimizer.lr *= 0.5
            else:
                for group in optimizer.param_groups:
                    group["lr"] *= 0.5


def test_same_parameters_as_torch_adamw_bit_for_bit():
    ours, theirs = _model(), _model()
    _train(ours, FlatAdamW(ours.parameters(), lr=3e-2, weight_decay=0.01), 30, flat=True)
    _train(theirs, torch.optim.AdamW(theirs.parameters(), lr=3e-2, weight_decay=0.01, foreach=True), 30, flat=False)
    for a, b in zip(ours.parameters(), theirs.parameters()):
        assert torch.equal(a, b)


def test_parameters_keep_their_values_and_become_views_of_the_buffer():
    model = _model()
    before = [p.detach().clone() for p in model.parameters()]
    optimizer = FlatAdamW(model.parameters(), lr=1e-3)
    for p, value in zip(model.parameters(), before):
        assert torch.equal(p, value)
    with torch.no_grad():
        next(model.parameters()).fill_(2.0)
    assert optimizer.flat[0] == 2.0
    model.load_state_dict(_model(seed=3).state_dict())  # in-place copies keep the views
    assert torch.equal(optimizer.flat[: before[0].numel()], next(model.parameters()).reshape(-1))


def test_a_gradient_set_to_none_elsewhere_is_taken_back():
    model = _model()
    optimizer = FlatAdamW(model.parameters(), lr=1e-2)
    model.zero_grad(set_to_none=True)  # autograd now allocates fresh gradients
    model(torch.randn(4, 5)).sum().backward()
    expected = [p.grad.clone() for p in model.parameters()]
    optimizer.step()
    for p, grad in zip(model.parameters(), expected):
        assert torch.equal(p.grad, grad)
    assert optimizer.flat_grad.abs().sum() > 0


def test_state_dict_round_trip_continues_identically():
    first, second = _model(), _model()
    opt_first = FlatAdamW(first.parameters(), lr=1e-2)
    _train(first, opt_first, 5, flat=True)
    second.load_state_dict(first.state_dict())
    opt_second = FlatAdamW(second.parameters(), lr=99.0)
    opt_second.load_state_dict(opt_first.state_dict())
    assert opt_second.lr == opt_first.lr and opt_second.steps == 5
    _train(first, opt_first, 5, flat=True)
    _train(second, opt_second, 5, flat=True)
    for a, b in zip(first.parameters(), second.parameters()):
        assert torch.equal(a, b)


def test_state_of_another_model_is_refused():
    small = FlatAdamW(nn.Linear(2, 1).parameters(), lr=1e-3)
    with pytest.raises(ValueError, match="another model"):
        small.load_state_dict(FlatAdamW(_model().parameters(), lr=1e-3).state_dict())


def test_mixed_dtypes_and_no_parameters_are_refused():
    with pytest.raises(ValueError, match="one dtype"):
        FlatAdamW([torch.zeros(2, requires_grad=True), torch.zeros(2, dtype=torch.float64, requires_grad=True)], lr=1)
    with pytest.raises(ValueError, match="no parameters"):
        FlatAdamW([], lr=1)
