"""Multi-objective benchmark: the share of the true front's hypervolume each method reaches.

Each job is one (method, setting, seed): a :class:`~naslib_optiproxy.study.Study` over the
method's strategy and the setting's :func:`~naslib_optiproxy.objectives.multi_objective.multi_objective`
(value = validation accuracy, every metric in the trial's info), ``--budget`` evaluations.
Jobs run in worker processes (``--jobs``, one torch thread each) and each is cached as one JSON
file under ``OUT/jobs/`` (the criteria's values of every trial, in order; ``null`` for a failed
or infeasible evaluation), so a rerun only runs what is missing. Then, per setting and method, over the seeds:
mean ± standard error of the share of the true front's hypervolume and of IGD (both in the
table-normalised units of :mod:`naslib_optiproxy.pareto`) after 50 / 100 / 200 evaluations,
and the wall-clock seconds per run. It writes ``OUT/report.md`` and one figure per settings
group (``OUT/<group>.png``: one panel per setting, the true front and each method's median
attained front at 100 evaluations: the 50% empirical attainment surface over the seeds).

Settings (``--settings``, comma-separated names or groups):

* ``hw-latency``: NB201 accuracy vs latency on HW-NAS-Bench's 6 devices x 3 datasets
  (``hw:<dataset>:<device>_latency``),
* ``hw-energy``: accuracy vs ``edgegpu_energy`` and ``fpga_energy`` x 3 datasets,
* ``graph``: NAS-Bench-Graph accuracy vs ``latency`` and vs ``params`` on its 8 datasets
  (``graph:<dataset>:<metric>``),
* ``selection``: the subset the settings of OptiProxy-MO were chosen on, ``all``: every setting;
* any setting with a constraint on top: ``hw:cifar100:fpga_energy:edgegpu_latency<=5`` (the true
  front is then the feasible part's, and an infeasible evaluation is never on a found front).

Methods (``--methods``): ``optiproxy-mo`` (settings on top: ``optiproxy-mo[mo_selection=scalar,
batch_size=5]``, any key of :class:`~naslib_optiproxy.strategies.optiproxy_mo.FrontSettings` or
of ``OptiProxyConfig``), ``rs``, ``nsga2`` (``nsga2[population_size=20]``), ``motpe`` and
``limits`` (constrained OptiProxy, one run per limit at the 12.5/37.5/62.5/87.5% quantiles of the
metric over the table, taking turns: ``limits[quantiles=0.25 0.75]``).

Example::

    python -m benchmarks.studies.multiobjective --settings selection --methods optiproxy-mo,rs,nsga2,motpe,limits \\
        --seeds 10-19 --budget 100 --out runs/mo-selection --jobs 2
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import re
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import yaml

from naslib_optiproxy import Study
from naslib_optiproxy.objectives.multi_objective import MultiMetricObjective, multi_objective
from naslib_optiproxy.pareto import FrontScore
from naslib_optiproxy.strategies.base import Strategy
from naslib_optiproxy.strategies.fronts import make_front_strategy

NB201_DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
DEVICES = ("edgegpu", "raspi4", "edgetpu", "pixel3", "eyeriss", "fpga")
GRAPH_DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv")
GROUPS: Dict[str, Tuple[str, ...]] = {
    "hw-latency": tuple(f"hw:{d}:{device}_latency" for device in DEVICES for d in NB201_DATASETS),
    "hw-energy": tuple(f"hw:{d}:{device}_energy" for device in ("edgegpu", "fpga") for d in NB201_DATASETS),
    "graph": tuple(f"graph:{d}:{m}" for m in ("latency", "params") for d in GRAPH_DATASETS),
}
GROUPS["all"] = GROUPS["hw-latency"] + GROUPS["hw-energy"] + GROUPS["graph"]
GROUPS["selection"] = ("hw:cifar10:edgegpu_latency", "hw:ImageNet16-120:raspi4_latency", "hw:cifar100:edgetpu_latency",
                       "hw:cifar10:fpga_energy", "graph:cora:latency", "graph:arxiv:params")
CHECKPOINTS = (50, 100, 200)
METHODS = ("optiproxy-mo", "rs", "nsga2", "motpe", "limits")
_METHOD = re.compile(r"^(?P<name>[a-z0-9\-]+)(?:\[(?P<args>.*)\])?$")


class Job(NamedTuple):
    method: str
    setting: str
    seed: int
    budget: int


# ---------------------------------------------------------------------- settings and methods
def parse_setting(name: str) -> Tuple[str, str, str, Optional[str]]:
    """``(search space, dataset, metric, constraint or None)`` of ``hw:<dataset>:<metric>`` or
    ``graph:<dataset>:<metric>``, optionally with ``:<metric><=<max>`` (a constraint on top)."""
    parts = name.split(":")
    if len(parts) not in (3, 4) or parts[0] not in ("hw", "graph"):
        raise ValueError(f"bad setting {name!r}: write hw:<dataset>:<metric> or graph:<dataset>:<metric> (a "
                         f"constraint on top: hw:<dataset>:<metric>:<metric><=<max>), or a group ({', '.join(GROUPS)})")
    return (("nasbench201" if parts[0] == "hw" else "nasbench_graph"), parts[1], parts[2],
            parts[3] if len(parts) == 4 else None)


def expand_settings(text: str) -> List[str]:
    names: List[str] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        for name in GROUPS.get(part, (part,)):
            parse_setting(name)
            if name not in names:
                names.append(name)
    return names


_OBJECTIVES: Dict[str, MultiMetricObjective] = {}


def objective_of(setting: str) -> MultiMetricObjective:
    """The setting's objective: accuracy (max) and its metric (min), and its constraint; cached per process."""
    if setting not in _OBJECTIVES:
        space, dataset, metric, constraint = parse_setting(setting)
        _OBJECTIVES[setting] = multi_objective(space, dataset, f"val:max,{metric}:min", constraint=constraint)
    return _OBJECTIVES[setting]


