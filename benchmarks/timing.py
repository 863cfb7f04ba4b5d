"""Wall time and peak memory of single CLI runs, each in a fresh process, one after another.

Measures what a user sees: ``naslib-optiproxy search ...`` from interpreter start to exit
(imports and table loading included), the search's own seconds (``result.json``), and
the process's peak resident memory. Run it on an otherwise idle machine.

Example (the numbers in docs/results.md)::

    python benchmarks/timing.py --repeats 3 -- --search-space nasbench201 --dataset cifar10 --budget 100
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional

CHILD = """
import json, resource, sys
from naslib_optiproxy.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--save", default=None, help="also write the summary as JSON here")
    parser.add_argument("cli_args", nargs=argparse.REMAINDER, help="arguments of `naslib-optiproxy search`")
    args = parser.parse_args(argv)
    cli_args = [a for a in args.cli_args if a != "--"]
    walls, searches, peaks = [], [], []
    for i in range(args.repeats):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-c", CHILD, "search", *cli_args, "--no-progress", "--out", out],
                                  capture_output=True, text=True, check=True)
            walls.append(time.perf_counter() - start)
            child = json.loads(proc.stdout.strip().splitlines()[-1])
            result = json.loads((Path(out) / "result.json").read_text())
            searches.append(result["seconds"])
            peaks.append(child["peak_rss_mb"])
            print(f"run {i}: wall {walls[-1]:.2f} s, search {searches[-1]:.2f} s, peak RSS {peaks[-1]:.0f} MB, "
                  f"best {result['best']['val']:.3f}", file=sys.stderr)
    print(f"median of {args.repeats}: wall {statistics.median(walls):.2f} s, search {statistics.median(searches):.2f} s, "
          f"peak RSS {max(peaks):.0f} MB (max)")
    if args.save:
        Path(args.save).parent.mkdir(parents=True, exist_ok=True)
        Path(args.save).write_text(json.dumps({
            "command": "naslib-optiproxy search " + " ".join(cli_args), "repeats": args.repeats,
            "walls_s": walls, "searches_s": searches, "peak_rss_mb": peaks,
            "median_wall_s": statistics.median(walls), "median_search_s": statistics.median(searches),
            "max_peak_rss_mb": max(peaks)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
