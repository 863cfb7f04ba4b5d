"""Start-up of a NASLib run through the plugin: where a short ``naslib-optiproxy naslib`` run spends its time.

One command, NASLib's RE on NB201 cifar10 (100 epochs, seed 0, the bundled table), as a user runs it::

    naslib-optiproxy naslib --config-file naslib_configs/nasbench201/cifar10/re.yaml --seed 0 out_dir DIR

run ``--runs`` times in fresh processes (a new ``out_dir`` each time). Per run: the wall seconds of the
whole process and the search seconds NASLib's ``Trainer.search`` took (``optiproxy_summary.json``);
start-up = wall minus search. Then one run under ``python -X importtime``: the import seconds by top-level
package (each module's own time, so a package's figure excludes what it imports from other packages).
``--other CHECKOUT`` runs another checkout's command in turn with this one's (A B A B ...), for a
before/after pair on the same machine state. NASLib must be importable (``PYTHONPATH``, docs/naslib.md).

Example (numbers in docs/naslib.md, "Start-up")::

    PYTHONPATH=~/NASLib python -m benchmarks.timing.naslib_startup --runs 5 --other /path/to/previous/checkout
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[2]
ARGS = ["naslib", "--config-file", "naslib_configs/nasbench201/cifar10/re.yaml", "--seed", "0"]


def command(checkout: Path, out_dir: Path, *python_flags: str) -> Tuple[List[str], Dict[str, str]]:
    """The run's command line and environment for ``checkout`` (its package first on PYTHONPATH)."""
    path = os.pathsep.join(p for p in (str(checkout), os.environ.get("PYTHONPATH", "")) if p)
    return ([sys.executable, *python_flags, "-m", "naslib_optiproxy", *ARGS, "out_dir", str(out_dir)],
            {**os.environ, "PYTHONPATH": path})


def timed_run(checkout: Path, scratch: Path) -> Tuple[float, float]:
    """``(wall seconds, search seconds)`` of one run of ``checkout``'s command in a fresh process."""
    out = scratch / f"run-{time.perf_counter_ns()}"
    argv, env = command(checkout, out)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=checkout, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{checkout}: exit {done.returncode}\n{done.stderr[-2000:]}")
    summary = next(out.rglob("optiproxy_summary.json"))
    return wall, json.loads(summary.read_text())["search_seconds"]


def import_seconds(checkout: Path, scratch: Path) -> Dict[str, float]:
    """Seconds of one run's imports by top-level package (``python -X importtime``, self times)."""
    argv, env = command(checkout, scratch / "importtime", "-X", "importtime")
    done = subprocess.run(argv, cwd=checkout, env=env, capture_output=True, text=True)
    totals: Dict[str, float] = defaultdict(float)
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \| \s*(\S+)", line)
        if match:
            totals[match.group(2).split(".")[0]] += int(match.group(1)) / 1e6
    return dict(totals)


def report(label: str, runs: List[Tuple[float, float]], imports: Dict[str, float]) -> None:
    walls, searches = [w for w, _ in runs], [s for _, s in runs]
    startup = [w - s for w, s in runs]
    print(f"{label}: wall median {statistics.median(walls):.2f} s (min {min(walls):.2f}, max {max(walls):.2f}), "
          f"search {statistics.median(searches):.2f} s, start-up and the rest {statistics.median(startup):.2f} s "
          f"over {len(runs)} runs")
    top = sorted(imports.items(), key=lambda item: -item[1])
    shown = ", ".join(f"{name} {seconds:.2f}" for name, seconds in top[:10])
    print(f"  imports {sum(imports.values()):.2f} s: {shown}, other {sum(s for _, s in top[10:]):.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per checkout (default 5)")
    parser.add_argument("--other", type=Path, default=None, help="another checkout, run in turn with this one")
    args = parser.parse_args()
    checkouts = [ROOT] + ([args.other.resolve()] if args.other else [])
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        for checkout in checkouts:
            timed_run(checkout, scratch)  # warm-up: file caches
        runs: Dict[Path, List[Tuple[float, float]]] = {c: [] for c in checkouts}
        for index in range(args.runs):
            for checkout in checkouts:
                runs[checkout].append(timed_run(checkout, scratch))
            print(f"run {index}: " + ", ".join(f"{runs[c][-1][0]:.2f} s wall" for c in checkouts), file=sys.stderr,
                  flush=True)
        for checkout in checkouts:
            report("this checkout" if checkout == ROOT else str(checkout), runs[checkout],
                   import_seconds(checkout, scratch))
        if args.other:
            ratios = [a[0] / b[0] for a, b in zip(runs[ROOT], runs[checkouts[1]])]
            print(f"wall this / other, median of pairs: {statistics.median(ratios):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
