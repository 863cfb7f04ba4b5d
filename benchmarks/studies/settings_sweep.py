"""OptiProxy on NAS-Bench-201 (paper Table 1 budgets) with settings overridden on top of the preset.

For judging a speed option against search quality: each run is the Python API
(``Study(OptiProxy(space, OptiProxyConfig.preset(space, dataset, **overrides), seed)).optimize``),
seeds in parallel processes with one torch thread each. Prints, per dataset, the mean ± standard
error of the best val at each checkpoint with the optimum hits, the median queries to the optimum,
the mean CPU seconds of the search and the mean number of fit epochs per run. The numbers in
``docs/performance.md`` come from it.

Example::

    python -m benchmarks.studies.settings_sweep --set fit_tol=0.1 --seeds 0-9 --jobs 2
    python -m benchmarks.studies.settings_sweep --datasets cifar10 --seeds 0-4      # the preset as it is
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from naslib_optiproxy import OptiProxy, OptiProxyConfig, Study
from naslib_optiproxy.compare.suite import parse_seeds
from naslib_optiproxy.compare.summary import queries_to
from naslib_optiproxy.objectives import get_objective

BUDGETS = {"cifar10": (100, [50, 100]), "cifar100": (100, [50, 100]),
           "ImageNet16-120": (280, [50, 100, 170, 200, 280])}


def run_one(job: Tuple[str, int, Dict[str, Any], Optional[int]]) -> Dict[str, Any]:
    dataset, seed, overrides, budget = job
    objective = get_objective("nasbench201", dataset)
    strategy = OptiProxy(objective.space, OptiProxyConfig.preset(objective.space, dataset, False, **overrides), seed=seed)
    study = Study(strategy)
    start = time.process_time()
    study.optimize(objective, budget or BUDGETS[dataset][0])
    best, trajectory = float("-inf"), []
    for trial in study.trials:
        best = max(best, trial.value)
        trajectory.append(best)
    return {"dataset": dataset, "seed": seed, "trajectory": trajectory, "cpu_s": time.process_time() - start,
            "fit_epochs": sum(step.get("fit_epochs", 0) for step in strategy.step_log)}


def summary(runs: List[Dict[str, Any]], optimum: float) -> str:
    length = min(len(r["trajectory"]) for r in runs)
    checkpoints = [n for n in BUDGETS[runs[0]["dataset"]][1] if n <= length]
    cells = []
    for n in checkpoints:
        values = [r["trajectory"][n - 1] for r in runs]
        hits = sum(queries_to(r["trajectory"][:n], optimum) is not None for r in runs)
        error = statistics.stdev(values) / len(values) ** 0.5 if len(values) > 1 else 0.0
        cells.append(f"@{n} {statistics.mean(values):.3f} ± {error:.3f} ({hits} hits)")
    queries = [queries_to(r["trajectory"], optimum) for r in runs]
    median = statistics.median(q if q is not None else float("inf") for q in queries)
    return (" | ".join(cells) + f" | median queries {median:g} | CPU {statistics.mean(r['cpu_s'] for r in runs):.1f} s"
            f" | fit epochs {statistics.mean(r['fit_epochs'] for r in runs):.0f}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a search: key on top of the preset (YAML value), repeatable")
    parser.add_argument("--datasets", default="cifar10,cifar100,ImageNet16-120")
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--budget", type=int, default=None, help="evaluations per run (default: Table 1's)")
    parser.add_argument("--save", type=Path, default=None, help="write the runs here as JSON")
    args = parser.parse_args(argv)
    import yaml

    overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        overrides[key.strip()] = yaml.safe_load(value)
    datasets = [d.strip() for d in args.datasets.split(",")]
    unknown = [d for d in datasets if d not in BUDGETS]
    if unknown:
        parser.error(f"unknown dataset(s) {unknown}; choose from {list(BUDGETS)}")
    jobs = [(d, s, overrides, args.budget) for d in datasets for s in parse_seeds(args.seeds)]
    with multiprocessing.Pool(args.jobs) as pool:
        runs = pool.map(run_one, jobs, chunksize=1)
    print(f"settings on top of the preset: {overrides or 'none'}")
    for dataset in datasets:
        optimum = get_objective("nasbench201", dataset).optimum()[1]
        print(f"{dataset}: {summary([r for r in runs if r['dataset'] == dataset], optimum)}")
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps({"overrides": overrides, "runs": runs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
