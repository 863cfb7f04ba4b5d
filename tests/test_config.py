"""OptiProxyConfig.from_dict: names, types and values are checked, with messages naming the key."""

from __future__ import annotations

import dataclasses

import pytest

from naslib_optiproxy.config import OptiProxyConfig
from naslib_optiproxy.proxies import FitSettings
from naslib_optiproxy.search import SearchSettings


def test_defaults() -> None:
    assert OptiProxyConfig.from_dict() == OptiProxyConfig()
    assert OptiProxyConfig.from_dict(None) == OptiProxyConfig()
    assert OptiProxyConfig.from_dict({}) == OptiProxyConfig()


def test_values_and_overrides() -> None:
    config = OptiProxyConfig.from_dict({"num_init": 5, "proxy": "mlp"}, num_init=7, op_noise=0.0)
    assert config.num_init == 7 and config.proxy == "mlp" and config.op_noise == 0.0


def test_round_trip_through_to_dict() -> None:
    config = OptiProxyConfig.from_dict({"batch_size": 3, "fit_batch_size": 16, "selection": "random"})
    assert OptiProxyConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize("key, hint", [("num_inti", "num_init"), ("lr_alpa", "lr_alpha"), ("basetemp", "base_temp")])
def test_unknown_key_suggests_a_close_match(key: str, hint: str) -> None:
    with pytest.raises(ValueError, match=rf"search\.{key}.*did you mean '{hint}'"):
        OptiProxyConfig.from_dict({key: 1})


def test_unknown_key_without_a_close_match_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="known settings: num_init") as info:
        OptiProxyConfig.from_dict({"zzzzzz": 1})
    assert "did you mean" not in str(info.value)


@pytest.mark.parametrize(
    "key, value",
    [
        ("num_init", "10"),  # string for int
        ("num_init", True),  # bool for int
        ("num_init", 10.0),  # float for int
        ("model_epochs", False),
        ("fit_lr", "0.001"),  # string for float
        ("fit_lr", True),  # bool for float
        ("warm_start", 1),  # int for bool
        ("warm_start", "yes"),
        ("selection", 1),  # int for str
        ("fit_batch_size", 1.5),  # neither null nor int
        ("fit_batch_size", "full"),
        ("fit_batch_size", True),
    ],
)
def test_wrong_types_are_refused(key: str, value) -> None:
    with pytest.raises(TypeError, match=rf"search\.{key} must be"):
        OptiProxyConfig.from_dict({key: value})


def test_int_accepted_for_float() -> None:
    config = OptiProxyConfig.from_dict({"fit_lr": 1, "base_temp": 2, "op_noise": 0})
    assert config.fit_lr == 1.0 and type(config.fit_lr) is float
    assert config.base_temp == 2.0 and type(config.base_temp) is float
    assert type(config.op_noise) is float


def test_null_fit_batch_size_means_full_batch() -> None:
    assert OptiProxyConfig.from_dict({"fit_batch_size": None}).fit_batch_size is None
    assert OptiProxyConfig.from_dict({"fit_batch_size": 32}).fit_batch_size == 32
    with pytest.raises(TypeError, match=r"search\.fit_batch_size must be null or int"):
        OptiProxyConfig.from_dict({"fit_batch_size": 2.0})


def test_null_refused_for_non_optional() -> None:
    with pytest.raises(TypeError, match=r"search\.num_init"):
        OptiProxyConfig.from_dict({"num_init": None})


@pytest.mark.parametrize(
    "values, key",
    [
        ({"fit_lr": -0.001}, "fit_lr"),
        ({"fit_lr": 0}, "fit_lr"),
        ({"lr_alpha": -0.02}, "lr_alpha"),
        ({"lr_beta": -1}, "lr_beta"),
        ({"num_init": 0}, "num_init"),
        ({"batch_size": -1}, "batch_size"),
        ({"num_groups": 0}, "num_groups"),
        ({"candidates_per_group": 0}, "candidates_per_group"),
        ({"model_epochs": -1}, "model_epochs"),
        ({"op_noise": -0.1}, "op_noise"),
        ({"dropout": -0.5}, "dropout"),
        ({"min_temp": 0.8, "base_temp": 0.7}, "min_temp"),
        ({"min_temp": 0}, "min_temp"),
        ({"fit_batch_size": 0}, "fit_batch_size"),
        ({"selection": "best"}, "selection"),
        ({"sampling": "grid"}, "sampling"),
        ({"proxy": "transformer"}, "proxy"),
    ],
)
def test_invalid_values_are_refused_naming_the_key(values, key: str) -> None:
    with pytest.raises(ValueError, match=rf"search\.{key}"):
        OptiProxyConfig.from_dict(values)


def test_valid_choices() -> None:
    for selection in ("proxy", "random"):
        for sampling in ("distribution", "uniform"):
            config = OptiProxyConfig.from_dict({"selection": selection, "sampling": sampling, "proxy": "mlp"})
            assert (config.selection, config.sampling) == (selection, sampling)
    assert OptiProxyConfig.from_dict({"min_temp": 0.5, "base_temp": 0.5}).min_temp == 0.5


def test_fit_and_search_settings_map_every_field() -> None:
    config = OptiProxyConfig.from_dict({
        "model_epochs": 11, "fit_lr": 0.003, "fit_weight_decay": 0.04, "fit_batch_size": 5,
        "fit_lr_gamma": 0.6, "fit_lr_step": 7, "ranking_coe": 0.3, "margin": 0.2, "fit_tol": 0.25,
        "fit_target": "copula", "search_epochs": 13, "lr_alpha": 0.05, "lr_beta": 0.06, "search_weight_decay": 0.07,
        "o_epochs": 4, "t_epochs": 6, "base_temp": 0.9, "min_temp": 0.1, "lr_gamma": 0.8,
        "lr_step": 9, "straight_through": True,
    })
    fit = config.fit
    assert dataclasses.asdict(fit) == {
        "epochs": 11, "lr": 0.003, "weight_decay": 0.04, "mini_batch_size": 5, "lr_gamma": 0.6, "lr_step": 7,
        "rank_weight": 0.3, "rank_margin": 0.2, "rank_reduction": FitSettings().rank_reduction, "tol": 0.25,
        "target": "copula",
    }
    search = config.search
    assert search == SearchSettings(epochs=13, lr_alpha=0.05, lr_beta=0.06, weight_decay=0.07, o_epochs=4,
                                    t_epochs=6, base_temp=0.9, min_temp=0.1, lr_gamma=0.8, lr_step=9,
                                    straight_through=True)
