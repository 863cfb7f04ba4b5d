"""Head-to-head comparisons: every (method, task, seed) as an independent, cached job.

Example:
    >>> from naslib_optiproxy.compare import Job, Method, Task
    >>> job = Job(Task.parse("nasbench_graph/cora"), Method.parse("rs"), seed=0, budget=5)
    >>> job.relative_path.as_posix()
    'nasbench_graph-cora/rs/seed-0.json'
"""

from .executors import EXECUTORS, run_jobs
from .jobs import Job, run_job
from .methods import Method
from .summary import load_results, markdown_table, plot_trajectories, write_trajectories_csv
from .tasks import Task

__all__ = [
    "EXECUTORS", "Job", "Method", "Task", "load_results", "markdown_table", "plot_trajectories", "run_job",
    "run_jobs", "write_trajectories_csv",
]
