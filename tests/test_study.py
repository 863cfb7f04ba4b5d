"""The study: ask/tell bookkeeping, validated tells, an exhausted space, replay and state."""

from __future__ import annotations

import itertools
import json
import math
from typing import Iterator, Optional, Tuple

import numpy as np
import pytest
import torch

from naslib_optiproxy import Architecture, Evaluation, NasBench201, RandomSearch, Study
from naslib_optiproxy.run import run_search
from naslib_optiproxy.storage import JournalStorage
from naslib_optiproxy.spaces.base import FixedTopology, SearchSpace
from naslib_optiproxy.strategies import LocalSearch, OptiProxy, RegularizedEvolution
from naslib_optiproxy.strategies.optiproxy_mo import OptiProxyMO
from naslib_optiproxy.types import ConstraintValue


class TinySpace(SearchSpace):
    """Two op slots with two ops each: four architectures."""

    name = "tiny"
    op_names = ("a", "b")
    num_op_slots = 2
    topology = FixedTopology()
    num_nodes = 2
    num_features = 2

    def relaxed_encode(self, op_weights: torch.Tensor, topology_weights: Optional[torch.Tensor] = None
                       ) -> Tuple[torch.Tensor, torch.Tensor]:
        return op_weights, torch.ones(op_weights.shape[0], 2, 2)

    def is_valid(self, arch: Architecture) -> bool:
        return len(arch.ops) == 2 and arch.topology == () and all(o in (0, 1) for o in arch.ops)

    def to_string(self, arch: Architecture) -> str:
        return "".join(self.op_names[o] for o in arch.ops)

    def from_string(self, text: str) -> Architecture:
        return Architecture(tuple(self.op_names.index(c) for c in text))

    def __iter__(self) -> Iterator[Architecture]:
        return (Architecture(ops) for ops in itertools.product((0, 1), repeat=2))


def test_an_exhausted_space_ends_the_loop_cleanly() -> None:
    study = Study(RandomSearch(TinySpace(), seed=0))
    with pytest.warns(RuntimeWarning, match="no unseen architecture left in tiny after 4 evaluations"):
        best = study.optimize(lambda arch: float(sum(arch.ops)), budget=10)
    assert len(study.trials) == 4 and study.exhausted
    assert best.value == 2.0


@pytest.mark.parametrize("bad", ["a string", (0, 0, 0, 0, 0, 0), None])
def test_tell_refuses_what_is_not_an_architecture(bad) -> None:
    study = Study(RandomSearch(NasBench201(), seed=0))
    with pytest.raises(TypeError, match="tell takes an Architecture"):
        study.tell(bad, 1.0)
    assert study.trials == [] and study.ask() is not None  # the study still works


def test_tell_refuses_an_architecture_of_another_space() -> None:
    study = Study(RandomSearch(NasBench201(), seed=0))
    with pytest.raises(ValueError, match="not a valid nasbench201 architecture"):
        study.tell(Architecture((9, 0, 0, 0, 0, 0)), 1.0)
    assert study.trials == []
    assert study.storage.records() == []


def test_the_same_architecture_is_told_once() -> None:
    study = Study(RandomSearch(NasBench201(), seed=0))
    arch = study.ask()
    study.tell(arch, 1.0)
    with pytest.raises(ValueError, match="was told already \\(trial 0\\)"):
        study.tell(arch, 2.0)
    assert [t.value for t in study.trials] == [1.0]


@pytest.mark.parametrize("value, expected, error", [
    (np.array([91.5]), 91.5, None),
    (np.float32(3.5), 3.5, None),
    (torch.tensor(2.0), 2.0, None),
    ("91.5", None, "the objective returned str '91.5', not one number"),
    (np.array([1.0, 2.0]), None, "not one number"),
    (float("nan"), None, "non-finite value nan"),
    (True, None, "not one number"),
    pytest.param(10 ** 400, None, "the objective returned an int of about 400 digits, too large for a float",
                 id="int-400-digits"),
    pytest.param(-10 ** 5000, None, "the objective returned an int of about 5,000 digits, too large for a float",
                 id="int-5000-digits"),
])
def test_values_are_one_finite_number_or_a_recorded_failure(value, expected, error) -> None:
    study = Study(RandomSearch(NasBench201(), seed=0))
    trial = study.tell(study.ask(), value)
    assert trial.value == expected
    assert (trial.info.get("error") is None) if error is None else error in trial.info["error"]
    assert len(study.trials) == 1  # never lost


def test_optimize_records_a_bad_return_value_and_goes_on() -> None:
    calls = itertools.count()

    def objective(arch: Architecture):
        return "broken" if next(calls) == 2 else np.array([float(sum(arch.ops))])

    study = Study(RandomSearch(NasBench201(), seed=0))
    study.optimize(objective, budget=6)
    assert [t.failed for t in study.trials] == [False, False, True, False, False, False]


