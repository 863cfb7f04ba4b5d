"""Tables and plots of OptiProxy against the peer optimizers (docs/peers.md), from ``compare`` job records.

Reads every job record of the given ``compare`` output folders (``<folder>/<task>/<method>/seed-*.json``)
or archives of them (``benchmarks/report/job_records.py``, committed under ``benchmarks/records/``)
and writes, per task: mean ± standard error of the best val found at 50, 100, 200 and 280
evaluations (those the budget reaches), optimum hits and the median queries to the
optimum (over the seeds that hit it), the mean seconds per run and its ratio to the yardstick
(a fixed reference workload timed on the same machine), the peers' repeated and invalid
proposals per run; one Figure-3 style plot per task (mean best-so-far, standard-error band, every
method); and a standing table: OptiProxy's mean minus the best other method's mean at each
checkpoint, flagged where another method is ahead by more than the standard error of the
difference of the two means, ``sqrt(se_a^2 + se_b^2)``.

The output replaces what lies between the markers ``<!-- peers-tables:start -->`` and
``<!-- peers-tables:end -->`` in ``--doc`` (everything else in the file is kept), with the
command that made it; with ``--block NAME``, between ``<!-- peers-tables:NAME:start -->`` and
``<!-- peers-tables:NAME:end -->`` instead (tables run apart from the main ones), its plots in
``<figures>/NAME/``. Example (after the ``compare`` runs of ``benchmarks/suites/peers_*.yaml``)::

    naslib-optiproxy compare --suite benchmarks/suites/peers_nb201.yaml --out runs/peers/nb201 --jobs 2
    python -m benchmarks.report.peers_table "Table 1: NAS-Bench-201=runs/peers/nb201" \\
        "NAS-Bench-Graph=runs/peers/graph" --yardstick ../shared/tools/yardstick.py

``--yardstick FILE`` runs the yardstick now, with one thread (use it right after the comparison,
on the same machine, at the same ``nice`` level) and reads its own timing of the workload;
``--yardstick-seconds S`` takes a time measured before. Either is optional (without them the
ratio column is left out).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shlex
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from benchmarks import ROOT
from benchmarks.report.job_records import check_once, read_records
from naslib_optiproxy.compare.summary import load_results, mean_std, plot_trajectories, present, queries_to, value_at
from naslib_optiproxy.compare.tasks import Task

DOC = ROOT / "docs" / "peers.md"
FIGURES = ROOT / "docs" / "figures" / "peers"
START, END = "<!-- peers-tables:start -->", "<!-- peers-tables:end -->"
BLOCK_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
CHECKPOINTS = (50, 100, 200, 280)
REFERENCE = "optiproxy"

Record = Dict[str, Any]
Methods = Dict[str, List[Record]]


def checkpoints_of(runs: Methods) -> List[int]:
    """:data:`CHECKPOINTS` within the task's budget, and the budget itself."""
    budget = max(r["budget"] for records in runs.values() for r in records)
    return sorted({c for c in CHECKPOINTS if c <= budget} | {budget})


def ordered(grouped: Dict[str, Methods], reference: str = REFERENCE) -> Dict[str, Methods]:
    """Tasks by search space, budget and name; in each, the reference method first, then the others by name."""
    def task_key(task: str) -> Tuple[str, int, str]:
        return Task.parse(task).space, max(r["budget"] for runs in grouped[task].values() for r in runs), task

    return {task: {m: grouped[task][m] for m in sorted(grouped[task], key=lambda m: (m != reference, m))}
            for task in sorted(grouped, key=task_key)}


def mean_se(values: Sequence[Optional[float]]) -> Tuple[Optional[float], float]:
    """Mean and standard error of the present values (``(None, 0)`` when there are none)."""
    found = [v for v in values if present(v)]
    if not found:
        return None, 0.0
    se = statistics.stdev(found) / math.sqrt(len(found)) if len(found) > 1 else 0.0
    return statistics.mean(found), se


def seconds(runs: List[Record]) -> float:
    return statistics.mean(r["seconds"] for r in runs)


