"""How local each method's search is: the edit distance of every proposal from the incumbent of its time.

Reads ``compare`` output folders (``<task>/<method>/seed-*.json``) and prints, per task and method, the
share of the proposals after the first ``--after`` evaluations that lie one, two, or three and more
edits (:meth:`~naslib_optiproxy.spaces.SearchSpace.neighbours`, by canonical key) from the best
architecture evaluated before them, the same shares among the proposals that improved on it, and at each
distance the fraction of the proposals that improved on it.
``docs/nasbench_graph_study.md`` uses it to compare OptiProxy with Optuna's GP sampler::

    python -m benchmarks.studies.incumbent_distance runs/study/graph --tasks nasbench_graph/pubmed
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path
from typing import Dict, Hashable, List, Optional, Sequence, Set, Tuple

from benchmarks.report.job_records import read_folder
from naslib_optiproxy.compare.tasks import Task
from naslib_optiproxy.spaces import SearchSpace, get_search_space

FAR = 3  # "three or more edits"


class EditDistance:
    """Edit distance (0: the same cell, 1, 2, or :data:`FAR` for anything further) in one space, cached."""

    def __init__(self, space: SearchSpace) -> None:
        self.space = space
        self._rings: Dict[str, Tuple[Hashable, Set[Hashable], Set[Hashable]]] = {}

    def _rings_of(self, incumbent: str) -> Tuple[Hashable, Set[Hashable], Set[Hashable]]:
        """The incumbent's key, and the keys one and exactly two edits from it (computed once per incumbent)."""
        if incumbent not in self._rings:
            arch = self.space.from_string(incumbent)
            near = self.space.neighbours(arch)
            first = {self.space.key(n) for n in near}
            second = {self.space.key(m) for n in near for m in self.space.neighbours(n)} - first
            self._rings[incumbent] = (self.space.key(arch), first, second)
        return self._rings[incumbent]

    def __call__(self, incumbent: str, other: str) -> int:
        own, first, second = self._rings_of(incumbent)
        key = self.space.key(self.space.from_string(other))
        return 0 if key == own else 1 if key in first else 2 if key in second else FAR


def distances(history: Sequence[dict], measure: EditDistance, after: int) -> List[tuple]:
    """``(distance, improved)`` of each proposal after the first ``after`` evaluations."""
    out, best = [], None
    for i, trial in enumerate(history):
        value = trial.get("val")
        if value is None:
            continue
        if best is not None and i >= after:
            out.append((measure(best["arch"], trial["arch"]), value > best["val"]))
        if best is None or value > best["val"]:
            best = trial
    return out


def shares(pairs: Sequence[tuple]) -> str:
    """The fractions of ``pairs`` at one, two, and three or more edits."""
    if not pairs:
        return "-"
    return " / ".join(f"{sum(d == k for d, _ in pairs) / len(pairs):.2f}" for k in (1, 2, FAR))


def hit_rates(pairs: Sequence[tuple]) -> str:
    """At one, two, and three or more edits: the fraction of the proposals that improved on the incumbent."""
    cells = []
    for k in (1, 2, FAR):
        at = [improved for d, improved in pairs if d == k]
        cells.append(f"{sum(at) / len(at):.3f}" if at else "-")
    return " / ".join(cells)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, help="compare --out folders")
    parser.add_argument("--tasks", nargs="*", default=None, help="only these tasks (default: all found)")
    parser.add_argument("--after", type=int, default=10, help="skip the first N evaluations (the random start)")
    args = parser.parse_args(argv)
    pairs: Dict[str, Dict[str, List[tuple]]] = defaultdict(lambda: defaultdict(list))
    measures: Dict[str, EditDistance] = {}
    for folder in args.folders:
        for record in read_folder(folder):
            if args.tasks and record["task"] not in args.tasks:
                continue
            task = Task.parse(record["task"])
            if record["task"] not in measures:
                measures[record["task"]] = EditDistance(get_search_space(task.space, record["dataset"]))
            pairs[record["task"]][record["method"]] += distances(record["history"], measures[record["task"]],
                                                                  args.after)
    print("| task | method | proposals at 1 / 2 / 3+ edits | improvements at 1 / 2 / 3+ edits | improvements "
          "| share improving at 1 / 2 / 3+ edits |")
    print("|---|---|---|---|---|---|")
    for task in sorted(pairs):
        for method in sorted(pairs[task]):
            found = pairs[task][method]
            better = [p for p in found if p[1]]
            print(f"| {task} | {method} | {shares(found)} | {shares(better)} | {len(better)} | {hit_rates(found)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
