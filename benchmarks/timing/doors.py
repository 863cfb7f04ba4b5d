"""The README's Python example against the CLI, and the shell's per-query overhead, timed as a user sees them.

Two measurements, each in fresh processes, run back to back ``--pairs`` times (medians):

1. **README example vs CLI:** the first ``python`` block under README.md's "Python API" heading,
   saved as a script and run as written, against ``naslib-optiproxy search`` on the same task
   (NB201 cifar10, 100 evaluations, seed 0). Reports both wall times and their ratio.
2. **Shell overhead per query:** a budget-100 RS run through the CLI; wall time of the whole
   process minus the objective's own time (``eval_seconds`` summed from ``result.json``), split
   into start-up (interpreter start to the first evaluation) and the per-query cost inside the loop.

Example (numbers in docs/results.md)::

    python -m benchmarks.timing.doors --pairs 3
    # shell overhead of another checkout (e.g. the previous release) interleaved with this one's:
    python -m benchmarks.timing.doors --skip-example --pairs 5 --other /path/to/old/checkout \
        --other-args "--data-dir DIR"
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Tuple

from benchmarks import ROOT

CLI = [sys.executable, "-m", "naslib_optiproxy", "search", "--search-space", "nasbench201", "--dataset", "cifar10",
       "--budget", "100", "--seed", "0", "--no-progress"]


def readme_example() -> str:
    """The first python block after the README's 'Python API' heading."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("Python API"):]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    if match is None:
        raise SystemExit("README.md has no python block under 'Python API'")
    return match.group(1)


def timed(command: List[str], cwd: Path, pythonpath: str = "") -> float:
    env = {**os.environ, "PYTHONPATH": pythonpath} if pythonpath else None
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True, env=env)
    return time.perf_counter() - start


def overhead(cwd: Path, pythonpath: str = "", extra: Tuple[str, ...] = ()) -> Tuple[float, float, float]:
    """``(wall, objective seconds, in-loop seconds)`` of one budget-100 RS run through the CLI."""
    out = cwd / f"overhead-{time.perf_counter_ns()}"
    wall = timed([*CLI, "--optimizer", "rs", *extra, "--out", str(out)], cwd, pythonpath)
    result = json.loads((out / "result.json").read_text())
    return wall, sum(h.get("eval_seconds", 0.0) for h in result["history"]), result["seconds"]


LINES: List[str] = []  # everything printed, for --save


def say(line: str) -> None:
    print(line)
    LINES.append(line)


def report_overhead(label: str, runs: List[Tuple[float, float, float]]) -> None:
    walls = [w for w, _, _ in runs]
    shell = [w - e for w, e, _ in runs]
    loop = [(s - e) / 100 * 1000 for _, e, s in runs]
    say(f"{label}: RS budget 100 through the CLI: wall median {statistics.median(walls):.2f} s, shell (wall minus "
          f"objective) {statistics.median(shell):.2f} s = {statistics.median(shell) * 10:.1f} ms per query, "
          f"of which in the loop {statistics.median(loop):.2f} ms per query")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--skip-example", action="store_true", help="only the shell overhead")
    parser.add_argument("--args", default="", help="extra flags of this checkout's runs, e.g. '--data-dir DIR'")
    parser.add_argument("--other", default="", help="another checkout whose shell overhead is measured interleaved")
    parser.add_argument("--other-args", default="", help="extra flags of the other checkout's runs")
    parser.add_argument("--save", default=None, help="also write the printed lines as JSON here (report.py reads them)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        cwd = Path(scratch)
        if not args.skip_example:
            (cwd / "example.py").write_text(readme_example(), encoding="utf-8")
            examples, clis = [], []
            for i in range(args.pairs):
                examples.append(timed([sys.executable, "example.py"], cwd))
                clis.append(timed([*CLI, "--out", str(cwd / f"cli-{i}")], cwd))
                print(f"pair {i}: README example {examples[-1]:.1f} s, CLI {clis[-1]:.1f} s", file=sys.stderr)
            ratio = statistics.median(e / c for e, c in zip(examples, clis))
            say(f"README example: median {statistics.median(examples):.1f} s; CLI: median "
                  f"{statistics.median(clis):.1f} s; ratio example/CLI (median of pairs): {ratio:.2f}")
        mine, other = [], []
        for _ in range(args.pairs):
            mine.append(overhead(cwd, str(ROOT), tuple(shlex.split(args.args))))
            if args.other:
                other.append(overhead(cwd, args.other, tuple(shlex.split(args.other_args))))
        report_overhead(f"this checkout {' '.join(shlex.split(args.args))}".strip(), mine)
        if args.other:
            report_overhead(f"{args.other} {args.other_args}".strip(), other)
    if args.save:
        Path(args.save).parent.mkdir(parents=True, exist_ok=True)
        Path(args.save).write_text(json.dumps({"pairs": args.pairs, "lines": LINES}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
