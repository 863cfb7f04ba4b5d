"""``naslib-optiproxy compare``: run a suite of jobs, then write the CSV, tables and plot."""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from .._files import write_atomic
from .._lock import FolderLock
from .._text import WholeNamesHelpFormatter
from ..run import DEFAULT_BUDGET
from ..strategies import PEERS
from .executors import EXECUTORS, print_progress, run_jobs
from .jobs import DataDir
from .suite import Suite, default_checkpoints
from ..pareto import parse_criteria
from .summary import SPREADS, front_table, load_results, markdown_table, plot_trajectories, write_trajectories_csv

CSV_FILE = "trajectories.csv"
TABLE_FILE = "summary.md"
PLOT_FILE = "best_so_far.png"
#: What a comparison without --suite runs where a flag is not given.
RUN_DEFAULTS = {"tasks": ["nasbench_graph/cora"], "optimizers": ["optiproxy", "rs", "re", "ls"], "seeds": "0-9",
                "budget": DEFAULT_BUDGET}
#: The flags a suite file replaces.
SUITE_FLAGS = (*RUN_DEFAULTS, "checkpoints")


def add_compare_parser(commands) -> argparse.ArgumentParser:
    """Register the ``compare`` subcommand on an argparse subparsers object."""
    parser = commands.add_parser(
        "compare", help="every method x task x seed, cached per job; CSV, markdown table, plot",
        description="Run every (method, task, seed) as an independent job. Jobs with a result file "
                    "in --out are skipped, so rerunning an interrupted comparison completes it.",
        formatter_class=WholeNamesHelpFormatter)
    parser.add_argument("--suite", metavar="FILE.yaml", help="tasks, methods, seeds and budgets from a file")
    parser.add_argument("--tasks", nargs="+", default=None, metavar="TASK",
                        help="space[/dataset][:key=value,...], e.g. nasbench201/cifar10 "
                             f"(default: {' '.join(RUN_DEFAULTS['tasks'])})")
    parser.add_argument("--optimizers", nargs="+", default=None, metavar="METHOD",
                        help="[label=]optimizer[key=value,...], e.g. optiproxy rs one-group=optiproxy[num_groups=1] "
                             f"(default: {' '.join(RUN_DEFAULTS['optimizers'])}); "
                             f"the peer optimizers {', '.join(PEERS)} (pip install 'naslib-optiproxy[peers]', "
                             "HEBO apart: docs/peers.md); with NASLib importable, naslib:<optimizer>, e.g. "
                             "naslib:bananas naslib:npenas")
    parser.add_argument("--objectives", metavar="METRIC[:max|min],...",
                        help="every task searches the Pareto front of these metrics, e.g. val,edgegpu_latency:min "
                             "(methods: optiproxy, rs, nsga2, motpe, limits); the table then gives the share of the "
                             "true front's hypervolume and IGD")
    parser.add_argument("--seeds", default=None, help=f"e.g. 0-9 or 0,3,5 (default: {RUN_DEFAULTS['seeds']})")
    parser.add_argument("--budget", type=int, default=None, help=f"evaluations per run (default: {RUN_DEFAULTS['budget']})")
    parser.add_argument("--checkpoints", default=None, help="evaluation counts in the table, e.g. 25,50,100")
    parser.add_argument("--spread", choices=list(SPREADS), default="std",
                        help="after ± in the table: std over seeds (default) or se, the standard error of the mean")
    parser.add_argument("--jobs", type=int, default=2, help="parallel workers (default: 2)")
    parser.add_argument("--executor", choices=list(EXECUTORS), default="process",
                        help="process: local worker processes; ray: Ray tasks (ray.init locally or --ray-address)")
    parser.add_argument("--ray-address", default=None, help="address of an existing Ray cluster, e.g. auto")
    parser.add_argument("--data-dir", nargs="+", default=None, metavar="[SPACE=]DIR",
                        help="folder with the benchmark tables, or one SPACE=DIR per search space, e.g. "
                             "nasbench201=data/nb201 nasbench301=data/nb301")
    parser.add_argument("--out", default="runs/compare", help="results folder (default: runs/compare)")
    parser.add_argument("--reuse-workers", action="store_true",
                        help="let a worker process run several jobs (cheap baselines; peak memory is then "
                             "per worker, not per job)")
    parser.add_argument("--no-plot", action="store_true", help="skip the PNG (no matplotlib needed)")
    return parser


def parse_data_dir(values: Optional[Sequence[str]]) -> DataDir:
    """``[DIR]`` -> ``DIR``; ``[SPACE=DIR, ...]`` -> ``{SPACE: DIR}``."""
    if not values:
        return None
    if len(values) == 1 and "=" not in values[0]:
        return values[0]
    pairs = [v.partition("=") for v in values]
    if any(not sep or not space for space, sep, _ in pairs):
        raise ValueError(f"--data-dir: give one DIR, or SPACE=DIR for each search space; got {list(values)}")
    return {space: folder for space, _, folder in pairs}


