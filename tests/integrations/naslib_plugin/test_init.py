"""register()/unregister() against a recorded NASLib interface (fake modules), and against NASLib."""

from __future__ import annotations

import sys
import types

import pytest

import naslib_optiproxy.integrations.naslib_plugin as plugin


class FakeEnsemble:
    """NASLib's Ensemble as recorded: attributes predictor_type / num_ensemble, get_ensemble() -> list."""

    def __init__(self, predictor_type=None, num_ensemble=3, ss_type=None, config=None):
        self.predictor_type, self.num_ensemble, self.ss_type, self.config = predictor_type, num_ensemble, ss_type, config

    def get_ensemble(self):
        return [f"naslib-{self.predictor_type}"] * self.num_ensemble


def fake_optimizer_class(name: str) -> type:
    """BANANAS / NPENAS as recorded: ``_get_ensemble()`` and ``_get_new_candidates(ytrain)`` methods."""

    def _get_ensemble(self):
        return FakeEnsemble("bananas")

    def _get_new_candidates(self, ytrain):
        return ["mutated"]

    return type(name, (), {"_get_ensemble": _get_ensemble, "_get_new_candidates": _get_new_candidates,
                           "acq_fn_optimization": "mutation"})


@pytest.fixture
def fake_naslib(monkeypatch):
    """Fake naslib.predictors.ensemble and the BANANAS / NPENAS optimizer modules."""
    plugin.unregister()  # a real registration left by an earlier test must not leak into the fakes
    modules = {name: types.ModuleType(name) for name in (plugin.ENSEMBLE_MODULE, *plugin.ENSEMBLE_USERS)}
    for module in modules.values():
        module.Ensemble = FakeEnsemble
        monkeypatch.setitem(sys.modules, module.__name__, module)
    modules[plugin.ENSEMBLE_USERS[0]].Bananas = fake_optimizer_class("Bananas")
    modules[plugin.ENSEMBLE_USERS[1]].Npenas = fake_optimizer_class("Npenas")
    yield modules
    plugin.unregister()


def test_register_wraps_the_candidate_generators_and_unregister_restores(fake_naslib) -> None:
    bananas = fake_naslib[plugin.ENSEMBLE_USERS[0]].Bananas
    originals = dict(vars(bananas))
    plugin.register({"a": lambda e, m: "a"})
    assert vars(bananas)["_get_new_candidates"] is not originals["_get_new_candidates"]
    optimizer = bananas()
    assert optimizer._get_new_candidates([1.0]) == ["mutated"]  # not relaxed: NASLib's own generator
    ensemble = optimizer._get_ensemble()
    assert optimizer._optiproxy_ensemble is ensemble  # kept for the relaxed objective
    plugin.unregister()
    assert vars(bananas)["_get_new_candidates"] is originals["_get_new_candidates"]
    assert vars(bananas)["_get_ensemble"] is originals["_get_ensemble"]


def test_an_unexpected_naslib_is_refused_untouched(fake_naslib) -> None:
    del fake_naslib[plugin.ENSEMBLE_USERS[1]].Npenas
    bananas = fake_naslib[plugin.ENSEMBLE_USERS[0]].Bananas
    before = dict(vars(bananas))
    with pytest.raises(RuntimeError, match="Npenas has no _get_ensemble, _get_new_candidates"):
        plugin.register({"a": lambda e, m: "a"})
    assert dict(vars(bananas)) == before and not plugin.is_registered()
    assert fake_naslib[plugin.ENSEMBLE_USERS[0]].Ensemble is FakeEnsemble


def test_register_rebinds_both_optimizers_and_unregister_restores(fake_naslib) -> None:
    cls = plugin.register({"mine": lambda ensemble, member: ("mine", member)})
    for name in plugin.ENSEMBLE_USERS:
        assert fake_naslib[name].Ensemble is cls
    assert issubclass(cls, FakeEnsemble) and plugin.is_registered()
    assert cls(predictor_type="mine", num_ensemble=2).get_ensemble() == [("mine", 0), ("mine", 1)]
    assert cls(predictor_type="gp", num_ensemble=1).get_ensemble() == ["naslib-gp"]
    plugin.unregister()
    assert all(fake_naslib[name].Ensemble is FakeEnsemble for name in plugin.ENSEMBLE_USERS)
    assert not plugin.is_registered()


def test_register_twice_replaces_and_unregister_still_restores(fake_naslib) -> None:
    plugin.register({"a": lambda e, m: "a"})
    second = plugin.register({"b": lambda e, m: "b"})
    assert fake_naslib[plugin.ENSEMBLE_USERS[0]].Ensemble is second
    assert second(predictor_type="b", num_ensemble=1).get_ensemble() == ["b"]
    plugin.unregister()
    assert fake_naslib[plugin.ENSEMBLE_USERS[1]].Ensemble is FakeEnsemble


def test_foreign_rebinding_is_refused_untouched(fake_naslib) -> None:
    class Other(FakeEnsemble):
        pass

    fake_naslib[plugin.ENSEMBLE_USERS[1]].Ensemble = Other
    with pytest.raises(RuntimeError, match="another plugin"):
        plugin.register({"a": lambda e, m: "a"})
    assert fake_naslib[plugin.ENSEMBLE_USERS[0]].Ensemble is FakeEnsemble
    assert not plugin.is_registered()


def test_unregister_without_register_is_a_no_op() -> None:
    plugin.unregister()
    assert not plugin.is_registered()


def test_unknown_attribute() -> None:
    with pytest.raises(AttributeError):
        plugin.no_such_thing


def test_real_naslib_bananas_builds_our_predictor(naslib) -> None:
    from naslib.optimizers.discrete.bananas import optimizer as bananas

    from naslib_optiproxy.integrations.naslib_plugin.predictor import OptiProxyGCNPredictor

    original = bananas.Ensemble
    try:
        plugin.register()
        members = bananas.Ensemble(num_ensemble=2, ss_type="nasbench201", predictor_type="optiproxy_gcn").get_ensemble()
        assert [type(m) for m in members] == [OptiProxyGCNPredictor] * 2
        for family in ("gcn", "gat", "gin", "sage"):
            member, = bananas.Ensemble(num_ensemble=1, predictor_type=f"optiproxy_{family}").get_ensemble()
            assert member.get_hyperparams() == {"proxy": family}
        assert bananas.Ensemble(num_ensemble=1, predictor_type="gp").get_ensemble()[0].__class__.__name__ == "GPPredictor"
    finally:
        plugin.unregister()
    assert bananas.Ensemble is original