def test_an_objective_returning_an_int_too_large_for_a_float_loses_nothing(tmp_path) -> None:
    """``10**400`` raised OverflowError out of optimize(): the architecture stayed seen without a record."""
    values = iter([1.0, 10 ** 400, 3.0, 4.0])
    study = Study(RandomSearch(NasBench201(), seed=0), JournalStorage(tmp_path / "run"))
    study.storage.open({"search_space": "nasbench201"})
    study.optimize(lambda arch: next(values), budget=4)
    study.storage.close()
    assert [t.failed for t in study.trials] == [False, True, False, False] and study.num_seen == 4
    assert study.trials[1].info["error"] == "the objective returned an int of about 400 digits, too large for a float"
    journal = (tmp_path / "run" / "journal.jsonl").read_text().splitlines()
    assert len(journal) == 1 + 4  # every evaluation journaled, the failed one with its reason

    class Huge:
        space, dataset, data_source = NasBench201(), "cifar10", None

        def __call__(self, arch: Architecture) -> Evaluation:
            return Evaluation(10 ** 400, {"val": 10 ** 400})

    with pytest.raises(RuntimeError, match="every evaluation failed \\(2 of 2\\)"):
        run_search(Huge(), "rs", budget=2, folder=tmp_path / "door")
    history = json.loads((tmp_path / "door" / "result.json").read_text())["history"]
    assert [h["val"] for h in history] == [None, None] and "too large for a float" in history[0]["error"]


def test_typed_constraints_decide_feasibility() -> None:
    study = Study(RandomSearch(NasBench201(), seed=0))
    over = Evaluation(99.0, {"test": 98.0}, constraints=(ConstraintValue("latency", 3.0, 2.0),))
    under = Evaluation(50.0, {}, constraints=(ConstraintValue("latency", 1.0, 2.0),))
    study.tell(study.ask(), over)
    assert study.best is None and math.isnan(study.trajectory()[0])
    study.tell(study.ask(), under)
    assert study.best.value == 50.0 and study.trials[0].constraints[0].feasible is False


@pytest.mark.parametrize("make", [
    lambda space: RandomSearch(space, seed=3),
    lambda space: RegularizedEvolution(space, seed=3, population_size=5, sample_size=2),
    lambda space: LocalSearch(space, seed=3, num_init=5),
], ids=["rs", "re", "ls"])
def test_records_replayed_into_a_fresh_study_continue_identically(make) -> None:
    """The stored records (two trials running, told out of order) bring a fresh study to the same state."""
    space = NasBench201()
    objective = lambda arch: float(sum(arch.ops) + 0.1 * arch.ops[0])  # noqa: E731

    def drive(study: Study, budget: int) -> None:  # up to three running, the newest told first
        live = list(study.running)
        while len(study.trials) < budget:
            while len(live) < 3:
                live.append(study.ask())
            arch = live.pop()
            study.tell(arch, objective(arch))

    full = Study(make(space))
    drive(full, 30)
    part = Study(make(space))
    drive(part, 12)
    running = part.running
    assert len(running) == 2
    restored = Study(make(space))
    assert restored.replay(part.storage.records()) == 14  # every ask proposed the recorded architecture
    assert restored.running == running and all(restored.is_seen(a) for a in running)
    assert restored.storage.records() == part.storage.records()
    drive(restored, 30)
    assert [(t.arch, t.value) for t in restored.trials] == [(t.arch, t.value) for t in full.trials]


def test_replay_refuses_a_study_with_trials_and_duplicate_records() -> None:
    space = NasBench201()
    study = Study(RandomSearch(space, seed=0))
    study.optimize(lambda arch: 1.0, budget=3)
    records = study.storage.records()
    with pytest.raises(ValueError, match="replay continues a fresh study; this one holds 3 trials"):
        study.replay(records)
    with pytest.raises(ValueError, match="trial records 0 and 2 hold the same architecture"):
        Study(RandomSearch(space, seed=0)).replay([records[0], records[1], {**records[0], "number": 2}])


def test_replay_reaches_the_same_state_without_evaluating() -> None:
    space = NasBench201()
    objective = lambda arch: float(sum(arch.ops))  # noqa: E731
    first = Study(RandomSearch(space, seed=1))
    first.optimize(objective, budget=8)
    records = first.storage.records()
    again = Study(RandomSearch(space, seed=1))
    assert again.replay(records) == 8
    again.optimize(objective, budget=12)
    fresh = Study(RandomSearch(space, seed=1))
    fresh.optimize(objective, budget=12)
    assert [t.arch for t in again.trials] == [t.arch for t in fresh.trials]


