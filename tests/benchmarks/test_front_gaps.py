"""benchmarks/studies/front_gaps.py: the hypervolume a found front misses, stretch by stretch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.studies import front_gaps
from benchmarks.studies.multiobjective import Job, job_path, objective_of

SETTING = "hw:cifar10:edgegpu_latency"

# normalised units: column 0 accuracy loss, column 1 the metric; a three-step staircase
FRONT = np.array([[0.6, 0.0], [0.3, 0.2], [0.0, 0.5]])


def test_strip_areas_add_up_to_the_hypervolume() -> None:
    whole = front_gaps.strip_area(FRONT, 0.0, 1.0)
    assert whole == pytest.approx(0.4 * 0.2 + 0.7 * 0.3 + 1.0 * 0.5)
    parts = [front_gaps.strip_area(FRONT, lo, hi) for lo, hi in [(0.0, 0.1), (0.1, 0.35), (0.35, 1.0)]]
    assert sum(parts) == pytest.approx(whole)
    assert front_gaps.strip_area(FRONT, 0.0, 0.2) == pytest.approx(0.4 * 0.2)  # only the fast point reaches it
    assert front_gaps.strip_area(FRONT[:0], 0.0, 1.0) == 0.0


def test_stretches_hold_equal_parts_of_the_front() -> None:
    edges = front_gaps.stretch_edges(FRONT, 3)
    assert edges[0] == 0.0 and edges[-1] == 1.0 and edges == sorted(edges)
    areas = [front_gaps.strip_area(FRONT, lo, hi) for lo, hi in zip(edges, edges[1:])]
    assert areas == pytest.approx([areas[0]] * 3, rel=1e-6)


def _record(method: str, seed: int, points: list) -> dict:
    return {"method": method, "setting": SETTING, "seed": seed, "budget": len(points), "seconds": 0.0,
            "cpu_seconds": 0.0, "points": points}


def test_the_true_front_misses_nothing_and_one_point_misses_the_far_stretches(tmp_path: Path) -> None:
    score = objective_of(SETTING).front_score()
    truth = score.front.tolist()
    fastest = min(truth, key=lambda p: p[1])
    for seed in (0, 1):
        for method, points in [("all", truth), ("fastest", [fastest, None])]:
            path = job_path(tmp_path, Job(method, SETTING, seed, len(points)))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(_record(method, seed, points)))
    result = front_gaps.gaps(SETTING, [_record("all", 0, truth), _record("fastest", 0, [fastest, None])],
                             len(truth), 3)
    assert sum(result["points"]) == len(truth)
    assert result["methods"]["all"]["missed"] == [pytest.approx([0.0], abs=1e-9)] * 3
    assert [hits[0] for hits, n in zip(result["methods"]["all"]["hits"], result["points"]) if n] == [1.0] * sum(
        1 for n in result["points"] if n)
    missed = [m[0] for m in result["methods"]["fastest"]["missed"]]
    assert 0.0 <= missed[0] < missed[1] <= missed[2] <= 1.0 and missed[2] > 0.5
    table = front_gaps.table([SETTING], tmp_path, ["fastest"], [0, 1], 2, 2, 3)
    assert f"| {SETTING} | fastest | " in table and "fast end" in table and "accurate end" in table


def test_the_command_refuses_a_checkpoint_past_the_budget(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        front_gaps.main(["--settings", SETTING, "--out", "x", "--budget", "50", "--at", "100"])
    assert "--at must be between 1 and --budget (50)" in capsys.readouterr().err


def test_the_command_refuses_bad_methods_with_one_error_line(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        front_gaps.main(["--settings", SETTING, "--out", "x", "--methods", "optiproxy-mo,nsga3"])
    assert "bad method 'nsga3'" in capsys.readouterr().err
