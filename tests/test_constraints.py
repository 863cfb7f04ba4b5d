"""Constraints: parsing, the constrained objective's info, and the adaptive penalty weight."""

from __future__ import annotations

import pytest

from naslib_optiproxy.constraints import Constraint, PenaltyWeight, constraints_of
from naslib_optiproxy.objectives.constrained import ConstrainedObjective, check_metric, parse_constraint
from naslib_optiproxy.types import ConstraintValue, Evaluation, Trial
from naslib_optiproxy.spaces import Architecture, NasBench201


@pytest.mark.parametrize("text", ["edgegpu_latency<=2", "edgegpu_latency <= 2.0", "edgegpu_latency:2",
                                  {"metric": "edgegpu_latency", "max": 2}, Constraint("edgegpu_latency", 2.0)])
def test_every_form_parses_to_the_same_constraint(text) -> None:
    assert parse_constraint(text) == Constraint("edgegpu_latency", 2.0)


@pytest.mark.parametrize("bad, message", [
    ("edgegpu_latency<2", "METRIC<=MAX"),
    ("edgegpu_latency>=2", "METRIC<=MAX"),
    ("<=2", "METRIC<=MAX"),
    ("edgegpu_latency<=fast", "must be a number"),
    ("edgegpu_latency<=inf", "finite"),
    ({"metric": "edgegpu_latency"}, "exactly the keys metric and max"),
    ({"metric": "edgegpu_latency", "max": 2, "min": 0}, "exactly the keys metric and max"),
    ({"metric": "edgegpu_latency", "max": "two"}, "must be a number"),
    ({"metric": "edgegpu_latency", "max": True}, "must be a number"),
    ({"metric": 3, "max": 2}, "metric must be a metric name"),
])
def test_bad_constraints_say_what_is_wrong(bad, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_constraint(bad)


def test_a_constraint_of_the_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="edgegpu_latency<=2"):
        parse_constraint(2.0)


def test_unknown_metric_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"did you mean 'latency'.*known metrics: latency, params"):
        check_metric(Constraint("latncy", 1.0), ("latency", "params"), "NAS-Bench-Graph")


def test_constrained_objective_flags_feasibility_and_keeps_the_value() -> None:
    space = NasBench201()

    class Accuracy:
        dataset = "toy"

        def __init__(self) -> None:
            self.space = space

        def __call__(self, arch: Architecture) -> Evaluation:
            return Evaluation(float(sum(arch.ops)), {"val": float(sum(arch.ops)), "cost": float(arch.ops[0])})

    objective = ConstrainedObjective(Accuracy(), "cost<=1")
    ok, too_costly = objective(Architecture((1, 4, 4, 4, 4, 4))), objective(Architecture((2, 0, 0, 0, 0, 0)))
    assert ok.value == 21.0 and ok.feasible is True
    assert too_costly.value == 2.0 and too_costly.feasible is False
    assert too_costly.constraints == (ConstraintValue("cost", 2.0, 1.0),)
    trial = Trial(0, Architecture((2, 0, 0, 0, 0, 0)), too_costly.value, too_costly.info, too_costly.constraints)
    assert constraints_of([trial]) == (Constraint("cost", 1.0),)
    assert constraints_of([Trial(0, Architecture((0,) * 6), 1.0, {"val": 1.0})]) == ()
    # The reported optimum is the best feasible architecture, not the global best.
    arch, val, _ = objective.optimum()
    assert arch.ops[0] <= 1 and val == 1 + 5 * 4
    # Metrics from a separate table take part too.
    table = ConstrainedObjective(Accuracy(), "energy<=0", metrics=lambda arch: {"energy": float(arch.ops[1])})
    assert table(Architecture((0, 0, 1, 1, 1, 1))).feasible is True
    assert table(Architecture((0, 1, 1, 1, 1, 1))).info["energy"] == 1.0


def test_penalty_weight_grows_when_too_few_are_feasible_and_shrinks_when_many_are() -> None:
    weight = PenaltyWeight(weight=1.0, target=0.7, rate=1.0)
    assert weight.update(0.2) > 1.0  # below target: respect the limit more
    grown = weight.weight
    assert weight.update(0.7) == pytest.approx(grown)  # at target: unchanged
    assert weight.update(1.0) < grown  # above target: move closer to the limit
    # Repeated feedback keeps pushing in the same direction, within the bounds.
    for _ in range(50):
        weight.update(0.0)
    assert weight.weight == weight.high
    for _ in range(50):
        weight.update(1.0)
    assert weight.weight == weight.low
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        weight.update(1.5)
