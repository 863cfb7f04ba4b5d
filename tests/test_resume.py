"""Resume from the journal (replay, no re-evaluation, same result) and the failed-evaluation policy."""

from __future__ import annotations

import json
import math
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

from naslib_optiproxy import OptiProxy, RandomSearch, Study, TooManyFailuresError, cli
from naslib_optiproxy.cli import run_from_config
from naslib_optiproxy.cli.run_config import RunConfig
from naslib_optiproxy.spaces import Architecture
from naslib_optiproxy.types import Evaluation

TORN = '{"kind":"trial","number":99,"arch":"half-wri'


class SimulatedCrash(BaseException):
    """Not an Exception: escapes ``optimize`` like a kill would."""


class Counting:
    """Wraps an objective: records every call; raises SimulatedCrash on call ``crash_at``."""

    def __init__(self, objective: Any, crash_at: Optional[int] = None) -> None:
        self.objective, self.crash_at, self.calls = objective, crash_at, []

    def __call__(self, arch: Architecture) -> Any:
        if len(self.calls) == self.crash_at:
            raise SimulatedCrash
        self.calls.append(arch)
        return self.objective(arch)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.objective, name)


@pytest.fixture
def wrap(monkeypatch: pytest.MonkeyPatch):
    """``wrap(crash_at=None)`` -> a dict whose ``"c"`` will be the Counting objective of the next run."""
    real = cli.get_objective

    def install(crash_at: Optional[int] = None) -> Dict[str, Counting]:
        holder: Dict[str, Counting] = {}

        def make(*args: Any, **options: Any) -> Counting:
            holder["c"] = Counting(real(*args, **options), crash_at)
            return holder["c"]

        monkeypatch.setattr(cli, "get_objective", make)
        return holder

    return install


def run_then_crash(cfg: RunConfig, tmp_path: Path, wrap, crash_at: int) -> Tuple[Dict[str, Any], RunConfig]:
    """The uninterrupted run of ``cfg``, and ``cfg`` moved to ``tmp_path/crashed`` after a run there that
    crashed while evaluating its ``crash_at``-th architecture (the ones before it evaluated once each)."""
    full = run_from_config(cfg)
    crashed = cfg.replace(out_dir=str(tmp_path / "crashed"))
    first = wrap(crash_at=crash_at)
    with pytest.raises(SimulatedCrash):
        run_from_config(crashed)
    assert len(first["c"].calls) == crash_at
    return full, crashed


def same_run(a: Dict[str, Any], b: Dict[str, Any]) -> None:
    strip = [[{k: v for k, v in e.items() if k != "eval_seconds"} for e in r["history"]] for r in (a, b)]
    assert strip[0] == strip[1]
    assert a["trajectory"] == b["trajectory"] and a["best"] == b["best"]


def journal_records(path: Path) -> List[Dict[str, Any]]:
    lines = path.read_text().splitlines()
    return [json.loads(line) for line in lines[1:]]


# ------------------------------------------------------------------ (a) in process
@pytest.mark.parametrize("optimizer", ["optiproxy", "optiproxy-ei", "re", "ls"])
def test_crash_then_resume_equals_uninterrupted(optimizer: str, tmp_path: Path, wrap, tiny_settings) -> None:
    search = tiny_settings(num_init=2) if optimizer == "optiproxy" else {}
    if optimizer == "optiproxy-ei":  # the ensemble's members are rebuilt by the replay too
        optimizer, search = "optiproxy", tiny_settings(num_init=2, selection="ei", ensemble_size=2)
    cfg = RunConfig(optimizer=optimizer, budget=30, search=search, out_dir=str(tmp_path / "full"))
    full, crashed = run_then_crash(cfg, tmp_path, wrap, crash_at=12)
    journal = tmp_path / "crashed" / "journal.jsonl"
    with open(journal, "a") as handle:  # the 13th record, half written when the process died
        handle.write(TORN)

    second = wrap()
    with pytest.warns(RuntimeWarning, match="dropped a truncated last line"):
        resumed = run_from_config(crashed, resume=True)
    assert len(second["c"].calls) == 18
    same_run(resumed, full)
    records = journal_records(journal)  # every line complete again
    assert [r["number"] for r in records] == list(range(30))
    assert [r["arch"] for r in records] == [e["arch"] for e in full["history"]]
    journaled = {(tuple(ops), tuple(topology)) for ops, topology in (r["encoding"] for r in records[:12])}
    assert journaled.isdisjoint(tuple(a) for a in second["c"].calls)


