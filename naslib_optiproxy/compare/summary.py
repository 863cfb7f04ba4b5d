"""What a comparison produces: a CSV of every trajectory, markdown tables, and plots.

The plots follow the paper's Figure 3: best-so-far val against evaluations, the mean over
seeds as a line and the standard error as a band, one line per method, one panel per task.
A task with several objectives gets :func:`front_table` instead of :func:`markdown_table`: the
share of the true front's hypervolume and IGD per method at each checkpoint.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from .._files import render, write_atomic
from ..front_result import indicators_at

Record = Dict[str, Any]


def load_results(records: Sequence[Record]) -> Dict[str, Dict[str, List[Record]]]:
    """``{task: {method: [records sorted by seed]}}``, tasks and methods in first-seen order."""
    grouped: Dict[str, Dict[str, List[Record]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        grouped[record["task"]][record["method"]].append(record)
    return {task: {m: sorted(rs, key=lambda r: r["seed"]) for m, rs in methods.items()}
            for task, methods in grouped.items()}


def present(value: Optional[float]) -> bool:
    """A real value (not ``None``/NaN: nothing found yet, e.g. no feasible architecture)."""
    return value is not None and math.isfinite(value)


def write_trajectories_csv(records: Sequence[Record], path: Path) -> None:
    """One row per (task, method, seed, evaluation): the best value found so far (empty: none yet).

    Written atomically: a link planted at ``path`` is replaced, never written through."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(["task", "method", "seed", "evaluation", "best_so_far"])
    for r in records:
        for i, value in enumerate(r["trajectory"], 1):
            writer.writerow([r["task"], r["method"], r["seed"], i, f"{value:.4f}" if present(value) else ""])
    write_atomic(path, text.getvalue().encode("utf-8"))


def queries_to(trajectory: Sequence[Optional[float]], target: float) -> Optional[int]:
    """The first evaluation (1-based) whose best-so-far reaches ``target``; ``None`` if never."""
    return next((i + 1 for i, v in enumerate(trajectory) if present(v) and v >= target - 1e-6), None)


def value_at(record: Record, evaluations: int) -> Optional[float]:
    """Best-so-far after ``evaluations`` (the last value if the run was shorter)."""
    trajectory = record["trajectory"]
    return trajectory[min(evaluations, len(trajectory)) - 1] if trajectory else None


#: What follows ``±`` in the tables: the population standard deviation over seeds, or the standard
#: error of the mean (sample standard deviation / sqrt(seeds)).
SPREADS = {"std": "std over seeds (population std)", "se": "standard error of the mean over seeds"}


def spread_of(values: Sequence[float], spread: str = "std") -> float:
    """The ``spread`` (:data:`SPREADS`) of ``values``; 0 for a single value."""
    if spread == "std":
        return statistics.pstdev(values)
    if spread == "se":
        return statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else 0.0
    raise ValueError(f"unknown spread {spread!r}; choose one of {', '.join(SPREADS)}")


def mean_std(values: Sequence[Optional[float]], digits: int = 3, spread: str = "std") -> str:
    """``mean ± std`` (population std over seeds; ``spread="se"``: ± the standard error); notes seeds
    without a value (e.g. nothing feasible)."""
    found = [v for v in values if present(v)]
    if not found:
        return "n/a"
    text = f"{statistics.mean(found):.{digits}f} ± {spread_of(found, spread):.{digits}f}"
    return text if len(found) == len(values) else f"{text} ({len(found)}/{len(values)} seeds)"


