"""naslib-optiproxy naslib-predictors: config completion and the catalogue (always), NASLib's
PredictorEvaluator end to end through the runner (with NASLib)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from naslib_optiproxy._yaml import load_yaml
from naslib_optiproxy.integrations.naslib_plugin import optimizer  # noqa: F401 - NASLib's import now, at collection:
# imported later, after test_init.py's stand-in NASLib modules, it could find a stand-in and report NASLib missing
from naslib_optiproxy.integrations.naslib_plugin import predictor_runner as runner
from naslib_optiproxy.integrations.naslib_plugin.predictors import (NASLIB_PREDICTORS, OPTIPROXY_PREDICTORS,
                                                                      PREDICTOR_NAMES, check_predictor)

ROOT = Path(__file__).resolve().parents[3]
CONFIGS = sorted((ROOT / "naslib_configs" / "predictors").rglob("*.yaml"))
CONFIG = ROOT / "naslib_configs" / "predictors" / "nasbench201" / "cifar10.yaml"
# NASLib Develop's runners/predictors/predictor_config.yaml, as recorded (checked against the real file below)
NASLIB_DEFAULTS = {"experiment_type": "single", "search_space": "nasbench201", "dataset": "cifar10",
                   "predictor": "synflow", "uniform_random": 1, "test_size": 2, "train_size_single": 3,
                   "train_size_list": [5, 8, 14, 24, 42, 71, 121, 205], "fidelity_single": 5,
                   "fidelity_list": [1, 2, 3, 5, 7, 9, 13, 19, 26, 37, 52, 73], "out_dir": "run", "max_hpo_time": 0,
                   "hparams_from_file": "predictor_hpo_configs/hpo_config_1.json", "seed": 1000,
                   "search": {"batch_size": 256, "data_size": 25000, "cutout": False, "cutout_length": 16,
                              "cutout_prob": 1.0, "train_portion": 0.7}}
# A fit of a few seconds: 10 and 20 training cells, 30 test cells, 30 proxy epochs.
TINY = ["test_size", "30", "train_size_list", "[10,20]", "optiproxy.model_epochs", "30"]


def test_catalogue_has_ours_and_naslibs_predictors() -> None:
    assert set(OPTIPROXY_PREDICTORS) == {"optiproxy_gcn", "optiproxy_gat", "optiproxy_gin", "optiproxy_sage"}
    for name in ("gcn", "bonas", "var_sparse_gp", "xgb", "rf", "mlp", "bananas", "synflow", "omni_seminas"):
        assert name in NASLIB_PREDICTORS and name in PREDICTOR_NAMES
    assert len(NASLIB_PREDICTORS) == 48  # every name of NASLib Develop's predictor runner


@pytest.mark.parametrize("name, hint", [("optiproxy_gta", "optiproxy_gat"), ("xgboost", "xgb"),
                                        ("var_sparse", "var_sparse_gp")])
def test_unknown_predictor_gets_a_hint(name: str, hint: str) -> None:
    with pytest.raises(ValueError, match=f"unknown predictor '{name}' \\(did you mean '{hint}'\\?\\); this runner "
                                         "knows optiproxy_gcn"):
        check_predictor(name)


def test_complete_config_fills_naslibs_keys() -> None:
    out = runner.complete_config({"predictor": "optiproxy_gin", "search": {"batch_size": 8}}, NASLIB_DEFAULTS)
    assert out["predictor"] == "optiproxy_gin" and out["seed"] == 0 and out["test_size"] == 2
    assert out["search"] == {**NASLIB_DEFAULTS["search"], "batch_size": 8}
    assert set(out) == set(NASLIB_DEFAULTS)


@pytest.mark.parametrize("values, opts, message", [
    ({"predictor": "xgb"}, ["predictor", "rff"], "unknown predictor 'rff' (did you mean 'rf'?)"),
    ({"predictor": "xgb", "search_space": "nasbench210"}, [], "search space 'nasbench210' is not supported by this "
                                                              "runner (did you mean 'nasbench201'?)"),
    ({"predictor": "xgb"}, ["experiment_type", "vary_trainsize"],
     "unknown experiment_type 'vary_trainsize' (did you mean 'vary_train_size'?)"),
])
def test_complete_config_refuses_bad_names(values, opts, message) -> None:
    with pytest.raises(ValueError) as error:
        runner.complete_config(values, NASLIB_DEFAULTS, opts)
    assert message in str(error.value)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: "/".join(p.parts[-2:]))
def test_shipped_configs(path: Path) -> None:
    values = load_yaml(path)
    assert (values["search_space"], values["dataset"]) == (path.parent.name, path.stem)
    assert runner.complete_config(values, NASLIB_DEFAULTS) == values  # complete: NASLib's own runner.py reads it
    assert (values["experiment_type"], values["train_size_list"], values["test_size"]) == (
        "vary_train_size", [20, 50, 100, 200], 1000)
    assert "# predictor: optiproxy_gcn, optiproxy_gat" in path.read_text()  # documented


def test_configs_cover_the_nb201_datasets() -> None:
    assert [p.stem for p in CONFIGS] == ["ImageNet16-120", "cifar10", "cifar100"]


def test_summary_lines() -> None:
    from types import SimpleNamespace

    config = SimpleNamespace(predictor="xgb", search_space="nasbench201", dataset="cifar10", seed=1, test_size=30,
                             save="run/cifar10/predictors/xgb/1")
    lines = runner.summary_lines(config, [{"train_size": 10, "fidelity": 5, "kendalltau": 0.51234, "spearman": 0.7,
                                           "fit_time": 0.25}])
    assert lines == ["xgb on nasbench201/cifar10 seed 1, test size 30:",
                     "  train_size 10, fidelity 5, kendalltau 0.5123, spearman 0.7000, fit_time 0.2500",
                     "run/cifar10/predictors/xgb/1/errors.json"]


# --help, a missing NASLib and the CLI hand-over: test_runner.py (both entry points)


# --- with NASLib ---------------------------------------------------------------------------------------------


def test_recorded_defaults_are_naslibs(naslib) -> None:
    assert runner.naslib_predictor_defaults() == NASLIB_DEFAULTS


def test_load_config_applies_naslibs_overrides(naslib, tmp_path: Path) -> None:
    config = runner.load_config(str(CONFIG), ["predictor", "xgb", "train_size_list", "[7,9]", "out_dir",
                                              str(tmp_path), "optiproxy.fit_lr", "0.01"], seed="3")
    assert (config.predictor, list(config.train_size_list), config.seed) == ("xgb", [7, 9], 3)
    assert config.optiproxy == {"fit_lr": 0.01}
    assert Path(config.save) == tmp_path / "cifar10" / "predictors" / "xgb" / "3"  # NASLib's folder


def _errors(folder: Path, predictor: str, seed: int = 0) -> list:
    return json.loads((folder / "cifar10" / "predictors" / predictor / str(seed) / "errors.json").read_text())


def test_optiproxy_gat_end_to_end(naslib, synthetic_nb201: Path, tmp_path: Path, capsys) -> None:
    argv = ["--config-file", str(CONFIG), "--data-dir", str(synthetic_nb201), "predictor", "optiproxy_gat",
            "out_dir", str(tmp_path), *TINY]
    assert runner.main(argv) == 0
    out = capsys.readouterr().out
    assert "optiproxy_gat on nasbench201/cifar10 seed 0, test size 30:" in out and "train_size 20" in out
    config, *results = _errors(tmp_path, "optiproxy_gat")
    assert config["predictor"] == "optiproxy_gat" and [r["train_size"] for r in results] == [10, 20]
    for result in results:
        assert result["hp_proxy"] == "gat" and result["hp_model_epochs"] == 30  # kept through reset_hyperparams()
        assert len(result["full_testpred"]) == 30 and result["kendalltau"] > 0.3  # synthetic data: easy to rank
    assert runner.main([*argv, "out_dir", str(tmp_path / "again")]) == 0  # seeded: the same numbers
    assert [r["kendalltau"] for r in _errors(tmp_path / "again", "optiproxy_gat")[1:]] == [
        r["kendalltau"] for r in results]


def test_a_naslib_predictor_gets_real_metrics(naslib, synthetic_nb201: Path, tmp_path: Path) -> None:
    """xgb through NASLib's evaluator: with scikit-learn >= 1.6 and no sklearn_rmse shim every metric is NaN."""
    assert runner.main(["--config-file", str(CONFIG), "--data-dir", str(synthetic_nb201), "predictor", "xgb",
                        "out_dir", str(tmp_path), *TINY[:4]]) == 0
    for result in _errors(tmp_path, "xgb")[1:]:
        assert math.isfinite(result["rmse"]) and result["kendalltau"] > 0.1


