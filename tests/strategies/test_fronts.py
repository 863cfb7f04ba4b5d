"""Front strategies by name: make_strategy with objectives, and their refusals."""

from __future__ import annotations

import pytest

from naslib_optiproxy.pareto import parse_criteria
from naslib_optiproxy.spaces import NasBench201
from naslib_optiproxy.strategies import check_strategy, make_strategy
from naslib_optiproxy.strategies.limit_runs import LimitRuns
from naslib_optiproxy.strategies.mo_peers import OptunaFront
from naslib_optiproxy.strategies.optiproxy_mo import OptiProxyMO
from naslib_optiproxy.strategies.random_search import RandomSearch

CRITERIA = parse_criteria("val,edgegpu_latency:min")


@pytest.mark.parametrize("name, kind", [("optiproxy", OptiProxyMO), ("rs", RandomSearch), ("nsga2", OptunaFront),
                                        ("motpe", OptunaFront), ("limits", LimitRuns)])
def test_each_name_builds_its_front_strategy(name, kind) -> None:
    if name in ("nsga2", "motpe"):
        pytest.importorskip("optuna", reason="nsga2/motpe need Optuna")
    assert isinstance(make_strategy(name, NasBench201(), 3, criteria=CRITERIA, dataset="cifar10"), kind)


def test_settings_reach_the_strategy() -> None:
    strategy = make_strategy("optiproxy", NasBench201(), 0, {"batch_size": 4, "mo_rho": 0.5}, criteria=CRITERIA)
    assert strategy.config.loop.batch_size == 4 and strategy.front_settings.rho == 0.5
    limits = make_strategy("limits", NasBench201(), 0, {"limits": [1.0, 2.0]}, criteria=CRITERIA)
    assert limits.limits == (1.0, 2.0) and len(limits.runs) == 2


@pytest.mark.parametrize("name, settings, criteria, message", [
    ("re", None, CRITERIA, "searches one objective; with objectives use one of optiproxy, rs"),
    ("optiproxy", {"mo_rhoo": 1}, CRITERIA, "no setting 'mo_rhoo' \\(did you mean 'mo_rho'"),
    ("rs", {"seed": 1}, CRITERIA, "it takes none"),
    ("nsga2", None, None, "searches a front: give two or more objectives"),
    ("limits", None, None, "searches a front"),
])
def test_wrong_names_and_settings_are_refused(name, settings, criteria, message) -> None:
    with pytest.raises(ValueError, match=message):
        check_strategy(name, settings, criteria)


@pytest.mark.parametrize("name", ["nsga2", "motpe"])
def test_optuna_fronts_without_optuna_give_the_peers_install_hint(name, monkeypatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda module, *a: None if module == "optuna" else real(module, *a))
    with pytest.raises(ValueError, match=rf"{name} needs Optuna; install it with: pip install 'naslib-optiproxy\[peers\]'"):
        check_strategy(name, criteria=CRITERIA)
