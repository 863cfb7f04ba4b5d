"""SIGKILL and SIGINT at random moments, start-up included, in ``search``, ``compare`` and the NASLib runner.

Each door first runs uninterrupted in a subprocess (the reference, also timing how long a run
takes from ``exec``). Then the same command is started again and again in one folder, each time
signalled at a seeded random moment: half drawn over the whole run time (so start-up is hit as
often as it lasts), half once the run has made progress. Between attempts nothing already
written may change or disappear (the journal only grows; a finished job file is never rewritten;
no NASLib output claims to be finished before it is), and a SIGINT always ends with one line and
exit code 130, never a traceback. Finally the command runs to the end: its history equals the
reference, evaluated once each.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import pytest

from naslib_optiproxy._startup import MESSAGE
from naslib_optiproxy.compare.jobs import load_record

REPO = Path(__file__).resolve().parents[1]
#: The subprocesses get the threads of the in-process runs (tests/conftest.py sets torch to one thread).
ENV = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
#: Signals per door: a handful, seeded (each attempt restarts the interpreter, torch and, for NASLib, NASLib).
KILLS = {"search": 5, "compare": 4, "naslib": 3}
#: The interpreter's own first moments (before the package is imported) are Python's to report: not drawn.
EARLIEST_S = 0.3


def launch(argv: List[str], cwd: Path) -> Tuple[subprocess.Popen, float]:
    process = subprocess.Popen([sys.executable, "-m", "naslib_optiproxy", *argv], cwd=cwd, env=ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return process, time.monotonic()


def reference(argv: List[str], cwd: Path) -> float:
    """Run ``argv`` to the end in a subprocess; its wall time from exec."""
    process, start = launch(argv, cwd)
    _, err = process.communicate(timeout=600)
    assert process.returncode == 0, err.decode()
    return time.monotonic() - start


def signal_at(process: subprocess.Popen, start: float, moment: Callable[[], bool], sig: int) -> Tuple[int, str]:
    """Send ``sig`` once ``moment()`` holds (unless the process ended first); ``(returncode, stderr)``."""
    deadline = start + 300
    while process.poll() is None and not moment() and time.monotonic() < deadline:
        time.sleep(0.005)
    if process.poll() is None:
        process.send_signal(sig)
    _, err = process.communicate(timeout=300)
    return process.returncode, err.decode()


def check_ending(code: int, err: str, sig: int) -> None:
    """Finished (0), killed (-9), or interrupted with one line and 130 (a SIGINT), never a traceback.

    A SIGINT in the interpreter's own start-up, before Python installs its handler (under load this can
    take a few tenths of a second), ends the process by the signal's default action, printing nothing.
    """
    assert "Traceback" not in err, err
    if code == 0:
        return
    if sig == signal.SIGKILL:
        assert code == -signal.SIGKILL, err
    elif code == -signal.SIGINT:
        assert err == "", err
    else:
        assert code == 130, err
        lines = [line for line in err.strip().splitlines() if line]
        assert lines[-1].startswith("interrupted"), err  # one line, after compare's progress lines of finished jobs
        assert all(re.match(r"\[\d+/\d+\] ", line) for line in lines[:-1]), err


def moments(rng: random.Random, wall: float, count: int) -> List[Tuple[str, float, int]]:
    """``count`` (kind, value, signal): ``("time", seconds since exec)`` or ``("progress", fraction)``."""
    plan = []
    for index in range(count):
        sig = rng.choice((signal.SIGKILL, signal.SIGINT))
        plan.append(("time", rng.uniform(EARLIEST_S, wall), sig) if index % 2 == 0
                    else ("progress", rng.uniform(0.2, 0.9), sig))
    return plan


def _complete_lines(path: Path) -> List[str]:
    return path.read_text().split("\n")[1:-1] if path.exists() else []


def test_search_loses_and_repeats_nothing(tmp_path: Path) -> None:
    budget = 24
    argv = ["search", "--search-space", "nasbench201", "--optimizer", "rs", "--budget", str(budget), "--seed", "3",
            "--no-progress"]
    wall = reference([*argv, "--out", "full"], tmp_path)
    full = json.loads((tmp_path / "full" / "result.json").read_text())
    journal = tmp_path / "killed" / "journal.jsonl"
    kept: List[str] = []
    for kind, value, sig in moments(random.Random(11), wall, KILLS["search"]):
        process, start = launch([*argv, "--out", "killed", "--resume"], tmp_path)
        target = int(value * budget)
        moment = ((lambda: time.monotonic() - start >= value) if kind == "time"
                  else (lambda: len(_complete_lines(journal)) >= target))
        check_ending(*signal_at(process, start, moment, sig), sig)
        lines = _complete_lines(journal)
        assert lines[: len(kept)] == kept  # nothing journaled is rewritten or lost
        kept = lines
    process, _ = launch([*argv, "--out", "killed", "--resume"], tmp_path)
    assert process.wait(timeout=600) == 0
    result = json.loads((tmp_path / "killed" / "result.json").read_text())
    assert [h["arch"] for h in result["history"]] == [h["arch"] for h in full["history"]]  # each once, in order
    assert [h["val"] for h in result["history"]] == [h["val"] for h in full["history"]]
    assert len({h["arch"] for h in result["history"]}) == budget


def _children(pid: int) -> List[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc to find the worker processes")
def test_compare_loses_and_repeats_nothing_and_leaves_no_worker(tmp_path: Path) -> None:
    argv = ["compare", "--tasks", "nasbench_graph/cora", "--optimizers", "rs", "re", "--seeds", "0-1", "--budget", "6",
            "--jobs", "2", "--reuse-workers", "--no-plot"]
    wall = reference([*argv, "--out", "full"], tmp_path)
    want = {p.name: load_record(p)["trajectory"] for p in (tmp_path / "full").rglob("seed-*.json")}
    assert len(want) == 4
    seen: Dict[str, str] = {}
    for kind, value, sig in moments(random.Random(12), wall, KILLS["compare"]):
        process, start = launch([*argv, "--out", "killed"], tmp_path)
        target = max(1, int(value * len(want)))
        moment = ((lambda: time.monotonic() - start >= value) if kind == "time"
                  else (lambda: len(list((tmp_path / "killed").rglob("seed-*.json"))) >= target))
        workers: List[int] = []

        def watch() -> bool:
            workers.extend(c for c in _children(process.pid) if c not in workers)
            return moment()

        check_ending(*signal_at(process, start, watch, sig), sig)
        deadline = time.monotonic() + 30  # a killed comparison's workers end themselves
        while any(Path(f"/proc/{w}").exists() for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(Path(f"/proc/{w}").exists() for w in workers), "a worker outlived the comparison"
        for path in (tmp_path / "killed").rglob("seed-*.json"):
            text = path.read_text()
            assert seen.setdefault(path.name, text) == text  # a finished job file is never rewritten
            assert load_record(path)["trajectory"] == want[path.name]
    process, _ = launch([*argv, "--out", "killed"], tmp_path)
    assert process.wait(timeout=600) == 0
    got = {p.name: load_record(p)["trajectory"] for p in (tmp_path / "killed").rglob("seed-*.json")}
    assert got == want  # every job once, equal to the uninterrupted comparison


def _naslib_importable() -> bool:
    return subprocess.run([sys.executable, "-c", "import naslib"], env=ENV, capture_output=True).returncode == 0


@pytest.mark.skipif(not _naslib_importable(), reason="NASLib is not installed (see docs/naslib.md)")
def test_naslib_runner_loses_and_repeats_nothing(tmp_path: Path) -> None:
    epochs = 20
    config = REPO / "naslib_configs" / "nasbench201" / "cifar10" / "optiproxy.yaml"
    argv = ["naslib", "--config-file", str(config), "search.epochs", str(epochs)]
    wall = reference([*argv, "out_dir", "full"], tmp_path)
    folder = Path("nasbench201") / "cifar10" / "optiproxy" / "0"
    want = json.loads((tmp_path / "full" / folder / "errors.json").read_text())[1]["valid_acc"]
    out = tmp_path / "killed" / folder
    for kind, value, sig in moments(random.Random(13), wall, KILLS["naslib"]):
        process, start = launch([*argv, "out_dir", "killed"], tmp_path)
        moment = ((lambda: time.monotonic() - start >= value) if kind == "time"
                  else (lambda: (out / "search").is_dir()
                        and any(p.name == "errors.json" for p in out.glob(".naslib-*/errors.json"))))
        code, err = signal_at(process, start, moment, sig)
        check_ending(code, err, sig)
        if (out / "optiproxy_summary.json").exists():  # only a run that completed looks finished
            assert json.loads((out / "errors.json").read_text())[1]["valid_acc"] == want
            assert code == 0 or "after the NASLib run finished" in err or sig == signal.SIGKILL, err
            break
    if not (out / "optiproxy_summary.json").exists():
        process, _ = launch([*argv, "out_dir", "killed"], tmp_path)
        assert process.wait(timeout=600) == 0
    assert json.loads((out / "errors.json").read_text())[1]["valid_acc"] == want  # each epoch once
    assert not list(out.glob(".naslib-*"))  # no private folder left behind
    assert (out / "log.log").read_text().count("Beginning search") == 1  # one run's log, not two appended


def test_sigint_while_starting_up_is_one_line(tmp_path: Path) -> None:
    rng = random.Random(14)
    for _ in range(3):
        process, start = launch(["search", "--optimizer", "rs", "--budget", "3", "--no-progress", "--out", "run"],
                                tmp_path)
        at = rng.uniform(0.4, 1.4)  # importing torch: before any command code runs
        code, err = signal_at(process, start, lambda: time.monotonic() - start >= at, signal.SIGINT)
        assert code == 130 and "Traceback" not in err and len(err.strip().splitlines()) == 1, (at, err)
        # still importing (MESSAGE), or just past it: the command's own one line; no evaluation was made either way
        assert err == MESSAGE.decode() or err.strip().startswith("interrupted before the first evaluation"), err
        assert not (tmp_path / "run" / "journal.jsonl").exists()
