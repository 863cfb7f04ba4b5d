"""The README's Python example against the CLI, and the shell's per-query overhead, timed as a user sees them.

Two measurements, each in fresh processes, run back to back ``--pairs`` times (medians):

1. **README example vs CLI:** the first ``python`` block under README.md's "Python API" heading,
   saved as a script and run as written, against ``naslib-optiproxy search`` on the same task
   (NB201 cifar10, 100 evaluations, seed 0). Reports both wall times and their ratio.
2. **Shell overhead per query:** a budget-100 RS run through the CLI; wall time of the whole
   process minus the objective's own time (``eval_seconds`` summed from ``result.json``), split
   into start-up (interpreter start to the first evaluation) and the per-query cost inside the loop.

Example (numbers in docs/results.md)::

    python benchmarks/doors_timing.py --pairs 3
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Tuple

ROOT = Path(__file__).resolve().parents[1]
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


def timed(command: List[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def overhead(cwd: Path, optimizer: str = "rs") -> Tuple[float, float, float]:
    """``(wall, objective seconds, in-loop seconds)`` of one budget-100 CLI run."""
    out = cwd / f"overhead-{time.perf_counter_ns()}"
    wall = timed([*CLI[:-1], "--optimizer", optimizer, "--no-progress", "--out", str(out)], cwd)
    result = json.loads((out / "result.json").read_text())
    return wall, sum(h.get("eval_seconds", 0.0) for h in result["history"]), result["seconds"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--skip-example", action="store_true", help="only the shell overhead")
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
            print(f"README example: median {statistics.median(examples):.1f} s; CLI: median "
                  f"{statistics.median(clis):.1f} s; ratio example/CLI (median of pairs): {ratio:.2f}")
        runs = [overhead(cwd) for _ in range(args.pairs)]
        walls = [w for w, _, _ in runs]
        shell = [(w - e) for w, e, _ in runs]
        loop = [(s - e) / 100 * 1000 for _, e, s in runs]
        print(f"RS budget 100 through the CLI: wall median {statistics.median(walls):.2f} s, shell (wall minus "
              f"objective) {statistics.median(shell):.2f} s = {statistics.median(shell) * 10:.1f} ms per query, "
              f"of which in the loop {statistics.median(loop):.2f} ms per query")
    return 0


if __name__ == "__main__":
    sys.exit(main())