def proposals(runs: List[Record]) -> str:
    """Mean repeated and invalid proposals per run of a peer optimizer (``-`` for the others)."""
    counts = [r.get("proposals") for r in runs]
    if not all(counts):
        return "-"
    return (f"{statistics.mean(c['repeats'] for c in counts):.1f} / "
            f"{statistics.mean(c['invalid'] for c in counts):.1f}")


def task_table(methods: Methods, yardstick: Optional[float]) -> List[str]:
    """The markdown rows of one task (module docstring)."""
    points = checkpoints_of(methods)
    optimum = next((r["optimum_val"] for runs in methods.values() for r in runs if r.get("optimum_val")), None)
    header = ["method", "seeds"] + [f"@{c}" for c in points]
    if optimum is not None:
        header += ["optimum hits", "median queries to optimum"]
    header += ["s/run"] + (["s/run ÷ yardstick"] if yardstick else []) + ["repeats / invalid per run"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for method, runs in methods.items():
        cells = [method, str(len(runs))] + [mean_std([value_at(r, c) for r in runs], spread="se") for c in points]
        if optimum is not None:
            hits = [h for h in (queries_to(r["trajectory"], optimum) for r in runs) if h is not None]
            cells += [f"{len(hits)}/{len(runs)}", f"{statistics.median(hits):.0f}" if hits else "-"]
        cells.append(f"{seconds(runs):.1f}")
        if yardstick:
            cells.append(f"{seconds(runs) / yardstick:.2f}")
        cells.append(proposals(runs))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def standing(grouped: Dict[str, Methods], reference: str = REFERENCE) -> List[str]:
    """Per task and checkpoint: reference mean minus the best other mean (which method), flagged
    ``behind`` where that method is ahead by more than the standard error of the difference."""
    points = sorted({c for methods in grouped.values() for c in checkpoints_of(methods)})
    lines = ["| task | " + " | ".join(f"@{c}" for c in points) + " |", "|---|" + "---|" * len(points)]
    for task, methods in grouped.items():
        if reference not in methods or len(methods) < 2:
            continue
        cells = [task]
        for c in points:
            if c not in checkpoints_of(methods):
                cells.append("")
                continue
            ours, ours_se = mean_se([value_at(r, c) for r in methods[reference]])
            others = {m: mean_se([value_at(r, c) for r in runs]) for m, runs in methods.items() if m != reference}
            others = {m: v for m, v in others.items() if v[0] is not None}
            if ours is None or not others:
                cells.append("n/a")
                continue
            best = max(others, key=lambda m: others[m][0])
            mean, se = others[best]
            gap = ours - mean
            flag = " **behind**" if -gap > math.hypot(ours_se, se) else ""
            cells.append(f"{gap:+.3f} ({best}){flag}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def versions(records: Sequence[Record]) -> List[str]:
    """The package and library versions the records were made with."""
    found = {f"naslib-optiproxy {r.get('package_version')}" for r in records}
    found |= {r["settings"]["library"] for r in records if isinstance(r.get("settings"), dict)
              and r["settings"].get("library")}
    found |= {f"torch {r['torch_version']}" for r in records if r.get("torch_version")}
    return sorted(found)


def time_yardstick(path: Path) -> float:
    """Run the yardstick with one thread, as the runs' torch work (``threads.py``), and return its own timing
    of the workload (the ``yardstick (cpu): X s`` line). Two threads on a loaded machine stall on each other."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True, env=env)
    match = re.search(r"yardstick \(\w+\): ([0-9.]+) s", done.stdout)
    if not match:
        raise SystemExit(f"error: {path} printed no 'yardstick (...): X s' line")
    return float(match[1])


def markers(block: Optional[str] = None) -> Tuple[str, str]:
    """The markers of the generated part: :data:`START` and :data:`END`, or a named block's own pair."""
    if block is None:
        return START, END
    return f"<!-- peers-tables:{block}:start -->", f"<!-- peers-tables:{block}:end -->"


def section(sections: Sequence[Tuple[str, List[Record]]], yardstick: Optional[float], figures: Path,
            doc: Path, command: str, block: Optional[str] = None) -> List[str]:
    """The generated part of docs/peers.md (between the markers of ``block``)."""
    start, end = markers(block)
    lines = [start, "", f"Generated by `{command}`; do not edit by hand.", ""]
    if yardstick:
        lines += [f"Yardstick: {yardstick:.2f} s (its own timing of the reference workload, on the machine and "
                  f"day of the runs); *s/run ÷ yardstick* is each method's mean seconds per run divided by it.", ""]
    lines += ["Best val (%) found after N evaluations, mean ± standard error over the seeds; optimum hits and "
              "the median queries to the optimum (over the seeds that hit it) where the optimum is known; "
              "*repeats / invalid per run*: the peer optimizers' proposals of evaluated or invalid architectures, "
              "told to the library and not charged to the budget.", ""]
    everything = ordered(load_results([r for _, records in sections for r in records]))
    placed = set()
    for title, records in sections:  # a task listed in several folders: one table, in the first section
        tasks = [t for t in everything if t not in placed and any(r["task"] == t for r in records)]
        placed.update(tasks)
        lines += [f"### {title}", ""]
        for task in tasks:
            methods = everything[task]
            plan = max(r["budget"] for runs in methods.values() for r in runs)
            figure = figures / f"{Task.parse(task).slug}.png"
            plot_trajectories({task: methods}, figure, columns=1)
            link = Path(os.path.relpath(figure, doc.parent)).as_posix()
            lines += [f"#### {task}, budget {plan}", ""] + task_table(methods, yardstick) + [
                "", f"![{task}]({link})", ""]
        lines += [f"Made with: {', '.join(versions(records))}.", ""]
    lines += ["### Standing", "", f"{REFERENCE}'s mean minus the best other method's mean (which one); "
              "**behind**: that method is ahead by more than the standard error of the difference of the means.",
              ""] + standing(everything) + ["", end]
    return lines


def write_doc(doc: Path, lines: List[str]) -> None:
    """Replace the region of ``doc`` between ``lines``' first and last line (its markers) with ``lines``
    (appended when the markers are missing)."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    start, end, block = lines[0], lines[-1], "\n".join(lines)
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + block + "\n"
    doc.write_text(text, encoding="utf-8")


def parse_sections(values: Sequence[str]) -> List[Tuple[str, Path]]:
    out = []
    for value in values:
        title, sep, folder = value.rpartition("=")
        out.append((title if sep else Path(value).name, Path(folder if sep else value)))
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report.peers_table", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", metavar="[TITLE=]SOURCE",
                        help="compare output folders or archives of them (benchmarks/report/job_records.py), one "
                             "section each; a task found in several is one table, in the first")
    parser.add_argument("--yardstick", type=Path, help="run this yardstick script now and use its timing")
    parser.add_argument("--yardstick-seconds", type=float, help="a yardstick time measured with the runs")
    parser.add_argument("--doc", type=Path, default=DOC, help=f"the markdown file to update (default: {DOC})")
    parser.add_argument("--figures", type=Path, default=FIGURES,
                        help=f"where the plots go (default: {FIGURES}, in a folder named after --block if given)")
    parser.add_argument("--block", help="write between the markers <!-- peers-tables:BLOCK:start/end --> instead of "
                                        "the main ones (tables run apart from the main ones: lower case, digits, -)")
    args = parser.parse_args(argv)
    if args.yardstick and args.yardstick_seconds:
        parser.error("give --yardstick or --yardstick-seconds, not both")
    if args.block is not None and not BLOCK_NAME.fullmatch(args.block):
        parser.error(f"bad --block {args.block!r}: 1-40 lower-case letters, digits or '-', starting with a letter or digit")
    figures = args.figures / args.block if args.block else args.figures
    yardstick = time_yardstick(args.yardstick) if args.yardstick else args.yardstick_seconds
    sections = [(title, read_records(source)) for title, source in parse_sections(args.folders)]
    check_once([r for _, records in sections for r in records])
    command = "python -m benchmarks.report.peers_table " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    lines = section(sections, yardstick, figures.resolve(), args.doc.resolve(), command, args.block)
    write_doc(args.doc, lines)
    print(f"wrote {args.doc} and {len(list(figures.glob('*.png')))} plots in {figures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
