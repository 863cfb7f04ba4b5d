"""A NASLib dataset_api from our NB201 tables: VAL = validation accuracy through NASLib's query path."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from naslib_optiproxy.objectives import BenchmarkDataError
from naslib_optiproxy.data.bundled import nb201_table
from naslib_optiproxy.integrations.naslib_plugin import data
from naslib_optiproxy.integrations.naslib_plugin.data import (
    BUNDLED_SOURCE, FinalValueCurve, export_naslib_nb201, get_dataset_api, nb201_dataset_api, table_accuracies)
from naslib_optiproxy.spaces import Architecture, NasBench201

from .conftest import synthetic_val

OPS = (2, 2, 0, 2, 2, 3)


def test_final_value_curve() -> None:
    curve = FinalValueCurve(91.5, length=4)
    assert (curve[-1], curve[0], curve[3], len(curve)) == (91.5, 91.5, 91.5, 4)
    assert curve[:2] == [91.5, 91.5]
    with pytest.raises(IndexError):
        curve[4]


def test_dataset_api_from_csv(synthetic_nb201: Path) -> None:
    api = nb201_dataset_api("cifar10", synthetic_nb201)
    entry = api["nb201_data"][NasBench201().to_string(Architecture(OPS))]["cifar10-valid"]
    assert entry["eval_acc1es"][-1] == pytest.approx(synthetic_val(OPS))
    assert entry["eval_acc1es"][108] == pytest.approx(synthetic_val(OPS))  # NASLib RS's default fidelity
    assert entry["train_acc1es"][-1] == -1 and entry["cost_info"]["train_time"] == -1
    assert table_accuracies(api, OPS) == pytest.approx((synthetic_val(OPS), synthetic_val(OPS) + 1))
    assert len(api["nb201_data"]) == 5 ** 6


def test_missing_data_says_where_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(BenchmarkDataError, match="--data-dir"):
        nb201_dataset_api("cifar10", tmp_path)


def test_without_any_file_the_bundled_table_serves_naslib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no ./data, no $NASLIB_OPTIPROXY_DATA (conftest), and no NASLib file:
    monkeypatch.setattr(data, "naslib_nb201_file", lambda dataset: None)
    api = get_dataset_api("nasbench201", "cifar100")
    assert api["optiproxy_source"] == BUNDLED_SOURCE
    assert table_accuracies(api, OPS) == pytest.approx(nb201_table("cifar100")[OPS])
    entry = api["nb201_data"][NasBench201().to_string(Architecture(OPS))]["cifar100"]
    assert entry["eval_acc1es"][-1] == pytest.approx(nb201_table("cifar100")[OPS][0])
    with pytest.raises(BenchmarkDataError):  # a named folder without a table is still an error
        get_dataset_api("nasbench201", "cifar100", tmp_path)


def test_export_writes_naslib_format(synthetic_nb201: Path, tmp_path: Path) -> None:
    written = export_naslib_nb201(tmp_path, synthetic_nb201, datasets=["cifar100"])
    assert written["cifar100"].name == "nb201_cifar100_full_training.pickle"
    data = pickle.loads(written["cifar100"].read_bytes())
    entry = data[NasBench201().to_string(Architecture(OPS))]["cifar100"]
    assert len(entry["eval_acc1es"]) == 200 and entry["eval_acc1es"][-1] == pytest.approx(synthetic_val(OPS))
    # and our own reader takes it back (val = test = eval_acc1es[-1], as NASLib reports it)
    api = nb201_dataset_api("cifar100", tmp_path)
    assert table_accuracies(api, OPS) == pytest.approx((synthetic_val(OPS),) * 2)


def test_naslib_query_returns_val_not_test(naslib, synthetic_nb201: Path) -> None:
    from naslib.search_spaces.core.query_metrics import Metric

    from naslib_optiproxy.integrations.naslib_plugin.spaces import light_nb201_class

    api = nb201_dataset_api("cifar10", synthetic_nb201)
    graph = light_nb201_class()()
    graph.set_spec(list(OPS))
    assert graph.query(Metric.VAL_ACCURACY, "cifar10", dataset_api=api) == pytest.approx(synthetic_val(OPS))
    assert graph.query(Metric.TEST_ACCURACY, "cifar10", dataset_api=api) == pytest.approx(synthetic_val(OPS))
    assert graph.query(Metric.VAL_ACCURACY, "cifar10", epoch=108, dataset_api=api) == pytest.approx(synthetic_val(OPS))


def test_real_tables_through_naslib_query(naslib, nb201_csv_dir: Path) -> None:
    from naslib.search_spaces.core.query_metrics import Metric

    from naslib_optiproxy.integrations.naslib_plugin.spaces import light_nb201_class

    api = nb201_dataset_api("cifar10", nb201_csv_dir)
    graph = light_nb201_class()()
    graph.set_spec(list(OPS))
    assert graph.query(Metric.VAL_ACCURACY, "cifar10", dataset_api=api) == pytest.approx(91.6067, abs=1e-4)
    assert table_accuracies(api, OPS)[1] == pytest.approx(94.3733, abs=1e-4)
