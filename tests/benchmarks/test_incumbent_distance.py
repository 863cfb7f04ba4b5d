"""benchmarks/studies/incumbent_distance.py: edit distances to the incumbent, on NAS-Bench-201 cells."""

from __future__ import annotations

from benchmarks.studies.incumbent_distance import FAR, EditDistance, distances, hit_rates, shares
from naslib_optiproxy.spaces import NasBench201
from naslib_optiproxy.types import Architecture


def _cell(*ops: int) -> str:
    return NasBench201().to_string(Architecture(ops=tuple(ops)))


def test_edit_distance_counts_changed_edges() -> None:
    measure = EditDistance(NasBench201())
    start = _cell(0, 1, 2, 3, 4, 0)
    assert measure(start, _cell(1, 1, 2, 3, 4, 0)) == 1
    assert measure(start, _cell(1, 2, 2, 3, 4, 0)) == 2
    assert measure(start, _cell(1, 2, 3, 3, 4, 0)) == FAR
    assert measure(start, start) == 0


def test_distances_follow_the_incumbent_of_each_moment() -> None:
    history = [{"arch": _cell(0, 0, 0, 0, 0, 0), "val": 1.0},
               {"arch": _cell(1, 0, 0, 0, 0, 0), "val": 2.0},      # one edit, improves
               {"arch": _cell(1, 1, 1, 0, 0, 0), "val": 0.5},      # two edits from the new incumbent
               {"arch": _cell(2, 2, 2, 2, 0, 0), "val": None},     # failed: skipped
               {"arch": _cell(1, 0, 0, 0, 0, 2), "val": 3.0}]
    assert distances(history, EditDistance(NasBench201()), after=1) == [(1, True), (2, False), (1, True)]
    assert distances(history, EditDistance(NasBench201()), after=3) == [(1, True)]
    assert shares([(1, True), (2, False), (1, True), (FAR, False)]) == "0.50 / 0.25 / 0.25"
    assert shares([]) == "-"
    assert hit_rates([(1, True), (2, False), (1, False), (1, True)]) == "0.667 / 0.000 / -"
