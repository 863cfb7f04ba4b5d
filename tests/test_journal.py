"""RunJournal: header first, one durable line per record, truncated tail dropped on read."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

import naslib_optiproxy
from naslib_optiproxy._files import jsonable
from naslib_optiproxy.journal import RunJournal


def test_header_then_records(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "journal.jsonl"
    with RunJournal(path) as journal:
        journal.start({"budget": 2})
        journal.append({"number": 0, "value": 1.5})
        journal.append({"number": 1, "value": None})
    lines = path.read_text().splitlines()
    assert json.loads(lines[0]) == {"kind": "header", "version": naslib_optiproxy.__version__,
                                    "config": {"budget": 2}}
    header, records = RunJournal(path).read()
    assert header["config"] == {"budget": 2}
    assert records == [{"kind": "trial", "number": 0, "value": 1.5}, {"kind": "trial", "number": 1, "value": None}]


def test_each_append_is_on_disk_before_returning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    journal = RunJournal(tmp_path / "j.jsonl")
    journal.start()
    before = len(synced)
    journal.append({"number": 0})
    assert len(synced) == before + 1
    # another reader sees the line while the journal is still open
    assert len((tmp_path / "j.jsonl").read_text().splitlines()) == 2
    journal.close()


def test_append_without_start_writes_a_header(tmp_path: Path) -> None:
    journal = RunJournal(tmp_path / "j.jsonl")
    journal.append({"number": 0})
    journal.close()
    header, records = journal.read()
    assert header["kind"] == "header" and len(records) == 1


def test_truncated_last_line_is_dropped_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    with RunJournal(path) as journal:
        journal.start()
        journal.append({"number": 0, "value": 1.0})
    with open(path, "a") as handle:
        handle.write('{"kind":"trial","number":1,"val')
    journal = RunJournal(path)
    with pytest.warns(RuntimeWarning, match="line 3: dropped a truncated last line"):
        header, records = journal.read()
    assert [r["number"] for r in records] == [0]
    assert journal.dropped.startswith('{"kind":"trial","number":1')


def test_corrupt_middle_line_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text('{"kind":"header"}\n{oops\n{"kind":"trial"}\n')
    with pytest.raises(ValueError, match="line 2: not JSON"):
        RunJournal(path).read()
    path.write_text('{"kind":"trial"}\n')
    with pytest.raises(ValueError, match="line 1: expected the journal header"):
        RunJournal(path).read()


def test_values_are_strict_json(tmp_path: Path) -> None:
    assert jsonable({"a": np.float32(0.5), "b": (1, np.int64(2)), "c": math.nan, "d": np.arange(2)}) == {
        "a": 0.5, "b": [1, 2], "c": None, "d": [0, 1]}
    with RunJournal(tmp_path / "j.jsonl") as journal:
        journal.start()
        journal.append({"value": math.inf, "info": {"x": np.float64(2.0)}})
    text = (tmp_path / "j.jsonl").read_text()
    assert "Infinity" not in text and "NaN" not in text
