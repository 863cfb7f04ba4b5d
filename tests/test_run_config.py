"""RunConfig: defaults, NASLib-style keys, eager validation with clear messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from naslib_optiproxy._yaml import load_yaml
from naslib_optiproxy.cli.run_config import IGNORED_KEYS, RunConfig
from naslib_optiproxy.config import OptiProxyConfig
from naslib_optiproxy.presets import PRESETS, preset_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_defaults_resolve_dataset_and_out_dir() -> None:
    cfg = RunConfig()
    assert (cfg.search_space, cfg.dataset, cfg.optimizer, cfg.seed, cfg.budget) == (
        "nasbench_graph", None, "optiproxy", 0, 100)
    resolved = cfg.resolved()
    assert resolved.dataset == "cora"
    assert Path(resolved.out_dir) == Path("runs/nasbench_graph-cora-optiproxy-0")
    nb201 = RunConfig(search_space="nasbench201", optimizer="rs", seed=3).resolved()
    assert nb201.dataset == "cifar10"
    assert Path(nb201.out_dir) == Path("runs/nasbench201-cifar10-rs-3")


def test_dataset_aliases_are_canonical() -> None:
    assert RunConfig(search_space="nasbench201", dataset="imagenet16").resolved_dataset() == "ImageNet16-120"
    assert RunConfig(dataset="Cora").resolved_dataset() == "cora"


def test_from_yaml_reads_naslib_style_file(tmp_path: Path) -> None:
    path = write(tmp_path, """
search_space: nasbench201
dataset: cifar100
optimizer: optiproxy
seed: 7
budget: 30
out_dir: somewhere
evaluation: {epochs: 600}
train_portion: 0.5
search:
  model_epochs: 20