def build_suite(args: argparse.Namespace) -> Suite:
    """The suite of ``--suite FILE``, or of ``--tasks``/``--optimizers``/``--seeds``/``--budget``/``--checkpoints``
    (their defaults where not given); both at once is refused (the file's would silently win)."""
    data_dir = parse_data_dir(args.data_dir)
    if args.suite:
        given = [f"--{name}" for name in SUITE_FLAGS if getattr(args, name) is not None]
        if given:
            raise ValueError(f"--suite takes the tasks, methods, seeds, budgets and checkpoints from {args.suite}, "
                             f"so {' '.join(given)} would be ignored; drop {'it' if len(given) == 1 else 'them'} "
                             f"or edit the suite file")
        suite = Suite.from_yaml(args.suite)
        if data_dir:
            suite.data_dir = data_dir
    else:
        checkpoints = [int(c) for c in args.checkpoints.split(",")] if args.checkpoints else None
        run = {name: default if getattr(args, name) is None else getattr(args, name)
               for name, default in RUN_DEFAULTS.items()}
        suite = Suite.from_args(run["tasks"], run["optimizers"], run["seeds"], run["budget"], checkpoints, data_dir)
    if getattr(args, "objectives", None):
        criteria = parse_criteria(args.objectives)
        suite.tasks = [replace(plan, task=plan.task.with_objectives(criteria)) for plan in suite.tasks]
    return suite


def write_outputs(suite: Suite, records: List[Dict], out: Path, plot: bool = True, spread: str = "std") -> List[Path]:
    """``trajectories.csv``, ``summary.md`` and (with matplotlib) ``best_so_far.png`` in ``out``, each written
    atomically (a link planted at its name is replaced, never written through).

    ``spread``: what follows ``±`` in ``summary.md`` (:data:`~naslib_optiproxy.compare.summary.SPREADS`).
    """
    write_trajectories_csv(records, out / CSV_FILE)
    grouped = load_results(records)
    lines = [f"# Comparison: {len(suite.methods)} methods x {len(suite.tasks)} tasks x seeds "
             f"{suite.seeds[0]}-{suite.seeds[-1]}", "",
             f"Best val (%) found so far, mean ± {SPREADS[spread]}.", ""]
    for plan in suite.tasks:
        methods = grouped.get(plan.task.name, {})
        optimum = next((r["optimum_val"] for runs in methods.values() for r in runs if r.get("optimum_val")), None)
        known = f" (global optimum val {optimum:.3f})" if optimum is not None else ""
        lines += [f"## {plan.task.name}{known}, budget {plan.budget}", ""]
        checkpoints = plan.checkpoints or default_checkpoints(plan.budget)
        if plan.task.criteria is not None:
            lines += [f"Share of the true front's hypervolume (higher is better) and IGD (lower is better), "
                      f"mean ± {SPREADS[spread]}.", ""]
            lines += front_table(methods, checkpoints, spread) + [""]
        else:
            lines += markdown_table(methods, checkpoints, spread) + [""]
    write_atomic(out / TABLE_FILE, "\n".join(lines).encode("utf-8"))
    written = [out / CSV_FILE, out / TABLE_FILE]
    if plot:
        written.append(plot_trajectories(grouped, out / PLOT_FILE))
    return written


def can_plot() -> bool:
    """Whether matplotlib is installed (the plot is optional: ``naslib-optiproxy[plot]``)."""
    return importlib.util.find_spec("matplotlib") is not None


def run_compare(args: argparse.Namespace) -> int:
    """Run the comparison described by ``args``; returns the exit code.

    One process writes an output folder at a time (its ``.lock``, as ``search``'s run folder).
    """
    plot = not args.no_plot and can_plot()
    if not args.no_plot and not plot:
        print(f"note: matplotlib is not installed, so no {PLOT_FILE} (pip install 'naslib-optiproxy[plot]'; "
              f"--no-plot silences this)", file=sys.stderr)
    try:
        suite = build_suite(args)
        suite.check()
        out = Path(args.out)
        jobs = suite.jobs()
        start = time.time()
        with FolderLock(out, "the comparison", "choose another --out"):
            records = run_jobs(jobs, str(out), args.executor, args.jobs, suite.data_dir, args.ray_address,
                               progress=print_progress, fresh_workers=not args.reuse_workers)
            written = write_outputs(suite, records, out, plot=plot, spread=args.spread)
    except OSError as error:  # a full disk, a folder that cannot be made: name the path
        where = f" {error.filename}" if error.filename else ""
        print(f"error: cannot use{where}: {error.strerror or error}", file=sys.stderr)
        return 2
    except (ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\ninterrupted; the finished jobs are kept in {args.out}; rerun the same command to complete "
              f"the comparison (finished jobs are not run again)", file=sys.stderr)
        return 130
    print((out / TABLE_FILE).read_text(encoding="utf-8"))
    print(f"{len(jobs)} jobs in {time.time() - start:.0f} s; wrote " + ", ".join(str(p) for p in written),
          file=sys.stderr)
    return 0

