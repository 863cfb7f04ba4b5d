"""Check a comparison's trajectories against the ones published in docs/trajectories.csv.gz.

After a code change that should not change any result, rerun a suite and compare::

    naslib-optiproxy compare --suite benchmarks/suites/nb201.yaml --jobs 2 --out runs/nb201
    python -m benchmarks.report.check_trajectories runs/nb201/trajectories.csv --suite nb201

Prints, per task and method, how many seeds have identical best-so-far trajectories (to the
4 decimals of the published file), and the first difference of any that do not; exits 1 if any differ.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

from benchmarks import ROOT

Key = Tuple[str, str, str]  # task, method, seed


def read(path: Path, suite: str = "") -> Dict[Key, List[str]]:
    """``(task, method, seed) -> [best-so-far val, 4 decimals]`` of a trajectories CSV (gzipped or not)."""
    opener = gzip.open if path.suffix == ".gz" else open
    out: Dict[Key, List[str]] = defaultdict(list)
    with opener(path, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            if suite and row.get("suite", suite) != suite:
                continue
            value = row.get("best_so_far_val", row.get("best_so_far"))  # docs/ and compare name it differently
            out[(row["task"], row["method"], row["seed"])].append(f"{float(value):.4f}" if value else "")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", type=Path, help="trajectories.csv written by naslib-optiproxy compare")
    parser.add_argument("--suite", required=True, help="the suite's name in docs/trajectories.csv.gz, e.g. nb201")
    parser.add_argument("--published", type=Path, default=ROOT / "docs" / "trajectories.csv.gz")
    args = parser.parse_args()
    new, old = read(args.csv), read(args.published, args.suite)
    same: Dict[Tuple[str, str], int] = defaultdict(int)
    total: Dict[Tuple[str, str], int] = defaultdict(int)
    differences = []
    for key, values in sorted(new.items()):
        group = key[:2]
        total[group] += 1
        if old.get(key) == values:
            same[group] += 1
        else:
            published = old.get(key, [])
            first = next((i for i, (a, b) in enumerate(zip(values, published)) if a != b), min(len(values), len(published)))
            differences.append(f"{' '.join(key)}: first difference at evaluation {first + 1} "
                               f"({values[first] if first < len(values) else '-'} vs "
                               f"{published[first] if first < len(published) else '-'})")
    for group in sorted(total):
        print(f"{group[0]} {group[1]}: {same[group]}/{total[group]} seeds identical")
    for line in differences:
        print("differs:", line)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
