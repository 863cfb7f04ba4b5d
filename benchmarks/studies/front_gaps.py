"""Where found fronts fall short: the hypervolume a method misses, split into stretches of the true front.

Reads the job cache of :mod:`benchmarks.studies.multiobjective` (run nothing). For each setting,
the true front (normalised units of :mod:`naslib_optiproxy.pareto`: accuracy loss on the y axis,
the metric on the x axis, both minimised) is cut along the metric axis into ``--stretches``
stretches holding equal parts of its hypervolume: the first is the fast / small end, the last
the accurate end. For each method, the share of each stretch's hypervolume that its found set
misses after ``--at`` evaluations (mean over the seeds), and how many true-front points lie in
each stretch, with the share of them the method found exactly. Areas are moocore's
hypervolumes of the points clipped to the stretch.

Example::

    python -m benchmarks.studies.front_gaps --out runs/mo-full --seeds 0-9 --budget 200 --at 100 \\
        --settings hw:cifar10:raspi4_latency,hw:cifar10:edgegpu_latency --methods optiproxy-mo,motpe
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import moocore
import numpy as np

from benchmarks.studies.multiobjective import (Job, checkpoint_points, expand_settings, load_records, objective_of,
                                               parse_methods, parse_seeds)


def strip_area(unit: np.ndarray, low: float, high: float) -> float:
    """The area of ``[low, high] x [.., 1]`` that the normalised points ``unit [n, 2]`` (metric in column 1,
    accuracy loss in column 0) dominate."""
    inside = unit[unit[:, 1] < high]
    if not len(inside):
        return 0.0
    clipped = np.c_[np.maximum(inside[:, 1], low), inside[:, 0]]
    return float(moocore.hypervolume(clipped, ref=np.array([high, 1.0])))


def stretch_edges(front: np.ndarray, parts: int) -> List[float]:
    """Metric-axis edges cutting the normalised true front ``[F, 2]`` into ``parts`` equal-hypervolume stretches."""
    total = strip_area(front, 0.0, 1.0)
    edges = [0.0]
    for k in range(1, parts):
        low, high = edges[-1], 1.0
        for _ in range(60):  # bisection on the cumulative area
            middle = (low + high) / 2
            if strip_area(front, 0.0, middle) < total * k / parts:
                low = middle
            else:
                high = middle
        edges.append(high)
    return edges + [1.0]


def gaps(setting: str, records: Sequence[dict], at: int, parts: int) -> Dict[str, object]:
    """Per stretch: true-front points, and each method's mean missed share and exact hits."""
    score = objective_of(setting).front_score()
    front = score.bounds.normalise(score.front, score.criteria)
    edges = stretch_edges(front, parts)
    truth = [strip_area(front, lo, hi) for lo, hi in zip(edges, edges[1:])]
    in_stretch = [(front[:, 1] >= lo) & (front[:, 1] < hi if k < parts - 1 else front[:, 1] <= hi)
                  for k, (lo, hi) in enumerate(zip(edges, edges[1:]))]
    methods: Dict[str, Dict[str, List[float]]] = {}
    for record in records:
        found = checkpoint_points(record["points"], at)
        unit = score.bounds.normalise(found, score.criteria) if len(found) else np.zeros((0, 2))
        row = methods.setdefault(record["method"], {"missed": [[] for _ in truth], "hits": [[] for _ in truth]})
        hit = np.array([bool(len(unit)) and bool(np.any(np.all(np.isclose(unit, p), axis=1))) for p in front])
        for k, (lo, hi) in enumerate(zip(edges, edges[1:])):
            row["missed"][k].append(1.0 - strip_area(unit, lo, hi) / truth[k])
            row["hits"][k].append(float(hit[in_stretch[k]].mean()) if in_stretch[k].any() else float("nan"))
    return {"edges": edges, "points": [int(mask.sum()) for mask in in_stretch], "methods": methods}


def table(settings: Sequence[str], out: Path, methods: Sequence[str], seeds: Sequence[int], budget: int,
          at: int, parts: int) -> str:
    names = ["fast end" if k == 0 else "accurate end" if k == parts - 1 else f"stretch {k + 1}" for k in range(parts)]
    lines = [f"Missed share of each stretch's true hypervolume after {at} evaluations, mean over seeds "
             f"{seeds[0]}-{seeds[-1]} (exact true-front points found / true-front points in the stretch)", "",
             "| setting | method | " + " | ".join(names) + " |", "|---|---|" + "---|" * parts]
    for setting in settings:
        records = load_records(out, [Job(m, setting, s, budget) for m in methods for s in seeds])
        result = gaps(setting, records, at, parts)
        for method in methods:
            row: Optional[Dict[str, List[List[float]]]] = result["methods"].get(method)  # type: ignore[union-attr]
            if row is None:
                continue
            cells = [f"{statistics.mean(missed):.3f} " + (f"({statistics.mean(hits) * points:.1f}/{points})" if points
                                                          else "(0 points)")
                     for missed, hits, points in zip(row["missed"], row["hits"], result["points"])]
            lines.append(f"| {setting} | {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", required=True, help="names or groups, as in benchmarks.studies.multiobjective")
    parser.add_argument("--methods", default="optiproxy-mo,motpe")
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--budget", type=int, default=200, help="the budget the cached jobs ran with")
    parser.add_argument("--at", type=int, default=100, help="score after this many evaluations")
    parser.add_argument("--stretches", type=int, default=3, choices=range(2, 11))
    parser.add_argument("--out", type=Path, required=True, help="the multi-objective study's OUT folder")
    args = parser.parse_args(argv)
    if not 1 <= args.budget <= 10_000:
        parser.error(f"--budget must be in 1..10000, got {args.budget}")
    if not 1 <= args.at <= args.budget:
        parser.error(f"--at must be between 1 and --budget ({args.budget}), got {args.at}")
    try:
        settings, methods, seeds = expand_settings(args.settings), parse_methods(args.methods), parse_seeds(args.seeds)
    except ValueError as error:
        parser.error(str(error))
    print(table(settings, args.out, methods, seeds, args.budget, args.at, args.stretches))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
