"""NAS-Bench-201 benchmark: OptiProxy vs RS, RE, LS over seeds, in parallel processes.

Every (dataset, optimizer, seed) is one job in a fresh process (one torch thread), so
seconds and peak memory are per run. Results are cached per job as JSON; rerunning
skips finished jobs. Writes a markdown report (``--report``).

Example (the numbers in docs/results.md)::

    python benchmarks/nb201.py --data-dir ../shared/benchmarks/nasbench201 \\
        --seeds 0-9 --jobs 2 --report docs/results.md

Tuning a setting (results go to their own folder, report to stdout)::

    python benchmarks/nb201.py --data-dir ../shared/benchmarks/nasbench201 \\
        --optimizers optiproxy --set model_epochs=150 --tag epochs150
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

BUDGETS = {"cifar10": 100, "cifar100": 100, "ImageNet16-120": 280}
CHECKPOINTS = {"cifar10": (50, 100), "cifar100": (50, 100), "ImageNet16-120": (50, 100, 200, 280)}


def parse_seeds(text: str) -> List[int]:
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(s) for s in text.split(",")]


def parse_value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False, "null": None}.get(text.lower(), text)


def run_job(job: Dict[str, Any]) -> Dict[str, Any]:
    """One search in this (fresh) process; returns the trajectory and costs."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    torch.set_num_threads(1)
    from naslib_optiproxy import get_objective, make_optimizer
    from naslib_optiproxy.defaults import default_search_config

    objective = get_objective("nasbench201", job["dataset"], job["data_dir"])
    settings = None
    if job["optimizer"] == "optiproxy":
        settings = {**default_search_config("nasbench201", job["dataset"]), **job["overrides"]}
    optimizer = make_optimizer(job["optimizer"], objective.space, job["seed"], settings)
    start = time.perf_counter()
    best = optimizer.optimize(objective, job["budget"])
    seconds = time.perf_counter() - start
    return {
        **{k: job[k] for k in ("dataset", "optimizer", "seed", "budget", "overrides")},
        "trajectory": optimizer.trajectory(),
        "best_arch": objective.space.to_string(best.arch),
        "best_val": best.value,
        "best_test": best.info.get("test"),
        "seconds": seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def job_path(out: Path, job: Dict[str, Any]) -> Path:
    return out / f"{job['dataset']}-{job['optimizer']}-{job['seed']}.json"


def _run_and_save(args) -> Dict[str, Any]:
    job, path = args
    result = run_job(job)
    path.write_text(json.dumps(result))
    return result


def summarize(results: List[Dict[str, Any]], optima: Dict[str, float]) -> str:
    """Markdown table: mean +- std best val at checkpoints, test, optimum hits, costs."""
    lines = []
    for dataset in BUDGETS:
        rows = [r for r in results if r["dataset"] == dataset]
        if not rows:
            continue
        checkpoints = [c for c in CHECKPOINTS[dataset] if c <= max(r["budget"] for r in rows)]
        lines.append(f"\n### {dataset} (global optimum val {optima[dataset]:.3f})\n")
        header = ["method", "seeds"] + [f"@{c}" for c in checkpoints] + [
            "test of best", "optimum hits", "median queries to optimum", "s/run", "peak RSS MB"]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for optimizer in dict.fromkeys(r["optimizer"] for r in rows):
            runs = sorted((r for r in rows if r["optimizer"] == optimizer), key=lambda r: r["seed"])
            cells = [optimizer, str(len(runs))]
            for c in checkpoints:
                vals = [r["trajectory"][c - 1] for r in runs]
                cells.append(f"{statistics.mean(vals):.3f} ± {statistics.pstdev(vals):.3f}")
            cells.append(f"{statistics.mean(r['best_test'] for r in runs):.3f}")
            hits = [next((i + 1 for i, v in enumerate(r["trajectory"]) if v >= optima[dataset] - 1e-6), None)
                    for r in runs]
            found = [h for h in hits if h is not None]
            cells.append(f"{len(found)}/{len(runs)}")
            cells.append(f"{statistics.median(found):.0f}" if found else "-")
            cells.append(f"{statistics.mean(r['seconds'] for r in runs):.1f}")
            cells.append(f"{max(r['peak_rss_mb'] for r in runs):.0f}")
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=str(HERE.parent.parent / "shared" / "benchmarks" / "nasbench201"))
    parser.add_argument("--datasets", nargs="+", default=list(BUDGETS), choices=list(BUDGETS))
    parser.add_argument("--optimizers", nargs="+", default=["optiproxy", "rs", "re", "ls"])
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--budget", type=int, default=None, help="override the per-dataset budget")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="OptiProxy setting overrides")
    parser.add_argument("--tag", default="default", help="results folder name for this variant")
    parser.add_argument("--out", default=str(HERE / "results" / "nb201"))
    parser.add_argument("--report", default=None, help="write the markdown tables here")
    args = parser.parse_args(argv)

    overrides = dict((kv.split("=", 1)[0], parse_value(kv.split("=", 1)[1])) for kv in args.set)
    out = Path(args.out) / args.tag
    out.mkdir(parents=True, exist_ok=True)
    jobs = [
        {"dataset": d, "optimizer": o, "seed": s, "budget": args.budget or BUDGETS[d],
         "data_dir": args.data_dir, "overrides": overrides if o == "optiproxy" else {}}
        for d in args.datasets for o in args.optimizers for s in parse_seeds(args.seeds)
    ]
    todo = [(j, job_path(out, j)) for j in jobs if not job_path(out, j).exists()]
    start = time.time()
    if todo:
        with mp.get_context("spawn").Pool(args.jobs, maxtasksperchild=1) as pool:
            for i, result in enumerate(pool.imap_unordered(_run_and_save, todo), 1):
                print(f"[{i}/{len(todo)}] {result['dataset']} {result['optimizer']} seed {result['seed']}: "
                      f"best {result['best_val']:.3f} in {result['seconds']:.1f}s", file=sys.stderr, flush=True)
    results = [json.loads(job_path(out, j).read_text()) for j in jobs]

    from naslib_optiproxy import get_objective

    optima = {d: get_objective("nasbench201", d, args.data_dir).optimum()[1] for d in args.datasets}
    table = summarize(results, optima)
    print(table)
    print(f"({len(todo)} jobs run in {time.time() - start:.0f}s, {len(jobs) - len(todo)} cached)", file=sys.stderr)
    if args.report:
        Path(args.report).write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
