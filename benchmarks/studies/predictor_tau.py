"""Kendall tau and Spearman of predictors through NASLib's own predictor evaluation.

Every run is ``naslib-optiproxy naslib-predictors --config-file
naslib_configs/predictors/nasbench201/<dataset>.yaml predictor <P> seed <S> test_size <T>
train_size_list [<sizes>]`` (in this process, one run at a time): NASLib's ``PredictorEvaluator``
samples ``--test-size`` test cells and the largest train size of training cells uniformly at random,
fits the predictor on the first 20, 50, ... of them and ranks the test cells. Its ``errors.json``
(one per dataset x predictor x seed, under ``--runs``) is kept and reused when its config matches
(``--force`` reruns); the tables are made from those files alone.

Writes ``<out>.json`` (per run: Kendall tau, Spearman, fit seconds per train size; and the
mean +- std over seeds) and ``<out>.md`` (one table per dataset and metric). Needs NASLib
importable (docs/naslib.md), e.g.::

    PYTHONPATH=/path/to/NASLib nice -n 15 python -m benchmarks.studies.predictor_tau --datasets cifar10 --seeds 0-4

Data: ``--data-dir`` (NB201 tables), else NASLib's ``naslib/data``, else the table bundled with
the package (the runner's rule); the JSON records which.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from benchmarks import ROOT
from naslib_optiproxy.compare.suite import parse_seeds
from naslib_optiproxy.integrations.naslib_plugin.predictors import check_predictor

CONFIGS = ROOT / "naslib_configs" / "predictors" / "nasbench201"
RUNS = ROOT / "benchmarks" / "results" / "predictor_tau" / "runs"
OUT = ROOT / "benchmarks" / "results" / "predictor_tau" / "table"
DEFAULT_PREDICTORS = ("optiproxy_gcn,optiproxy_gat,optiproxy_gin,optiproxy_sage,"
                      "gcn,bonas,var_sparse_gp,xgb,rf,mlp")
METRICS = (("kendalltau", "Kendall tau"), ("spearman", "Spearman"), ("fit_time", "fit seconds"))


def run_opts(predictor: str, seed: int, sizes: Sequence[int], test_size: int, runs: Path) -> List[str]:
    """The runner's ``KEY VALUE`` overrides for one run."""
    return ["predictor", predictor, "seed", str(seed), "test_size", str(test_size),
            "train_size_list", "[" + ",".join(map(str, sizes)) + "]", "out_dir", str(runs)]


def errors_path(runs: Path, dataset: str, predictor: str, seed: int) -> Path:
    return runs / dataset / "predictors" / predictor / str(seed) / "errors.json"  # NASLib's folder


def cached(path: Path, sizes: Sequence[int], test_size: int) -> Optional[List[Dict[str, Any]]]:
    """The results of ``path`` if it is a finished run with these train sizes and test size."""
    if not path.is_file():
        return None
    config, *results = json.loads(path.read_text())
    if list(config["train_size_list"]) != list(sizes) or int(config["test_size"]) != test_size:
        return None
    return results if [r["train_size"] for r in results] == list(sizes) else None


def evaluate(dataset: str, predictor: str, seed: int, args: argparse.Namespace) -> List[Dict[str, Any]]:
    """One run of the runner (cached), its results per train size."""
    path = errors_path(args.runs, dataset, predictor, seed)
    results = None if args.force else cached(path, args.train_sizes, args.test_size)
    if results is None:
        from naslib_optiproxy.integrations.naslib_plugin import predictor_runner

        start = time.perf_counter()
        config = predictor_runner.load_config(str(CONFIGS / f"{dataset}.yaml"),
                                              run_opts(predictor, seed, args.train_sizes, args.test_size, args.runs))
        with contextlib.redirect_stdout(io.StringIO()):  # NASLib prints every test prediction
            results = predictor_runner.run(config, data_dir=args.data_dir)
        print(f"{dataset} {predictor} seed {seed}: tau " +
              " ".join(f"{r['kendalltau']:.3f}" for r in results) + f" ({time.perf_counter() - start:.0f} s)",
              file=sys.stderr, flush=True)
    return [{key: r[key] for key in ("train_size", "kendalltau", "spearman", "fit_time")} for r in results]


def _mean_std(values: Sequence[float]) -> Dict[str, float]:
    """Mean and std of the finite values; ``undefined``: how many were NaN (e.g. tau of a constant prediction)."""
    finite = [v for v in values if math.isfinite(v)]
    return {"mean": statistics.mean(finite) if finite else math.nan,
            "std": statistics.stdev(finite) if len(finite) > 1 else 0.0, "n": len(finite),
            "undefined": len(values) - len(finite)}


