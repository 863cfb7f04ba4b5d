"""The executors on a tiny budget: process pool, Ray (a local 2-CPU cluster), and resume after a kill."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from naslib_optiproxy.compare import Job, Method, Task, run_jobs
from naslib_optiproxy.compare.jobs import with_data
from naslib_optiproxy.compare.executors import pending

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tiny_jobs(tiny_method):
    """``tiny_jobs(methods=(tiny OptiProxy, rs), seeds=(0, 1), budget=8)``: jobs on cora; OptiProxy steps from 4."""

    def make(methods=(tiny_method(num_init=4, batch_size=2), "rs"), seeds=(0, 1), budget=8):
        task = Task.parse("nasbench_graph/cora")
        return [Job(task, Method.parse(m), s, budget) for m in methods for s in seeds]

    return make


def check_records(records, jobs):
    assert [(r["method"], r["seed"]) for r in records] == [(j.method.name, j.seed) for j in jobs]
    for r in records:
        assert len(r["trajectory"]) == r["budget"] == 8
        assert r["trajectory"] == sorted(r["trajectory"])  # best so far never decreases
        assert r["best"]["val"] == r["trajectory"][-1] and r["optimum_val"] >= r["best"]["val"]


def test_process_executor_runs_two_methods_two_seeds(tmp_path, tiny_jobs):
    jobs = tiny_jobs()
    seen = []
    records = run_jobs(jobs, str(tmp_path), "process", workers=2, progress=lambda *a: seen.append(a[2]))
    check_records(records, jobs)
    assert sorted(seen, key=jobs.index) == jobs and not pending(with_data(jobs), str(tmp_path))
    # same seed, same result: reused workers and the serial executor reproduce the fresh processes' runs
    reused = run_jobs(jobs, str(tmp_path / "reused"), "process", workers=2, fresh_workers=False)
    assert [r["trajectory"] for r in reused] == [r["trajectory"] for r in records]
    again = run_jobs(jobs[:1], str(tmp_path / "again"), "serial")
    assert again[0]["trajectory"] == records[0]["trajectory"]


def test_finished_jobs_are_not_rerun(tmp_path, tiny_jobs):
    jobs = tiny_jobs(methods=("rs",))
    path = tmp_path / with_data(jobs)[0].relative_path  # the key holds the digest of the task's tables
    path.parent.mkdir(parents=True)
    marker = {"task": "nasbench_graph/cora", "method": "rs", "seed": 0, "budget": 8, "trajectory": [0.0] * 8,
              "best": None, "seconds": 0.0, "marker": True}
    path.write_text(json.dumps(marker))
    records = run_jobs(jobs, str(tmp_path), "serial")
    assert records[0]["marker"] is True and "marker" not in records[1]


def test_compare_on_ray_equals_the_local_executor(local_ray, tmp_path, tiny_jobs, tiny_method):
    """``naslib-optiproxy compare --executor ray`` on a local 2-CPU Ray: the same runs as local processes."""
    from naslib_optiproxy.cli import main

    methods = (tiny_method(num_init=4, batch_size=2), "rs")
    args = ["compare", "--tasks", "nasbench_graph/cora", "--optimizers", *methods,
            "--seeds", "0-1", "--budget", "8", "--jobs", "2", "--reuse-workers", "--no-plot"]
    assert main([*args, "--executor", "ray", "--out", str(tmp_path / "ray")]) == 0
    assert main([*args, "--executor", "process", "--out", str(tmp_path / "process")]) == 0
    runs = {executor: {p.relative_to(tmp_path / executor): json.loads(p.read_text())
                       for p in (tmp_path / executor).rglob("seed-*.json")} for executor in ("ray", "process")}
    assert sorted(runs["ray"]) == sorted(runs["process"]) and len(runs["ray"]) == 4
    for path, record in runs["ray"].items():
        local = runs["process"][path]
        assert [(h["arch"], h["val"]) for h in record["history"]] == [(h["arch"], h["val"]) for h in local["history"]]
        assert record["trajectory"] == local["trajectory"] and record["settings"] == local["settings"]
    jobs = with_data(tiny_jobs(methods))  # the file names hold the digest of the task's tables
    check_records([runs["ray"][job.relative_path] for job in jobs], jobs)


def test_unknown_executor(tiny_jobs):
    with pytest.raises(ValueError, match="process"):
        run_jobs(tiny_jobs(), "/nonexistent", "dask")


def test_killed_comparison_completes_on_rerun_without_redoing_finished_jobs(tmp_path, tiny_method):
    out = tmp_path / "cmp"
    # optiproxy jobs run in order, one at a time: the first finishes well before the last
    command = [sys.executable, "-m", "naslib_optiproxy", "compare", "--tasks", "nasbench_graph/cora",
               "--optimizers", tiny_method(num_init=4, batch_size=2),
               "--seeds", "0-3", "--budget", "14", "--jobs", "1", "--out", str(out), "--no-plot"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and not list(out.rglob("seed-*.json")):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the whole group: parent and pool workers
    process.wait()
    finished = {p: p.stat().st_mtime_ns for p in out.rglob("seed-*.json")}
    assert 1 <= len(finished) < 4, "the kill should land after the first job and before the last"
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)
    results = sorted(out.rglob("seed-*.json"))
    assert len(results) == 4
    assert all(p.stat().st_mtime_ns == mtime for p, mtime in finished.items())  # not redone
    assert (out / "summary.md").exists() and (out / "trajectories.csv").exists()


_BROKEN_PIPE_WORKER = """
import multiprocessing as mp, multiprocessing.pool, operator, sys
from naslib_optiproxy.compare import executors
inqueue, outqueue = mp.SimpleQueue(), mp.SimpleQueue()
inqueue.put((0, 0, multiprocessing.pool.mapstar, ((operator.neg, (1,)),), {}))
inqueue.put(None)
outqueue._reader.close()  # the comparison is gone: nobody reads the results any more
worker = executors._pool_worker if sys.argv[1] == "quiet" else multiprocessing.pool.worker
worker(inqueue, outqueue, None, (), None, False)
"""


@pytest.mark.parametrize("worker", ["quiet", "stock"])
def test_a_worker_whose_comparison_is_gone_ends_without_a_traceback(worker: str) -> None:
    # the kernel closes a killed comparison's end of the result pipe before its workers are reparented,
    # so a worker finishing a job then meets a broken pipe: multiprocessing's own worker prints it
    done = subprocess.run([sys.executable, "-c", _BROKEN_PIPE_WORKER, worker], capture_output=True, text=True,
                          timeout=120)
    if worker == "quiet":
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    else:
        assert "BrokenPipeError" in done.stderr
