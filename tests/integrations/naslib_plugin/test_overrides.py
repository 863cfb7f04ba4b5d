"""The NASLib runners' KEY VALUE overrides, checked against the completed config (no NASLib needed)."""

from __future__ import annotations

import pytest

from naslib_optiproxy.integrations.naslib_plugin.overrides import check_overrides, known_keys, suggestion

VALUES = {"optimizer": "bananas", "search_space": "nasbench201", "dataset": "cifar10", "budget": 100,
          "search": {"epochs": 100, "predictor_type": "var_sparse_gp", "k": 10}, "evaluation": {}}


def test_known_keys_are_top_level_and_section_keys() -> None:
    known = known_keys(VALUES)
    assert {"optimizer", "budget", "seed", "out_dir", "gpu", "search.epochs", "search.k"} <= set(known)
    assert "search" not in known and "evaluation" not in known  # a section is not one value


@pytest.mark.parametrize("opts", [["search.epochs", "15"], ["seed", "3", "optimizer", "re"], ["budget", "20"], []])
def test_keys_naslib_reads_pass(opts) -> None:
    check_overrides(VALUES, opts)


@pytest.mark.parametrize("key, hint", [
    ("epochs", "search.epochs"),                   # the budget is search.epochs: NASLib would set config.epochs
    ("predictor_type", "search.predictor_type"),
    ("optimiser", "optimizer"),
    ("search.epoch", "search.epochs"),
    ("search.predictor", "search.predictor_type"),
])
def test_unknown_keys_are_refused_with_a_hint(key: str, hint: str) -> None:
    with pytest.raises(ValueError) as error:
        check_overrides(VALUES, ["seed", "1", key, "15"])
    assert str(error.value).startswith(f"unknown override {key!r} (did you mean {hint!r}?): ")
    assert "nothing was run" in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize("key", ["evaluation.foo", "search.a.b", "zzzzzz"])
def test_unknown_keys_without_a_close_one_get_no_hint(key: str) -> None:
    with pytest.raises(ValueError, match=f"^unknown override '{key}': neither the config nor NASLib has this key"):
        check_overrides(VALUES, [key, "1"])


def test_suggestion_prefers_the_same_last_part() -> None:
    assert suggestion("k", known_keys(VALUES)) == "search.k"
    assert suggestion("search.budget", known_keys(VALUES)) == "budget"
