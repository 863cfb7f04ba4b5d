"""One method's mean best val against the best of RS / RE / LS, per task, at checkpoints.

Reads a comparison's trajectories (``trajectories.csv`` from ``naslib-optiproxy compare``, or the
published ``docs/trajectories.csv.gz`` with ``--suite nasbench_graph``) and prints, per task, the
method's mean ± population std over seeds at each checkpoint, the baselines' means, and the
difference to the best baseline; then how many tasks are at or above it and strictly above it::

    python -m benchmarks.studies.baseline_margin docs/trajectories.csv.gz --suite nasbench_graph
    naslib-optiproxy compare --suite my_graph_suite.yaml --out runs/g
    python -m benchmarks.studies.baseline_margin runs/g/trajectories.csv --method lc5=optiproxy

The NAS-Bench-Graph study (``docs/nasbench_graph_study.md``) asked for OptiProxy at or above the
best baseline at 50 and at 100 evaluations on at least 7 of the 8 datasets, and strictly above on at
least 6. Means are compared to 3 decimals.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Sequence

from benchmarks.report.check_trajectories import read

BASELINES = ("rs", "re", "ls")


def best_at(trajectories: Dict[tuple, List[str]], checkpoints: Sequence[int]) -> Dict[tuple, List[List[float]]]:
    """``(task, method) -> one [best val at each checkpoint] per seed``."""
    out: Dict[tuple, List[List[float]]] = defaultdict(list)
    for (task, method, _seed), values in sorted(trajectories.items()):
        out[(task, method)].append([float(values[min(c, len(values)) - 1]) for c in checkpoints])
    return out


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", type=Path, nargs="+",
                        help="trajectories.csv of comparisons (or docs/trajectories.csv.gz); several are merged")
    parser.add_argument("--suite", default="", help="the suite's name in a published file, e.g. nasbench_graph")
    parser.add_argument("--method", default="optiproxy", help="the method's label in the file")
    parser.add_argument("--checkpoints", default="50,100")
    args = parser.parse_args(list(argv) or None)
    checkpoints = [int(c) for c in args.checkpoints.split(",")]
    trajectories: Dict[tuple, List[str]] = {}
    for path in args.csv:
        trajectories.update(read(path, args.suite))
    runs = best_at(trajectories, checkpoints)
    tasks = sorted({task for task, method in runs if method == args.method})
    if not tasks:
        methods = sorted({method for _task, method in runs})
        print(f"error: no runs of method {args.method!r} in {', '.join(map(str, args.csv))}; "
              f"methods there: {', '.join(methods)}",
              file=sys.stderr)
        return 2
    at_or_above = [0] * len(checkpoints)
    above = [0] * len(checkpoints)
    header = [f"{args.method} @{c}" for c in checkpoints] + [f"{b} @{c}" for b in BASELINES for c in checkpoints]
    print("| task | " + " | ".join(header) + " | difference to the best baseline |")
    print("|---" * (len(header) + 2) + "|")
    for task in tasks:
        means = {m: [statistics.mean(seed[i] for seed in runs[(task, m)]) for i, _ in enumerate(checkpoints)]
                 for m in (args.method, *BASELINES) if (task, m) in runs}
        ours = runs[(task, args.method)]
        cells = [f"{mean:.2f} ± {statistics.pstdev(seed[i] for seed in ours):.2f}"
                 for i, mean in enumerate(means[args.method])]
        cells += [f"{means[b][i]:.2f}" if b in means else "-" for b in BASELINES for i, _ in enumerate(checkpoints)]
        differences = []
        for i, _ in enumerate(checkpoints):
            best = max((means[b][i] for b in BASELINES if b in means), default=None)
            if best is None:
                differences.append("no baseline")
                continue
            difference = round(means[args.method][i] - best, 3)
            at_or_above[i] += difference >= 0
            above[i] += difference > 0
            differences.append(f"{difference:+.2f}")
        print(f"| {task} | " + " | ".join(cells) + " | " + " / ".join(differences) + " |")
    print()
    for i, c in enumerate(checkpoints):
        print(f"@{c}: at or above the best of {'/'.join(BASELINES)} on {at_or_above[i]}/{len(tasks)} tasks, "
              f"strictly above on {above[i]}/{len(tasks)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