""")
    cfg = RunConfig.from_yaml(path)
    assert (cfg.search_space, cfg.dataset, cfg.seed, cfg.budget, cfg.out_dir) == (
        "nasbench201", "cifar100", 7, 30, "somewhere")
    assert cfg.search == {"model_epochs": 20}
    assert cfg.search_config().model_epochs == 20


def test_empty_yaml_is_all_defaults(tmp_path: Path) -> None:
    assert RunConfig.from_yaml(write(tmp_path, "")) == RunConfig()


def test_search_merges_over_the_measured_preset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(PRESETS, "nasbench_graph", {"*": {"model_epochs": 50, "fit_lr": 0.01},
                                                    "cora": {"fit_lr": 0.002}})
    cfg = RunConfig(search={"model_epochs": 7})
    assert cfg.search_config() == OptiProxyConfig(model_epochs=7, fit_lr=0.002)
    assert cfg.search_config() != OptiProxyConfig(model_epochs=7)
    assert RunConfig(optimizer="rs").search_config() is None


def test_ignored_keys_are_documented_and_accepted() -> None:
    assert "evaluation" in IGNORED_KEYS and "train_portion" in IGNORED_KEYS
    assert RunConfig.from_dict({key: {} for key in IGNORED_KEYS}) == RunConfig()


@pytest.mark.parametrize("values, words", [
    ({"budget": "100"}, ["budget", "int", "'100'"]),
    ({"seed": 1.5}, ["seed", "int", "1.5"]),
    ({"budget": True}, ["budget", "int"]),
    ({"search": [1]}, ["search", "mapping"]),
    ({"search_space": 201}, ["search_space", "str"]),
    ({"dataset": 10}, ["dataset", "str"]),
    ({"data_dir": 3}, ["data_dir", "path"]),
    ({"search": {"model_epochs": "5"}}, ["search.model_epochs", "int"]),
])
def test_wrong_types_name_the_key(values: dict, words: list) -> None:
    with pytest.raises(TypeError) as info:
        RunConfig.from_dict(values)
    assert all(word in str(info.value) for word in words), str(info.value)


@pytest.mark.parametrize("values, words", [
    ({"budget": 0}, ["budget", "positive"]),
    ({"seed": -1}, ["seed", ">= 0"]),
    ({"budgte": 10}, ["'budgte'", "did you mean 'budget'", "known keys", "search_space"]),
    ({"optimizer": "optiproxxy"}, ["did you mean 'optiproxy'"]),
    ({"search_space": "nasbench210"}, ["did you mean 'nasbench201'"]),
    ({"dataset": "coar"}, ["did you mean 'cora'"]),
    ({"search": {"lr_alpha": -1}}, ["search.lr_alpha", ">= 0"]),
    ({"search": {"lr_alpah": 0.1}}, ["search.lr_alpah", "did you mean 'lr_alpha'"]),
    ({"optimizer": "rs", "search": {"model_epochs": 5}}, ["'rs'", "no search settings"]),
])
def test_bad_values_fail_eagerly(values: dict, words: list) -> None:
    with pytest.raises(ValueError) as info:
        RunConfig.from_dict(values)
    assert all(word in str(info.value) for word in words), str(info.value)


def test_nested_naslib_search_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="search.checkpoint_freq"):
        RunConfig.from_dict({"search": {"checkpoint_freq": 5}})


def test_yaml_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"invalid YAML in .*config\.yaml, line 2: mapping values"):
        RunConfig.from_yaml(write(tmp_path, "budget: 10\nseed: : 1\n"))
    with pytest.raises(ValueError, match=r"line 4: .*flow sequence that starts on line 3"):
        RunConfig.from_yaml(write(tmp_path, "budget: 10\nseed: 1\nsearch: [1, 2\n"))
    with pytest.raises(ValueError, match="cannot read config file .*missing.yaml"):
        RunConfig.from_yaml(tmp_path / "missing.yaml")
    with pytest.raises(ValueError, match="must hold a mapping"):
        load_yaml(write(tmp_path, "- 1\n- 2\n"))
    with pytest.raises(TypeError, match=r"config\.yaml: budget must be an int"):
        RunConfig.from_yaml(write(tmp_path, "budget: '100'\n"))


def test_replace_revalidates_and_keeps_the_rest() -> None:
    cfg = RunConfig(search_space="nasbench201", budget=20).replace(seed=4)
    assert (cfg.search_space, cfg.budget, cfg.seed, cfg.dataset) == ("nasbench201", 20, 4, None)
    with pytest.raises(ValueError, match="budget"):
        cfg.replace(budget=-3)


def test_paths_become_strings(tmp_path: Path) -> None:
    cfg = RunConfig(data_dir=tmp_path, out_dir=tmp_path / "out")
    assert cfg.data_dir == str(tmp_path) and cfg.out_dir == str(tmp_path / "out")


def test_constrained_nb201_run_uses_the_hw_nas_bench_preset():
    cfg = RunConfig(search_space="nasbench201", dataset="ImageNet16-120", constraint="edgegpu_latency<=2")
    assert cfg.search_config() == OptiProxyConfig.from_dict(preset_settings("hw_nas_bench"))
    plain = RunConfig(search_space="nasbench201", dataset="ImageNet16-120")
    assert plain.search_config() == OptiProxyConfig.from_dict(preset_settings("nasbench201", "ImageNet16-120"))
    assert cfg.search_config() != plain.search_config()


def test_objectives_from_yaml_with_a_constraint(tmp_path: Path) -> None:
    path = tmp_path / "mo.yaml"
    path.write_text("search_space: nasbench201\noptimizer: optiproxy\nconstraint: edgegpu_latency<=4\n"
                    "objectives:\n  - {metric: val, direction: max}\n  - {metric: edgegpu_latency, direction: min}\n"
                    "search: {batch_size: 4, mo_rho: 0.1}\n")
    cfg = RunConfig.from_yaml(path)
    assert cfg.objectives == [{"metric": "val", "direction": "max"}, {"metric": "edgegpu_latency", "direction": "min"}]
    assert cfg.objective_options()["constraint"] == {"metric": "edgegpu_latency", "max": 4.0}
    assert cfg.search_config() == {"batch_size": 4, "mo_rho": 0.1}
    assert RunConfig(search_space="nasbench201", objectives="val,edgegpu_latency:min").criteria == cfg.criteria


@pytest.mark.parametrize("values, message", [
    ({"search_space": "nasbench201", "objectives": [{"metric": "val"}, {"metric": "latency", "direction": "min"}]},
     "not a metric of nasbench201"),
    ({"search_space": "nasbench_graph", "objectives": "val,params:min", "search": {"mo_rho": -1}}, "mo_rho"),
    ({"search_space": "nasbench101", "objectives": "val,params:min"}, "objectives apply to"),
    ({"search_space": "nasbench201", "objectives": 3}, "objectives must be text"),
])
def test_bad_objectives_are_refused_before_any_work(values, message) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        RunConfig.from_dict(values)
