"""The peer-optimizer protocol on a scripted library: repeats, invalid proposals, fallbacks, outside tells."""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Tuple

import pytest

from naslib_optiproxy.spaces import Architecture, NasBench201, NasBenchGraph
from naslib_optiproxy.strategies import PEERS, check_strategy, make_strategy
from naslib_optiproxy.strategies.peers import MAX_RETRIES, MissingLibraryError, library_seed, penalised_value
from naslib_optiproxy.strategies.peers.base import PeerStrategy
from naslib_optiproxy.study import Study
from naslib_optiproxy.types import ConstraintValue, Trial

from ._helpers import TinySpace


class Scripted(PeerStrategy):
    """A 'library' that proposes the given architectures in order and records what it is told."""

    name = "scripted"

    def __init__(self, space, script: List[Architecture], seed: int = 0) -> None:
        super().__init__(space, seed)
        self.script = list(script)
        self.told: List[Tuple[int, Any]] = []  # (handle, value or 'invalid')
        self.injected: List[Architecture] = []
        self._handles = 0

    def _handle(self) -> int:
        self._handles += 1
        return self._handles - 1

    def _ask(self) -> Tuple[Any, Dict[str, str]]:
        arch = self.script.pop(0)
        return self._handle(), self.encoding.encode(arch)

    def _inject(self, arch: Architecture) -> Any:
        self.injected.append(arch)
        return self._handle()

    def _tell(self, handle: Any, trial: Trial) -> None:
        self.told.append((handle, trial.value))

    def _tell_invalid(self, handle: Any) -> None:
        self.told.append((handle, "invalid"))

    def library_version(self) -> str:
        return "scripted 0"


A, B, C = Architecture((0,) * 6), Architecture((1,) * 6), Architecture((2,) * 6)


def test_a_repeat_is_told_its_known_value_and_not_charged() -> None:
    strategy = Scripted(NasBench201(), [A, A, A, B])
    study = Study(strategy)
    study.tell(study.ask(), 5.0)
    assert study.ask() == B  # two repeats of A in between: told, not evaluated
    assert len(study.trials) == 1 and study.num_started == 2
    assert strategy.told == [(0, 5.0), (1, 5.0), (2, 5.0)]
    assert strategy.counts == {"asked": 4, "new": 2, "repeats": 2, "invalid": 0, "fallbacks": 0}


def test_a_failed_evaluation_is_told_as_failed_to_its_repeats_too() -> None:
    strategy = Scripted(NasBench201(), [A, A, B])
    study = Study(strategy)
    study.tell(study.ask(), None)
    assert study.ask() == B
    assert strategy.told == [(0, None), (1, None)]


def test_invalid_proposals_are_told_invalid_and_never_evaluated() -> None:
    space = NasBenchGraph()
    skip = space.op_names.index("skip")
    invalid = Architecture((skip,) * 4, (0, 0, 0, 0))  # an all-skip cell is not in the benchmark
    valid = Architecture((0, 1, 2, 3), (0, 0, 1, 2))
    assert not space.is_valid(invalid)
    strategy = Scripted(space, [invalid, invalid, valid])
    study = Study(strategy)
    assert study.ask() == valid
    assert strategy.told == [(0, "invalid"), (1, "invalid")]
    assert strategy.counts["invalid"] == 2 and strategy.counts["new"] == 1


def test_retries_are_capped_then_an_unseen_random_architecture_is_given_to_the_library() -> None:
    strategy = Scripted(NasBench201(), [A] * (MAX_RETRIES + 1))
    study = Study(strategy)
    study.tell(study.ask(), 1.0)
    fallback = study.ask()
    assert fallback != A and strategy.injected == [fallback]
    assert strategy.counts["repeats"] == MAX_RETRIES and strategy.counts["fallbacks"] == 1
    study.tell(fallback, 2.0)
    assert strategy.told[-1] == (MAX_RETRIES + 1, 2.0)  # the injected trial got its value


def test_a_repeat_of_an_architecture_in_flight_is_told_when_its_value_arrives() -> None:
    strategy = Scripted(NasBench201(), [A, A, B])
    study = Study(strategy)
    first, second = study.ask(), study.ask()  # concurrent workers
    assert (first, second) == (A, B)
    assert strategy.told == []
    study.tell(A, 3.0)
    assert strategy.told == [(0, 3.0), (1, 3.0)]


def test_an_architecture_told_from_outside_is_added_to_the_library() -> None:
    strategy = Scripted(NasBench201(), [A])
    study = Study(strategy)
    study.tell(C, 4.0)  # never proposed (e.g. a journal replay that diverged)
    assert strategy.injected == [C] and strategy.told == [(0, 4.0)]


def test_fallbacks_respect_an_exhausted_space(tiny_space: TinySpace) -> None:
    archs = list(tiny_space)
    strategy = Scripted(tiny_space, archs + [archs[0]] * (MAX_RETRIES + 1))
    study = Study(strategy)
    with pytest.warns(RuntimeWarning, match="no unseen architecture"):
        study.optimize(lambda arch: float(sum(arch.ops)), budget=20)
    assert len(study.trials) == 9 and study.exhausted


def test_the_state_lives_in_the_library_so_state_dict_is_refused() -> None:
    with pytest.raises(NotImplementedError, match="journal replay"):
        Study(Scripted(NasBench201(), [])).state_dict()


def test_penalised_value_charges_the_relative_violation() -> None:
    ok = Trial(0, A, 40.0, constraints=(ConstraintValue("edgegpu_latency", 1.5, 2.0),))
    over = Trial(1, A, 40.0, constraints=(ConstraintValue("edgegpu_latency", 2.2, 2.0),))
    assert penalised_value(ok) == 40.0
    assert penalised_value(over) == pytest.approx(40.0 - 100 * 0.1)
    assert penalised_value(Trial(2, A, 7.0)) == 7.0


def test_library_seeds_are_the_seed_or_31_bits_derived_from_it() -> None:
    assert library_seed(0) == 0 and library_seed(2 ** 31 - 1) == 2 ** 31 - 1
    big = library_seed(2 ** 62)
    assert 0 <= big < 2 ** 31 and big == library_seed(2 ** 62) and big != library_seed(2 ** 62 + 1)


def test_every_peer_is_registered_by_name_and_takes_no_settings() -> None:
    assert list(PEERS) == ["optuna:tpe", "optuna:tpe-mv", "optuna:gp", "optuna:random", "smac", "smac:bo", "hebo"]
    assert all(cls.name == name for name, cls in PEERS.items())
    with pytest.raises(ValueError, match="takes no search settings"):
        check_strategy("optuna:tpe", {"num_groups": 3})
    with pytest.raises(ValueError, match="did you mean 'optuna:tpe'"):
        check_strategy("optuna:tep")


@pytest.mark.parametrize("name, module", [("optuna:tpe", "optuna"), ("optuna:gp", "optuna"), ("smac", "smac"),
                                          ("smac:bo", "ConfigSpace"), ("hebo", "hebo")])
def test_a_missing_library_names_its_install_command(monkeypatch: pytest.MonkeyPatch, name: str, module: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if it were not installed
    hint = "--no-deps hebo==0.3.6" if name == "hebo" else "pip install 'naslib-optiproxy[peers]'"
    with pytest.raises(ValueError, match="needs") as error:
        check_strategy(name)
    assert hint in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(ValueError, match="needs"):
        make_strategy(name, NasBench201())
    with pytest.raises(MissingLibraryError, match="needs"):
        PEERS[name](NasBench201())