def markdown_table(methods: Dict[str, List[Record]], checkpoints: Sequence[int], spread: str = "std") -> List[str]:
    """Rows per method: mean ± std (``spread="se"``: ± standard error) best val at ``checkpoints``, test
    of the best, optimum hits and median queries to it (where the optimum is known), seconds and peak
    memory per run."""
    budget = max(r["budget"] for runs in methods.values() for r in runs)
    checkpoints = [c for c in checkpoints if c <= budget]
    optimum = next((r["optimum_val"] for runs in methods.values() for r in runs
                    if r.get("optimum_val") is not None), None)
    header = ["method", "seeds"] + [f"@{c}" for c in checkpoints] + ["test of best"]
    if optimum is not None:
        header += ["optimum hits", "median queries to optimum"]
    header += ["s/run", "peak RSS MB"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for method, runs in methods.items():
        cells = [method, str(len(runs))] + [mean_std([value_at(r, c) for r in runs], spread=spread)
                                            for c in checkpoints]
        tests = [r["best"]["test"] for r in runs if r.get("best") and r["best"].get("test") is not None]
        cells.append(f"{statistics.mean(tests):.3f}" if tests else "-")
        if optimum is not None:
            hits = [h for h in (queries_to(r["trajectory"], optimum) for r in runs) if h is not None]
            cells += [f"{len(hits)}/{len(runs)}", f"{statistics.median(hits):.0f}" if hits else "-"]
        peaks = [r["peak_rss_mb"] for r in runs if r.get("peak_rss_mb") is not None]
        cells += [f"{statistics.mean(r['seconds'] for r in runs):.1f}", f"{max(peaks):.0f}" if peaks else "-"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def front_table(methods: Dict[str, List[Record]], checkpoints: Sequence[int], spread: str = "std") -> List[str]:
    """Rows per method: mean ± std (``spread="se"``: ± standard error) of the share of the true front's
    hypervolume and of IGD (lower is better) after each checkpoint, the front's size at the end, seconds."""
    budget = max(r["budget"] for runs in methods.values() for r in runs)
    checkpoints = [c for c in checkpoints if c <= budget]
    header = (["method", "seeds"] + [f"HV share @{c}" for c in checkpoints] + [f"IGD @{c}" for c in checkpoints]
              + ["front size", "s/run"])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for method, runs in methods.items():
        scores = {c: [indicators_at(r, c) for r in runs] for c in checkpoints}
        cells = [method, str(len(runs))]
        cells += [mean_std([s for s, _ in scores[c]], digits=4, spread=spread) for c in checkpoints]
        cells += [mean_std([i for _, i in scores[c]], digits=4, spread=spread) for c in checkpoints]
        sizes = [len(r["front"]["trials"]) for r in runs if r.get("front")]
        cells += [f"{statistics.mean(sizes):.1f}" if sizes else "-", f"{statistics.mean(r['seconds'] for r in runs):.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def mean_and_stderr(runs: Sequence[Record]) -> tuple:
    """Per evaluation: mean and standard error of best-so-far over the seeds (NaN until every seed has
    a value, e.g. has found a feasible architecture, so the mean curve never drops as seeds join)."""
    length = max(len(r["trajectory"]) for r in runs)
    means, errors = [], []
    for i in range(length):
        values = [value_at(r, i + 1) for r in runs]
        if not all(present(v) for v in values):
            means.append(math.nan)
            errors.append(0.0)
            continue
        means.append(statistics.mean(values))
        errors.append(statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else 0.0)
    return means, errors


def plot_trajectories(grouped: Dict[str, Dict[str, List[Record]]], path: Path, columns: int = 3,
                      skip: int = 0) -> Path:
    """One PNG: a panel per task, best-so-far val vs evaluations, mean line and stderr band.

    ``skip`` drops the first evaluations from the view (random initial designs flatten the scale).
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise RuntimeError("plots need matplotlib: pip install 'naslib-optiproxy[plot]'") from error
    tasks = list(grouped)
    columns = max(1, min(columns, len(tasks)))
    rows = math.ceil(len(tasks) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.6 * columns, 3.5 * rows), squeeze=False)
    for ax, task in zip(axes.flat, tasks):
        lows = []
        for method, runs in grouped[task].items():
            means, errors = mean_and_stderr(runs)
            xs = list(range(1, len(means) + 1))[skip:]
            m, e = means[skip:], errors[skip:]
            line, = ax.plot(xs, m, label=f"{method} (n={len(runs)})", linewidth=1.6)
            ax.fill_between(xs, [a - b for a, b in zip(m, e)], [a + b for a, b in zip(m, e)],
                            color=line.get_color(), alpha=0.2, linewidth=0)
            finite = [v for v in m if not math.isnan(v)]
            if finite:
                lows.append(finite[len(finite) // 5])  # keep the last 80% of the climb in view
        optimum = next((r.get("optimum_val") for runs in grouped[task].values() for r in runs
                        if r.get("optimum_val") is not None), None)
        if optimum is not None:
            ax.axhline(optimum, color="black", linestyle=":", linewidth=1, label="global optimum")
        if lows:
            top = optimum if optimum is not None else max(
                v for runs in grouped[task].values() for v in mean_and_stderr(runs)[0] if not math.isnan(v))
            ax.set_ylim(min(lows), top + 0.08 * max(top - min(lows), 1e-3))
        ax.set_title(task.replace(":", "\n", 1), fontsize=9)
        ax.set_xlabel("evaluations")
        ax.set_ylabel("best val so far (%)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    for ax in list(axes.flat)[len(tasks):]:
        ax.axis("off")
    fig.tight_layout()
    path = Path(path)
    try:
        image = render(lambda buffer: fig.savefig(buffer, dpi=110, format=path.suffix.lstrip(".") or "png"))
    finally:
        plt.close(fig)
    write_atomic(path, image)  # a link planted at ``path`` is replaced, never written through
    return path
