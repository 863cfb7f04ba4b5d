"""The speed goals: whole CLI runs timed against a fixed reference workload, back to back.

Absolute seconds on shared machines drift by 2-3x from day to day; the ratio to a fixed
workload timed right next to the run drifts much less. For every goal and every repeat this
script runs, each in a fresh process and one after another: the yardstick
(``../shared/tools/yardstick.py``, or ``--yardstick``), then ``naslib-optiproxy search`` from
this checkout (interpreter start to exit, imports and table loading included), then the same
command from ``--other`` checkouts if given (e.g. the previous commit, for a before/after in
one run). It prints each goal's median wall times, the median of the per-repeat ratios, the
search's own seconds (``result.json``), the peak resident memory, and whether the goal is met.

Example (the numbers in docs/results.md and docs/performance.md)::

    python -m benchmarks.timing.goals --repeats 3 --other /path/to/previous/checkout --save benchmarks/results/timing.json
    python -m benchmarks.timing.goals --goals nb201-cifar10 --repeats 1     # one goal, once

Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional

from benchmarks import ROOT

YARDSTICK = ROOT.parent / "shared" / "tools" / "yardstick.py"

CHILD = """
import json, resource, sys
from naslib_optiproxy.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


class Goal(NamedTuple):
    args: List[str]  # arguments of `naslib-optiproxy search`
    max_ratio: float  # wall time / yardstick wall time
    max_rss_mb: Optional[float] = None


NB201 = ["--search-space", "nasbench201", "--seed", "0"]
GOALS: Dict[str, Goal] = {
    "nb201-cifar10": Goal([*NB201, "--dataset", "cifar10", "--budget", "100"], 0.5, 400),
    "nb201-cifar100": Goal([*NB201, "--dataset", "cifar100", "--budget", "100"], 0.5, 400),
    "nb201-imagenet16": Goal([*NB201, "--dataset", "ImageNet16-120", "--budget", "280"], 3.0),
    "nb301": Goal(["--search-space", "nasbench301", "--seed", "0", "--budget", "100"], 1.5),
    "hw-nas-bench": Goal([*NB201, "--dataset", "ImageNet16-120", "--constraint", "edgegpu_latency<=2",
                          "--budget", "200"], 1.0),
}


class Run(NamedTuple):
    wall_s: float
    search_s: float
    peak_rss_mb: float
    best_val: float


def time_yardstick(path: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, str(path)], check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def time_search(args: List[str], checkout: Path) -> Run:
    """One ``naslib-optiproxy search`` of ``checkout`` in a fresh process (its own folder first on the path)."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", CHILD, "search", *args, "--no-progress", "--out", out],
                              capture_output=True, text=True, env=env, cwd=out)
        wall = time.perf_counter() - start
        if proc.returncode:
            raise SystemExit(f"{checkout}: search {' '.join(args)} failed:\n{proc.stderr[-2000:]}")
        child = json.loads(proc.stdout.strip().splitlines()[-1])
        result = json.loads((Path(out) / "result.json").read_text())
    return Run(wall, result["seconds"], child["peak_rss_mb"], result["best"]["val"])


def summarise(name: str, goal: Goal, label: str, yardsticks: List[float], runs: List[Run]) -> Dict[str, object]:
    ratios = [r.wall_s / y for r, y in zip(runs, yardsticks)]
    ratio, peak = statistics.median(ratios), max(r.peak_rss_mb for r in runs)
    met = ratio <= goal.max_ratio and (goal.max_rss_mb is None or peak <= goal.max_rss_mb)
    rss_goal = f" (goal <= {goal.max_rss_mb:.0f})" if goal.max_rss_mb else ""
    print(f"{name} [{label}]: wall {statistics.median(r.wall_s for r in runs):.2f} s, yardstick "
          f"{statistics.median(yardsticks):.2f} s, ratio {ratio:.2f} (goal <= {goal.max_ratio}), search "
          f"{statistics.median(r.search_s for r in runs):.2f} s, peak RSS {peak:.0f} MB{rss_goal}, best val "
          f"{runs[0].best_val:.3f}: {'met' if met else 'NOT met'}", flush=True)
    return {"goal": name, "checkout": label, "repeats": len(runs), "command": "naslib-optiproxy search " + " ".join(goal.args),
            "max_ratio": goal.max_ratio, "max_rss_mb": goal.max_rss_mb, "yardstick_s": yardsticks,
            "wall_s": [r.wall_s for r in runs], "search_s": [r.search_s for r in runs],
            "peak_rss_mb": [r.peak_rss_mb for r in runs], "best_val": [r.best_val for r in runs],
            "ratios": ratios, "median_ratio": ratio, "met": met}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--goals", default=",".join(GOALS), help=f"comma-separated, of: {', '.join(GOALS)}")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--other", action="append", default=[], metavar="CHECKOUT",
                        help="also time this checkout's CLI in every repeat (before/after)")
    parser.add_argument("--yardstick", type=Path, default=YARDSTICK)
    parser.add_argument("--save", type=Path, default=None, help="write every measurement here as JSON")
    parser.add_argument("--append", action="store_true", help="add to the records already in --save")
    args = parser.parse_args(argv)
    names = [g.strip() for g in args.goals.split(",") if g.strip()]
    unknown = [g for g in names if g not in GOALS]
    if unknown:
        parser.error(f"unknown goal(s) {unknown}; choose from {list(GOALS)}")
    if not args.yardstick.is_file():
        parser.error(f"no yardstick at {args.yardstick}: it is ../shared/tools/yardstick.py beside the checkout; "
                     f"pass its path with --yardstick")
    checkouts = {"this": ROOT, **{f"other:{Path(o).resolve().name}": Path(o).resolve() for o in args.other}}
    records = []
    for name in names:
        goal = GOALS[name]
        yardsticks: List[float] = []
        runs: Dict[str, List[Run]] = {label: [] for label in checkouts}
        for _ in range(args.repeats):
            yardsticks.append(time_yardstick(args.yardstick))
            for label, checkout in checkouts.items():
                runs[label].append(time_search(goal.args, checkout))
        for label in checkouts:
            records.append(summarise(name, goal, label, yardsticks, runs[label]))
    if args.save:
        if args.append and args.save.exists():
            records = json.loads(args.save.read_text())["records"] + records
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps({"checkouts": {k: str(v) for k, v in checkouts.items()},
                                         "python": sys.version.split()[0], "records": records}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
