"""OptiProxy settings for a NASLib config: presets + ``optiproxy:``; ``search:`` is NASLib's (no NASLib needed)."""

from __future__ import annotations

import pytest

from naslib_optiproxy.presets import preset_settings
from naslib_optiproxy.integrations.naslib_plugin.settings import NASLIB_SEARCH_KEYS, optiproxy_settings

# The search: section of NASLib's runners/nas/discrete_config.yaml (Develop @ 0b51bc18).
NASLIB_DISCRETE_SEARCH = {
    "budgets": 50000000, "checkpoint_freq": 1000, "fidelity": 108, "epochs": 100, "predictor_type": "var_sparse_gp",
    "num_init": 10, "k": 10, "num_ensemble": 3, "acq_fn_type": "its", "acq_fn_optimization": "mutation",
    "encoding_type": "adjacency_one_hot", "num_arches_to_mutate": 5, "max_mutations": 1, "num_candidates": 200, "batch_size": 256,
    "data_size": 25000, "cutout": False, "cutout_length": 16, "cutout_prob": 1.0, "train_portion": 0.7,
    "debug_predictor": False, "sample_size": 10, "population_size": 30, "seed": 0,
}


def test_naslib_keys_are_ignored_and_presets_apply() -> None:
    config = optiproxy_settings(NASLIB_DISCRETE_SEARCH, "nasbench201", "cifar10")
    for key, value in preset_settings("nasbench201", "cifar10").items():
        assert getattr(config, key) == value
    assert set(NASLIB_DISCRETE_SEARCH) <= NASLIB_SEARCH_KEYS


def test_naslib_batch_size_and_num_init_are_not_optiproxys() -> None:
    preset = preset_settings("nasbench201", "cifar10")
    config = optiproxy_settings({"epochs": 100, "batch_size": 256, "num_init": 30}, "nasbench201", "cifar10")
    assert (config.batch_size, config.num_init) == (preset["batch_size"], preset.get("num_init", 10))
    assert config.batch_size != 256


def test_optiproxy_section_overrides_presets() -> None:
    config = optiproxy_settings({"epochs": 50, "batch_size": 256}, "nasbench201", "ImageNet16-120",
                                {"batch_size": 7, "gcn_hidden": 32, "lr_alpha": 0.5})
    assert (config.batch_size, config.gcn_hidden, config.lr_alpha) == (7, 32, 0.5)
    assert config.model_epochs == preset_settings("nasbench201", "ImageNet16-120")["model_epochs"]


def test_dataset_alias_selects_per_dataset_presets() -> None:
    assert optiproxy_settings({}, "nasbench201", "cifar10-valid").gcn_hidden == 64


def test_optiproxy_key_under_search_is_refused_with_where_to_put_it() -> None:
    with pytest.raises(ValueError, match=r"search.model_epochs .* under 'optiproxy:'.*optiproxy.model_epochs VALUE"):
        optiproxy_settings({"model_epochs": 10}, "nasbench201", "cifar10")
    with pytest.raises(ValueError, match="search.gcn_hiden looks like the OptiProxy setting 'gcn_hidden'"):
        optiproxy_settings({"gcn_hiden": 32}, "nasbench201", "cifar10")


def test_unknown_key_in_optiproxy_section_is_refused_with_hint() -> None:
    with pytest.raises(ValueError, match="optiproxy.gcn_hiden.*did you mean 'gcn_hidden'"):
        optiproxy_settings({}, "nasbench201", "cifar10", {"gcn_hiden": 32})


def test_unrelated_naslib_key_is_ignored() -> None:
    assert optiproxy_settings({"zc_names": ["synflow"]}, "nasbench201", "cifar10").num_init == 10


def test_budget_below_num_init_is_refused() -> None:
    with pytest.raises(ValueError, match="num_init"):
        optiproxy_settings({"epochs": 5}, "nasbench201", "cifar10")


def test_bad_value_names_the_key() -> None:
    with pytest.raises((TypeError, ValueError), match="model_epochs"):
        optiproxy_settings({}, "nasbench201", "cifar10", {"model_epochs": "many"})


def test_unknown_space_is_refused() -> None:
    with pytest.raises(ValueError, match="no codec for NASLib search space 'transbench101'"):
        optiproxy_settings({}, "transbench101", "jigsaw")


def test_sections_must_be_mappings() -> None:
    with pytest.raises(TypeError, match="search section must be a mapping"):
        optiproxy_settings([1, 2], "nasbench201", "cifar10")
    with pytest.raises(TypeError, match="optiproxy section must be a mapping"):
        optiproxy_settings({}, "nasbench201", "cifar10", 5)
