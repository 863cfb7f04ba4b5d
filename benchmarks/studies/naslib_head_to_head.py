"""OptiProxy vs NASLib's optimizers through NASLib's own Trainer, on one config.

Every run is ``naslib-optiproxy naslib --config-file naslib_configs/<space>/<dataset>/optiproxy.yaml
optimizer <name> [search.predictor_type <p>] [search.acq_fn_optimization <a>]`` (same data, same query path, lightweight mode
unless ``--stock``), one process at a time (``nice``), with NASLib's query method timed:
per-epoch overhead = (Trainer.search wall seconds - seconds inside ``graph.query``) / epochs.
Results are cached as JSON under ``benchmarks/results/naslib/`` (``--force`` reruns); on a
fresh clone every run is made. The optional "standalone" row reads the standalone engine's
runs of the Table 1 suite, written by ``naslib-optiproxy compare --suite benchmarks/suites/nb201.yaml``
(or ``python -m benchmarks.report``); without them that row is left out with a note saying so.

Needs NASLib importable (see docs/naslib.md), e.g.::

    PYTHONPATH=/path/to/NASLib python -m benchmarks.studies.naslib_head_to_head --seeds 0-4 \\
        --methods optiproxy,re,ls,rs,bananas:bananas,bananas:var_sparse_gp,bananas:optiproxy_gcn,npenas:var_sparse_gp \\
        --data-dir /path/to/nb201   # NB201 files for NASLib's query path (default: NASLib's own naslib/data)

Candidate generators of BANANAS / NPENAS: a third field, e.g. ``bananas:var_sparse_gp:relaxed`` or
``npenas:optiproxy_gcn:mutation`` (``search.acq_fn_optimization``; ``relaxed`` is the plugin's).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from benchmarks import ROOT

RESULTS = ROOT / "benchmarks" / "results" / "naslib"
# the standalone engine's runs of the Table 1 suite (benchmarks/suites/nb201.yaml, run by python -m benchmarks.report)
STANDALONE = ROOT / "benchmarks" / "results" / "suites" / "nb201"
DEFAULT_METHODS = "optiproxy,re,ls,rs,bananas:bananas,bananas:var_sparse_gp,bananas:optiproxy_gcn,npenas:var_sparse_gp"


def parse_seeds(text: str) -> List[int]:
    """``0-4`` or ``0,2,5``."""
    if "-" in text:
        low, high = text.split("-")
        return list(range(int(low), int(high) + 1))
    return [int(s) for s in text.split(",")]


def method_opts(method: str) -> List[str]:
    """NASLib overrides for ``optimizer[:predictor_type[:acq_fn_optimization]]`` (e.g. ``bananas:optiproxy_gcn:relaxed``)."""
    optimizer, _, rest = method.partition(":")
    predictor, _, acquisition = rest.partition(":")
    return (["optimizer", optimizer] + (["search.predictor_type", predictor] if predictor else [])
            + (["search.acq_fn_optimization", acquisition] if acquisition else []))


def result_path(args: argparse.Namespace, method: str, seed: int) -> Path:
    mode = "stock" if args.stock else "light"
    return RESULTS / args.space / args.dataset / mode / f"{method.replace(':', '-')}-{seed}.json"


# ----------------------------------------------------------------- worker
def worker(args: argparse.Namespace) -> None:
    """One run in this process, with NASLib's query and Trainer.search timed."""
    import torch

    torch.set_num_threads(1)
    from naslib_optiproxy.integrations.naslib_plugin.compat import apply
    from naslib_optiproxy.integrations.naslib_plugin.runner import load_config, run

    apply()  # the compatibility shims, before NASLib's first import
    from naslib.defaults.trainer import Trainer
    from naslib.search_spaces import NasBench201SearchSpace

    timing = {"in_search": False, "query_seconds": 0.0, "queries": 0}
    query, search = NasBench201SearchSpace.query, Trainer.search

    def timed_query(self, *a, **k):
        if not timing["in_search"]:
            return query(self, *a, **k)
        start = time.perf_counter()
        try:
            return query(self, *a, **k)
        finally:
            timing["query_seconds"] += time.perf_counter() - start
            timing["queries"] += 1

    def timed_search(self, *a, **k):
        timing["in_search"] = True
        try:
            return search(self, *a, **k)
        finally:
            timing["in_search"] = False

    NasBench201SearchSpace.query, Trainer.search = timed_query, timed_search
    from naslib_optiproxy.study import Study

    timing["engine_seconds"] = 0.0
    for name in ("ask", "tell"):  # the engine's own work (its Study), to separate it from the adapter's
        def timed(self, *a, _method=getattr(Study, name), **k):
            start = time.perf_counter()
            try:
                return _method(self, *a, **k)
            finally:
                timing["engine_seconds"] += time.perf_counter() - start
        setattr(Study, name, timed)
    out = Path(args.worker_out)
    with tempfile.TemporaryDirectory() as naslib_out:  # NASLib's errors.json, checkpoints, log
        opts = method_opts(args.method) + ["seed", str(args.seed), "search.epochs", str(args.epochs),
                                           "out_dir", naslib_out]
        config = load_config(str(ROOT / "naslib_configs" / args.space / args.dataset / "optiproxy.yaml"), opts)
        summary = run(config, lightweight=not args.stock, data_dir=args.data_dir)
        with open(Path(config.save) / "errors.json", encoding="utf-8") as handle:
            trajectory = json.load(handle)[1]["valid_acc"]
    summary.update(method=args.method, trajectory=trajectory,
                   **{k: timing[k] for k in ("query_seconds", "queries", "engine_seconds")})
    summary["overhead_per_epoch"] = (summary["search_seconds"] - timing["query_seconds"]) / summary["epochs"]
    summary["adapter_per_epoch"] = (summary["search_seconds"] - timing["query_seconds"]
                                    - timing["engine_seconds"]) / summary["epochs"]
    summary.pop("epoch_seconds", None)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=1), encoding="utf-8")


