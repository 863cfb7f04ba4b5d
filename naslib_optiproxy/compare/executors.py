"""Run the jobs that have no result file yet: in local processes or on a Ray cluster.

Every job runs in its own worker process (one torch thread) and writes its result file
atomically as it finishes, so an interrupted comparison resumes by rerunning the same command.
"""

from __future__ import annotations

import multiprocessing as mp
import multiprocessing.pool
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence

from ..threads import policy_threads, set_torch_threads
from .jobs import Job, load_record, run_and_save, with_data

Progress = Callable[[int, int, Job, Dict], None]
#: How often a worker process checks that the comparison that started it is still there (seconds).
ORPHAN_POLL_S = 0.2


def pending(jobs: Sequence[Job], out_dir: str) -> List[Job]:
    """The jobs whose result file does not exist yet; an existing one that is not a result is refused
    (:func:`~naslib_optiproxy.compare.jobs.load_record` names it) before any job runs."""
    todo = []
    for job in jobs:
        path = Path(out_dir) / job.relative_path
        if os.path.lexists(path):
            load_record(path)
        else:
            todo.append(job)
    return todo


_driver: Optional[int] = None  # in a worker: the PID of the comparison that started it


def _worker_init(driver: int) -> None:
    """Workers leave Ctrl-C to the main process, which stops them (no traceback from each worker), and end
    themselves when the main process ``driver`` is gone (killed: its ``finally`` that stops them never ran),
    so no worker outlives the comparison, blocks its rerun's output or runs a job its rerun runs too."""
    global _driver
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _driver = driver

    def watch() -> None:
        while not _orphaned():
            time.sleep(ORPHAN_POLL_S)
        os._exit(1)  # the comparison died; a job file not written yet is run again by its rerun

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


def _orphaned() -> bool:
    return _driver is not None and os.getppid() != _driver


def _process_worker(args) -> tuple:
    job, out_dir, data_dir, threads = args
    os.environ["OMP_NUM_THREADS"] = "1"
    set_torch_threads(threads)  # the submitting process's policy: same runs, same result paths (Job.key)
    record = run_and_save(job, out_dir, data_dir)
    if _orphaned():  # its file is written; nobody is left to hear about it
        os._exit(1)
    return job, record


def _pool_worker(*args) -> None:
    """multiprocessing's pool worker, ending quietly when the comparison's end of the result pipe is gone.

    A comparison killed while a worker finishes a job closes the pipe before the worker can notice it is
    orphaned (the kernel closes a dying process's files before its children are reparented), so sending
    the result raises BrokenPipeError, which multiprocessing would print as a traceback on the terminal
    the comparison shared. The job's file is written; its rerun skips it.
    """
    try:
        multiprocessing.pool.worker(*args)
    except (BrokenPipeError, ConnectionResetError, EOFError):
        os._exit(1)


class _QuietPool(multiprocessing.pool.Pool):
    """A process pool whose workers run :func:`_pool_worker`."""

    @staticmethod
    def Process(ctx, *args, **kwds):  # type: ignore[override]  # the hook Pool builds each worker with
        if kwds.get("target") is multiprocessing.pool.worker:
            kwds["target"] = _pool_worker
        return ctx.Process(*args, **kwds)


def run_in_processes(jobs: Sequence[Job], out_dir: str, data_dir: Optional[str], workers: int,
                     fresh_workers: bool = True) -> Iterable[tuple]:
    """Yield ``(job, record)`` as local worker processes finish.

    ``fresh_workers``: one spawned process per job, so seconds and peak memory are the job's own;
    ``False`` reuses workers (much cheaper for sub-second baselines; ``peak_rss_mb`` is then the
    worker's peak over all its jobs, an upper bound).
    """
    pool = _QuietPool(max(1, workers), initializer=_worker_init, initargs=(os.getpid(),),
                      maxtasksperchild=1 if fresh_workers else None, context=mp.get_context("spawn"))
    try:
        yield from pool.imap_unordered(_process_worker, [(job, out_dir, data_dir, policy_threads()) for job in jobs])
        pool.close()
    finally:
        pool.terminate()  # on Ctrl-C or an error too: no worker outlives the comparison
        pool.join()


def run_on_ray(jobs: Sequence[Job], out_dir: str, data_dir: Optional[str], workers: int,
               address: Optional[str] = None) -> Iterable[tuple]:
    """Yield ``(job, record)`` as Ray tasks finish (one CPU each).

    Uses the running Ray session, else ``ray.init(address=address)`` (``None``: start Ray
    locally with ``workers`` CPUs). Result files are written by the workers into ``out_dir``,
    which must be a shared filesystem on a multi-machine cluster.
    """
    try:
        import ray
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise RuntimeError("--executor ray needs Ray: pip install 'naslib-optiproxy[ray]'") from error
    if not ray.is_initialized():
        kwargs = {"address": address} if address else {"num_cpus": max(1, workers)}
        ray.init(include_dashboard=False, log_to_driver=False, **kwargs)
    remote = ray.remote(num_cpus=1)(_process_worker)
    waiting = [remote.remote((job, out_dir, data_dir, policy_threads())) for job in jobs]
    while waiting:
        done, waiting = ray.wait(waiting, num_returns=1)
        yield ray.get(done[0])


def run_serially(jobs: Sequence[Job], out_dir: str, data_dir: Optional[str], workers: int,
                 fresh_workers: bool = True) -> Iterable[tuple]:
    """Yield ``(job, record)`` running each job in this process (debugging, tiny budgets)."""
    for job in jobs:
        yield job, run_and_save(job, out_dir, data_dir)


EXECUTORS = {"process": run_in_processes, "ray": run_on_ray, "serial": run_serially}


def run_jobs(jobs: Sequence[Job], out_dir: str, executor: str = "process", workers: int = 2,
             data_dir: Optional[str] = None, ray_address: Optional[str] = None,
             progress: Optional[Progress] = None, fresh_workers: bool = True) -> List[Dict]:
    """Run every job without a result file, then return the records of all ``jobs`` in order.

    ``fresh_workers=False`` lets a local worker process run several jobs (see :func:`run_in_processes`).
    Each job's key includes the digest of the tables its task reads (:func:`~naslib_optiproxy.compare.jobs.with_data`).
    """
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; available: {', '.join(EXECUTORS)}")
    given = {id(job): job for job in jobs}
    identified = with_data(jobs, data_dir)  # the tables' digests join each job's key: other data, other file
    caller = {job: given[id(original)] for job, original in zip(identified, jobs)}  # progress shows the caller's
    jobs = identified
    todo = pending(jobs, out_dir)
    if todo:
        kwargs = {"address": ray_address} if executor == "ray" else {"fresh_workers": fresh_workers}
        results = EXECUTORS[executor](todo, out_dir, data_dir, workers, **kwargs)
        try:
            for count, (job, record) in enumerate(results, 1):
                if progress:
                    progress(count, len(todo), caller.get(job, job), record)
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()  # a generator's cleanup (the worker pool) runs now, not at garbage collection
    return [load_record(Path(out_dir) / job.relative_path) for job in jobs]


def print_progress(count: int, total: int, job: Job, record: Dict) -> None:
    """Default progress line on stderr."""
    best = (record.get("best") or {}).get("val")
    best_text = "no feasible" if best is None else f"best {best:.3f}"
    print(f"[{count}/{total}] {job.describe()}: {best_text} in {record['seconds']:.1f} s",
          file=sys.stderr, flush=True)
