"""The journal storage: one writer per run folder, run identity on resume, no symlink followed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from naslib_optiproxy import get_objective, run_search
from naslib_optiproxy.cli import main
from naslib_optiproxy.storage import JOURNAL_FILE, JournalStorage, RunLockedError

IDENTITY = {"search_space": "nasbench_graph", "dataset": "cora", "optimizer": "rs", "seed": 0, "settings": {}}


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