def test_resume_of_a_finished_run_evaluates_nothing_and_a_larger_budget_extends_it(tmp_path: Path, wrap) -> None:
    cfg = RunConfig(optimizer="rs", budget=8, out_dir=str(tmp_path / "run"))
    done = run_from_config(cfg)
    counted = wrap()
    again = run_from_config(cfg, resume=True)
    assert counted["c"].calls == []
    same_run(again, done)
    longer = run_from_config(cfg.replace(budget=12), resume=True)
    assert len(counted["c"].calls) == 4
    reference = run_from_config(cfg.replace(budget=12, out_dir=str(tmp_path / "ref")))
    same_run(longer, reference)


def test_resume_without_a_journal_starts_a_new_run(tmp_path: Path) -> None:
    cfg = RunConfig(optimizer="rs", budget=5, out_dir=str(tmp_path / "new"))
    result = run_from_config(cfg, resume=True)
    assert len(result["history"]) == 5 and len(journal_records(tmp_path / "new" / "journal.jsonl")) == 5


def test_replay_that_diverges_keeps_the_journal_and_never_repeats(nb201) -> None:
    journaled = Study(RandomSearch(nb201, seed=1))
    journaled.optimize(lambda a: float(sum(a.ops)), budget=15)
    records = [{"number": t.number, "encoding": [list(t.arch.ops), list(t.arch.topology)], "value": t.value,
                "info": t.info} for t in journaled.trials]
    fresh = Study(RandomSearch(nb201, seed=2))  # proposes other architectures: every ask misses
    with pytest.warns(RuntimeWarning, match="replay diverged from the journal at evaluation 0"):
        assert fresh.replay(records) == 0
    assert [t.arch for t in fresh.trials] == [t.arch for t in journaled.trials]
    assert [t.value for t in fresh.trials] == [t.value for t in journaled.trials]
    assert fresh._pending == [] and fresh.num_seen == 15  # the unevaluated proposals are forgotten
    fresh.optimize(lambda a: float(sum(a.ops)), budget=40)
    keys = [nb201.key(t.arch) for t in fresh.trials]
    assert len(set(keys)) == 40
    same = Study(RandomSearch(nb201, seed=1))
    assert same.replay(records) == 15


def test_replay_restores_failed_trials_and_info(nb201) -> None:
    records = [{"number": 0, "encoding": [[0] * 6, []], "value": None, "info": {"error": "ValueError: x"}},
               {"number": 1, "encoding": [[1] * 6, []], "value": 2.5, "info": {"value": 1, "arch": "y"}}]
    opt = Study(RandomSearch(nb201, seed=0))
    with pytest.warns(RuntimeWarning, match="replay diverged"):
        opt.replay(records)
    assert opt.trials[0].failed and opt.trials[0].info == {"error": "ValueError: x"}
    assert opt.trials[1].value == 2.5 and opt.trials[1].info == {"value": 1, "arch": "y"}
    with pytest.raises(ValueError, match="numbered 5; the journal is corrupt"):
        Study(RandomSearch(nb201, seed=0)).replay([{**records[0], "number": 5}])


