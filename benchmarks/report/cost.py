"""What regenerating docs/results.md costs, from the tables of two versions of it.

Every table row of the report gives its method's mean search seconds per run (``s/run``) and its
number of seeds; their product, summed per section, is what that section's runs cost when they were
made. Comparing two versions of the report on the rows both have shows what a speed change saved,
section by section (a section whose runs were not redone shows a ratio of exactly 1)::

    git show de18c9a:docs/results.md > /tmp/before.md
    python -m benchmarks.report.cost /tmp/before.md docs/results.md

The seconds are as measured when each run was made, on whatever load the machine had then.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

Row = Tuple[str, str, str]  # section, task heading, method


def run_seconds(path: Path) -> Dict[Row, float]:
    """``(section, task, method) -> seeds x s/run`` for every table row of a results.md that has both columns."""
    out: Dict[Row, float] = {}
    section = task = ""
    columns: Optional[List[str]] = None
    for line in path.read_text().splitlines():
        if line.startswith("## "):
            section, task = line[3:].strip(), ""
        elif line.startswith("### "):
            task = line[4:].strip().split(" (")[0]
        if not line.startswith("|"):
            columns = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if columns is None:
            columns = cells
            continue
        if line.startswith("|---") or len(cells) != len(columns) or not {"seeds", "s/run"} <= set(columns):
            continue
        try:
            out[(section, task, cells[0])] = int(cells[columns.index("seeds")]) * float(cells[columns.index("s/run")])
        except ValueError:
            continue
    return out


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(list(argv) or None)
    before, after = run_seconds(args.before), run_seconds(args.after)
    common = sorted(set(before) & set(after))
    sums: Dict[str, List[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for row in common:
        total = sums[row[0]]
        total[0] += before[row]
        total[1] += after[row]
        total[2] += 1
    print("| section | rows in both | search s before | after | after / before |")
    print("|---|---|---|---|---|")
    for section, (b, a, n) in sums.items():
        print(f"| {section} | {n} | {b:.0f} | {a:.0f} | {a / b if b else float('nan'):.2f} |")
    b, a = sum(before[r] for r in common), sum(after[r] for r in common)
    print(f"| all | {len(common)} | {b:.0f} | {a:.0f} | {a / b if b else float('nan'):.2f} |")
    print(f"\nrows only before: {len(set(before) - set(after))}; only after: {len(set(after) - set(before))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
