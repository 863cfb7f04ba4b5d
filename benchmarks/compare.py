"""OptiProxy vs RS, RE, LS on tabular benchmarks, over seeds, in parallel processes.

Every (dataset, optimizer, seed) is one job in a fresh process with one torch thread,
so seconds and peak memory are per run. Each finished job is cached as JSON under
``benchmarks/results/<space>/<tag>/``; rerunning skips finished jobs.

Examples::

    # NAS-Bench-201, the paper's budgets (ImageNet16-120: 280), seeds 0-9
    python benchmarks/compare.py --space nasbench201 --data-dir ../shared/benchmarks/nasbench201
    # NAS-Bench-Graph (data ships with the nas-bench-graph wheel)
    python benchmarks/compare.py --space nasbench_graph
    # a variant of OptiProxy's settings, in its own results folder
    python benchmarks/compare.py --space nasbench201 --datasets cifar10 --optimizers optiproxy \\
        --set op_noise=0 --tag op_noise-0
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
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

# budget per dataset, and the evaluation counts reported
SPACES: Dict[str, Dict[str, Any]] = {
    "nasbench201": {
        "budgets": {"cifar10": 100, "cifar100": 100, "ImageNet16-120": 280},
        "checkpoints": (50, 100, 200, 280),
        "data_dir": str(ROOT.parent / "shared" / "benchmarks" / "nasbench201"),
    },
    "nasbench_graph": {
        "budgets": {"cora": 100, "citeseer": 100, "pubmed": 100, "computers": 100, "arxiv": 100},
        "checkpoints": (25, 50, 100),
        "data_dir": None,
    },
}
OPTIMIZERS = ("optiproxy", "rs", "re", "ls")


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
    """One search in this (fresh) process; returns its trajectory and costs."""
    import torch

    torch.set_num_threads(1)
    from naslib_optiproxy import get_objective, make_optimizer
    from naslib_optiproxy.defaults import default_search_config

    objective = get_objective(job["space"], job["dataset"], job["data_dir"])
    settings = None
    if job["optimizer"] == "optiproxy":
        settings = {**default_search_config(job["space"], job["dataset"]), **job["overrides"]}
    optimizer = make_optimizer(job["optimizer"], objective.space, job["seed"], settings)
    start = time.perf_counter()
    best = optimizer.optimize(objective, job["budget"])
    return {
        **{k: job[k] for k in ("space", "dataset", "optimizer", "seed", "budget", "overrides")},
        "settings": settings,
        "trajectory": optimizer.trajectory(),
        "best_arch": objective.space.to_string(best.arch),
        "best_val": best.value,
        "best_test": best.info.get("test"),
        "seconds": time.perf_counter() - start,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _run_and_save(args) -> Dict[str, Any]:
    job, path = args
    os.environ["OMP_NUM_THREADS"] = "1"
    result = run_job(job)
    path.write_text(json.dumps(result))
    return result


def queries_to_optimum(trajectory: List[float], optimum: float) -> Optional[int]:
    return next((i + 1 for i, v in enumerate(trajectory) if v >= optimum - 1e-6), None)


def table(results: List[Dict[str, Any]], dataset: str, optimum: float, checkpoints) -> List[str]:
    """Markdown rows: mean +- std (population) best val at checkpoints, test, optimum hits, costs."""
    budget = max(r["budget"] for r in results)
    checkpoints = [c for c in checkpoints if c <= budget]
    header = (["method", "seeds"] + [f"@{c}" for c in checkpoints]
              + ["test of best", "optimum hits", "median queries to optimum", "s/run", "peak RSS MB"])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for optimizer in dict.fromkeys(r["optimizer"] for r in results):
        runs = sorted((r for r in results if r["optimizer"] == optimizer), key=lambda r: r["seed"])
        cells = [optimizer, str(len(runs))]
        for c in checkpoints:
            vals = [r["trajectory"][c - 1] for r in runs]
            cells.append(f"{statistics.mean(vals):.3f} ± {statistics.pstdev(vals):.3f}")
        cells.append(f"{statistics.mean(r['best_test'] for r in runs):.3f}")
        hits = [h for h in (queries_to_optimum(r["trajectory"], optimum) for r in runs) if h is not None]
        cells += [f"{len(hits)}/{len(runs)}", f"{statistics.median(hits):.0f}" if hits else "-",
                  f"{statistics.mean(r['seconds'] for r in runs):.1f}",
                  f"{max(r['peak_rss_mb'] for r in runs):.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def run(space: str, datasets: List[str], optimizers: List[str], seeds: List[int], tag: str = "default",
        overrides: Optional[Dict[str, Any]] = None, data_dir: Optional[str] = None, budget: Optional[int] = None,
        jobs: int = 2, out: Path = HERE / "results") -> Dict[str, List[Dict[str, Any]]]:
    """Run (or load cached) jobs; returns the results per dataset."""
    spec = SPACES[space]
    data_dir = data_dir or spec["data_dir"]
    folder = out / space / tag
    folder.mkdir(parents=True, exist_ok=True)
    all_jobs = [
        {"space": space, "dataset": d, "optimizer": o, "seed": s, "budget": budget or spec["budgets"][d],
         "data_dir": data_dir, "overrides": (overrides or {}) if o == "optiproxy" else {}}
        for d in datasets for o in optimizers for s in seeds
    ]
    paths = [folder / f"{j['dataset']}-{j['optimizer']}-{j['seed']}.json" for j in all_jobs]
    todo = [(j, p) for j, p in zip(all_jobs, paths) if not p.exists()]
    if todo:
        with mp.get_context("spawn").Pool(jobs, maxtasksperchild=1) as pool:
            for i, r in enumerate(pool.imap_unordered(_run_and_save, todo), 1):
                print(f"[{i}/{len(todo)}] {space}/{r['dataset']} {r['optimizer']} seed {r['seed']}: "
                      f"best {r['best_val']:.3f} in {r['seconds']:.1f}s", file=sys.stderr, flush=True)
    results = [json.loads(p.read_text()) for p in paths]
    return {d: [r for r in results if r["dataset"] == d] for d in datasets}


def optimum_of(space: str, dataset: str, data_dir: Optional[str]) -> float:
    from naslib_optiproxy import get_objective

    return get_objective(space, dataset, data_dir or SPACES[space]["data_dir"]).optimum()[1]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--space", default="nasbench201", choices=list(SPACES))
    parser.add_argument("--datasets", nargs="+", default=None, help="default: all of the space's datasets")
    parser.add_argument("--optimizers", nargs="+", default=list(OPTIMIZERS), choices=list(OPTIMIZERS))
    parser.add_argument("--seeds", default="0-9", help="e.g. 0-9 or 0,3,5")
    parser.add_argument("--budget", type=int, default=None, help="override the per-dataset budget")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--jobs", type=int, default=2, help="parallel processes")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="OptiProxy setting overrides")
    parser.add_argument("--tag", default="default", help="results folder of this variant")
    args = parser.parse_args(argv)

    spec = SPACES[args.space]
    datasets = args.datasets or list(spec["budgets"])
    overrides = {kv.split("=", 1)[0]: parse_value(kv.split("=", 1)[1]) for kv in args.set}
    start = time.time()
    per_dataset = run(args.space, datasets, args.optimizers, parse_seeds(args.seeds), args.tag, overrides,
                      args.data_dir, args.budget, args.jobs)
    for dataset, results in per_dataset.items():
        optimum = optimum_of(args.space, dataset, args.data_dir)
        print(f"\n{args.space} / {dataset} (optimum val {optimum:.3f}), tag {args.tag}\n")
        print("\n".join(table(results, dataset, optimum, spec["checkpoints"])))
    print(f"\n({time.time() - start:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
