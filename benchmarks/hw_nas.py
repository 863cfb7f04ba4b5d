"""The paper's Table 3: latency-constrained search on HW-NAS-Bench (NB201, ImageNet16-120), seeds 0-9.

Every (setting, optimizer, seed) is one job in a fresh process with one torch thread; a
finished job is cached as JSON under ``benchmarks/results/hw_nas/<tag>/`` and skipped on
reruns. One 200-evaluation run gives both columns: the best *feasible* val after 100
evaluations (vs AG-Net's published 200-query numbers) and after 200 (vs the paper's
OptiProxy column). Every best architecture is re-checked against the true latency.

Examples::

    python benchmarks/hw_nas.py                       # 12 settings x OptiProxy x seeds 0-9
    python benchmarks/hw_nas.py --optimizers optiproxy rs re ls --settings edgegpu_latency:2
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from compare import parse_seeds, parse_value  # noqa: E402  (the shared helpers of benchmarks/compare.py)

DATA_DIR = str(ROOT.parent / "shared" / "benchmarks" / "nasbench201")
DATASET = "ImageNet16-120"
# Table 3 of the paper: (metric, limit) -> (OptiProxy-NAS @200, OptiProxy-NAS @100, AG-Net @200, Optimum).
PAPER = {
    ("edgegpu_latency", 2): (40.54, 40.12, 39.70, 40.60),
    ("edgegpu_latency", 4): (44.56, 44.15, 42.80, 44.80),
    ("edgegpu_latency", 6): (46.02, 45.65, 45.30, 46.40),
    ("raspi4_latency", 2): (34.98, 34.91, 34.60, 35.47),
    ("raspi4_latency", 4): (43.36, 43.19, 42.00, 43.63),
    ("raspi4_latency", 6): (44.75, 44.69, 44.00, 45.17),
    ("edgetpu_latency", 1): (46.55, 46.52, 46.40, 46.77),
    ("pixel3_latency", 2): (41.10, 41.04, 40.90, 41.30),
    ("pixel3_latency", 4): (45.86, 45.46, 45.30, 45.97),
    ("pixel3_latency", 6): (46.19, 45.97, 45.70, 46.48),
    ("eyeriss_latency", 1): (45.03, 44.83, 44.50, 45.16),
    ("fpga_latency", 1): (44.03, 43.85, 43.30, 44.37),
}
BUDGET = 200


def run_job(job: Dict[str, Any]) -> Dict[str, Any]:
    """One constrained search in this (fresh) process."""
    import torch

    torch.set_num_threads(1)
    from naslib_optiproxy import get_objective, make_optimizer
    from naslib_optiproxy.defaults import default_search_config

    constraint = f"{job['metric']}<={job['limit']}"
    objective = get_objective("nasbench201", DATASET, job["data_dir"], constraint=constraint)
    settings = None
    if job["optimizer"] == "optiproxy":
        settings = {**default_search_config("hw_nas_bench", DATASET), **job["overrides"]}
    optimizer = make_optimizer(job["optimizer"], objective.space, job["seed"], settings)
    start, cpu = time.perf_counter(), time.process_time()
    best = optimizer.optimize(objective, job["budget"])
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    true_latency = None if best is None else objective(best.arch).info[job["metric"]]
    return {
        **{k: job[k] for k in ("metric", "limit", "optimizer", "seed", "budget", "overrides")},
        "settings": settings,
        "trajectory": optimizer.trajectory(),
        "best_arch": None if best is None else objective.space.to_string(best.arch),
        "best_val": None if best is None else best.value,
        "best_latency": true_latency,
        "best_feasible": None if best is None else true_latency <= job["limit"],
        "feasible_evaluations": sum(t.feasible for t in optimizer.trials),
        "penalty_weights": [s.get("penalty_weight") for s in getattr(optimizer, "step_log", [])],
        "optimum": objective.optimum()[1],
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
    }


def _run_and_save(args) -> Dict[str, Any]:
    job, path = args
    os.environ["OMP_NUM_THREADS"] = "1"
    result = run_job(job)
    path.write_text(json.dumps(result))
    return result


def run(settings: List[tuple], optimizers: List[str], seeds: List[int], tag: str, overrides: Dict[str, Any],
        data_dir: str, budget: int, jobs: int) -> List[Dict[str, Any]]:
    folder = HERE / "results" / "hw_nas" / tag
    folder.mkdir(parents=True, exist_ok=True)
    all_jobs = [{"metric": m, "limit": limit, "optimizer": o, "seed": s, "budget": budget, "data_dir": data_dir,
                 "overrides": overrides if o == "optiproxy" else {}}
                for (m, limit) in settings for o in optimizers for s in seeds]
    paths = [folder / f"{j['metric']}-{j['limit']}-{j['optimizer']}-{j['seed']}.json" for j in all_jobs]
    todo = [(j, p) for j, p in zip(all_jobs, paths) if not p.exists()]
    if todo:
        with mp.get_context("spawn").Pool(jobs, maxtasksperchild=1) as pool:
            for i, r in enumerate(pool.imap_unordered(_run_and_save, todo), 1):
                print(f"[{i}/{len(todo)}] {r['metric']}<={r['limit']} {r['optimizer']} seed {r['seed']}: "
                      f"@100 {r['trajectory'][99]:.2f} @{budget} {r['trajectory'][-1]:.2f} "
                      f"({r['cpu_seconds']:.1f} s CPU, {r['seconds']:.1f} s wall)", file=sys.stderr, flush=True)
    return [json.loads(p.read_text()) for p in paths]


def table(results: List[Dict[str, Any]], settings: List[tuple], optimizers: List[str]) -> List[str]:
    """Markdown: per setting, mean ± std best feasible val at 100 and 200 evaluations vs the paper."""
    header = ["device", "limit (ms)", "optimizer", "@100 (ours)", "AG-Net @200", "@200 (ours)", "paper OptiProxy @200",
              "optimum", "best feasible", "CPU s/run"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    wins = {o: [0, 0] for o in optimizers}
    for metric, limit in settings:
        ours_200, ours_100, agnet, optimum = PAPER[(metric, limit)]
        for optimizer in optimizers:
            runs = [r for r in results if (r["metric"], r["limit"], r["optimizer"]) == (metric, limit, optimizer)]
            if not runs:
                continue
            at = {c: [r["trajectory"][c - 1] for r in runs] for c in (100, 200)}
            mean100, mean200 = statistics.mean(at[100]), statistics.mean(at[200])
            wins[optimizer][0] += mean100 >= agnet
            wins[optimizer][1] += mean200 >= ours_200
            feasible = sum(bool(r["best_feasible"]) for r in runs)
            lines.append("| " + " | ".join([
                metric.split("_")[0], f"{limit}", optimizer,
                f"{mean100:.2f} ± {statistics.pstdev(at[100]):.2f}", f"{agnet:.2f}",
                f"{mean200:.2f} ± {statistics.pstdev(at[200]):.2f}", f"{ours_200:.2f}", f"{runs[0]['optimum']:.2f}",
                f"{feasible}/{len(runs)}", f"{statistics.mean(r['cpu_seconds'] for r in runs):.1f}"]) + " |")
    lines.append("")
    for optimizer, (w100, w200) in wins.items():
        lines.append(f"{optimizer}: @100 >= AG-Net in {w100}/{len(settings)}; @200 >= paper OptiProxy in "
                     f"{w200}/{len(settings)}")
    return lines


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--settings", nargs="+", default=None, metavar="METRIC:LIMIT",
                        help="default: the 12 settings of the paper's Table 3")
    parser.add_argument("--optimizers", nargs="+", default=["optiproxy"], choices=["optiproxy", "rs", "re", "ls"])
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--budget", type=int, default=BUDGET)
    parser.add_argument("--data-dir", default=DATA_DIR)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="OptiProxy setting overrides")
    parser.add_argument("--tag", default="default")
    args = parser.parse_args(argv)
    settings = list(PAPER) if args.settings is None else [
        (s.split(":")[0], parse_value(s.split(":")[1])) for s in args.settings]
    overrides = {kv.split("=", 1)[0]: parse_value(kv.split("=", 1)[1]) for kv in args.set}
    results = run(settings, args.optimizers, parse_seeds(args.seeds), args.tag, overrides, args.data_dir,
                  args.budget, args.jobs)
    print(f"\nHW-NAS-Bench, NB201 {DATASET}, best feasible val, seeds {args.seeds}, tag {args.tag}\n")
    print("\n".join(table(results, settings, args.optimizers)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
