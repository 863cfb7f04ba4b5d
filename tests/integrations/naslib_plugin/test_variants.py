"""Run folders and summary words of NASLib optimizer variants (no NASLib needed)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from naslib_optiproxy.integrations.naslib_plugin.variants import describe, folder_name, run_folder

DEFAULT = {"predictor_type": "var_sparse_gp", "acq_fn_optimization": "mutation", "k": 10}


@pytest.mark.parametrize("optimizer, search, folder, words", [
    ("bananas", DEFAULT, "bananas", "bananas (predictor var_sparse_gp, mutation candidates)"),
    ("bananas", {**DEFAULT, "predictor_type": "optiproxy_gcn"}, "bananas-optiproxy_gcn",
     "bananas (predictor optiproxy_gcn, mutation candidates)"),
    ("bananas", {**DEFAULT, "acq_fn_optimization": "relaxed"}, "bananas-relaxed",
     "bananas (predictor var_sparse_gp, relaxed candidates)"),
    ("npenas", {"predictor_type": "optiproxy_gcn", "acq_fn_optimization": "relaxed"}, "npenas-optiproxy_gcn-relaxed",
     "npenas (predictor optiproxy_gcn, relaxed candidates)"),
    ("npenas", {}, "npenas", "npenas (predictor var_sparse_gp, mutation candidates)"),  # NASLib's defaults
    ("re", {**DEFAULT, "predictor_type": "optiproxy_gcn"}, "re", "re"),  # RE reads neither key
    ("optiproxy", {**DEFAULT, "acq_fn_optimization": "relaxed"}, "optiproxy", "optiproxy"),
])
def test_folder_and_words(optimizer, search, folder, words) -> None:
    assert folder_name(optimizer, search) == folder and describe(optimizer, search) == words


def test_variants_never_share_a_folder() -> None:
    predictors, candidates = ("var_sparse_gp", "optiproxy_gcn", "bananas", "gp"), ("mutation", "relaxed",
                                                                                    "random_sampling")
    names = [folder_name(o, {"predictor_type": p, "acq_fn_optimization": c})
             for o in ("bananas", "npenas") for p in predictors for c in candidates]
    assert len(set(names)) == len(names) == 24


@pytest.mark.parametrize("value", ["../x", "a/b", "", ".."])
def test_a_value_that_is_not_a_name_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="search.predictor_type must be a name"):
        folder_name("bananas", {"predictor_type": value})


def test_run_folder_is_naslibs_with_the_variant() -> None:
    config = SimpleNamespace(out_dir="runs", search_space="nasbench201", dataset="cifar10", optimizer="bananas",
                             seed=3, search={"predictor_type": "optiproxy_gcn"})
    assert run_folder(config) == "runs/nasbench201/cifar10/bananas-optiproxy_gcn/3"