# ------------------------------------------------------------------ driver
def check_naslib() -> None:
    """Exit with the install hint if NASLib cannot be imported (before any run starts)."""
    from naslib_optiproxy.integrations.naslib_plugin.optimizer import INSTALL_HINT, NASLIB_IMPORT_ERROR

    if NASLIB_IMPORT_ERROR is not None:
        raise SystemExit(f"error: {INSTALL_HINT}\n  (import failed: {NASLIB_IMPORT_ERROR})")


def run_all(args: argparse.Namespace) -> Dict[str, List[Dict[str, Any]]]:
    results: Dict[str, List[Dict[str, Any]]] = {}
    for method in args.methods.split(","):
        for seed in parse_seeds(args.seeds):
            path = result_path(args, method, seed)
            if args.force or not path.exists():
                cmd = ["nice", "-n", "5", sys.executable, "-m", __spec__.name, "--worker-out", str(path), "--method", method,
                       "--seed", str(seed), "--space", args.space, "--dataset", args.dataset,
                       "--epochs", str(args.epochs)] + (["--stock"] if args.stock else []) + (
                       ["--data-dir", args.data_dir] if args.data_dir else [])
                print(f"running {method} seed {seed} ...", file=sys.stderr, flush=True)
                done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
                if done.returncode != 0:
                    raise SystemExit(f"{method} seed {seed} failed:\n{done.stderr[-3000:]}")
            results.setdefault(method, []).append(json.loads(path.read_text(encoding="utf-8")))
    return results


def _mean_std(values: List[float]) -> str:
    return f"{statistics.mean(values):.3f} ± {statistics.pstdev(values):.3f}"


def _adapter(runs: List[Dict[str, Any]]) -> str:
    """Mean adapter ms/epoch (only runs that drive our engine have one)."""
    values = [r["adapter_per_epoch"] for r in runs if r.get("engine_seconds")]
    return f"{1000 * statistics.mean(values):.1f}" if values else ""