def parse_seeds(text: str) -> List[int]:
    """``10-19`` or ``10,12,15`` (or both, comma-separated) as a list of distinct seeds."""
    seeds: List[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        low, _, high = part.partition("-")
        try:
            span = range(int(low), int(high or low) + 1)
        except ValueError:
            raise ValueError(f"bad seeds {text!r}: write A-B or A,B,C") from None
        if len(span) > 1000:
            raise ValueError(f"bad seeds {text!r}: at most 1000 seeds")
        seeds += [s for s in span if s not in seeds]
    return seeds


def parse_method(text: str) -> Tuple[str, Dict[str, Any]]:
    """``(name, {key: value})`` of ``name`` or ``name[key=value,...]`` (values read as YAML)."""
    match = _METHOD.match(text.strip())
    if not match or match["name"] not in METHODS:
        raise ValueError(f"bad method {text!r}: one of {', '.join(METHODS)}, optionally with [key=value,...]")
    options: Dict[str, Any] = {}
    for item in filter(None, (match["args"] or "").split(",")):
        key, _, value = item.partition("=")
        parsed = yaml.safe_load(value)
        # YAML 1.1 reads off/on/yes/no as booleans: keep them as words unless written true/false
        options[key.strip()] = value.strip() if isinstance(parsed, bool) and value.strip().lower() not in (
            "true", "false") else parsed
    return match["name"], options


def parse_methods(text: str) -> List[str]:
    """The methods of ``--methods``: comma-separated (commas inside ``[...]`` kept), each checked by
    :func:`parse_method`."""
    methods = [m.strip() for m in re.split(r",(?![^\[]*\])", text) if m.strip()]
    for method in methods:
        parse_method(method)
    return methods


def build_strategy(method: str, objective: MultiMetricObjective, seed: int) -> Strategy:
    """The front strategy of ``method`` (``optiproxy-mo`` is the package's ``optiproxy`` with objectives)."""
    name, options = parse_method(method)
    return make_front_strategy("optiproxy" if name == "optiproxy-mo" else name, objective.space, objective.criteria,
                               seed, options, objective.dataset)


# ------------------------------------------------------------------------------------ jobs
def job_path(out: Path, job: Job) -> Path:
    method, setting = (re.sub(r"[^A-Za-z0-9_.=\-]+", "_", text) for text in (job.method, job.setting.replace(":", "-")))
    return out / "jobs" / setting / method / f"seed{job.seed}-b{job.budget}.json"


def run_job(job: Job) -> Dict[str, Any]:
    """Run one job; its record (what the cache file holds)."""
    objective = objective_of(job.setting)
    strategy = build_strategy(job.method, objective, job.seed)
    study = Study(strategy)
    wall, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(objective, job.budget)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    points = []
    for trial in study.trials:
        values = [trial.info.get(c.metric) for c in objective.criteria]
        points.append([float(v) for v in values] if trial.feasible else None)
    return {**job._asdict(), "seconds": wall, "cpu_seconds": cpu, "points": points}


def _run_and_save(args: Tuple[Job, str]) -> str:
    job, out = args
    path = job_path(Path(out), job)
    if path.is_file():  # written meanwhile by another run sharing OUT
        return f"{job.setting} {job.method} seed {job.seed}: cached"
    record = run_job(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record))
    tmp.replace(path)
    return f"{job.setting} {job.method} seed {job.seed}: {record['seconds']:.1f} s"


