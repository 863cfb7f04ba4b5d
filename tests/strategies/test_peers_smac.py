"""SMAC3's facades as strategies: valid unseen proposals, crashed invalid ones, seeds, no files left, resume."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import pytest

pytest.importorskip("smac", reason="smac (SMAC3) is not installed (pip install 'naslib-optiproxy[peers]')")

from naslib_optiproxy.objectives import get_objective  # noqa: E402
from naslib_optiproxy.run import run_search  # noqa: E402
from naslib_optiproxy.spaces import NasBench101, NasBench201, NasBenchNLP  # noqa: E402
from naslib_optiproxy.strategies.peers import SmacGaussianProcess, SmacRandomForest, penalised_value  # noqa: E402
from naslib_optiproxy.study import Study  # noqa: E402

from ._helpers import match_objective  # noqa: E402
from .test_peers_optuna import Crash, _strip, crashing  # noqa: E402


def run(cls, seed: int, budget: int = 10, space=None, objective=None) -> Study:
    space = space or getattr(objective, "space", None) or NasBench201()
    study = Study(cls(space, seed=seed, budget=budget))
    study.optimize(objective or match_objective(), budget=budget)
    return study


def test_hpo_facade_proposes_valid_unseen_seeded_architectures() -> None:
    first = [t.arch for t in run(SmacRandomForest, 0).trials]
    assert len(set(first)) == 10 and all(NasBench201().is_valid(a) for a in first)
    assert [t.arch for t in run(SmacRandomForest, 0).trials] == first
    assert [t.arch for t in run(SmacRandomForest, 1).trials] != first


PROPOSALS = """
from naslib_optiproxy.objectives import get_objective
from naslib_optiproxy.run import run_search
record = run_search(get_objective("nasbench201", "cifar10"), "smac", budget=18, seed=0)
print(" ".join(str(step["arch"]) for step in record["history"]))
"""


def test_the_proposals_do_not_depend_on_the_string_hash_seed() -> None:
    # SMAC3's local search starts from a set of Configurations, which ConfigSpace hashes by their text:
    # without stable_configuration_hash, PYTHONHASHSEED 0 and 1 proposed other cells after the initial design
    runs = [subprocess.run([sys.executable, "-c", PROPOSALS], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(h)}).stdout for h in (0, 1)]
    assert runs[0] == runs[1] and len(runs[0].split()) == 18


def test_blackbox_facade_runs() -> None:
    study = run(SmacGaussianProcess, 0, budget=4)
    assert len({t.arch for t in study.trials}) == 4
    assert study.strategy.settings()["facade"] == "BlackBoxFacade"


def test_invalid_proposals_are_crashed_trials_with_the_worst_cost() -> None:
    # the first seed whose run proposes invalid cells
    for seed in range(5):
        study = run(SmacRandomForest, seed, budget=12, space=NasBench101(),
                    objective=lambda arch: float(sum(arch.ops) + sum(arch.topology)))
        if study.strategy.counts["invalid"]:
            break
    strategy = study.strategy
    runs = list(strategy._facade.runhistory.items())
    crashed = [value.cost for _, value in runs if value.status.name == "CRASHED"]
    assert strategy.counts["invalid"] > 0 and len(crashed) == strategy.counts["invalid"]
    worst = max(-t.value for t in study.trials)
    assert all(cost <= worst for cost in crashed)
    assert all(NasBench101().is_valid(t.arch) for t in study.trials)


def test_a_constraint_is_told_as_the_penalised_value() -> None:
    objective = get_objective("nasbench201", "ImageNet16-120", constraint="edgegpu_latency<=2")
    study = run(SmacRandomForest, 0, budget=8, objective=objective)
    told = {round(value.cost, 9) for _, value in study.strategy._facade.runhistory.items()}
    assert told == {round(-penalised_value(t), 9) for t in study.trials}
    assert any(not t.feasible for t in study.trials)  # so the penalty was charged somewhere


def test_a_conditional_parameter_is_an_in_condition() -> None:
    strategy = SmacRandomForest(NasBenchNLP(), seed=0, budget=10)
    strategy._build()
    conditions = strategy._space.conditions
    assert len(conditions) == NasBenchNLP().max_nodes
    assert all(c.child.name.endswith("_in2") for c in conditions)


def test_the_budget_sizes_the_initial_design_and_is_recorded() -> None:
    strategy = SmacRandomForest(NasBench201(), seed=0, budget=40)
    assert strategy.settings()["n_trials"] == 40
    assert SmacRandomForest(NasBench201(), seed=0).settings()["n_trials"] == 100  # SMAC3's default


def test_nothing_is_written_outside_the_run_folder(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    monkeypatch.chdir(tmp_path)
    objective = get_objective("nasbench201", "cifar10")
    run_search(objective, "rs", budget=6, seed=0, folder=tmp_path / "rs")
    run_search(objective, "smac", budget=6, seed=0, folder=tmp_path / "run")
    assert sorted(os.listdir(tmp_path / "run")) == sorted(os.listdir(tmp_path / "rs"))  # journal, result, lock
    run_search(objective, "smac", budget=6, seed=0)  # no run folder (Python API, compare): a temporary one
    assert sorted(os.listdir(tmp_path)) == ["rs", "run", "system-tmp"] and os.listdir(system_tmp) == []


def test_resume_replays_to_the_uninterrupted_run(tmp_path: Path) -> None:
    objective = get_objective("nasbench201", "cifar10")
    whole = run_search(objective, "smac", budget=10, seed=3, folder=tmp_path / "whole")
    with pytest.raises(Crash):
        run_search(crashing(objective, 7), "smac", budget=10, seed=3, folder=tmp_path / "cut")
    again = crashing(objective, None)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="replay diverged")
        resumed = run_search(again, "smac", budget=10, seed=3, folder=tmp_path / "cut", resume=True)
    assert len(again.calls) == 3 and _strip(resumed) == _strip(whole)


def test_resume_with_another_budget_is_refused_naming_n_trials(tmp_path: Path) -> None:
    objective = get_objective("nasbench201", "cifar10")
    run_search(objective, "smac", budget=5, seed=0, folder=tmp_path / "run")
    with pytest.raises(ValueError, match="n_trials: journal 5, this run 8"):
        run_search(objective, "smac", budget=8, seed=0, folder=tmp_path / "run", resume=True)


def test_random_fallbacks_are_counted_and_their_log_lines_held_back(tiny_space, caplog) -> None:
    # on nine cells SMAC3's acquisition search soon finds nothing new: it warns and samples at random
    logger = logging.getLogger("smac.main.config_selector")
    with caplog.at_level(logging.WARNING):
        study = Study(SmacRandomForest(tiny_space, seed=0, budget=9))
        study.optimize(match_objective(), budget=9)
        assert study.strategy.counts["random_fallback"] >= 1
        assert not [r for r in caplog.records if r.name.startswith("smac")]
        assert not logger.filters  # held only while SMAC3 works
        logger.warning("Did not find enough configurations from the acquisition function (outside a run)")
    assert [r.getMessage() for r in caplog.records][-1].endswith("(outside a run)")