def test_a_strategy_belongs_to_one_study() -> None:
    strategy = RandomSearch(NasBench201(), seed=0)
    Study(strategy)
    with pytest.raises(ValueError, match="already belongs to a study"):
        Study(strategy)


def test_optiproxy_without_config_is_built_for_its_dataset_and_refuses_another() -> None:
    class Objective:
        dataset = "ImageNet16-120"
        space = NasBench201()

        def __call__(self, arch):
            return float(sum(arch.ops))

    strategy = OptiProxy(NasBench201(), seed=0)  # no dataset: the space's default, cifar10
    assert strategy.config.model.hidden == 64 and strategy.config.batch_size == 5  # cifar10's preset
    with pytest.raises(ValueError, match=r"nasbench201/cifar10 preset.*ImageNet16-120.*restart_stale 0 vs 3.*"
                                         r"OptiProxy\(space, dataset='ImageNet16-120'\)"):
        Study(strategy).prepare(Objective())
    built = OptiProxy(NasBench201(), seed=0, dataset="imagenet16")  # an alias: the same preset
    Study(built).prepare(Objective())
    assert built.config.restart_stale == 3 and built.config.model.hidden == 144
    Study(OptiProxy(NasBench201(), seed=0, dataset="imagenet16")).prepare(lambda arch: 1.0)  # names no dataset


# ------------------------------------------------------------------ several objectives (directions)
def _two(arch: Architecture) -> Tuple[float, float]:
    return float(sum(arch.ops)), float(arch.ops[0] + arch.ops[1])


def test_directions_in_optunas_convention_keep_each_value_in_info_and_give_the_front() -> None:
    study = Study(RandomSearch(NasBench201(), seed=0), directions=["maximize", "minimize"])
    study.optimize(_two, budget=30)
    assert all(t.info["value_0"] == t.value for t in study.trials)
    points = np.array([[t.info["value_0"], t.info["value_1"]] for t in study.trials])
    front = study.best_trials
    on_front = {t.number for t in front}
    for i, (a, b) in enumerate(points):  # a trial is on the front iff no other dominates it
        dominated = any((c >= a and d <= b and (c > a or d < b)) for c, d in points)
        first_of_equals = not any((points[j] == points[i]).all() for j in range(i))
        assert (i in on_front) == (not dominated and first_of_equals)
    assert study.best.info["value_0"] == points[:, 0].max()


def test_directions_name_metrics_a_mapping_or_the_info_reports() -> None:
    study = Study(RandomSearch(NasBench201(), seed=1), directions=["cost:min", "acc"])
    study.optimize(lambda arch: {"acc": float(sum(arch.ops)), "cost": float(arch.ops[0])}, budget=10)
    assert study.best.info["cost"] == min(t.info["cost"] for t in study.trials)  # the first objective, minimised
    assert study.trajectory()[-1] == min(t.info["cost"] for t in study.trials)
    other = Study(RandomSearch(NasBench201(), seed=1), directions=["val", "cost:min"])
    other.optimize(lambda arch: Evaluation(float(sum(arch.ops)), {"cost": 1.0}), budget=5)
    assert len(other.best_trials) == 1 and other.best_trials[0].value == max(t.value for t in other.trials)


@pytest.mark.parametrize("returned, reason", [
    ((1.0,), "returned 1 values for 2 objectives"),
    ((1.0, float("nan")), "value_1: non-finite"),
    ({"value_0": 1.0}, "returned no value_1"),
    ((1.0, "x"), "value_1: the objective returned str"),
])
def test_a_malformed_multi_objective_result_is_a_failed_trial(returned, reason) -> None:
    study = Study(RandomSearch(NasBench201(), seed=0), directions=["maximize", "minimize"])
    trial = study.tell(study.ask(), returned)
    assert trial.failed and reason in trial.info["error"] and study.best_trials == []


def test_single_objective_studies_have_no_best_trials_and_mismatched_directions_are_refused() -> None:
    with pytest.raises(RuntimeError, match="several objectives"):
        Study(RandomSearch(NasBench201())).best_trials
    strategy = OptiProxyMO(NasBench201(), "val,edgegpu_latency:min")
    assert Study(strategy).criteria == strategy.criteria  # a front strategy brings its objectives
    with pytest.raises(ValueError, match="differ from the objectives"):
        Study(OptiProxyMO(NasBench201(), "val,edgegpu_latency:min"), directions=["val", "fpga_energy:min"])
    with pytest.raises(ValueError, match="at least two objectives"):
        Study(RandomSearch(NasBench201()), directions=["maximize"])