def standalone(args: argparse.Namespace) -> Optional[List[float]]:
    """Best val of our standalone engine (the Table 1 suite's cached runs, same key) on the same seeds, if cached."""
    from naslib_optiproxy.compare.jobs import Job, with_data
    from naslib_optiproxy.compare.methods import Method
    from naslib_optiproxy.compare.tasks import Task

    values = []
    for seed in parse_seeds(args.seeds):
        job = Job(Task.parse(f"{args.space}/{args.dataset}"), Method.parse("optiproxy"), seed, args.epochs)
        path = STANDALONE / with_data([job])[0].relative_path  # the key holds the digest of the bundled table
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        values.append(max(data["trajectory"][: args.epochs]))
    return values


def table_optimum(args: argparse.Namespace) -> Optional[float]:
    """The space's global optimum val on ``args.dataset`` from our bundled table (``None`` if unknown)."""
    from naslib_optiproxy.objectives import get_objective
    from naslib_optiproxy.result import known_optimum

    try:
        return known_optimum(get_objective(args.space, args.dataset))
    except (ValueError, OSError):
        return None


def table(args: argparse.Namespace, results: Dict[str, List[Dict[str, Any]]]) -> str:
    from naslib_optiproxy.compare.summary import queries_to

    mode = "stock" if args.stock else "lightweight"
    lines = [f"NASLib Trainer, {args.space}/{args.dataset}, {args.epochs} epochs, seeds {args.seeds}, {mode} mode",
             "", "| method | seeds | best val (mean ± std) | @50 | optimum hits | median queries to optimum | "
                 "test of final arch | search s/run | query s/run | overhead ms/epoch | of which adapter ms/epoch |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    optimum = table_optimum(args)
    for method, runs in results.items():
        best = [r["best_val"] for r in runs]
        at50 = [max(r["trajectory"][:50]) for r in runs]
        tests = [r.get("table_test", r.get("naslib_test", float("nan"))) for r in runs]
        reached = [q for q in (queries_to(list(itertools.accumulate(r["trajectory"], max)), optimum)
                               for r in runs) if q is not None] if optimum is not None else []
        hits = f"{len(reached)}/{len(runs)}" if optimum is not None else ""
        median = f"{statistics.median(reached):g}" if reached else "-"
        lines.append(f"| {method} | {len(runs)} | {_mean_std(best)} | {statistics.mean(at50):.3f} | {hits} | {median} | "
                     f"{statistics.mean(tests):.3f} | "
                     f"{statistics.mean(r['search_seconds'] for r in runs):.2f} | "
                     f"{statistics.mean(r['query_seconds'] for r in runs):.2f} | "
                     f"{1000 * statistics.mean(r['overhead_per_epoch'] for r in runs):.1f} | "
                     f"{_adapter(runs)} |")
    alone = standalone(args)
    if alone is not None:
        lines.append(f"| optiproxy standalone (naslib-optiproxy compare) | {len(alone)} | {_mean_std(alone)} "
                     f"| | | | | | | | |")
    else:
        lines += ["", f"(no standalone row: {STANDALONE.relative_to(ROOT)} has no runs of this code for seeds "
                      f"{args.seeds}; make them with: naslib-optiproxy compare --suite benchmarks/suites/nb201.yaml "
                      f"--out {STANDALONE.relative_to(ROOT)})"]
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--space", default="nasbench201")
    parser.add_argument("--dataset", default="cifar10")
    parser.add_argument("--methods", default=DEFAULT_METHODS,
                        help="optimizer[:predictor_type[:acq_fn_optimization]], comma-separated")
    parser.add_argument("--seeds", default="0-4")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--data-dir", default=os.environ.get("NASLIB_OPTIPROXY_DATA"))
    parser.add_argument("--stock", action="store_true", help="NASLib's stock search spaces (torch network per arch)")
    parser.add_argument("--force", action="store_true", help="rerun cached results")
    parser.add_argument("--worker-out", help=argparse.SUPPRESS)
    parser.add_argument("--method", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker_out:
        worker(args)
        return
    check_naslib()
    print(table(args, run_all(args)))


if __name__ == "__main__":
    main()