@pytest.mark.parametrize("opts, message", [
    (["predictor", "optiproxy_gcm"], "unknown predictor 'optiproxy_gcm' (did you mean 'optiproxy_gcn'?)"),
    (["optiproxy.model_epoch", "5"], "unknown OptiProxy setting optiproxy.model_epoch (did you mean 'model_epochs'?)"),
    (["test_size"], "KEY VALUE pairs; 'test_size' has no value"),
])
def test_main_refuses_bad_input_before_any_work(naslib, tmp_path: Path, capsys, opts, message) -> None:
    assert runner.main(["--config-file", str(CONFIG), "out_dir", str(tmp_path), *opts]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "cifar10" / "predictors" / "optiproxy_gcn" / "0" / "errors.json").exists()


@pytest.mark.parametrize("predictor", ["optiproxy_gcn", "xgb"])
def test_command_line_on_the_bundled_table(naslib, tmp_path: Path, capsys, predictor: str) -> None:
    """``naslib-optiproxy naslib-predictors`` on the real NB201 cifar10 values (no --data-dir: the bundled
    table): NASLib's errors.json, finite metrics, a ranking better than chance at 20 and 40 training cells."""
    from naslib_optiproxy.cli import main

    assert main(["naslib-predictors", "--config-file", str(CONFIG), "predictor", predictor, "test_size", "50",
                 "train_size_list", "[20,40]", "optiproxy.model_epochs", "50", "out_dir", str(tmp_path)]) == 0
    assert f"{predictor} on nasbench201/cifar10 seed 0, test size 50:" in capsys.readouterr().out
    config, *results = _errors(tmp_path, predictor)
    assert config["predictor"] == predictor and [r["train_size"] for r in results] == [20, 40]
    for result in results:
        assert {"kendalltau", "spearman", "pearson", "rmse", "mae", "fit_time", "full_ytest", "full_testpred"} <= set(result)
        assert len(result["full_testpred"]) == len(result["full_ytest"]) == 50 and math.isfinite(result["rmse"])
        assert result["kendalltau"] > 0.2
