"""Constrained and low-fidelity runs end to end: run config, CLI flags, result.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from naslib_optiproxy import cli
from naslib_optiproxy.cli import run_from_config
from naslib_optiproxy.cli.run_config import RunConfig

@pytest.mark.parametrize("value, expected", [
    ("edgegpu_latency<=2", {"metric": "edgegpu_latency", "max": 2.0}),
    ("pixel3_latency:4", {"metric": "pixel3_latency", "max": 4.0}),
    ({"metric": "fpga_latency", "max": 1}, {"metric": "fpga_latency", "max": 1.0}),
])
def test_run_config_normalises_the_constraint(value, expected) -> None:
    cfg = RunConfig(search_space="nasbench201", dataset="ImageNet16-120", constraint=value)
    assert cfg.constraint == expected and cfg.objective_options() == {"constraint": expected}


def test_yaml_constraint_and_fidelity(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text("search_space: nasbench201\nconstraint: {metric: raspi4_latency, max: 4.0}\n")
    assert RunConfig.from_yaml(path).constraint == {"metric": "raspi4_latency", "max": 4.0}
    path.write_text("search_space: nasbench201\nfidelity: low\n")
    assert RunConfig.from_yaml(path).objective_options() == {"fidelity": "low"}


@pytest.mark.parametrize("values, message", [
    ({"search_space": "nasbench201", "constraint": "edgegpu_latency<2"}, "METRIC<=MAX"),
    ({"search_space": "nasbench201", "constraint": {"metric": "edgegpu_latency"}}, "keys metric and max"),
    ({"search_space": "nasbench201", "fidelity": "high"}, "fidelity must be one of full, low"),
    ({"search_space": "nasbench_graph", "fidelity": "low"}, "nasbench201 only"),
    ({"search_space": "nasbench201", "fidelity": "low", "constraint": "edgegpu_latency<=2"}, "cannot be combined"),
])
def test_bad_options_fail_before_any_work(values: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RunConfig.from_dict(values)


def test_cli_constraint_result_reports_only_feasible_best(in_tmp: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "hw"
    code = cli.main(["search", "--search-space", "nasbench201", "--dataset", "ImageNet16-120", "--optimizer", "rs",
                     "--budget", "40", "--constraint", "edgegpu_latency<=2",
                     "--out", str(out), "--no-progress"])
    assert code == 0, capsys.readouterr().err
    result = json.loads((out / "result.json").read_text())
    assert result["constraint"] == {"metric": "edgegpu_latency", "max": 2.0}
    feasible = [h for h in result["history"] if h["feasible"]]
    assert result["feasible_evaluations"] == len(feasible) and 0 < len(feasible) < 40
    assert all(h["edgegpu_latency"] <= 2.0 for h in feasible)
    assert result["best"]["val"] == max(h["val"] for h in feasible) == result["trajectory"][-1]
    best_entry = next(h for h in result["history"] if h["arch"] == result["best"]["arch"])
    assert best_entry["feasible"] and best_entry["edgegpu_latency"] <= 2.0


def test_optiproxy_constrained_run_and_resume(in_tmp: Path, tmp_path: Path, tiny_settings) -> None:
    cfg = RunConfig(search_space="nasbench201", dataset="ImageNet16-120", budget=20, seed=1,
                    out_dir=str(tmp_path / "run"), search=tiny_settings(),
                    constraint="raspi4_latency<=4")
    first = run_from_config(cfg.replace(budget=15))
    resumed = run_from_config(cfg, resume=True)
    straight = run_from_config(cfg.replace(out_dir=str(tmp_path / "straight")))
    archs = [[h["arch"] for h in r["history"]] for r in (first, resumed, straight)]
    assert archs[1] == archs[2] and archs[0] == archs[2][:15] and resumed["best"] == straight["best"]
    if resumed["best"] is not None:
        assert next(h for h in resumed["history"] if h["arch"] == resumed["best"]["arch"])["feasible"]


def test_low_fidelity_run_accounts_its_epochs(in_tmp: Path, tmp_path: Path) -> None:
    cfg = RunConfig(search_space="nasbench201", dataset="cifar100", optimizer="rs", budget=15,
                    out_dir=str(tmp_path / "low"), fidelity="low")
    result = run_from_config(cfg)
    promoted = result["promoted"]
    assert result["fidelity"] == "low" and len(result["epochs"]) == 15
    assert result["epochs"][-1] == 15 * 12 + 200 * len(promoted)
    assert result["best"]["val"] == max(p["val"] for p in promoted) == result["trajectory"][-1]
    # What the search saw is the 12-epoch accuracy, lower than the full-training one.
    assert result["search_best"]["val"] < result["best"]["val"]
