"""Proxy fitting (Algorithm 2, line 6): target standardisation and the AdamW trainer."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from naslib_optiproxy.proxies import CopulaStandardizer, FitSettings, MLPProxy, ProxyTrainer, Standardizer, build_proxy
from naslib_optiproxy.proxies.fit import ColumnStandardizer
from naslib_optiproxy.spaces import NasBench201

CONV3 = 2  # nor_conv_3x3


def _dataset(n: int, seed: int):
    """Distinct random NB201 cells; target = 60 + 5 * number of nor_conv_3x3 ops."""
    space = NasBench201()
    rng = np.random.default_rng(seed)
    archs, seen = [], set()
    while len(archs) < n:
        arch = space.sample(rng)
        if arch not in seen:
            seen.add(arch)
            archs.append(arch)
    x, adj = space.encode_batch(archs)
    y = torch.tensor([60.0 + 5.0 * sum(o == CONV3 for o in a.ops) for a in archs])
    return x, adj, y


def test_spearman_helper(spearman) -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([5.0, 1.0, 5.0, 2.0], [3.0, 0.0, 3.0, 1.0]) == pytest.approx(1.0)  # ties averaged alike
    assert spearman([5.0, 1.0, 5.0, 2.0], [3.0, 0.0, 4.0, 1.0]) < 1.0


def test_standardizer_uses_the_observed_targets() -> None:
    y = torch.tensor([90.0, 91.0, 93.0, 94.0])
    s = Standardizer.fit(y)
    assert s.mean == pytest.approx(92.0)
    assert s.std == pytest.approx(float(np.std([90, 91, 93, 94], ddof=1)))
    z = s.transform(y)
    assert float(z.mean()) == pytest.approx(0.0, abs=1e-6) and float(z.std()) == pytest.approx(1.0)
    torch.testing.assert_close(s.inverse(z), y)
    # Degenerate cases keep a unit scale instead of dividing by zero.
    assert Standardizer.fit(torch.tensor([5.0])) == Standardizer(5.0, 1.0)
    assert Standardizer.fit(torch.tensor([5.0, 5.0, 5.0])) == Standardizer(5.0, 1.0)


def test_copula_maps_ranks_to_normal_quantiles_and_back() -> None:
    y = torch.tensor([50.0, 80.0, 81.0, 81.0, 90.0, 20.0])
    m = CopulaStandardizer.fit(y)
    normal = torch.distributions.Normal(0.0, 1.0)
    expected = normal.icdf((torch.tensor([1, 2, 3, 4, 5, 0], dtype=torch.float64) + 0.5) / 6)
    expected[2:4] = expected[2:4].mean()  # the two 81s share the mean of their quantiles
    torch.testing.assert_close(m.transform(y).double(), expected, atol=1e-6, rtol=0)
    torch.testing.assert_close(m.inverse(m.transform(y)), y)
    # the outlier at 20 is no further below the rest than the best cell is above them
    z = m.transform(y)
    assert float(z.max() + z.min()) == pytest.approx(0.0, abs=1e-6)
    # strictly increasing both ways, also between and beyond the observed values
    grid = torch.linspace(0.0, 120.0, 241)
    assert bool((m.transform(grid).diff() > 0).all()) and bool((m.inverse(torch.linspace(-4, 4, 81)).diff() > 0).all())
    # differentiable: the gradient search can push through the inverse
    z = torch.tensor([0.1, 2.5], requires_grad=True)
    m.inverse(z).sum().backward()
    assert bool((z.grad > 0).all())


def test_copula_with_one_distinct_value_is_the_affine_map() -> None:
    assert CopulaStandardizer.fit(torch.tensor([7.0, 7.0])) == Standardizer(7.0, 1.0)


def test_fit_target_copula_maps_only_the_accuracy_column() -> None:
    y = torch.tensor([[90.0, 3.0], [10.0, 5.0], [91.0, 4.0]])
    maps = ColumnStandardizer.fit(y, "copula").columns
    assert isinstance(maps[0], CopulaStandardizer) and maps[1] == Standardizer.fit(y[:, 1])
    assert all(isinstance(c, Standardizer) for c in ColumnStandardizer.fit(y).columns)


def test_trainer_fits_the_copula_target_and_predicts_in_the_targets_units(spearman) -> None:
    x, adj, y = _dataset(120, 1)
    y = y.clone()
    y[:6] = 5.0  # a few very poor cells
    torch.manual_seed(0)
    trainer = ProxyTrainer(build_proxy("gcn", 8, 7, 32, 2, 32), FitSettings(epochs=60, lr=3e-3, target="copula"),
                           torch.Generator().manual_seed(0))
    trainer.fit(x[:80], adj[:80], y[:80])
    assert isinstance(trainer.standardizer, CopulaStandardizer)
    pred = trainer.predict(x[80:], adj[80:])
    assert spearman(pred.numpy(), y[80:].numpy()) > 0.8
    assert 50 < float(pred.median()) < 95


def test_trainer_standardizes_with_the_fitted_data() -> None:
    x, adj, y = _dataset(20, 0)
    torch.manual_seed(0)
    trainer = ProxyTrainer(build_proxy("gcn", 8, 7, 16, 2, 16), FitSettings(epochs=2))
    trainer.fit(x, adj, y)
    assert trainer.standardizer.mean == pytest.approx(float(y.mean()))
    assert trainer.standardizer.std == pytest.approx(float(y.std()))
    trainer.fit(x[:10], adj[:10], y[:10] + 100)  # refitted on every call
    assert trainer.standardizer.mean == pytest.approx(float(y[:10].mean()) + 100)


@pytest.mark.parametrize("kind", ["gcn", "mlp"])
def test_fits_a_synthetic_target_with_high_rank_correlation(kind: str, spearman) -> None:
    x, adj, y = _dataset(360, 1)
    train, test = slice(0, 60), slice(60, None)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = build_proxy("gcn", 8, 7, 32, 2, 32) if kind == "gcn" else MLPProxy(8, 7, 32, 2)
        untrained = spearman(model.eval()(x[test], adj[test]).detach().numpy(), y[test].numpy())
        trainer = ProxyTrainer(model, FitSettings(epochs=60, lr=3e-3), torch.Generator().manual_seed(0))
        loss = trainer.fit(x[train], adj[train], y[train])
    pred = trainer.predict(x[test], adj[test])
    assert np.isfinite(loss) and not model.training
    assert spearman(pred.numpy(), y[test].numpy()) > 0.8 > abs(untrained)
    # Predictions come back in the targets' units (60 .. 90), not standardised.
    assert 55 < float(pred.mean()) < 80


def test_minibatch_fit_is_reproducible() -> None:
    x, adj, y = _dataset(30, 2)
    results = []
    for _ in range(2):
        torch.manual_seed(0)
        trainer = ProxyTrainer(build_proxy("gcn", 8, 7, 16, 2, 16), FitSettings(epochs=5, mini_batch_size=8),
                               torch.Generator().manual_seed(1))
        results.append((trainer.fit(x, adj, y), trainer.predict(x, adj)))
    assert results[0][0] == results[1][0]
    torch.testing.assert_close(results[0][1], results[1][1], rtol=0, atol=0)


def test_a_restarted_trainer_fits_as_a_new_one_from_the_initial_weights() -> None:
    x, adj, y = _dataset(12, 4)
    settings = FitSettings(epochs=5)
    torch.manual_seed(0)
    model = build_proxy("gcn", 8, 7, 8, 1, 8)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    used = ProxyTrainer(model, settings, torch.Generator().manual_seed(1))
    used.fit(x, adj, y)  # fitted weights, optimizer moments, one fit
    restarted = ProxyTrainer.restarted(model, initial, settings, torch.Generator().manual_seed(1))
    assert restarted.fits == 0 and restarted.model is model
    torch.testing.assert_close(model.state_dict(), initial, rtol=0, atol=0)
    fresh = ProxyTrainer(build_proxy("gcn", 8, 7, 8, 1, 8), settings, torch.Generator().manual_seed(1))
    fresh.model.load_state_dict(initial)
    assert restarted.fit(x, adj, y) == fresh.fit(x, adj, y)  # no moments carried over


def test_learning_rate_decays_and_restarts_on_every_fit() -> None:
    x, adj, y = _dataset(10, 3)
    trainer = ProxyTrainer(build_proxy("gcn", 8, 7, 8, 1, 8), FitSettings(epochs=20, lr=1e-2, lr_step=10, lr_gamma=0.5))
    for _ in range(2):
        trainer.fit(x, adj, y)
        assert trainer.optimizer.lr == pytest.approx(1e-2 * 0.25)


class TestPlateauStop:
    """fit_tol: a warm-started fit ends on a loss plateau; the first fit and fit_tol 0 run every epoch."""

    def _trainer(self, tol: float) -> ProxyTrainer:
        torch.manual_seed(0)
        model = build_proxy("gcn", 8, NasBench201().num_features, hidden=16, head_hidden=16)
        return ProxyTrainer(model, FitSettings(epochs=200, lr=2e-3, tol=tol), torch.Generator().manual_seed(0))

    def test_first_fit_runs_every_epoch_and_a_warm_one_stops_early(self):
        x, adj, y = _dataset(30, seed=0)
        trainer = self._trainer(tol=0.3)
        trainer.fit(x, adj, y)
        assert trainer.last_epochs == 200 and trainer.fits == 1
        trainer.fit(x, adj, y)  # same data, already fitted: the loss plateaus at once
        assert trainer.last_epochs < 200 and trainer.last_epochs % 10 == 0 and trainer.last_epochs >= 20

    def test_zero_tolerance_runs_every_epoch(self):
        x, adj, y = _dataset(30, seed=0)
        trainer = self._trainer(tol=0.0)
        trainer.fit(x, adj, y)
        trainer.fit(x, adj, y)
        assert trainer.last_epochs == 200 and trainer.fits == 2

    def test_an_early_stop_only_truncates_the_fit(self):
        """Stopping early changes nothing before the stop: the same weights as a fit of that many epochs."""
        x, adj, y = _dataset(30, seed=1)
        early, plain = self._trainer(tol=0.3), self._trainer(tol=0.0)
        for trainer in (early, plain):
            trainer.fit(x, adj, y)
        early.fit(x, adj, y)
        plain.settings = FitSettings(epochs=early.last_epochs, lr=2e-3)
        plain.fit(x, adj, y)
        for a, b in zip(early.model.parameters(), plain.model.parameters()):
            assert torch.equal(a, b)
