"""``acq_fn_optimization: relaxed`` in NASLib's BANANAS and NPENAS, end to end (with NASLib)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from .conftest import synthetic_val


@pytest.fixture(autouse=True)
def _unregister_after():
    yield
    from naslib_optiproxy.integrations.naslib_plugin import unregister

    unregister()


def _run(tmp_path: Path, data: Path, optimizer: str, predictor: str, acq: str):
    from naslib_optiproxy.integrations.naslib_plugin.runner import load_config, run

    path = tmp_path / f"{optimizer}-{predictor}-{acq}.yaml"
    path.write_text(yaml.safe_dump({
        "search_space": "nasbench201", "dataset": "cifar10", "optimizer": optimizer, "seed": 0,
        "out_dir": str(tmp_path / "out"),
        "search": {"epochs": 16, "num_init": 10, "k": 3, "num_ensemble": 2, "num_candidates": 30,
                   "predictor_type": predictor, "acq_fn_optimization": acq},
        "optiproxy": {"num_groups": 3, "search_epochs": 60, "model_epochs": 60}}))
    config = load_config(str(path), [])
    summary = run(config, data_dir=str(data), evaluate=False)
    return json.loads((Path(config.save) / "errors.json").read_text())[1]["valid_acc"], summary


@pytest.mark.parametrize("optimizer,predictor", [("bananas", "optiproxy_gcn"), ("bananas", "mlp"),
                                                 ("npenas", "optiproxy_gcn")])
def test_relaxed_candidates_feed_the_acquisition(naslib, synthetic_nb201: Path, tmp_path: Path, monkeypatch,
                                                 optimizer: str, predictor: str) -> None:
    from naslib_optiproxy.integrations.naslib_plugin import acquisition

    calls = []
    original = acquisition.relaxed_candidates

    def spy(opt, ytrain):
        candidates = original(opt, ytrain)
        translator = opt._optiproxy_relaxed.translator
        evaluated = {translator.key(translator.from_graph(m.arch)) for m in opt.train_data}
        fresh = {translator.key(translator.from_graph(m.arch)) for m in candidates}
        calls.append((type(opt).__name__, len(candidates), bool(evaluated & fresh)))
        return candidates

    monkeypatch.setattr(acquisition, "relaxed_candidates", spy)
    valid, summary = _run(tmp_path, synthetic_nb201, optimizer, predictor, "relaxed")
    assert len(valid) == 16 and summary["best_val"] == max(valid)
    assert len(calls) == 2 and all(0 < n <= 30 for _, n, _ in calls)  # 6 evaluations after the initial 10, k = 3
    assert calls[0][0].lower() == optimizer
    assert not any(overlap for _, _, overlap in calls)  # never an architecture already evaluated


def test_relaxed_objective_is_the_ensemble_mean_of_our_predictors(naslib, synthetic_nb201: Path, tmp_path: Path,
                                                                  monkeypatch) -> None:
    from naslib_optiproxy.integrations.naslib_plugin import acquisition

    seen = []
    original = acquisition.objective

    def spy(opt, state, archs, ytrain):
        model = original(opt, state, archs, ytrain)
        seen.append((len(model.models), type(opt._optiproxy_ensemble.ensemble[0]).__name__))
        return model

    monkeypatch.setattr(acquisition, "objective", spy)
    _run(tmp_path, synthetic_nb201, "bananas", "optiproxy_gcn", "relaxed")
    assert seen and seen[0] == (2, "OptiProxyGCNPredictor")  # num_ensemble members, no extra fit
    seen.clear()
    _run(tmp_path, synthetic_nb201, "bananas", "mlp", "relaxed")
    assert seen and seen[0][0] == 1  # NASLib's MLPs are not differentiable here: our proxy, fitted once


def test_mutation_stays_naslibs(naslib, synthetic_nb201: Path, tmp_path: Path, monkeypatch) -> None:
    from naslib_optiproxy.integrations.naslib_plugin import acquisition

    monkeypatch.setattr(acquisition, "relaxed_candidates", lambda *a: pytest.fail("relaxed generator used"))
    valid, _ = _run(tmp_path, synthetic_nb201, "bananas", "optiproxy_gcn", "mutation")
    assert len(valid) == 16 and max(valid) > synthetic_val((1,) * 6)  # better than the all-avg-pool cell