def summarise(runs: Dict[str, Dict[str, Dict[int, List[Dict[str, Any]]]]]) -> Dict[str, Any]:
    """dataset -> predictor -> train size -> metric -> mean, std, n (over seeds)."""
    out: Dict[str, Any] = {}
    for dataset, predictors in runs.items():
        for predictor, seeds in predictors.items():
            by_size: Dict[int, Dict[str, List[float]]] = {}
            for results in seeds.values():
                for result in results:
                    row = by_size.setdefault(result["train_size"], {key: [] for key, _ in METRICS})
                    for key, _ in METRICS:
                        row[key].append(float(result[key]))
            out.setdefault(dataset, {})[predictor] = {
                size: {key: _mean_std(values) for key, values in row.items()} for size, row in by_size.items()}
    return out


def markdown(summary: Dict[str, Any], sizes: Sequence[int]) -> str:
    """One table per dataset and metric: predictors x train sizes, mean +- std over seeds.

    A cell whose mean leaves out seeds with an undefined value (NaN: the predictor gave every test
    cell the same value, so there is no ranking) says how many: ``(k undefined)``.
    """
    lines: List[str] = []
    for dataset, predictors in summary.items():
        for key, title in METRICS:
            digits = 1 if key == "fit_time" else 3
            seeds = max(rows[s][key]["n"] + rows[s][key]["undefined"] for rows in predictors.values() for s in rows)
            lines += [f"**{dataset}: {title}** (mean ± std over {seeds} seeds)", "",
                      "| predictor | " + " | ".join(f"train {s}" for s in sizes) + " |",
                      "|---|" + "---:|" * len(sizes)]
            for predictor, rows in predictors.items():
                lines.append(f"| {predictor} | " + " | ".join(_cell(rows.get(s, {}).get(key), digits) for s in sizes)
                             + " |")
            lines.append("")
    return "\n".join(lines)


def _cell(stats: Optional[Dict[str, float]], digits: int) -> str:
    if not stats:
        return "-"
    text = f"{stats['mean']:.{digits}f} ± {stats['std']:.{digits}f}"
    return text + (f" ({stats['undefined']} undefined)" if stats["undefined"] else "")


def data_source(dataset: str, data_dir: Optional[str]) -> str:
    """Where the runner's NB201 data comes from (the ``dataset_api``'s record, else NASLib's own file)."""
    from naslib_optiproxy.integrations.naslib_plugin.data import SOURCE_KEY, get_dataset_api

    api = get_dataset_api("nasbench201", dataset, data_dir)
    return str(api.get(SOURCE_KEY, "NASLib's naslib/data")) if isinstance(api, dict) else "NASLib's naslib/data"


def parse_sizes(text: str) -> List[int]:
    sizes = [int(s) for s in text.split(",") if s.strip()]
    if not sizes or sizes != sorted(set(sizes)) or sizes[0] < 1:
        raise argparse.ArgumentTypeError(f"--train-sizes must be increasing positive integers, e.g. 20,50,100,200; "
                                         f"got {text!r}")
    return sizes


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--predictors", default=DEFAULT_PREDICTORS, help="comma-separated predictor names")
    parser.add_argument("--train-sizes", type=parse_sizes, default=[20, 50, 100, 200], metavar="N,N,...")
    parser.add_argument("--seeds", default="0-4", help="range like 0-4 or list like 0,3")
    parser.add_argument("--datasets", default="cifar10,cifar100,ImageNet16-120")
    parser.add_argument("--test-size", type=int, default=1000)
    parser.add_argument("--data-dir", default=None, help="NB201 tables (default: the runner's rule)")
    parser.add_argument("--runs", type=Path, default=RUNS, help="folder of the runs' errors.json (NASLib's out_dir)")
    parser.add_argument("--out", type=Path, default=OUT, help="writes OUT.json and OUT.md")
    parser.add_argument("--force", action="store_true", help="rerun runs that have an errors.json")
    args = parser.parse_args(argv)
    predictors = [check_predictor(p.strip()) for p in args.predictors.split(",") if p.strip()]
    datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    for dataset in datasets:
        if not (CONFIGS / f"{dataset}.yaml").is_file():
            parser.error(f"no config {CONFIGS / dataset}.yaml; datasets: {', '.join(p.stem for p in CONFIGS.glob('*.yaml'))}")
    seeds = parse_seeds(args.seeds)
    runs: Dict[str, Dict[str, Dict[int, List[Dict[str, Any]]]]] = {}
    for dataset in datasets:  # dataset-major: the first dataset's grid is complete before the next starts
        for seed in seeds:
            for predictor in predictors:
                runs.setdefault(dataset, {}).setdefault(predictor, {})[seed] = evaluate(dataset, predictor, seed, args)
    summary = summarise(runs)
    report = {"command": " ".join(["python -m benchmarks.studies.predictor_tau", *(sys.argv[1:] if argv is None else argv)]),
              "train_sizes": args.train_sizes, "test_size": args.test_size, "seeds": seeds,
              "data": {d: data_source(d, args.data_dir) for d in datasets}, "runs": runs, "summary": summary}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=1))
    args.out.with_suffix(".md").write_text(markdown(summary, args.train_sizes))
    print(markdown(summary, args.train_sizes))


if __name__ == "__main__":
    main()