# ------------------------------------------------------------------ (b) SIGKILL, NB201
def test_sigkill_at_random_points_then_resume(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wrap,
                                              tiny_settings) -> None:
    config = tmp_path / "tiny.yaml"
    config.write_text("search: " + json.dumps(tiny_settings(batch_size=1)) + "\n")  # JSON is YAML
    budget = 40
    args = ["search", "--search-space", "nasbench201", "--dataset", "cifar10",
            "--budget", str(budget), "--config", str(config), "--no-progress"]
    monkeypatch.chdir(tmp_path)
    assert cli.main(args + ["--out", "full"]) == 0
    full = json.loads((tmp_path / "full" / "result.json").read_text())

    out, journal = tmp_path / "killed", tmp_path / "killed" / "journal.jsonl"
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}  # same threads as in process
    rng = random.Random(7)
    kills, kept = 0, []
    for target in sorted(rng.sample(range(3, budget - 3), 3)):
        process = subprocess.Popen([sys.executable, "-m", "naslib_optiproxy", *args, "--out", str(out), "--resume"],
                                   cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if journal.exists() and journal.read_bytes().count(b"\n") - 1 >= target:
                time.sleep(rng.uniform(0, 0.05))  # anywhere in the next step
                break
            time.sleep(0.003)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        _, stderr = process.communicate(timeout=60)
        assert process.returncode in (0, -signal.SIGKILL), stderr.decode()
        complete = [line for line in journal.read_text().split("\n")[1:-1]]
        assert complete[: len(kept)] == kept  # nothing journaled is ever rewritten or lost
        kept = complete
    assert kills >= 1

    counted = wrap()
    if journal.read_text().endswith("\n"):
        assert cli.main(args + ["--out", str(out), "--resume"]) == 0
    else:
        with pytest.warns(RuntimeWarning, match="dropped a truncated last line"):
            assert cli.main(args + ["--out", str(out), "--resume"]) == 0
    assert len(counted["c"].calls) == budget - len(kept)
    resumed = json.loads((out / "result.json").read_text())
    same_run(resumed, full)
    archs = [r["arch"] for r in journal_records(journal)]
    assert archs == [e["arch"] for e in full["history"]] and len(set(archs)) == budget


# ------------------------------------------------------------------ (c) refusals
def test_existing_journal_needs_resume_and_matching_settings(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                            tiny_settings) -> None:
    search = tiny_settings(num_init=2)
    epochs = search["model_epochs"]
    cfg = RunConfig(optimizer="optiproxy", budget=3, search=search, out_dir=str(tmp_path / "run"))
    run_from_config(cfg)
    journal = tmp_path / "run" / "journal.jsonl"
    before = journal.read_bytes()

    with pytest.raises(ValueError, match="already holds a run; pass --resume to continue it or choose another --out"):
        run_from_config(cfg)
    for change, words in [
        ({"seed": 1}, "seed: journal 0, this run 1"),
        ({"search": {**search, "model_epochs": epochs + 1}},
         f"search.model_epochs: journal {epochs}, this run {epochs + 1}"),
        ({"dataset": "citeseer"}, "dataset: journal 'cora', this run 'citeseer'"),
        ({"optimizer": "rs", "search": {}}, "optimizer: journal 'optiproxy', this run 'rs'"),
        ({"budget": 2}, "holds 3 evaluations, more than the budget 2; resume with --budget 3 or more"),
    ]:
        with pytest.raises(ValueError) as error:
            run_from_config(cfg.replace(**change), resume=True)
        assert words in str(error.value)
        if "budget" not in change:
            assert "written by another run" in str(error.value) and "another --out" in str(error.value)
    assert journal.read_bytes() == before  # refused before anything was written

    lines = before.decode().splitlines()
    header = json.loads(lines[0])
    journal.write_text("\n".join([json.dumps({**header, "version": "0.0.1"}), *lines[1:]]) + "\n")
    with pytest.raises(ValueError, match=r"package version: journal '0.0.1', this run '\d"):
        run_from_config(cfg, resume=True)

    code = cli.main(["search", "--optimizer", "rs", "--budget", "3", "--out", str(tmp_path / "run"),
                     "--no-progress", "--resume"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: cannot resume") and "Traceback" not in err


# ------------------------------------------------------------------ (d) failures
def test_consecutive_failures_stop_the_run_with_the_last_error(nb201) -> None:
    calls = []

    def broken(arch: Architecture) -> float:
        calls.append(arch)
        if len(calls) <= 3:
            return float(sum(arch.ops))
        if len(calls) % 2 == 0:
            return math.nan
        raise ValueError(f"boom {len(calls)}")

    opt = Study(RandomSearch(nb201, seed=0))
    with pytest.raises(TooManyFailuresError, match=r"stopped after 4 failed evaluations in a row "
                                           r"\(max_consecutive_failures=4\); last error: ValueError: boom 7"):
        opt.optimize(broken, budget=50, max_consecutive_failures=4)
    assert len(opt.trials) == 7 and [t.failed for t in opt.trials] == [False] * 3 + [True] * 4
    assert opt.trials[3].info["error"] == "non-finite value nan"
    with pytest.raises(ValueError, match="max_consecutive_failures must be >= 1"):
        opt.optimize(broken, budget=50, max_consecutive_failures=0)


def test_failed_architectures_are_never_proposed_again_nor_fitted(nb201, tiny_optiproxy_config) -> None:
    def flaky(arch: Architecture) -> Any:
        if arch.ops[0] == 0:
            raise RuntimeError("out of memory")
        if arch.ops[1] == 0:
            return Evaluation(math.inf, {"note": "diverged"})
        return float(sum(arch.ops))

    opt = Study(OptiProxy(nb201, tiny_optiproxy_config(num_init=2), seed=0))
    opt.optimize(flaky, budget=40, max_consecutive_failures=None)
    keys = [nb201.key(t.arch) for t in opt.trials]
    failed = [t for t in opt.trials if t.failed]
    assert len(set(keys)) == 40 and failed
    assert {t.info["error"] for t in failed} <= {"RuntimeError: out of memory", "non-finite value inf"}
    x, _, y = opt.strategy._training_data()
    assert len(y) == 40 - len(failed) and bool(y.isfinite().all())
    assert all(math.isfinite(step["fit_loss"]) for step in opt.strategy.step_log)


def test_run_config_failure_limit_reaches_the_runner_and_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture) -> None:
    assert RunConfig().max_consecutive_failures == 10
    assert RunConfig(max_consecutive_failures=None).max_consecutive_failures is None
    with pytest.raises(ValueError, match="max_consecutive_failures must be >= 1"):
        RunConfig(max_consecutive_failures=0)
    with pytest.raises(TypeError, match="max_consecutive_failures must be an int"):
        RunConfig.from_dict({"max_consecutive_failures": "3"})

    class Dead(Counting):
        def __call__(self, arch: Architecture) -> float:
            raise OSError("node lost")

    real = cli.get_objective
    monkeypatch.setattr(cli, "get_objective", lambda *args, **options: Dead(real(*args, **options)))
    (tmp_path / "run.yaml").write_text("optimizer: rs\nbudget: 20\nmax_consecutive_failures: 3\n")
    code = cli.main(["search", "--config", str(tmp_path / "run.yaml"), "--out", str(tmp_path / "run"),
                     "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "stopped after 3 failed evaluations in a row" in err and "OSError: node lost" in err and "--resume" in err
    records = journal_records(tmp_path / "run" / "journal.jsonl")
    assert [r["info"]["error"] for r in records] == ["OSError: node lost"] * 3
    assert not (tmp_path / "run" / "result.json").exists()


# ------------------------------------------------------------------ (e) data identity, edited journals
def _write_csv(folder: Path, rows: int, shift: float = 0.0) -> None:
    """``nb201_val_test.csv`` holding the bundled cifar10 values of the first ``rows`` NB201 architectures."""
    from naslib_optiproxy.data import bundled
    from naslib_optiproxy.spaces import NasBench201

    space, table = NasBench201(), bundled.nb201_table("cifar10")
    lines = ["arch_str,cifar10_val,cifar10_test"]
    lines += [f"{space.to_string(Architecture(ops))},{table[ops][0] - shift},{table[ops][1]}"
              for ops in bundled.nb201_ops()[:rows]]
    folder.mkdir(exist_ok=True)
    (folder / "nb201_val_test.csv").write_text("\n".join(lines) + "\n")


def test_resume_with_changed_data_is_refused_naming_the_file(tmp_path: Path, capsys) -> None:
    _write_csv(tmp_path / "data", 15625)
    argv = ["search", "--search-space", "nasbench201", "--data-dir", str(tmp_path / "data"), "--optimizer", "rs",
            "--no-progress", "--out", str(tmp_path / "run"), "--budget"]
    assert cli.main([*argv, "3"]) == 0
    before = (tmp_path / "run" / "journal.jsonl").read_bytes()
    _write_csv(tmp_path / "data", 15625, shift=1.0)  # the same path, other numbers
    capsys.readouterr()
    assert cli.main([*argv, "5", "--resume"]) == 2
    err = capsys.readouterr().err
    csv_path = (tmp_path / "data" / "nb201_val_test.csv").resolve()
    assert err.startswith(f"error: cannot resume {tmp_path / 'run' / 'journal.jsonl'}: it was written by another run "
                          f"(data: {csv_path} changed since the journal was written (sha256 "), err
    assert "(check --data-dir)" in err and (tmp_path / "run" / "journal.jsonl").read_bytes() == before
    _write_csv(tmp_path / "data", 15625)  # the original contents again: resumable
    assert cli.main([*argv, "5", "--resume"]) == 0


def test_an_edited_value_gives_a_best_that_is_the_historys_best(tmp_path: Path) -> None:
    cfg = RunConfig(search_space="nasbench201", optimizer="rs", budget=6, out_dir=str(tmp_path / "run"))
    run_from_config(cfg)
    journal = tmp_path / "run" / "journal.jsonl"
    lines = journal.read_text().splitlines()
    record = json.loads(lines[3])
    record["value"] = 99.5  # edited by hand; info.val still holds the table's number
    lines[3] = json.dumps(record)
    journal.write_text("\n".join(lines) + "\n")
    result = run_from_config(cfg, resume=True)
    assert result["best"]["val"] == 99.5 == max(e["val"] for e in result["history"]) == result["trajectory"][-1]
    assert result["best"]["arch"] == record["arch"]


@pytest.mark.parametrize("optimizer", ["optiproxy", "nsga2", "limits"])
def test_multi_objective_crash_then_resume_equals_uninterrupted(optimizer: str, tmp_path: Path, wrap,
                                                                tiny_settings) -> None:
    if optimizer == "nsga2":
        pytest.importorskip("optuna", reason="nsga2 needs Optuna")
    search = {"optiproxy": tiny_settings(num_init=4), "nsga2": {"population_size": 6},
              "limits": {"quantiles": [0.3, 0.7]}}[optimizer]
    cfg = RunConfig(search_space="nasbench201", dataset="cifar10", optimizer=optimizer, budget=24, search=search,
                    objectives="val,edgegpu_latency:min", out_dir=str(tmp_path / "full"))
    full, crashed = run_then_crash(cfg, tmp_path, wrap, crash_at=11)
    second = wrap()
    resumed = run_from_config(crashed, resume=True)
    assert len(second["c"].calls) == 13
    same_run(resumed, full)
    assert resumed["front"] == full["front"] and full["front"]["trials"]


def test_resume_with_other_objectives_is_refused_naming_them(tmp_path: Path, capsys) -> None:
    base = ["search", "--search-space", "nasbench201", "--optimizer", "rs", "--budget", "5", "--out",
            str(tmp_path / "r"), "--no-progress"]
    assert cli.main([*base, "--objectives", "val,edgegpu_latency:min"]) == 0
    capsys.readouterr()
    assert cli.main([*base, "--budget", "8", "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "objectives: journal" in err and "--objectives)" in err
    assert cli.main([*base, "--objectives", "val,edgegpu_latency:min", "--budget", "8", "--resume"]) == 0
