"""Time the first NAS-Bench-201 query in a fresh process: the bundled table vs the user's files.

    python -m benchmarks.timing.load_time [--data-dir DIR] [--repeats 3] [--save benchmarks/results/load_time.json]

Each measurement is a new Python process that imports the package, builds the cifar10
objective and evaluates one architecture; the time from before the objective is built to
after the first query is printed (median of ``--repeats``), together with the process's
whole wall time. With ``--data-dir`` holding the light pickle and/or ``nb201_val_test.csv``,
each of those is timed too (copied alone into a temporary folder, so each format is read).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Tuple

from benchmarks import ROOT

PROBE = """
import sys, time
from naslib_optiproxy.objectives import NasBench201Objective
from naslib_optiproxy.spaces import Architecture
start = time.perf_counter()
objective = NasBench201Objective("cifar10", None if sys.argv[1] == "-" else sys.argv[1])
objective(Architecture((2, 2, 0, 2, 2, 3)))
print(time.perf_counter() - start, objective.data_source["kind"])
"""


def measure(data_dir: Optional[Path], cwd: Path) -> Tuple[float, float]:
    """``(seconds to the first query, process wall seconds)`` of one fresh process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PROBE, "-" if data_dir is None else str(data_dir)], cwd=cwd,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                          check=True)
    wall = time.perf_counter() - start
    return float(done.stdout.split()[0]), wall


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="folder with nb201_cifar10-valid_val_test_v1_0.pickle "
                                                      "and/or nb201_val_test.csv to compare against")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--save", type=Path, help="also write the rows as JSON (python -m benchmarks.report reads it)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        cases = [("bundled nb201.npz", None)]
        for name in ("nb201_cifar10-valid_val_test_v1_0.pickle", "nb201_val_test.csv"):
            if args.data_dir is not None and (args.data_dir / name).is_file():
                folder = Path(tmp) / name
                folder.mkdir()
                shutil.copyfile(args.data_dir / name, folder / name)
                cases.append((name, folder))
        print("| table | first query (s) | process wall (s) |\n|---|---|---|")
        rows = []
        for label, folder in cases:
            runs = [measure(folder, Path(tmp)) for _ in range(args.repeats)]
            rows.append({"table": label, "first_query_s": statistics.median(r[0] for r in runs),
                         "process_wall_s": statistics.median(r[1] for r in runs)})
            print(f"| {label} | {rows[-1]['first_query_s']:.3f} | {rows[-1]['process_wall_s']:.2f} |")
    if args.save is not None:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps({"repeats": args.repeats, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
