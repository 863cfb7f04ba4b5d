"""Criteria, non-dominated sets and the indicators (moocore) in table-normalised units."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from naslib_optiproxy.pareto import (Bounds, Criterion, FrontScore, hypervolume, nondominated, parse_criteria,
                                     parse_criterion, pareto_front, trial_values, trials_points)
from naslib_optiproxy.types import Architecture, Trial

ACC_LAT = parse_criteria("val,latency:min")


def _brute_nondominated(points: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """Reference: a point is kept when no other point is at least as good everywhere and better somewhere."""
    better = signs * points
    keep = []
    for i, p in enumerate(better):
        dominated = any((q >= p).all() and (q > p).any() for j, q in enumerate(better) if j != i)
        keep.append(not dominated)
    return np.array(keep)


def test_criteria_parse_text_mappings_and_objects() -> None:
    assert [str(c) for c in parse_criteria("val, edgegpu_latency:min")] == ["val:max", "edgegpu_latency:min"]
    assert parse_criteria([{"metric": "val", "direction": "maximize"}, "params:MIN"]) == (
        Criterion("val", "max"), Criterion("params", "min"))
    assert parse_criterion(Criterion("x", "min")).sign == -1.0
    assert Criterion("x").maximise and Criterion("x").to_dict() == {"metric": "x", "direction": "max"}


@pytest.mark.parametrize("bad, message", [
    ("val", "at least two objectives"),
    ("val,val:min", "named twice"),
    ("val,latency:smallest", "direction must be max or min"),
    ([{"metric": "val", "max": 1}, "x"], "expected the keys metric and direction"),
    (",:min,val", "metric must be a metric name"),
])
def test_bad_criteria_say_what_is_wrong(bad, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_criteria(bad)


def test_a_criterion_of_the_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="must be text"):
        parse_criteria([3, "val"])


def test_nondominated_matches_brute_force_in_mixed_directions() -> None:
    rng = np.random.default_rng(0)
    points = np.round(rng.random((60, 2)) * 10)  # ties on purpose
    distinct = np.unique(points, axis=0)
    mask = nondominated(distinct, ACC_LAT)
    np.testing.assert_array_equal(mask, _brute_nondominated(distinct, np.array([1.0, -1.0])))
    front = pareto_front(points, ACC_LAT)
    assert len(front) == mask.sum() and (np.diff(front[:, 0]) < 0).all()  # best accuracy first, distinct


def test_of_equal_points_one_is_kept() -> None:
    assert nondominated([[1.0, 1.0], [1.0, 1.0], [0.0, 2.0]], ACC_LAT).tolist() == [True, False, False]
    assert nondominated(np.zeros((0, 2)), ACC_LAT).shape == (0,)


def test_bounds_normalise_best_to_zero_and_worst_to_one() -> None:
    points = np.array([[90.0, 3.0], [80.0, 1.0], [10.0, 9.0]])
    bounds = Bounds.of(points, ACC_LAT)
    assert bounds.ideal == (90.0, 1.0) and bounds.worst == (10.0, 9.0)
    np.testing.assert_allclose(bounds.normalise(points, ACC_LAT), [[0, 0.25], [0.125, 0], [1, 1]])
    assert bounds.to_dict() == {"ideal": [90.0, 1.0], "reference": [10.0, 9.0]}


def test_hypervolume_is_the_dominated_share_of_the_unit_box() -> None:
    bounds = Bounds((100.0, 0.0), (0.0, 10.0))
    assert hypervolume([[50.0, 5.0]], ACC_LAT, bounds) == pytest.approx(0.25)
    assert hypervolume([[50.0, 5.0], [50.0, 5.0], [40.0, 6.0]], ACC_LAT, bounds) == pytest.approx(0.25)
    assert hypervolume([[100.0, 0.0]], ACC_LAT, bounds) == pytest.approx(1.0)
    assert hypervolume([[-5.0, 1.0]], ACC_LAT, bounds) == 0.0  # worse than the reference point: adds nothing
    assert hypervolume(np.zeros((0, 2)), ACC_LAT, bounds) == 0.0


def test_share_is_the_same_in_any_affine_units() -> None:
    rng = np.random.default_rng(1)
    table = np.c_[rng.random(200) * 90 + 10, rng.random(200) * 5 + 0.5]
    found = table[:30]
    score = FrontScore(ACC_LAT, pareto_front(table, ACC_LAT), Bounds.of(table, ACC_LAT))
    scaled = table * np.array([0.01, 1000.0]) + np.array([3.0, -7.0])
    score_scaled = FrontScore(ACC_LAT, pareto_front(scaled, ACC_LAT), Bounds.of(scaled, ACC_LAT))
    assert score.share(found) == pytest.approx(score_scaled.share(scaled[:30]))
    assert score.igd(found) == pytest.approx(score_scaled.igd(scaled[:30]))
    assert 0 < score.share(found) < 1 and score.share(table) == pytest.approx(1.0)
    assert score.igd(score.front) == 0.0 and score.igd_plus(score.front) == 0.0
    assert score.igd_plus(found) <= score.igd(found)
    assert math.isinf(score.igd(np.zeros((0, 2))))


def test_indicators_refuse_non_finite_points() -> None:
    with pytest.raises(ValueError, match="finite"):
        nondominated([[1.0, math.nan]], ACC_LAT)


def test_trial_values_read_info_and_skip_failed_or_unreported() -> None:
    arch = Architecture((0,))
    ok = Trial(0, arch, 70.0, {"val": 70.0, "latency": 2.0})
    assert trial_values(ok, ACC_LAT).tolist() == [70.0, 2.0]
    assert trial_values(Trial(1, arch, 71.0, {"latency": 1.0}), ACC_LAT).tolist() == [71.0, 1.0]  # val = the value
    assert trial_values(Trial(2, arch, None, {"latency": 1.0}), ACC_LAT) is None
    assert trial_values(Trial(3, arch, 70.0, {"val": 70.0}), ACC_LAT) is None
    assert trial_values(Trial(4, arch, 70.0, {"val": 70.0, "latency": math.inf}), ACC_LAT) is None
    kept, points = trials_points([ok, Trial(5, arch, None)], ACC_LAT)
    assert kept == [ok] and points.shape == (1, 2)


def test_pareto_front_of_a_grid_is_its_staircase() -> None:
    grid = np.array(list(itertools.product(range(5), range(5))), dtype=float)  # acc, latency in 0..4
    assert pareto_front(grid, ACC_LAT).tolist() == [[4.0, 0.0]]
