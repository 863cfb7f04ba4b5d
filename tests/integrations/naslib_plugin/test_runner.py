"""The NASLib runner: config completion (always) and the entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from naslib_optiproxy._yaml import load_yaml
from naslib_optiproxy.integrations.naslib_plugin import predictor_runner, runner
from naslib_optiproxy.integrations.naslib_plugin.optimizer import NASLIB_IMPORT_ERROR

CONFIG = Path(__file__).resolve().parents[3] / "naslib_configs" / "nasbench201" / "cifar10" / "optiproxy.yaml"
NASLIB_DEFAULTS = {"epochs": 100, "fidelity": 108, "checkpoint_freq": 1000, "k": 10, "num_init": 10,
                   "batch_size": 256, "predictor_type": "var_sparse_gp"}


def test_complete_config_fills_naslibs_search_keys_for_optiproxy_too() -> None:
    out = runner.complete_config({"optimizer": "optiproxy", "budget": 50, "optiproxy": {"batch_size": 5}},
                                 NASLIB_DEFAULTS)
    assert out["search"]["epochs"] == 50 and out["search"]["fidelity"] == -1
    assert out["search"]["batch_size"] == 256 and out["optiproxy"] == {"batch_size": 5}
    assert out["search"]["k"] == 10 and out["evaluation"] == {} and out["out_dir"] == "run" and out["seed"] == 0


def test_naslib_config_switched_to_optiproxy_keeps_the_preset_b() -> None:
    """NASLib's search.batch_size (256) is not OptiProxy's B: B comes from the presets or optiproxy:."""
    from naslib_optiproxy.integrations.naslib_plugin.settings import optiproxy_settings
    from naslib_optiproxy.presets import preset_settings

    values = load_yaml(CONFIG.parent / "bananas.yaml")
    naslib_opts, ours = runner.split_opts(["optimizer", "optiproxy"])
    out = runner.complete_config(values, NASLIB_DEFAULTS, naslib_opts)
    assert out["search"]["batch_size"] == 256 and not ours
    settings = optiproxy_settings(out["search"], "nasbench201", "cifar10", out.get("optiproxy"))
    assert settings.batch_size == preset_settings("nasbench201", "cifar10")["batch_size"] != 256
    _, ours = runner.split_opts(["optimizer", "optiproxy", "optiproxy.batch_size", "7"])
    assert optiproxy_settings(out["search"], "nasbench201", "cifar10", ours).batch_size == 7


def test_split_opts_separates_ours_and_adds_the_seed_flag() -> None:
    naslib_opts, ours = runner.split_opts(["optimizer", "re", "optiproxy.fit_lr", "0.01", "optiproxy.proxy", "gcn"],
                                          seed="100")
    assert naslib_opts == ["optimizer", "re", "seed", "100"] and ours == {"fit_lr": 0.01, "proxy": "gcn"}
    assert runner.split_opts(["seed", "4"], seed="4")[0] == ["seed", "4"]


@pytest.mark.parametrize("opts, seed, message", [
    (["optimizer"], None, "KEY VALUE pairs; 'optimizer' has no value"),
    ([], "abc", "--seed must be a non-negative integer, got 'abc'"),
    (["seed", "3"], "4", "two seeds given: --seed 4 and the override 'seed 3'"),
])
def test_split_opts_refuses_bad_input(opts, seed, message) -> None:
    with pytest.raises(ValueError, match=message):
        runner.split_opts(opts, seed)


# both NASLib entry points: subcommand, main, a config of theirs
ENTRY_POINTS = [("naslib", runner.main, CONFIG),
                ("naslib-predictors", predictor_runner.main, CONFIG.parents[2] / "predictors" / "nasbench201" / "cifar10.yaml")]


@pytest.mark.parametrize("command, main, config", ENTRY_POINTS, ids=lambda v: v if isinstance(v, str) else "")
def test_help_works_without_naslib(monkeypatch, capsys, command, main, config) -> None:
    from naslib_optiproxy.cli import main as cli
    from naslib_optiproxy.integrations.naslib_plugin import optimizer

    monkeypatch.setattr(optimizer, "NASLIB_IMPORT_ERROR", ImportError("No module named 'naslib'"))
    assert cli([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "--seed" in out and "--config-file" in out and "optiproxy.KEY" in out and command in out


@pytest.mark.parametrize("command, main, config", ENTRY_POINTS, ids=lambda v: v if isinstance(v, str) else "")
def test_run_without_naslib_says_how_to_get_it(monkeypatch, capsys, command, main, config) -> None:
    from naslib_optiproxy.integrations.naslib_plugin import optimizer

    monkeypatch.setattr(optimizer, "NASLIB_IMPORT_ERROR", ImportError("No module named 'naslib'"))
    assert main(["--config-file", str(config), "--seed", "3"]) == 2
    err = capsys.readouterr().err
    assert "NASLib is not importable" in err and "git clone -b Develop" in err and "docs/naslib.md" in err


def test_explicit_keys_win() -> None:
    out = runner.complete_config({"optimizer": "rs", "search": {"epochs": 7, "fidelity": 108}}, NASLIB_DEFAULTS)
    assert (out["search"]["epochs"], out["search"]["fidelity"]) == (7, 108)


def test_unknown_optimizer_is_refused() -> None:
    with pytest.raises(ValueError, match="did you mean 'bananas'"):
        runner.complete_config({"optimizer": "banana"}, {})


def test_effective_optimizer() -> None:
    assert runner.effective_optimizer({"optimizer": "re"}, ["seed", "1", "optimizer", "ls"]) == "ls"
    assert runner.effective_optimizer({}, []) == "re"  # NASLib's discrete_config default


def test_main_requires_a_config_file(naslib, capsys) -> None:
    assert runner.main([]) == 2
    assert "--config-file is required" in capsys.readouterr().err


def test_main_runs_a_naslib_optimizer(naslib, synthetic_nb201: Path, tmp_path: Path, capsys) -> None:
    code = runner.main(["--config-file", str(CONFIG), "--data-dir", str(synthetic_nb201),
                        "optimizer", "re", "search.epochs", "40", "out_dir", str(tmp_path)])
    assert code == 0
    assert (tmp_path / "nasbench201" / "cifar10" / "re" / "0" / "errors.json").is_file()
    assert "re on nasbench201/cifar10 seed 0" in capsys.readouterr().out


def test_seed_flag_sets_the_seed(naslib, synthetic_nb201: Path, tmp_path: Path, capsys) -> None:
    code = runner.main(["--config-file", str(CONFIG), "--data-dir", str(synthetic_nb201), "--seed", "100",
                        "optimizer", "rs", "search.epochs", "12", "out_dir", str(tmp_path)])
    assert code == 0 and "rs on nasbench201/cifar10 seed 100" in capsys.readouterr().out
    assert (tmp_path / "nasbench201" / "cifar10" / "rs" / "100" / "errors.json").is_file()


def test_optiproxy_from_a_naslib_config_uses_the_preset_b(naslib, tmp_path: Path) -> None:
    from naslib_optiproxy.integrations.naslib_plugin.optimizer import OptiProxyOptimizer
    from naslib_optiproxy.presets import preset_settings

    bananas = CONFIG.parent / "bananas.yaml"
    config = runner.load_config(str(bananas), ["optimizer", "optiproxy", "out_dir", str(tmp_path)], seed="2")
    assert config.search.batch_size == 256 and config.seed == 2 and config.search.seed == 2
    assert OptiProxyOptimizer(config).settings.batch_size == preset_settings("nasbench201", "cifar10")["batch_size"]
    config = runner.load_config(str(bananas), ["optimizer", "optiproxy", "optiproxy.batch_size", "7",
                                               "out_dir", str(tmp_path)])
    assert OptiProxyOptimizer(config).settings.batch_size == 7


def test_main_reports_a_bad_override(naslib, synthetic_nb201: Path, tmp_path: Path, capsys) -> None:
    code = runner.main(["--config-file", str(CONFIG), "--data-dir", str(synthetic_nb201), "optimizer", "nope",
                        "out_dir", str(tmp_path)])
    assert code == 2 and "unknown optimizer 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize("command, main, config, key, meant", [
    (*ENTRY_POINTS[0], "epochs", "search.epochs"),  # NASLib would set config.epochs and run search.epochs (100)
    (*ENTRY_POINTS[1], "test_sizes", "test_size"),
], ids=["naslib", "naslib-predictors"])
def test_an_override_naslib_does_not_read_is_refused(naslib, tmp_path: Path, capsys, command, main, config, key,
                                                     meant) -> None:
    assert main(["--config-file", str(config), key, "15", "out_dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: unknown override {key!r} (did you mean {meant!r}?)") and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_budget_override_sets_the_epochs() -> None:
    out = runner.complete_config({"optimizer": "optiproxy", "budget": 100}, NASLIB_DEFAULTS, ["budget", "30"])
    assert out["search"]["epochs"] == 30


def test_naslibs_folders_are_made_in_the_variants_place_only(naslib, tmp_path: Path) -> None:
    config = runner.load_config(str(CONFIG.parent / "bananas.yaml"), ["search.predictor_type", "optiproxy_gcn",
                                                                      "out_dir", str(tmp_path)], seed="2")
    variant = tmp_path / "nasbench201" / "cifar10" / "bananas-optiproxy_gcn" / "2"
    assert Path(config.save) == variant and config.out_dir == str(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "nasbench201", "nasbench201/cifar10", "nasbench201/cifar10/bananas-optiproxy_gcn",
        "nasbench201/cifar10/bananas-optiproxy_gcn/2", "nasbench201/cifar10/bananas-optiproxy_gcn/2/eval",
        "nasbench201/cifar10/bananas-optiproxy_gcn/2/search"]


@pytest.mark.parametrize("command, main, config", ENTRY_POINTS, ids=lambda v: v if isinstance(v, str) else "")
def test_cli_hands_naslib_subcommands_to_their_runner(capsys, command, main, config) -> None:  # NASLib or not
    from naslib_optiproxy.cli import main as cli

    assert cli([command]) == 2
    err = capsys.readouterr().err
    expected = f"--config-file is required (e.g. {config.relative_to(CONFIG.parents[3])})"
    assert (expected if NASLIB_IMPORT_ERROR is None else "NASLib is not importable") in err


NASLIB_FORMAT = sorted(p for p in (Path(__file__).resolve().parents[3] / "naslib_configs").rglob("*.yaml")
                       if p.name != "optiproxy.yaml"  # our run format (tests/test_naslib_configs.py)
                       and "predictors" not in p.parts)  # predictor evaluation (test_predictor_runner.py)


@pytest.mark.parametrize("path", NASLIB_FORMAT, ids=lambda p: "/".join(p.parts[-3:]))
def test_shipped_naslib_format_configs(path: Path) -> None:
    values = load_yaml(path)
    assert values["optimizer"] == path.stem
    completed = runner.complete_config(values, NASLIB_DEFAULTS)
    assert completed["search"] == {**NASLIB_DEFAULTS, **values["search"]}
    assert values["search"]["epochs"] == (280 if "ImageNet16" in str(path) else 150 if "101" in str(path) else 100)