def run_jobs(jobs: Sequence[Job], out: Path, workers: int) -> None:
    todo = [job for job in jobs if not job_path(out, job).is_file()]
    print(f"{len(jobs) - len(todo)} of {len(jobs)} jobs cached; running {len(todo)}", file=sys.stderr, flush=True)
    if not todo:
        return
    if workers <= 1:
        for job in todo:
            print(_run_and_save((job, str(out))), file=sys.stderr, flush=True)
        return
    with multiprocessing.get_context("fork").Pool(workers, maxtasksperchild=20) as pool:
        for line in pool.imap_unordered(_run_and_save, [(job, str(out)) for job in todo]):
            print(line, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------- tables
def checkpoint_points(points: Sequence[Optional[Sequence[float]]], n: int) -> np.ndarray:
    """The successful points among the first ``n`` evaluations ``[k, M]``."""
    rows = [p for p in points[:n] if p is not None]
    return np.array(rows, dtype=np.float64).reshape(-1, 2)


def indicators(record: Mapping[str, Any], score: FrontScore, n: int) -> Tuple[float, float]:
    found = checkpoint_points(record["points"], n)
    return score.share(found), score.igd(found)


def mean_se(values: Sequence[float]) -> Tuple[float, float]:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return math.nan, math.nan
    se = statistics.stdev(finite) / math.sqrt(len(finite)) if len(finite) > 1 else 0.0
    return statistics.mean(finite), se


def checkpoints(budget: int) -> List[int]:
    """The evaluations at which runs of ``budget`` are scored (``budget`` itself when below the first)."""
    return [c for c in CHECKPOINTS if c <= budget] or [budget]


def summarise(records: Sequence[Mapping[str, Any]], settings: Sequence[str], methods: Sequence[str],
              budget: int) -> Dict[str, Any]:
    """``{setting: {method: {"share@n": (mean, se), "igd@n": ..., "seconds": ..., "runs": k}}}``."""
    table: Dict[str, Any] = {}
    for setting in settings:
        score = objective_of(setting).front_score()
        table[setting] = {}
        for method in methods:
            runs = [r for r in records if r["setting"] == setting and r["method"] == method]
            if not runs:
                continue
            row: Dict[str, Any] = {"runs": len(runs), "seconds": mean_se([r["seconds"] for r in runs])}
            for n in checkpoints(budget):
                values = [indicators(r, score, n) for r in runs]
                row[f"share@{n}"] = mean_se([v[0] for v in values])
                row[f"igd@{n}"] = mean_se([v[1] for v in values])
            table[setting][method] = row
    return table


def _cell(value: Tuple[float, float], digits: int = 4) -> str:
    mean, se = value
    return "–" if math.isnan(mean) else f"{mean:.{digits}f} ± {se:.{digits}f}"


def report(table: Mapping[str, Any], methods: Sequence[str], budget: int, ours: str) -> str:
    lines: List[str] = []
    points = checkpoints(budget)
    middle = min(points, key=lambda n: abs(n - 100))
    for key, title in [*((f"share@{n}", f"Share of the true front's hypervolume after {n} evaluations")
                         for n in points),
                       (f"igd@{middle}", f"IGD after {middle} evaluations (lower is better)")]:
        lines += [f"### {title}", "", "| setting | " + " | ".join(methods) + " |",
                  "|---|" + "---|" * len(methods)]
        for setting, rows in table.items():
            cells = [_cell(rows[m][key]) if m in rows and key in rows[m] else "–" for m in methods]
            lines.append(f"| {setting} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["### Seconds per run (wall clock, mean ± se)", "", "| method | " +
              " | ".join(["hw", "graph"]) + " |", "|---|---|---|"]
    for method in methods:
        cells = []
        for family in ("hw:", "graph:"):
            values = [rows[method]["seconds"][0] for s, rows in table.items() if s.startswith(family) and method in rows]
            cells.append(f"{statistics.mean(values):.1f}" if values else "–")
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    lines.append("")
    if ours in methods:
        for n in points:
            key = f"share@{n}"
            wins = [s for s, rows in table.items() if ours in rows and
                    all(rows[ours][key][0] >= rows[m][key][0] for m in methods if m != ours and m in rows)]
            lines.append(f"- {ours} at or above every other method's mean share @{n}: {len(wins)} of {len(table)} "
                         f"settings" + (f" (not: {', '.join(s for s in table if s not in wins)})"
                                        if len(wins) < len(table) else ""))
    return "\n".join(lines) + "\n"


def plot(table_settings: Sequence[str], records: Sequence[Mapping[str, Any]], methods: Sequence[str], n: int,
         path: Path) -> None:
    """One panel per setting: the true front and each method's median attained front after ``n`` evaluations."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import moocore

    cols = min(6, len(table_settings))
    rows = math.ceil(len(table_settings) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.8 * rows), squeeze=False)
    for ax, setting in zip(axes.flat, table_settings):
        objective = objective_of(setting)
        front = objective.front_score().front
        front = front[np.argsort(front[:, 1])]
        right = objective.front_score().bounds.worst[1]  # each curve holds its best accuracy up to the worst metric
        ax.step([*front[:, 1], right], [*front[:, 0], front[-1, 0]], where="post", color="black", lw=1.2,
                label="true front")
        for method in methods:
            runs = [r for r in records if r["setting"] == setting and r["method"] == method]
            sets = [checkpoint_points(r["points"], n) for r in runs]
            sets = [s for s in sets if len(s)]
            if not sets:
                continue
            data = np.vstack([np.c_[-s[:, 0], s[:, 1]] for s in sets])  # minimise both
            labels = np.concatenate([np.full(len(s), i + 1) for i, s in enumerate(sets)])
            median = moocore.eaf(data, labels, percentiles=[50])[:, :2]
            median = median[np.argsort(median[:, 1])]
            ax.step([*median[:, 1], right], [*-median[:, 0], -median[-1, 0]], where="post", lw=1, label=method)
        _, dataset, metric, constraint = parse_setting(setting)
        ax.set_title(f"{dataset} {metric}" + (f", {constraint}" if constraint else ""), fontsize=8)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.tick_params(labelsize=6)
        top, low = front[:, 0].max(), np.percentile(front[:, 0], 25)  # the upper three quarters of the front
        ax.set_ylim(low - 0.1 * (top - low), top + 0.05 * (top - low))
    for ax in list(axes.flat)[len(table_settings):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6)
    fig.supxlabel("metric (log scale)", fontsize=8)
    fig.supylabel("validation accuracy (%)", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def load_records(out: Path, jobs: Iterable[Job]) -> List[Dict[str, Any]]:
    return [json.loads(job_path(out, job).read_text()) for job in jobs if job_path(out, job).is_file()]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--settings", default="selection", help=f"names or groups: {', '.join(GROUPS)}")
    parser.add_argument("--methods", default=",".join(METHODS),
                        help="comma-separated; options in brackets use spaces or ';' between values, not commas")
    parser.add_argument("--seeds", default="10-19")
    parser.add_argument("--budget", type=int, default=200)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument("--report-only", action="store_true", help="tabulate the cached jobs, run nothing")
    args = parser.parse_args(argv)
    if not 1 <= args.budget <= 10_000:
        parser.error(f"--budget must be in 1..10000, got {args.budget}")
    if not 1 <= args.jobs <= 64:
        parser.error(f"--jobs must be in 1..64, got {args.jobs}")
    try:
        settings = expand_settings(args.settings)
        methods = parse_methods(args.methods)
        seeds = parse_seeds(args.seeds)
    except ValueError as error:
        parser.error(str(error))
    jobs = [Job(m, s, seed, args.budget) for s in settings for m in methods for seed in seeds]
    if not args.report_only:
        run_jobs(jobs, args.out, args.jobs)
    records = load_records(args.out, jobs)
    table = summarise(records, settings, methods, args.budget)
    text = report(table, methods, args.budget, methods[0])
    (args.out / "report.md").write_text(text)
    print(text)
    if not args.no_plot:
        others = [s for s in settings if s not in GROUPS["all"]]  # e.g. with a constraint on top
        for group, names in [*GROUPS.items(), ("other", others)]:
            chosen = [s for s in settings if s in names]
            if group not in ("all", "selection") and chosen:
                plot(chosen, records, methods, min(100, args.budget), args.out / f"{group}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
