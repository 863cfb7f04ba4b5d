"""The NASLib runner: config completion (always) and the entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from naslib_optiproxy.integrations.naslib_plugin import runner
from naslib_optiproxy.integrations.naslib_plugin.optimizer import NASLIB_IMPORT_ERROR

CONFIG = Path(__file__).resolve().parents[2] / "naslib_configs" / "nasbench201" / "cifar10" / "optiproxy.yaml"
NASLIB_DEFAULTS = {"epochs": 100, "fidelity": 108, "checkpoint_freq": 1000, "k": 10, "num_init": 10,
                   "batch_size": 256, "predictor_type": "var_sparse_gp"}


def test_complete_config_for_optiproxy_keeps_our_batch_size() -> None:
    out = runner.complete_config({"optimizer": "optiproxy", "budget": 50, "search": {"batch_size": 5}},
                                 NASLIB_DEFAULTS)
    assert out["search"]["epochs"] == 50 and out["search"]["fidelity"] == -1
    assert out["search"]["batch_size"] == 5 and "num_init" not in out["search"]
    assert out["search"]["k"] == 10 and out["evaluation"] == {} and out["out_dir"] == "run" and out["seed"] == 0


def test_complete_config_for_naslib_optimizer_via_override() -> None:
    out = runner.complete_config({"optimizer": "optiproxy", "search": {}}, NASLIB_DEFAULTS, ["optimizer", "re"])
    assert out["search"]["num_init"] == 10 and out["search"]["batch_size"] == 256


def test_explicit_keys_win() -> None:
    out = runner.complete_config({"optimizer": "rs", "search": {"epochs": 7, "fidelity": 108}}, NASLIB_DEFAULTS)
    assert (out["search"]["epochs"], out["search"]["fidelity"]) == (7, 108)


def test_unknown_optimizer_is_refused() -> None:
    with pytest.raises(ValueError, match="did you mean 'bananas'"):
        runner.complete_config({"optimizer": "banana"}, {})


def test_effective_optimizer() -> None:
    assert runner.effective_optimizer({"optimizer": "re"}, ["seed", "1", "optimizer", "ls"]) == "ls"
    assert runner.effective_optimizer({}, []) == "re"  # NASLib's discrete_config default


def test_main_without_naslib_prints_the_install_hint(capsys) -> None:
    if NASLIB_IMPORT_ERROR is None:
        pytest.skip("NASLib is importable here")
    assert runner.main(["--config-file", str(CONFIG)]) == 2
    assert "NASLib is not importable" in capsys.readouterr().err


def test_main_requires_a_config_file(naslib, capsys) -> None:
    assert runner.main([]) == 2
    assert "--config-file is required" in capsys.readouterr().err


def test_main_runs_a_naslib_optimizer(naslib, synthetic_nb201: Path, tmp_path: Path, capsys) -> None:
    code = runner.main(["--config-file", str(CONFIG), "--data-dir", str(synthetic_nb201),
                        "optimizer", "re", "search.epochs", "40", "out_dir", str(tmp_path)])
    assert code == 0
    assert (tmp_path / "nasbench201" / "cifar10" / "re" / "0" / "errors.json").is_file()
    assert "re on nasbench201/cifar10 seed 0" in capsys.readouterr().out


def test_main_reports_a_bad_override(naslib, synthetic_nb201: Path, tmp_path: Path, capsys) -> None:
    code = runner.main(["--config-file", str(CONFIG), "--data-dir", str(synthetic_nb201), "optimizer", "nope",
                        "out_dir", str(tmp_path)])
    assert code == 2 and "unknown optimizer 'nope'" in capsys.readouterr().err


def test_cli_hands_naslib_subcommand_to_the_runner(capsys) -> None:
    from naslib_optiproxy.cli import main

    assert main(["naslib"]) == 2
    err = capsys.readouterr().err
    assert ("--config-file is required" if NASLIB_IMPORT_ERROR is None else "NASLib is not importable") in err


NASLIB_FORMAT = sorted(p for p in (Path(__file__).resolve().parents[3] / "naslib_configs").rglob("*.yaml")
                       if p.name != "optiproxy.yaml")  # optiproxy.yaml: our run format (tests/test_naslib_configs.py)


@pytest.mark.parametrize("path", NASLIB_FORMAT, ids=lambda p: "/".join(p.parts[-3:]))
def test_shipped_naslib_format_configs(path: Path) -> None:
    from naslib_optiproxy._yaml import load_yaml

    values = load_yaml(path)
    assert values["optimizer"] == path.stem
    completed = runner.complete_config(values, NASLIB_DEFAULTS)
    assert completed["search"] == {**NASLIB_DEFAULTS, **values["search"]}
    assert values["search"]["epochs"] == (280 if "ImageNet16" in str(path) else 150 if "101" in str(path) else 100)
