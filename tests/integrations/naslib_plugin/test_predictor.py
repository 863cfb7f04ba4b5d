"""optiproxy_gcn: the regressor (always) and the NASLib Predictor, alone and inside BANANAS (with NASLib)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from naslib_optiproxy.config import OptiProxyConfig
from naslib_optiproxy.integrations.naslib_plugin.predictor import GCNRegressor
from naslib_optiproxy.spaces import NasBench201

from .conftest import synthetic_val

FAST = OptiProxyConfig(gcn_hidden=32, linear_size=32, model_epochs=150, fit_lr=0.005)


def kendall_tau(x, y) -> float:
    """Kendall's tau-a: mean sign agreement over all pairs (no scipy needed)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    i, j = np.triu_indices(len(x), k=1)
    return float(np.mean(np.sign(x[i] - x[j]) * np.sign(y[i] - y[j])))


def _archs(n: int, seed: int):
    rng = np.random.default_rng(seed)
    return [NasBench201().sample(rng) for _ in range(n)]


def test_regressor_ranks_held_out_architectures() -> None:
    codec = NasBench201()
    train, test = _archs(60, 0), _archs(60, 1)
    model = GCNRegressor(FAST, codec.num_nodes, codec.num_features, seed=0)
    mae = model.fit(*codec.encode_batch(train), [synthetic_val(a.ops) for a in train])
    predictions = model.predict(*codec.encode_batch(test))
    assert mae >= 0 and predictions.shape == (60,)
    assert kendall_tau(predictions, [synthetic_val(a.ops) for a in test]) > 0.5


def test_regressor_is_seeded() -> None:
    codec = NasBench201()
    train = _archs(20, 0)
    x, adj = codec.encode_batch(train)
    y = [synthetic_val(a.ops) for a in train]
    runs = [GCNRegressor(FAST, 8, 7, seed=s) for s in (4, 4, 5)]
    out = [(r.fit(x, adj, y), r.predict(x, adj))[1] for r in runs]
    np.testing.assert_array_equal(out[0], out[1])
    assert not np.array_equal(out[0], out[2])


def test_regressor_fits_pyg_graphs_like_encodings() -> None:
    from naslib_optiproxy.pyg import is_graphs, to_batch, to_dense

    codec = NasBench201()
    train = _archs(20, 0)
    y = [synthetic_val(a.ops) for a in train]
    batch = to_batch(codec, train)
    assert is_graphs(batch) and is_graphs(batch.to_data_list()) and not is_graphs(train)
    dense = GCNRegressor(FAST, 8, 7, seed=4)
    dense.fit(*codec.encode_batch(train), y)
    pyg = GCNRegressor(FAST, 8, 7, seed=4)
    x, adj, mask = to_dense(batch)
    pyg.fit(x, adj, y, mask)
    np.testing.assert_allclose(pyg.predict(x, adj, mask), dense.predict(*codec.encode_batch(train)), rtol=1e-5)


def test_naslib_predictor_takes_pyg_graphs(naslib) -> None:
    from naslib_optiproxy.integrations.naslib_plugin.predictor import OptiProxyGCNPredictor
    from naslib_optiproxy.pyg import to_batch

    codec = NasBench201()
    train, test = _archs(40, 2), _archs(40, 3)
    predictor = OptiProxyGCNPredictor(seed=0)
    predictor.set_hyperparams({"model_epochs": 150, "fit_lr": 0.005, "gcn_hidden": 32, "linear_size": 32})
    predictor.fit(to_batch(codec, train).to_data_list(), [synthetic_val(a.ops) for a in train])
    predictions = predictor.query(to_batch(codec, test))
    assert kendall_tau(predictions, [synthetic_val(a.ops) for a in test]) > 0.5


def test_naslib_predictor_fit_query(naslib) -> None:
    from naslib_optiproxy.integrations.naslib_plugin.predictor import OptiProxyGCNPredictor

    train, test = _archs(40, 2), _archs(40, 3)
    predictor = OptiProxyGCNPredictor(ss_type="nasbench201", dataset="cifar10", seed=0)
    predictor.set_hyperparams({"model_epochs": 150, "fit_lr": 0.005})
    with pytest.raises(RuntimeError, match="fit"):
        predictor.query(_graphs(test[:1]))
    predictor.fit(_graphs(train), [synthetic_val(a.ops) for a in train])
    predictions = predictor.query(_graphs(test))
    assert kendall_tau(predictions, [synthetic_val(a.ops) for a in test]) > 0.5
    assert predictor.get_hyperparams()["model_epochs"] == 150


def test_family_and_settings_survive_naslibs_reset(naslib) -> None:
    """NASLib's PredictorEvaluator calls reset_hyperparams() before each fit: optiproxy_gat must stay a GAT."""
    from naslib_optiproxy.integrations.naslib_plugin.predictor import OptiProxyGCNPredictor

    predictor = OptiProxyGCNPredictor(ss_type="nasbench201", dataset="cifar10", seed=0, proxy="gat",
                                      settings={"model_epochs": 5})
    predictor.set_hyperparams({"fit_lr": 0.01})
    assert predictor.get_hyperparams() == {"proxy": "gat", "model_epochs": 5, "fit_lr": 0.01}
    predictor.reset_hyperparams()
    assert predictor.get_hyperparams() == {"proxy": "gat", "model_epochs": 5}
    train = _archs(12, 0)
    predictor.fit(_graphs(train), [synthetic_val(a.ops) for a in train])
    assert type(predictor.regressor.model).__name__ == "GraphProxy" and predictor.regressor.settings.model.kind == "gat"
    assert predictor.query(_graphs(train[:3])).dtype == np.float64  # json-ready in NASLib's errors.json


def test_bad_family_is_refused_at_construction(naslib) -> None:
    from naslib_optiproxy.integrations.naslib_plugin.predictor import OptiProxyGCNPredictor

    with pytest.raises(ValueError, match="gat"):
        OptiProxyGCNPredictor(proxy="gta")


def _graphs(archs):
    from naslib_optiproxy.integrations.naslib_plugin.spaces import light_nb201_class

    graphs = []
    for arch in archs:
        graph = light_nb201_class()()
        graph.set_spec(list(arch.ops))
        graphs.append(graph)
    return graphs


def test_bananas_runs_with_optiproxy_gcn(naslib, synthetic_nb201: Path, tmp_path: Path) -> None:
    import json

    import yaml

    from naslib_optiproxy.integrations.naslib_plugin import is_registered
    from naslib_optiproxy.integrations.naslib_plugin.runner import load_config, run

    path = tmp_path / "bananas.yaml"
    path.write_text(yaml.safe_dump({"search_space": "nasbench201", "dataset": "cifar10", "optimizer": "bananas",
                                    "seed": 0, "out_dir": str(tmp_path / "out"),
                                    "search": {"epochs": 14, "num_init": 10, "k": 2, "num_ensemble": 2,
                                               "num_candidates": 20, "predictor_type": "optiproxy_gcn"}}))
    config = load_config(str(path), [])
    summary = run(config, data_dir=str(synthetic_nb201), evaluate=False)
    assert is_registered()
    valid = json.loads((Path(config.save) / "errors.json").read_text())[1]["valid_acc"]
    assert len(valid) == 14 and summary["best_val"] == max(valid)
