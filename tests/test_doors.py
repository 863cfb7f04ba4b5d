"""Every door runs the same search: the Python API with no config, the CLI, a ``compare`` job and NASLib.

On NB201 cifar10, seed 0, budget 100, the three histories are equal architecture by
architecture and value by value: the measured preset, the thread policy and the pipeline are
one. Their results share one schema (:data:`naslib_optiproxy.result.RESULT_KEYS`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List

import pytest

from naslib_optiproxy import OptiProxy, Study, get_objective
from naslib_optiproxy.cli import main
from naslib_optiproxy.compare import Job, Method, Task, run_job
from naslib_optiproxy.integrations.naslib_plugin import naslib_available
from naslib_optiproxy.integrations.naslib_plugin.runner import load_config, run
from naslib_optiproxy.result import RESULT_KEYS, SCHEMA
from naslib_optiproxy.threads import policy_threads

BUDGET = 100
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def objective():
    return get_objective("nasbench201", "cifar10")


@pytest.fixture(scope="module")
def api_history(objective) -> List[str]:
    study = Study(OptiProxy(objective.space, seed=0))  # no config: the measured preset
    study.optimize(objective, budget=BUDGET)
    return [objective.space.to_string(t.arch) for t in study.trials], [t.value for t in study.trials]


@pytest.fixture(scope="module")
def cli_result(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("cli") / "run"
    code = main(["search", "--search-space", "nasbench201", "--dataset", "cifar10", "--budget", str(BUDGET),
                 "--seed", "0", "--no-progress", "--out", str(out)])
    assert code == 0
    return json.loads((out / "result.json").read_text())


@pytest.fixture(scope="module")
def compare_record() -> dict:
    return run_job(Job(Task.parse("nasbench201/cifar10"), Method.parse("optiproxy"), seed=0, budget=BUDGET))


def _arches_and_values(result: dict):
    return [h["arch"] for h in result["history"]], [h["val"] for h in result["history"]]


def test_api_equals_cli(api_history, cli_result) -> None:
    assert len(api_history[0]) == BUDGET
    assert _arches_and_values(cli_result) == api_history


def test_api_equals_compare_job(api_history, compare_record) -> None:
    assert _arches_and_values(compare_record) == api_history


@pytest.mark.skipif(not naslib_available(), reason="NASLib is not installed (see docs/naslib.md)")
def test_api_equals_naslib_runner(api_history, nb201_csv_dir: Path, tmp_path: Path) -> None:
    """Through NASLib's Trainer (one epoch = one evaluation) the incumbent follows the same trajectory."""
    config = load_config(str(REPO / "naslib_configs" / "nasbench201" / "cifar10" / "optiproxy.yaml"),
                         ["out_dir", str(tmp_path), "seed", "0"])
    summary = run(config, lightweight=True, data_dir=str(nb201_csv_dir), evaluate=False)
    values = api_history[1]
    assert summary["valid_acc"] == pytest.approx([max(values[: i + 1]) for i in range(len(values))])


def test_search_and_compare_share_one_schema(cli_result, compare_record) -> None:
    for record in (cli_result, compare_record):
        assert tuple(record) == RESULT_KEYS
        assert record["schema"] == SCHEMA
    for key in RESULT_KEYS:
        a, b = cli_result[key], compare_record[key]
        assert a is None or b is None or type(a) is type(b), key
    assert cli_result["settings"] == compare_record["settings"]  # the same preset through both doors
    assert cli_result["settings"]["gcn_hidden"] == 64 and cli_result["settings"]["batch_size"] == 5
    assert set(cli_result["history"][0]) == set(compare_record["history"][0])
    assert cli_result["task"] == compare_record["task"] == "nasbench201/cifar10"
    assert cli_result["torch_threads"] == compare_record["torch_threads"] == policy_threads()  # 1 unless set
