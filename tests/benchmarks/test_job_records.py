"""benchmarks/report/job_records.py: job records from compare folders and from compact archives of them."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from benchmarks.report import job_records


def record(task: str, method: str, seed: int) -> dict:
    return {"task": task, "method": method, "seed": seed, "budget": 3, "trajectory": [1.0, 2.0, 2.0],
            "seconds": 1.5, "optimum_val": 2.0, "history": [{"arch": "a", "val": 1.0}] * 3,
            "search_trajectory": [0.5], "proposals": None}


def folder_of(root: Path, records) -> Path:
    for r in records:
        path = root / r["task"].replace("/", "-") / r["method"] / f"seed-{r['seed']}-0a1b.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(r))
    return root


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    return folder_of(tmp_path / "runs", [record("nasbench201/cifar10", m, s) for m in ("smac", "optiproxy")
                                         for s in (1, 0)])


def test_an_archive_keeps_what_the_tables_read_and_drops_the_evaluations(runs: Path, tmp_path: Path) -> None:
    archive = tmp_path / "records" / "peers.jsonl.gz"
    assert job_records.main([str(runs), str(archive)]) == 0
    back = job_records.read_records(archive)
    assert [(r["method"], r["seed"]) for r in back] == [("optiproxy", 0), ("optiproxy", 1), ("smac", 0), ("smac", 1)]
    assert all("history" not in r and "search_trajectory" not in r for r in back)
    assert back[0] == job_records.compact(record("nasbench201/cifar10", "optiproxy", 0))
    first = archive.read_bytes()
    job_records.write_archive(job_records.read_folder(runs)[::-1], archive)
    assert archive.read_bytes() == first  # same records, any order: the same bytes (no timestamp)


def test_the_same_job_twice_is_refused(runs: Path, tmp_path: Path) -> None:
    twice = job_records.read_folder(runs) + job_records.read_folder(runs)[:1]
    with pytest.raises(SystemExit, match=r"error: 1 jobs occur twice .*nasbench201/cifar10, optiproxy, seed 0"):
        job_records.check_once(twice)
    with pytest.raises(SystemExit, match="occur twice"):
        job_records.write_archive(twice, tmp_path / "x.jsonl.gz")


@pytest.mark.parametrize("content, message", [
    (b"not gzip", "cannot read the archive"),
    (gzip.compress(b'{"task": "t"}\n'), "line 1 of .* is not a job record \\(missing method, seed"),
    (gzip.compress(b"[1, 2]\n"), "line 1 of .* is not a job record"),
    (gzip.compress(b""), "the archive .* holds no job records"),
], ids=["not-gzip", "missing-keys", "not-an-object", "empty"])
def test_a_bad_archive_is_one_error_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.jsonl.gz"
    path.write_bytes(content)
    with pytest.raises(SystemExit, match=f"^error: {message}"):
        job_records.read_archive(path)


def test_an_archive_is_read_within_a_bound(runs: Path, tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl.gz"
    job_records.write_archive(job_records.read_folder(runs), path)
    with pytest.raises(SystemExit, match="holds more than 0 MiB"):
        job_records.read_archive(path, max_bytes=100)


def test_the_archive_name_needs_its_suffix(runs: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        job_records.main([str(runs), str(tmp_path / "peers.json")])
    assert not (tmp_path / "peers.json").exists()
