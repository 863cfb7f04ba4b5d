"""The storage: one suite run against both backends (in memory, journal), then the journal's own rules
(one writer per run folder, run identity on resume, no symlink followed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from typing import List, Tuple

import pytest

from naslib_optiproxy import (Architecture, ConstraintValue, NasBench201, NasBenchGraph, RandomSearch, Study, TrialState,
                              get_objective, run_search)
from naslib_optiproxy.cli import main
from naslib_optiproxy.records import read_records
from naslib_optiproxy.storage import JOURNAL_FILE, BaseStorage, InMemoryStorage, JournalStorage, RunLockedError

IDENTITY = {"search_space": "nasbench_graph", "dataset": "cora", "optimizer": "rs", "seed": 0, "settings": {}}
RUNNING, COMPLETE, FAIL = TrialState.RUNNING, TrialState.COMPLETE, TrialState.FAIL
A, B, C, D = (Architecture((i, 0, 0, 0, 0, 1)) for i in range(4))
NB201_IDENTITY = {**IDENTITY, "search_space": "nasbench201", "dataset": "cifar10"}


# ------------------------------------------------------------------ both backends
@pytest.fixture(params=["memory", "journal"])
def backend(request: pytest.FixtureRequest, tmp_path: Path):
    """``(new, reopen)``: ``new()`` an attached empty storage; ``reopen(storage)`` -> ``(storage, records)``
    as a resumed run finds them (memory: its records, as a checkpoint holds them; journal: the file)."""
    space = NasBench201()
    opened: List[JournalStorage] = []

    def new() -> BaseStorage:
        if request.param == "memory":
            storage: BaseStorage = InMemoryStorage()
        else:
            storage = JournalStorage(tmp_path / f"run{len(opened)}")
            storage.open(NB201_IDENTITY)
            opened.append(storage)
        storage.attach(space)
        return storage

    def reopen(storage: BaseStorage) -> Tuple[BaseStorage, list]:
        if isinstance(storage, JournalStorage):
            storage.close()
            again = JournalStorage(storage.folder)
            opened.append(again)
            return again, again.open(NB201_IDENTITY, resume=True)
        return InMemoryStorage(), storage.records()

    yield new, reopen
    for storage in opened:
        storage.close()


def test_create_makes_a_running_trial(backend) -> None:
    new, _ = backend
    storage = new()
    trial = storage.create_trial(A)
    assert (trial.state, trial.number, trial.value, trial.failed, trial.feasible) == (RUNNING, -1, None, False, False)
    assert storage.get_trial(storage.space.key(A)) == trial and storage.get_trial(storage.space.key(B)) is None
    assert storage.get_n_trials() == 1 and storage.get_n_trials([RUNNING]) == 1 and storage.get_n_trials([COMPLETE]) == 0
    assert storage.get_trials([RUNNING]) == [trial] and storage.get_trials([COMPLETE, FAIL]) == []


def test_tell_completes_or_fails_and_numbers_in_told_order(backend) -> None:
    new, _ = backend
    storage = new()
    for arch in (A, B, C):
        storage.create_trial(arch)
    latency = (ConstraintValue("latency", 1.0, 2.0),)
    done = storage.finish_trial(C, 91.5, {"test": 90.0}, latency)
    failed = storage.finish_trial(A, None, {"error": "ValueError: boom"})
    assert (done.number, done.state, done.value, done.info, done.constraints) == (0, COMPLETE, 91.5, {"test": 90.0},
                                                                                  latency)
    assert (failed.number, failed.state, failed.failed, failed.info["error"]) == (1, FAIL, True, "ValueError: boom")
    assert [t.arch for t in storage.get_trials()] == [C, A, B]  # finished in told order, then running
    assert storage.get_trials([RUNNING])[0].arch == B
    assert storage.get_n_trials([COMPLETE]) == 1 and storage.get_n_trials([FAIL]) == 1
    told = storage.finish_trial(D, 3.0)  # told without being asked: created and finished at once
    assert told.number == 2 and storage.get_n_trials() == 4


def test_records_keep_the_order_of_asks_and_tells(backend) -> None:
    new, _ = backend
    storage = new()
    storage.create_trial(A)
    storage.finish_trial(A, 1.0)  # sequential: no ticks written
    storage.create_trial(B)
    storage.create_trial(C)
    storage.finish_trial(C, 2.0)
    storage.finish_trial(D, None, {"error": "x"})  # never asked
    records = storage.records()
    assert [r["state"] for r in records] == ["complete", "complete", "fail", "running"]
    assert "asked" not in records[0] and "told" not in records[0]
    assert (records[1]["asked"], records[1]["told"]) == (3, 4)
    assert (records[2]["asked"], records[2]["told"]) == (None, 5)
    assert (records[3]["asked"], "number" in records[3]) == (2, False)
    assert [s.state for s in read_records(records, storage.space)] == [COMPLETE, COMPLETE, FAIL, RUNNING]


def test_a_resumed_study_continues_as_the_uninterrupted_one(backend) -> None:
    """Asks and tells interleaved (two running at times) and a failure; the records brought back into a
    fresh study give the same trials, the same running ones where kept, and the same next proposals."""
    new, reopen = backend
    objective = lambda arch: None if arch.ops[0] == 1 else float(sum(arch.ops))  # noqa: E731

    def drive(study: Study, steps: str) -> None:  # "a": ask, "t": tell the oldest running
        for step in steps:
            if step == "a":
                study.ask()
            else:
                arch = study.running[0]
                study.tell(arch, objective(arch))

    steps = "ataattaatt" * 2 + "a"  # two running at times; one running at the end
    full = Study(RandomSearch(NasBench201(), seed=5), new())
    drive(full, steps + "t" + "at" * 8)
    part = Study(RandomSearch(NasBench201(), seed=5), new())
    drive(part, steps)
    storage, records = reopen(part.storage)
    resumed = Study(RandomSearch(NasBench201(), seed=5), storage)
    assert resumed.replay(records) == len(records)
    assert [t for t in resumed.trials] == [t for t in part.trials]
    assert any(t.failed for t in resumed.trials) and all(t.info.get("error") for t in resumed.trials if t.failed)
    assert len(part.running) == 1
    if isinstance(storage, JournalStorage):  # a running trial is not journaled: the resumed study asks again
        assert not resumed.running
        resumed.ask()
    assert resumed.running == part.running
    drive(resumed, "t" + "at" * 8)
    assert resumed.trials == full.trials and resumed.storage.records() == full.storage.records()


def test_bad_input_is_refused_with_one_clear_message(backend) -> None:
    new, _ = backend
    storage = new()
    storage.create_trial(A)
    with pytest.raises(ValueError, match="is a trial already \\(running\\); a study records each architecture once"):
        storage.create_trial(A)
    storage.finish_trial(A, 1.0)
    with pytest.raises(ValueError, match="was told already \\(trial 0\\)"):
        storage.finish_trial(A, 2.0)
    with pytest.raises(ValueError, match="is a trial already \\(complete\\)"):
        storage.create_trial(A)
    for bad in (float("nan"), float("inf"), "1.0", True):
        with pytest.raises(ValueError, match="a trial's value is a finite number or None"):
            storage.finish_trial(B, bad)
    with pytest.raises(TypeError, match="a trial's architecture is an Architecture, got tuple"):
        storage.create_trial((0, 0))
    storage.attach(NasBench201())  # the same space: no change
    with pytest.raises(ValueError, match="already holds a study of nasbench201, not nasbench_graph; use one storage"):
        storage.attach(NasBenchGraph())
    with pytest.raises(ValueError, match="the storage holds another study's trials \\(1\\)"):
        Study(RandomSearch(NasBench201()), storage)
    assert [t.arch for t in storage.get_trials()] == [A]  # nothing half-recorded


def test_storage_needs_a_study_and_a_study_a_storage() -> None:
    with pytest.raises(ValueError, match="not attached to a study yet"):
        InMemoryStorage().create_trial(A)
    with pytest.raises(TypeError, match="storage must be a naslib_optiproxy storage"):
        Study(RandomSearch(NasBench201()), storage={})
    with pytest.raises(TypeError, match="Can't instantiate abstract class BaseStorage"):
        BaseStorage()


def test_a_journal_not_replayed_is_never_written_over(tmp_path: Path) -> None:
    """Telling trials into a reopened journal without replaying its records first is refused."""
    storage = JournalStorage(tmp_path / "run")
    storage.open(NB201_IDENTITY)
    study = Study(RandomSearch(NasBench201(), seed=0), storage)
    study.optimize(lambda arch: 1.0, budget=2)
    storage.close()
    before = (tmp_path / "run" / JOURNAL_FILE).read_bytes()
    again = JournalStorage(tmp_path / "run")
    assert len(again.open(NB201_IDENTITY, resume=True)) == 2
    try:
        other = Study(RandomSearch(NasBench201(), seed=1), again)
        with pytest.raises(ValueError, match="holds 2 trials before this one; replay them into the study first"):
            other.tell(other.ask(), 1.0)
    finally:
        again.close()
    assert (tmp_path / "run" / JOURNAL_FILE).read_bytes() == before


# ------------------------------------------------------------------ the journal's own rules


def test_a_second_writer_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    first = JournalStorage(tmp_path / "run")
    first.open(IDENTITY)
    try:
        with pytest.raises(RunLockedError, match=f"another process \\(PID {os.getpid()}\\) is writing the run"):
            JournalStorage(tmp_path / "run").open(IDENTITY, resume=True)
    finally:
        first.close()
    again = JournalStorage(tmp_path / "run")  # released: it can be opened again
    assert again.open(IDENTITY, resume=True) == []
    again.close()


def test_two_processes_on_one_out_one_refuses_and_nothing_is_overwritten(tmp_path: Path) -> None:
    """A run holds the lock for its whole duration; a second run on the same --out exits 2, untouched."""
    out = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from naslib_optiproxy.storage import JournalStorage
        storage = JournalStorage({str(out)!r})
        storage.open({IDENTITY!r})
        storage.journal.append({{"number": 0, "arch": "x", "encoding": [[0], []], "value": 1.0, "info": {{}}}})
        print("locked", flush=True)
        sys.stdin.readline()
        storage.close()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = (out / JOURNAL_FILE).read_bytes()
        for resume in ([], ["--resume"]):
            code = main(["search", "--optimizer", "rs", "--budget", "3", "--no-progress", "--out", str(out), *resume])
            assert code == 2
        assert (out / JOURNAL_FILE).read_bytes() == before
        assert not (out / "result.json").exists()
    finally:
        holder.communicate("\n", timeout=30)


def _graph_run(out: Path, *extra: str) -> int:
    return main(["search", "--search-space", "nasbench_graph", "--optimizer", "rs", "--budget", "4",
                 "--no-progress", "--out", str(out), *extra])


def test_resume_with_a_changed_constraint_is_refused_naming_the_difference(tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    assert _graph_run(out, "--constraint", "latency<=0.01") == 0
    capsys.readouterr()
    assert _graph_run(out, "--budget", "6", "--resume") == 2
    error = capsys.readouterr().err
    assert "cannot resume" in error and "constraint: journal {'metric': 'latency', 'max': 0.01}, this run None" in error
    assert "--constraint" in error
    assert _graph_run(out, "--constraint", "latency<=0.02", "--budget", "6", "--resume") == 2
    assert "'max': 0.02" in capsys.readouterr().err
    assert _graph_run(out, "--constraint", "latency<=0.01", "--budget", "6", "--resume") == 0
    assert len(json.loads((out / "result.json").read_text())["history"]) == 6


def test_resume_with_other_settings_is_refused(tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    (tmp_path / "a.yaml").write_text("search_space: nasbench_graph\nbudget: 12\nsearch: {model_epochs: 3, search_epochs: 2}\n")
    (tmp_path / "b.yaml").write_text("search_space: nasbench_graph\nbudget: 14\nsearch: {model_epochs: 4, search_epochs: 2}\n")
    assert main(["search", "--config", str(tmp_path / "a.yaml"), "--no-progress", "--out", str(out)]) == 0
    assert main(["search", "--config", str(tmp_path / "b.yaml"), "--no-progress", "--out", str(out), "--resume"]) == 2
    assert "search.model_epochs: journal 3, this run 4" in capsys.readouterr().err


def test_the_journal_and_result_never_write_through_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    out = tmp_path / "run"
    out.mkdir()
    for name in ("result.json.tmp", ".result.json.tmp", ".journal.jsonl.tmp", "journal.jsonl.tmp"):
        (out / name).symlink_to(target)
    run_search(get_objective("nasbench_graph", "cora"), "rs", budget=3, folder=out)
    assert target.read_text() == "keep me"
    assert len(json.loads((out / "result.json").read_text())["history"]) == 3


def test_a_symlinked_journal_is_not_appended_to(tmp_path: Path) -> None:
    target = tmp_path / "precious.jsonl"
    out = tmp_path / "run"
    run_search(get_objective("nasbench_graph", "cora"), "rs", budget=2, folder=out)
    target.write_bytes((out / JOURNAL_FILE).read_bytes())
    (out / JOURNAL_FILE).unlink()
    (out / JOURNAL_FILE).symlink_to(target)
    before = target.read_bytes()
    with pytest.raises(ValueError, match="refusing to write the journal .*journal.jsonl: it is a symlink"):
        run_search(get_objective("nasbench_graph", "cora"), "rs", budget=4, folder=out, resume=True)
    assert target.read_bytes() == before
