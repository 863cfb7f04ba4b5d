"""The record format of stored trials: states, clock ticks, records of older versions, malformed records."""

from __future__ import annotations

import pytest

from naslib_optiproxy import Architecture, NasBench201, TrialState
from naslib_optiproxy.records import read_records

COMPLETE, FAIL = TrialState.COMPLETE, TrialState.FAIL
A, B, C = (Architecture((i, 0, 0, 0, 0, 1)) for i in range(3))


def test_records_of_older_versions_read_as_sequential_trials() -> None:
    """A journal line of 0.x has no state and no ticks: trial n was asked at 2n and told at 2n + 1."""
    space = NasBench201()
    old = [{"kind": "trial", "number": 0, "arch": space.to_string(A), "encoding": A.to_lists(), "value": 1.5,
            "info": {}, "constraints": []},
           {"kind": "trial", "number": 1, "arch": space.to_string(B), "encoding": B.to_lists(), "value": None,
            "info": {"error": "x"}}]
    stored = read_records(old, space)
    assert [(s.state, s.asked, s.told) for s in stored] == [(COMPLETE, 0, 1), (FAIL, 2, 3)]


@pytest.mark.parametrize("change, words", [
    ({"state": "done"}, "has the state 'done'; expected one of running, complete, fail"),
    ({"state": "fail"}, "is fail with the value 1.5"),
    ({"number": 3}, "is numbered 3"),
    ({"told": 0}, "is told at tick 0, not after it was asked \\(0\\)"),
    ({"asked": -1}, "has 'asked' -1, not a tick"),
    ({"encoding": [[9] * 6, []]}, "has the encoding .* which is not a nasbench201 architecture"),
])
def test_malformed_records_are_named(change, words) -> None:
    space = NasBench201()
    record = {"number": 0, "arch": space.to_string(A), "encoding": A.to_lists(), "value": 1.5, "info": {}}
    with pytest.raises(ValueError, match=f"trial record 0 {words}.*the journal is corrupt"):
        read_records([{**record, **change}], space)


def test_records_out_of_order_are_refused() -> None:
    space = NasBench201()
    first = {"number": 0, "encoding": A.to_lists(), "value": 1.0}
    running = {"encoding": C.to_lists(), "state": "running", "asked": 2}
    with pytest.raises(ValueError, match="trial record 1 is finished but follows a running one"):
        read_records([running, {**first, "encoding": B.to_lists()}], space)
    with pytest.raises(ValueError, match="share an 'asked'/'told' tick"):
        read_records([first, {**running, "asked": 1}], space)
    with pytest.raises(ValueError, match="'told' ticks are out of order"):
        read_records([{**first, "asked": 0, "told": 5}, {"number": 1, "encoding": B.to_lists(), "value": 2.0,
                                                         "asked": 1, "told": 3}], space)
