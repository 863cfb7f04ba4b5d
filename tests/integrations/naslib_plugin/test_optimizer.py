"""OptiProxyOptimizer through NASLib's own Trainer (needs NASLib; data: a synthetic full NB201 table)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from naslib_optiproxy.objectives.nasbench201 import NasBench201Objective
from naslib_optiproxy.config import OptiProxyConfig
from naslib_optiproxy.presets import preset_settings
from naslib_optiproxy.integrations.naslib_plugin import optimizer as optimizer_module
from naslib_optiproxy.strategies import OptiProxy
from naslib_optiproxy.study import Study
from naslib_optiproxy.spaces import NasBench201

REPO = Path(__file__).resolve().parents[3]


def write_config(folder: Path, search: dict, **settings) -> Path:
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump({"search_space": "nasbench201", "dataset": "cifar10", "optimizer": "optiproxy",
                                    "seed": 3, "budget": 20, "out_dir": str(folder / "out"),
                                    "optiproxy": {**search, **settings}}))
    return path


def test_placeholder_without_naslib_names_the_fix() -> None:
    """Without NASLib (here: its import blocked, in a fresh process) the module imports, and the class says why."""
    code = """
import sys
sys.modules["naslib"] = None  # as if NASLib were not installed
from naslib_optiproxy.integrations.naslib_plugin import optimizer
assert optimizer.NASLIB_IMPORT_ERROR is not None
try:
    optimizer.OptiProxyOptimizer(None)
except ImportError as error:
    print(error)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("NASLib is not importable. Install it from a git checkout")


def test_trainer_writes_errors_json_equal_to_standalone_engine(naslib, synthetic_nb201: Path, tmp_path: Path,
                                                                tiny_settings) -> None:
    from naslib_optiproxy.integrations.naslib_plugin.runner import load_config, run

    config = load_config(str(write_config(tmp_path, tiny_settings())), [])
    summary = run(config, data_dir=str(synthetic_nb201))
    valid = json.loads((Path(config.save) / "errors.json").read_text())[1]["valid_acc"]
    assert len(valid) == 20 and summary["best_val"] == valid[-1]
    assert all(b >= a for a, b in zip(valid, valid[1:]))

    settings = {**preset_settings("nasbench201", "cifar10"), **tiny_settings()}
    standalone = Study(OptiProxy(NasBench201(), OptiProxyConfig.from_dict(settings), seed=3))
    standalone.optimize(NasBench201Objective("cifar10", synthetic_nb201), budget=20)
    assert valid == pytest.approx(standalone.trajectory())
    assert summary["table_test"] == pytest.approx(summary["best_val"] + 1)
    assert summary["final_arch"] == list(standalone.best.arch.ops)


def test_optimizer_interface(naslib, synthetic_nb201: Path, tmp_path: Path, tiny_settings) -> None:
    from naslib.search_spaces.core.query_metrics import Metric

    from naslib_optiproxy.integrations.naslib_plugin.data import nb201_dataset_api
    from naslib_optiproxy.integrations.naslib_plugin.encoding import NaslibEncodedSpace
    from naslib_optiproxy.integrations.naslib_plugin.runner import load_config
    from naslib_optiproxy.integrations.naslib_plugin.spaces import make_search_space

    config = load_config(str(write_config(tmp_path, tiny_settings())), [])
    opt = optimizer_module.OptiProxyOptimizer(config)
    api = nb201_dataset_api("cifar10", synthetic_nb201)
    opt.adapt_search_space(make_search_space("nasbench201"), dataset_api=api)
    assert isinstance(opt.engine.space, NaslibEncodedSpace)  # NB201: NASLib's GCN encodings feed the proxy
    for epoch in range(12):
        opt.new_epoch(epoch)
    assert len(opt.history) == 12 and len(opt.engine.trials) == 12
    train_acc, val, test, train_time = opt.train_statistics()
    final = opt.get_final_architecture()
    assert val == max(m.accuracy for m in opt.history) == final.query(Metric.VAL_ACCURACY, "cifar10", dataset_api=api)
    assert (train_acc, train_time) == (-1, -1) and test == val
    assert opt.get_checkpointables()["model"] is opt.history
    assert opt.test_statistics()["cifar10-valid"]["eval_acc1es"][-1] == val
    with pytest.raises(NotImplementedError):
        opt.get_op_optimizer()


def test_a_query_that_no_float_holds_is_a_recorded_failure(naslib, synthetic_nb201: Path, tmp_path: Path,
                                                            monkeypatch, tiny_settings) -> None:
    """NASLib's door: a benchmark value of 10**400 (or a query that raises) is told as a failure, never lost."""
    from naslib_optiproxy.integrations.naslib_plugin.data import nb201_dataset_api
    from naslib_optiproxy.integrations.naslib_plugin.runner import load_config
    from naslib_optiproxy.integrations.naslib_plugin.spaces import make_search_space

    opt = optimizer_module.OptiProxyOptimizer(load_config(str(write_config(tmp_path, tiny_settings())), []))
    opt.adapt_search_space(make_search_space("nasbench201"), dataset_api=nb201_dataset_api("cifar10", synthetic_nb201))
    answers = iter([10 ** 400, IndexError("epoch 300"), 91.0])

    def query(spec, metric):
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(opt, "_query", query)
    for epoch in range(3):
        opt.new_epoch(epoch)
    trials = opt.engine.trials
    assert [t.failed for t in trials] == [True, True, False] and opt.engine.num_seen == 3
    assert "too large for a float" in trials[0].info["error"] and "epoch 300" in trials[1].info["error"]
    assert [m.accuracy for m in opt.history] == [91.0]
