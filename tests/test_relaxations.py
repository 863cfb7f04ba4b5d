"""Relaxed and hard samplers (paper Eq. 5, 6, 9, 10; A.5), temperature schedule, LHS.

The relaxations must be unbiased in the low-temperature limit (A.5, Eq. 11):
argmax of the Gumbel-softmax ~ Cat(softmax(alpha)) and 1[binary concrete > 1/2] ~
Bernoulli(sigmoid(beta)). Draw counts below give a binomial standard error of at most
sqrt(0.25 / 20000) = 0.0035, so ``atol=0.02`` is a > 5 sigma tolerance.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from naslib_optiproxy.relaxations import (
    LinearTemperature,
    binary_concrete,
    gumbel_softmax,
    latin_hypercube,
    sample_bernoulli,
    sample_categorical,
)

DRAWS = 20000


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# ---------------------------------------------------------------- Gumbel-softmax (Eq. 9)
def test_gumbel_softmax_argmax_matches_softmax_at_low_temperature() -> None:
    alpha = torch.tensor([1.0, 0.0, -1.0, 0.5, 2.0])
    samples = gumbel_softmax(alpha.expand(DRAWS, 5), tau=0.05, generator=_gen())
    freq = torch.bincount(samples.argmax(-1), minlength=5).double() / DRAWS
    np.testing.assert_allclose(freq.numpy(), torch.softmax(alpha, -1).numpy(), atol=0.02)
    # At tau = 0.05 the samples are essentially one-hot.
    assert samples.max(-1).values.median() > 0.999


def test_gumbel_softmax_rows_on_simplex_and_temperature_sharpens() -> None:
    alpha = torch.zeros(2000, 5)
    hot = gumbel_softmax(alpha, tau=10.0, generator=_gen(1))
    cold = gumbel_softmax(alpha, tau=0.1, generator=_gen(1))
    for s in (hot, cold):
        torch.testing.assert_close(s.sum(-1), torch.ones(2000))
        assert torch.all(s >= 0)
    assert hot.max(-1).values.mean() < 0.35 < 0.9 < cold.max(-1).values.mean()


def test_gumbel_softmax_is_reproducible_with_a_generator() -> None:
    alpha = torch.randn(4, 6, 5, generator=_gen(9))
    torch.testing.assert_close(gumbel_softmax(alpha, 0.5, _gen(3)), gumbel_softmax(alpha, 0.5, _gen(3)))
    assert not torch.equal(gumbel_softmax(alpha, 0.5, _gen(3)), gumbel_softmax(alpha, 0.5, _gen(4)))


def test_masked_gumbel_never_picks_masked_entries() -> None:
    mask = torch.tensor([[True, False, False, False], [True, True, False, False],
                         [True, True, True, False], [True, True, True, True]])
    logits = torch.full((DRAWS // 4, 4, 4), 10.0)  # masked entries would win without the mask
    logits[..., 0] = -5.0
    samples = gumbel_softmax(logits, tau=0.5, generator=_gen(2), mask=mask)
    assert torch.all(samples[:, ~mask] == 0)
    torch.testing.assert_close(samples.sum(-1), torch.ones(DRAWS // 4, 4))
    picks = samples.argmax(-1)
    assert torch.all(picks[:, 0] == 0)
    assert torch.all(picks <= torch.arange(4))
    # Unmasked frequencies still follow softmax over the allowed logits: slot 3 -> [~0, 1/3, 1/3, 1/3].
    hard = gumbel_softmax(logits, tau=0.05, generator=_gen(5), mask=mask).argmax(-1)
    freq = torch.bincount(hard[:, 3], minlength=4).double() / hard.shape[0]
    expected = torch.softmax(logits[0, 3], -1).double()
    np.testing.assert_allclose(freq.numpy(), expected.numpy(), atol=0.03)
    # Gradients reach the allowed logits only.
    logits = torch.randn(3, 4, 4, generator=_gen(9), requires_grad=True)
    (gumbel_softmax(logits, 0.5, _gen(10), mask=mask) * torch.arange(4.0)).sum().backward()
    assert torch.all(logits.grad[:, ~mask] == 0) and torch.all(logits.grad[:, 1:][:, mask[1:]] != 0)


def test_gumbel_straight_through_is_one_hot_forward_with_soft_gradient() -> None:
    alpha = torch.randn(64, 6, 5, generator=_gen(6), requires_grad=True)
    out = gumbel_softmax(alpha, tau=0.7, generator=_gen(7), straight_through=True)
    soft = gumbel_softmax(alpha.detach(), tau=0.7, generator=_gen(7))
    one_hot = torch.nn.functional.one_hot(soft.argmax(-1), 5).float()
    torch.testing.assert_close(out.detach(), one_hot, rtol=0, atol=1e-6)
    weights = torch.randn(64, 6, 5, generator=_gen(8))
    (out * weights).sum().backward()
    assert alpha.grad is not None and alpha.grad.abs().sum() > 0
    assert torch.count_nonzero(alpha.grad) > alpha.numel() // 2


def test_straight_through_forward_is_exactly_one_hot() -> None:
    alpha = torch.randn(64, 6, 5, generator=_gen(6), requires_grad=True)
    out = gumbel_softmax(alpha, tau=0.7, generator=_gen(7), straight_through=True).detach()
    beta = torch.linspace(-3, 3, 50, requires_grad=True)
    bits = binary_concrete(beta, tau=0.5, generator=_gen(12), straight_through=True).detach()
    assert set(out.unique().tolist()) <= {0.0, 1.0} and torch.equal(out.sum(-1), torch.ones(64, 6))
    assert set(bits.unique().tolist()) <= {0.0, 1.0}


def test_nonpositive_temperature_is_refused() -> None:
    with pytest.raises(ValueError, match="temperature"):
        gumbel_softmax(torch.zeros(3), tau=0.0)
    with pytest.raises(ValueError, match="temperature"):
        binary_concrete(torch.zeros(3), tau=-1.0)


# ---------------------------------------------------------------- binary concrete (Eq. 10)
@pytest.mark.parametrize("beta", [-2.0, -0.5, 0.0, 1.0, 2.0])
def test_binary_concrete_is_unbiased_at_low_temperature(beta: float) -> None:
    samples = binary_concrete(torch.full((DRAWS,), beta), tau=0.05, generator=_gen(10))
    freq = float((samples > 0.5).double().mean())
    assert freq == pytest.approx(1 / (1 + math.exp(-beta)), abs=0.02)
    # A single Gumbel draw instead of logistic noise gives P = 1 - exp(-e^beta)
    # (0.632 at beta=0, 0.934 at beta=1): that biased variant must not be what we sample.
    single_gumbel = 1 - math.exp(-math.exp(beta))
    if abs(single_gumbel - 1 / (1 + math.exp(-beta))) > 0.05:  # they nearly agree for beta <= -2
        assert abs(freq - single_gumbel) > 0.05


def test_binary_concrete_known_values() -> None:
    for beta, expected in ((0.0, 0.5), (1.0, 0.731)):
        samples = binary_concrete(torch.full((DRAWS,), beta), tau=0.05, generator=_gen(11))
        assert float((samples > 0.5).double().mean()) == pytest.approx(expected, abs=0.015)


def test_binary_concrete_range_and_straight_through() -> None:
    beta = torch.linspace(-3, 3, 50).requires_grad_(True)
    soft = binary_concrete(beta, tau=0.5, generator=_gen(12))
    assert torch.all((soft > 0) & (soft < 1))
    hard = binary_concrete(beta, tau=0.5, generator=_gen(12), straight_through=True)
    torch.testing.assert_close(hard.detach(), (soft.detach() > 0.5).float(), rtol=0, atol=1e-6)
    hard.sum().backward()
    assert beta.grad is not None and torch.all(beta.grad > 0)


# ---------------------------------------------------------------- hard samplers (Eq. 5, 6)
def test_sample_categorical_frequencies() -> None:
    probs = np.array([0.1, 0.2, 0.3, 0.4])
    rng = np.random.default_rng(0)
    draws = sample_categorical(probs, rng, n=DRAWS)
    assert draws.shape == (DRAWS,)
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / DRAWS, probs, atol=0.02)
    # Unnormalised rows give the same distribution; zero-probability entries never appear.
    draws = sample_categorical(np.array([0.0, 2.0, 0.0, 6.0, 0.0]), rng, n=DRAWS)
    freq = np.bincount(draws, minlength=5) / DRAWS
    assert freq[0] == freq[2] == freq[4] == 0
    np.testing.assert_allclose(freq[[1, 3]], [0.25, 0.75], atol=0.02)


def test_sample_categorical_one_draw_per_row() -> None:
    rows = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    rng = np.random.default_rng(1)
    assert sample_categorical(rows, rng).tolist() == [0, 2, 1]
    batch = np.broadcast_to(np.array([[0.5, 0.5, 0.0], [0.0, 0.2, 0.8]]), (DRAWS, 2, 3))
    draws = sample_categorical(batch, rng)
    assert draws.shape == (DRAWS, 2)
    np.testing.assert_allclose(np.bincount(draws[:, 1], minlength=3) / DRAWS, [0.0, 0.2, 0.8], atol=0.02)
    assert sample_categorical(rows, rng, n=7).shape == (7, 3)


def test_sample_bernoulli_frequencies() -> None:
    probs = np.array([0.0, 0.25, 0.5, 0.9, 1.0])
    draws = sample_bernoulli(probs, np.random.default_rng(2), DRAWS)
    assert draws.shape == (DRAWS, 5) and set(np.unique(draws)) <= {0, 1}
    np.testing.assert_allclose(draws.mean(0), probs, atol=0.02)
    assert draws[:, 0].sum() == 0 and draws[:, 4].sum() == DRAWS


# ---------------------------------------------------------------- temperature schedule
def test_linear_temperature_endpoints_and_monotonicity() -> None:
    schedule = LinearTemperature(0.7, 0.2, steps=300)
    assert schedule(0) == pytest.approx(0.7)
    assert schedule(299) == pytest.approx(0.2)
    assert schedule(149) == pytest.approx(0.7 - 0.5 * 149 / 299)
    values = [schedule(t) for t in range(300)]
    assert all(a > b for a, b in zip(values, values[1:]))
    assert schedule(1000) == pytest.approx(0.2) and schedule(-5) == pytest.approx(0.7)  # clamped
    assert LinearTemperature(0.7, 0.2, steps=1)(0) == pytest.approx(0.2)
    assert LinearTemperature(0.5, 0.5, steps=10)(4) == pytest.approx(0.5)


@pytest.mark.parametrize("base, low", [(0.2, 0.7), (0.7, 0.0), (0.7, -0.1)])
def test_linear_temperature_refuses_bad_ranges(base: float, low: float) -> None:
    with pytest.raises(ValueError, match="min_temp"):
        LinearTemperature(base, low, steps=10)


# ---------------------------------------------------------------- Latin hypercube
@pytest.mark.parametrize("n, dim, lower, width", [(5, 30, 0.9, 0.1), (17, 4, -0.5, 1.0), (1, 3, 0.0, 1.0)])
def test_latin_hypercube_strata(n: int, dim: int, lower: float, width: float) -> None:
    design = latin_hypercube(n, dim, np.random.default_rng(3), lower, width)
    assert design.shape == (n, dim)
    assert np.all(design >= lower) and np.all(design <= lower + width)
    strata = np.floor((design - lower) / width * n).astype(int)
    strata = np.minimum(strata, n - 1)
    for d in range(dim):  # every stratum of every dimension occupied exactly once
        assert sorted(strata[:, d].tolist()) == list(range(n))


def test_latin_hypercube_is_seeded() -> None:
    a = latin_hypercube(6, 8, np.random.default_rng(4))
    np.testing.assert_array_equal(a, latin_hypercube(6, 8, np.random.default_rng(4)))
    assert not np.array_equal(a, latin_hypercube(6, 8, np.random.default_rng(5)))
