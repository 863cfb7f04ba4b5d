"""``naslib-optiproxy naslib`` end to end on the real NASLib: OptiProxy, RE, BANANAS (three variants) and
NPENAS on NB201 cifar10 (the bundled table), small budgets, all in one ``out_dir``.

OptiProxy's evaluations through NASLib's ``Trainer`` equal the standalone engine's (same preset, same
seed); every run writes NASLib's ``errors.json``; the variants of BANANAS get folders of their own.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Dict

import pytest

from naslib_optiproxy import OptiProxy, OptiProxyConfig, Study, get_objective
from naslib_optiproxy.cli import main

CONFIG = Path(__file__).resolve().parents[3] / "naslib_configs" / "nasbench201" / "cifar10" / "optiproxy.yaml"
EPOCHS, SEED = 12, 1
# BANANAS / NPENAS on a small scale: 6 random, then 2 rounds of 3 from 20 candidates, 2 ensemble members
SMALL = ["search.num_init", "6", "search.k", "3", "search.num_candidates", "20", "search.num_ensemble", "2"]
GCN = ["search.predictor_type", "optiproxy_gcn", "optiproxy.model_epochs", "30"]
#: run -> (overrides, folder of the optimizer, words of the summary line)
RUNS = {
    "optiproxy": (["optimizer", "optiproxy"], "optiproxy", "optiproxy on"),
    "re": (["optimizer", "re"], "re", "re on"),
    "bananas": (["optimizer", "bananas", *SMALL], "bananas",
                "bananas (predictor var_sparse_gp, mutation candidates) on"),
    "bananas-gcn": (["optimizer", "bananas", *SMALL, *GCN], "bananas-optiproxy_gcn",
                    "bananas (predictor optiproxy_gcn, mutation candidates) on"),
    "bananas-gcn-relaxed": (["optimizer", "bananas", *SMALL, *GCN, "search.acq_fn_optimization", "relaxed",
                             "optiproxy.search_epochs", "20"], "bananas-optiproxy_gcn-relaxed",
                            "bananas (predictor optiproxy_gcn, relaxed candidates) on"),
    "npenas": (["optimizer", "npenas", *SMALL], "npenas", "npenas (predictor var_sparse_gp, mutation candidates) on"),
}
#: what NASLib's Trainer writes in lightweight mode: [config, search trajectory without the losses]
TRAJECTORY_KEYS = {"train_acc", "valid_acc", "test_acc", "runtime", "train_time", "params"}
NB201_CIFAR10_BEST_VAL = 91.61


@pytest.fixture(scope="module")
def runs(naslib, tmp_path_factory) -> Dict[str, Dict]:
    """Each run of :data:`RUNS` through the command line, into one ``out_dir``: its printed line and folder."""
    out = tmp_path_factory.mktemp("naslib-runs")
    done = {}
    for name, (opts, folder, _) in RUNS.items():
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            code = main(["naslib", "--config-file", str(CONFIG), "--seed", str(SEED), "search.epochs", str(EPOCHS),
                         "out_dir", str(out), *opts])
        done[name] = {"code": code, "lines": printed.getvalue().splitlines(),
                      "folder": out / "nasbench201" / "cifar10" / folder / str(SEED)}
    done["out"] = {"folder": out}
    return done


@pytest.mark.parametrize("name", RUNS)
def test_each_run_writes_naslibs_errors_json(runs, name: str) -> None:
    run = runs[name]
    assert run["code"] == 0
    config, trajectory = json.loads((run["folder"] / "errors.json").read_text())
    assert config["optimizer"] == name.split("-")[0] and config["search"]["epochs"] == EPOCHS
    assert config["seed"] == config["search"]["seed"] == SEED and config["save"] == str(run["folder"])
    assert set(trajectory) == TRAJECTORY_KEYS
    valid = trajectory["valid_acc"]
    assert len(valid) == len(trajectory["test_acc"]) == len(trajectory["runtime"]) == EPOCHS
    assert valid == sorted(valid) and 0 < valid[-1] <= NB201_CIFAR10_BEST_VAL  # the incumbent, epoch by epoch
    summary = json.loads((run["folder"] / "optiproxy_summary.json").read_text())
    assert summary["best_val"] == valid[-1] and summary["valid_acc"] == valid
    line = run["lines"][-1]
    assert line.startswith(f"{RUNS[name][2]} nasbench201/cifar10 seed {SEED}: best val {valid[-1]:.3f}")
    assert line.endswith(str(run["folder"] / "errors.json")) and summary["variant"] == RUNS[name][2][:-3]


def test_variants_never_share_a_folder(runs) -> None:
    folders = sorted(p.parent.parent.name for p in runs["out"]["folder"].rglob("errors.json"))
    assert folders == sorted(folder for _, folder, _ in RUNS.values())


def test_optiproxy_through_naslib_equals_the_standalone_engine(runs) -> None:
    """Every evaluation, architecture and value, as ``Study(OptiProxy(...))`` with the same preset and seed."""
    summary = json.loads((runs["optiproxy"]["folder"] / "optiproxy_summary.json").read_text())
    objective = get_objective("nasbench201", "cifar10")
    study = Study(OptiProxy(objective.space, OptiProxyConfig.preset("nasbench201", "cifar10"), seed=SEED))
    study.optimize(objective, budget=EPOCHS)
    assert summary["history"] == [{"arch": objective.space.to_string(t.arch), "val": t.value} for t in study.trials]
    assert summary["valid_acc"] == study.trajectory()
