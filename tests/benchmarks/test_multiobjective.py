"""The multi-objective benchmark driver: settings, methods, job cache, tables and the front figure."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from naslib_optiproxy import Study

REPO = Path(__file__).resolve().parents[2]
_SPEC = importlib.util.spec_from_file_location("mo_benchmark", REPO / "benchmarks" / "studies" / "multiobjective.py")
mo = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(mo)

SETTING = "hw:cifar10:edgegpu_latency"


def test_groups_name_every_setting_of_the_issue() -> None:
    assert len(mo.GROUPS["hw-latency"]) == 18 and len(mo.GROUPS["hw-energy"]) == 6
    assert len(mo.GROUPS["graph"]) == 16 and len(mo.GROUPS["all"]) == 40 == len(set(mo.GROUPS["all"]))
    assert set(mo.GROUPS["selection"]) <= set(mo.GROUPS["all"])
    assert mo.expand_settings("hw-energy,hw:cifar10:fpga_energy")[:2] == ["hw:cifar10:edgegpu_energy",
                                                                        "hw:cifar100:edgegpu_energy"]
    assert mo.parse_setting("graph:cora:params") == ("nasbench_graph", "cora", "params", None)
    assert mo.parse_setting("hw:cifar100:fpga_energy:edgegpu_latency<=5")[2:] == ("fpga_energy", "edgegpu_latency<=5")
    with pytest.raises(ValueError, match="write hw:<dataset>:<metric>"):
        mo.expand_settings("cifar10")


def test_a_constraint_on_top_keeps_infeasible_evaluations_off_the_found_front() -> None:
    record = mo.run_job(mo.Job("rs", "hw:cifar10:edgegpu_latency:edgegpu_latency<=3", 0, 30))
    found = [p for p in record["points"] if p is not None]
    assert len(record["points"]) == 30 and 0 < len(found) < 30 and max(p[1] for p in found) <= 3
    score = mo.objective_of("hw:cifar10:edgegpu_latency:edgegpu_latency<=3").front_score()
    assert score.front[:, 1].max() <= 3  # the true front is the feasible part's
    assert mo.job_path(Path("out"), mo.Job("rs", "hw:cifar10:edgegpu_latency:edgegpu_latency<=3", 0, 30)).parts[2] == (
        "hw-cifar10-edgegpu_latency-edgegpu_latency_=3")


def test_methods_parse_their_options_and_build_strategies(optuna_installed: bool) -> None:
    assert mo.parse_method("optiproxy-mo[mo_selection=scalar,batch_size=5]") == (
        "optiproxy-mo", {"mo_selection": "scalar", "batch_size": 5})
    assert mo.parse_method("optiproxy-mo[mo_success=off,warm_start=false]")[1] == {"mo_success": "off",
                                                                                  "warm_start": False}
    with pytest.raises(ValueError, match="bad method 'nsga3'"):
        mo.parse_method("nsga3")
    assert mo.parse_methods("optiproxy-mo[mo_selection=scalar,batch_size=5], rs,nsga2[population_size=20]") == [
        "optiproxy-mo[mo_selection=scalar,batch_size=5]", "rs", "nsga2[population_size=20]"]
    with pytest.raises(ValueError, match="bad method 'nsga3'"):
        mo.parse_methods("rs,nsga3")
    objective = mo.objective_of(SETTING)
    built = mo.build_strategy("optiproxy-mo[mo_selection=scalar,batch_size=5]", objective, 0)
    assert built.front_settings.selection == "scalar" and built.config.loop.batch_size == 5
    if optuna_installed:
        assert mo.build_strategy("nsga2[population_size=20]", objective, 0).population_size == 20
    else:  # the peers extra is not installed: refused with its install hint
        with pytest.raises(ValueError, match="nsga2 needs Optuna"):
            mo.build_strategy("nsga2[population_size=20]", objective, 0)
    limits = mo.build_strategy("limits", objective, 0)
    Study(limits).prepare(objective)  # the limits: quantiles of the table's metric
    assert len(limits.limits) == 4 and list(limits.limits) == sorted(limits.limits)
    two = mo.build_strategy("limits[quantiles=0.25 0.75]", objective, 0)
    Study(two).prepare(objective)
    assert len(two.limits) == 2
    with pytest.raises(ValueError, match="no setting 'batchsize'"):
        mo.build_strategy("optiproxy-mo[batchsize=5]", objective, 0)
    assert mo.parse_seeds("10-12,15") == [10, 11, 12, 15]
    with pytest.raises(ValueError, match="bad seeds"):
        mo.parse_seeds("ten")


def test_tables_score_each_checkpoint_and_count_failed_evaluations_as_spent() -> None:
    score = mo.objective_of(SETTING).front_score()
    front = [list(p) for p in score.front]
    worst = list(score.bounds.worst)
    perfect = {"method": "a", "setting": SETTING, "seed": 0, "budget": 100, "seconds": 2.0,
               "points": [None] * 50 + front + [worst] * (50 - len(front))}
    poor = {**perfect, "method": "b", "seconds": 1.0, "points": [worst] * 100}
    assert len(mo.checkpoint_points(perfect["points"], 50)) == 0  # 50 failed evaluations so far
    table = mo.summarise([perfect, poor], [SETTING], ["a", "b"], 100)
    assert table[SETTING]["a"]["share@50"] == (0.0, 0.0) and table[SETTING]["a"]["share@100"][0] == pytest.approx(1)
    assert table[SETTING]["b"]["share@100"] == (0.0, 0.0)
    assert np.isnan(table[SETTING]["a"]["igd@50"][0]) and table[SETTING]["a"]["igd@100"][0] == 0.0
    text = mo.report(table, ["a", "b"], 100, "a")
    assert "1.0000 ± 0.0000" in text and "a at or above every other method's mean share @100: 1 of 1" in text
    assert "| a | 2.0 | – |" in text


def test_plot_draws_one_panel_per_setting(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the front figure needs matplotlib")
    score = mo.objective_of(SETTING).front_score()
    records = [{"method": "a", "setting": SETTING, "seed": s, "points": [list(p) for p in score.front]}
               for s in range(2)]
    mo.plot([SETTING], records, ["a"], 100, tmp_path / "fronts.png")
    assert (tmp_path / "fronts.png").stat().st_size > 1000


def test_the_module_runs_caches_jobs_and_writes_its_report(tmp_path: Path, optuna_installed: bool) -> None:
    second = "nsga2[population_size=10]" if optuna_installed else "optiproxy-mo"
    command = [sys.executable, "-m", "benchmarks.studies.multiobjective", "--settings", SETTING, "--methods",
               f"rs,{second}", "--seeds", "0-1", "--budget", "20", "--out", str(tmp_path),
               "--jobs", "2", "--no-plot"]
    first = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "0 of 4 jobs cached" in first.stderr and "| rs |" in first.stdout
    record = json.loads(next((tmp_path / "jobs").rglob("seed0-b20.json")).read_text())
    assert len(record["points"]) == 20 and record["seconds"] >= 0
    again = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert "4 of 4 jobs cached" in again.stderr and (tmp_path / "report.md").read_text().strip() == again.stdout.strip()
    bad = subprocess.run([*command[:-1], "--budget", "0"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "--budget must be in 1..10000" in bad.stderr


def test_a_job_written_meanwhile_by_another_run_is_not_run_again(tmp_path: Path) -> None:
    job = mo.Job("rs", SETTING, 0, 10)
    path = mo.job_path(tmp_path, job)
    path.parent.mkdir(parents=True)
    path.write_text('{"kept": true}')
    assert mo._run_and_save((job, str(tmp_path))).endswith("cached")
    assert json.loads(path.read_text()) == {"kept": True}
