"""The paper's Table 4: total training epochs to reach a val accuracy, full- vs low-fidelity search (NB201).

Full fidelity: OptiProxy on NB201's final val (200 epochs per query), the OptiProxy jobs of
the Table 1 suite (``benchmarks/suites/nb201.yaml``; run here when missing). Low fidelity: OptiProxy on
the 12-epoch val (12 epochs per query); every architecture that enters the low-fidelity
top ``k`` is trained in full (200 epochs) and its final val is what counts
(:class:`~naslib_optiproxy.objectives.low_fidelity.LowFidelityObjective`). Promotions never
feed back into the search, so one low-fidelity run is scored for several ``k``.

Epochs to reach a target, two definitions (both reported):

- per seed: total epochs spent when the best full-fidelity val found so far first reaches the
  target; mean and median over the seeds that reach it, and how many do;
- mean curve (the paper's Figure 4 / Table 4 reading): the smallest total epochs E at which the
  mean over seeds of the best full-fidelity val found within E epochs reaches the target
  (a seed's value at E is its best after the last evaluation that fits in E).

Low-fidelity jobs are cached under ``benchmarks/results/low_fidelity/<tag>/``.

    python -m benchmarks.studies.low_fidelity         # three datasets, seeds 0-9
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import statistics
import sys
import time
from typing import Any, Dict, List, Optional, Sequence

from benchmarks import RESULTS, SUITES
from naslib_optiproxy.compare import Job, Method, Task, run_jobs
from naslib_optiproxy.compare.suite import Suite, parse_seeds
from naslib_optiproxy.compare.tasks import parse_value

DATA_DIR: Optional[str] = None  # None: the NB201 and 12-epoch tables bundled with the package
FULL_SUITE = SUITES / "nb201.yaml"  # full-fidelity runs: the Table 1 suite's OptiProxy jobs
FULL_RESULTS = RESULTS / "suites" / "nb201"
TARGETS = {"cifar10": 91.46, "cifar100": 73.49, "ImageNet16-120": 46.65}  # the paper's Table 4 headers
PAPER = {"cifar10": (6000, 3200), "cifar100": (20000, 3500), "ImageNet16-120": (20000, 7250)}
TOP_K = (3, 5, 10, 20)
LOW_BUDGET = 150
PROMOTE_FROM = 10  # after the random initial design (num_init)
PROMOTE_EVERY = 5  # once per OptiProxy step (batch_size of the NB201 defaults)


def run_low_job(job: Dict[str, Any]) -> Dict[str, Any]:
    """One OptiProxy search on the 12-epoch accuracy; keeps the evaluated archs and low-fidelity vals."""
    from naslib_optiproxy import Study, get_objective, make_strategy

    objective = get_objective("nasbench201", job["dataset"], job["data_dir"], fidelity="low")
    strategy = make_strategy("optiproxy", objective.space, job["seed"], job["overrides"], job["dataset"])
    study = Study(strategy)
    cpu = time.process_time()
    study.optimize(objective, job["budget"])
    return {**{k: job[k] for k in ("dataset", "seed", "budget", "overrides")}, "settings": strategy.settings(),
            "archs": [list(t.arch.ops) for t in study.trials], "values": [t.value for t in study.trials],
            "cpu_seconds": time.process_time() - cpu}


def _run_and_save(args) -> Dict[str, Any]:
    job, path = args
    os.environ["OMP_NUM_THREADS"] = "1"
    result = run_low_job(job)
    path.write_text(json.dumps(result))
    return result


def low_runs(datasets: List[str], seeds: List[int], budget: int, tag: str, overrides: Dict[str, Any],
             data_dir: Optional[str], jobs: int) -> List[Dict[str, Any]]:
    folder = RESULTS / "low_fidelity" / tag
    folder.mkdir(parents=True, exist_ok=True)
    all_jobs = [{"dataset": d, "seed": s, "budget": budget, "overrides": overrides, "data_dir": data_dir}
                for d in datasets for s in seeds]
    paths = [folder / f"{j['dataset']}-{j['seed']}.json" for j in all_jobs]
    todo = [(j, p) for j, p in zip(all_jobs, paths) if not p.exists()]
    if todo:
        with mp.get_context("spawn").Pool(jobs, maxtasksperchild=1) as pool:
            for i, r in enumerate(pool.imap_unordered(_run_and_save, todo), 1):
                print(f"[{i}/{len(todo)}] low fidelity {r['dataset']} seed {r['seed']}: {r['cpu_seconds']:.1f} s CPU",
                      file=sys.stderr, flush=True)
    return [json.loads(p.read_text()) for p in paths]


def full_fidelity_runs(datasets: List[str], seeds: List[int], data_dir: Optional[str], jobs: int) -> Dict[str, List[Dict[str, Any]]]:
    """OptiProxy on the final (200-epoch) val: the jobs of the Table 1 suite, run where missing."""
    budgets = {plan.task.dataset: plan.budget for plan in Suite.from_yaml(FULL_SUITE).tasks}
    out: Dict[str, List[Dict[str, Any]]] = {}
    for dataset in datasets:
        full_jobs = [Job(Task("nasbench201", dataset), Method("optiproxy"), seed, budgets[dataset]) for seed in seeds]
        out[dataset] = run_jobs(full_jobs, str(FULL_RESULTS), "process", jobs, {"nasbench201": data_dir})
    return out


def low_curve(run: Dict[str, Any], top_k: int, data_dir: Optional[str], promote_from: int = PROMOTE_FROM,
              promote_every: int = PROMOTE_EVERY) -> Dict[str, List[float]]:
    """``{"epochs", "trajectory"}`` of a cached low-fidelity run, promoting its top ``top_k``."""
    from naslib_optiproxy.objectives.low_fidelity import LowFidelityObjective
    from naslib_optiproxy.strategies import Trial
    from naslib_optiproxy.spaces import Architecture

    objective = LowFidelityObjective(run["dataset"], data_dir, top_k=top_k, promote_from=promote_from,
                                     promote_every=promote_every)
    trials = [Trial(i, Architecture(tuple(a)), v, {}) for i, (a, v) in enumerate(zip(run["archs"], run["values"]))]
    report = objective.report(trials)
    return {"epochs": report["epochs"], "trajectory": report["trajectory"], "promoted": len(report["promoted"])}


def mean_curve_crossing(curves: Sequence[Dict[str, List[float]]], target: float) -> Optional[int]:
    """Smallest total epochs at which the seed-mean of the best full val so far reaches ``target``."""
    for budget in sorted({e for c in curves for e in c["epochs"]}):
        values = []
        for curve in curves:
            fitting = [v for v, e in zip(curve["trajectory"], curve["epochs"]) if e <= budget]
            values.append(fitting[-1] if fitting and not math.isnan(fitting[-1]) else -math.inf)
        if statistics.mean(values) >= target:
            return budget
    return None


def summarise(name: str, curves: List[Dict[str, List[float]]], target: float) -> List[str]:
    from naslib_optiproxy.objectives.low_fidelity import epochs_to_reach

    reached = [e for e in (epochs_to_reach(c["trajectory"], c["epochs"], target) for c in curves) if e is not None]
    final = statistics.mean(c["trajectory"][-1] for c in curves)
    crossing = mean_curve_crossing(curves, target)
    return [name, f"{len(reached)}/{len(curves)}",
            f"{statistics.mean(reached):.0f}" if reached else "-",
            f"{statistics.median(reached):.0f}" if reached else "-",
            "-" if crossing is None else str(crossing),
            f"{final:.2f} after {statistics.mean(c['epochs'][-1] for c in curves):.0f}"]


def epochs_table(datasets: List[str], seeds: List[int], budget: int = LOW_BUDGET, top_k: Sequence[int] = TOP_K,
                 tag: str = "default", overrides: Optional[Dict[str, Any]] = None, data_dir: Optional[str] = DATA_DIR,
                 jobs: int = 2, promote_from: int = PROMOTE_FROM, promote_every: int = PROMOTE_EVERY) -> List[str]:
    """Run the missing jobs; markdown rows of epochs-to-target, full vs low fidelity, per dataset."""
    full = full_fidelity_runs(datasets, seeds, data_dir, jobs)
    low = low_runs(datasets, seeds, budget, tag, overrides or {}, data_dir, jobs)
    header = ["dataset (target)", "search", "seeds reaching", "mean epochs (reaching seeds)", "median",
              "mean-curve crossing", "mean best full val at the end"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for dataset in datasets:
        target = TARGETS[dataset]
        full_curves = [{"epochs": [200 * (i + 1) for i in range(len(r["trajectory"]))], "trajectory": r["trajectory"]}
                       for r in full[dataset]]
        rows = [summarise(f"full fidelity (paper {PAPER[dataset][0]})", full_curves, target)]
        for k in top_k:
            curves = [low_curve(r, k, data_dir, promote_from, promote_every) for r in low if r["dataset"] == dataset]
            promoted = statistics.mean(c["promoted"] for c in curves)
            rows.append(summarise(f"low fidelity, top-{k} promoted ({promoted:.0f} promotions; "
                                  f"paper {PAPER[dataset][1]})", curves, target))
        lines += [f"| {dataset} ({target}) | " + " | ".join(row) + " |" for row in rows]
    return lines


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=list(TARGETS))
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--budget", type=int, default=LOW_BUDGET, help="low-fidelity queries per run")
    parser.add_argument("--top-k", nargs="+", type=int, default=list(TOP_K))
    parser.add_argument("--promote-from", type=int, default=PROMOTE_FROM)
    parser.add_argument("--promote-every", type=int, default=PROMOTE_EVERY)
    parser.add_argument("--data-dir", default=DATA_DIR, help="your own NB201 tables (default: the bundled ones)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="OptiProxy setting overrides")
    parser.add_argument("--tag", default="default")
    args = parser.parse_args(argv)
    seeds = parse_seeds(args.seeds)
    overrides = {kv.split("=", 1)[0]: parse_value(kv.split("=", 1)[1]) for kv in args.set}
    lines = epochs_table(args.datasets, seeds, args.budget, args.top_k, args.tag, overrides, args.data_dir,
                         args.jobs, args.promote_from, args.promote_every)
    print(f"\nTotal training epochs to reach the paper's Table 4 val, NB201, seeds {args.seeds}, "
          f"{args.budget} low-fidelity queries per run, promotions from evaluation {args.promote_from} "
          f"every {args.promote_every}\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
