"""NAS-Bench-301 objective: surrogate inputs, errors, and the real (bundled) YAHPO ONNX surrogate."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from unittest.mock import ANY

import numpy as np
import pytest

from naslib_optiproxy.data import nb301_dir, suite_zero_file
from naslib_optiproxy.objectives import BenchmarkDataError, NasBench301Objective, get_objective
from naslib_optiproxy.objectives.nasbench301 import (
    CAT_NAMES,
    YAHPO_SURROGATE,
    darts_genotype,
    find_surrogate,
    yahpo_features,
)
from naslib_optiproxy.spaces import Architecture, NasBench301
from naslib_optiproxy.spaces.nasbench301 import OP_NAMES, PAIRS

BUNDLED_NB301 = nb301_dir()
ZC_NB301 = suite_zero_file("nasbench301")
GENOTYPE = [[(1, 3), (0, 3), (0, 2), (2, 3), (3, 4), (1, 5), (0, 0), (4, 6)],
            [(0, 1), (1, 1), (2, 2), (1, 2), (0, 0), (3, 1), (2, 4), (1, 0)]]
PREFIX = "NetworkSelectorDatasetInfo_COLON_darts_COLON_"


def _toy_encoding() -> dict:
    """An encoding.json-like map: '#na#' 0, ops 10.., pairs 100.. (distinct so mix-ups show)."""
    encoding = {}
    for cell in ("normal", "reduce"):
        for edge in range(14):
            encoding[f"{PREFIX}edge_{cell}_{edge}"] = {"#na#": 0, **{op: 10 + i for i, op in enumerate(OP_NAMES)}}
        for node in range(1, 4):
            encoding[f"{PREFIX}inputs_node_{cell}_{node + 2}"] = {
                "#na#": 0, **{f"{a}_{b}": 100 + i for i, (a, b) in enumerate(PAIRS[node])}}
    return encoding


@pytest.fixture
def shared_objective(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> NasBench301Objective:
    """The objective on the bundled surrogate (no data of the user's: no data_dir, no env, empty cwd)."""
    pytest.importorskip("onnxruntime", reason="pip install 'naslib-optiproxy[nb301]'")
    monkeypatch.chdir(tmp_path)
    objective = NasBench301Objective("cifar10")
    assert objective.source == BUNDLED_NB301
    assert objective.data_source == {"kind": "bundled", "name": "nb301_yahpo_onnx", "sha256": ANY}
    return objective


def test_yahpo_features_of_a_known_genotype() -> None:
    space = NasBench301()
    row = yahpo_features([space.compact(space.from_compact(GENOTYPE))], _toy_encoding())[0]
    assert row.shape == (34,) and row.dtype == np.int32
    col = {name[len(PREFIX):]: value for name, value in zip(CAT_NAMES, row)}
    # normal cell: node 0 (edges 0, 1) reads 0 and 1; node 1 (edges 2..4) reads 0 and 2;
    # node 2 (edges 5..8) reads 1 and 3; node 3 (edges 9..13) reads 0 and 4.
    expected_normal = {0: 3, 1: 3, 2: 2, 4: 3, 6: 5, 8: 4, 9: 0, 13: 6}
    for edge in range(14):
        assert col[f"edge_normal_{edge}"] == (10 + expected_normal[edge] if edge in expected_normal else 0)
    assert [col[f"inputs_node_normal_{n}"] for n in (3, 4, 5)] == [100 + 1, 100 + 4, 100 + 3]  # 0_2, 1_3, 0_4
    expected_reduce = {0: 1, 1: 1, 3: 2, 4: 2, 5: 0, 8: 1, 10: 0, 11: 4}
    for edge in range(14):
        assert col[f"edge_reduce_{edge}"] == (10 + expected_reduce[edge] if edge in expected_reduce else 0)
    assert [col[f"inputs_node_reduce_{n}"] for n in (3, 4, 5)] == [100 + 2, 100 + 2, 100 + 4]  # 1_2, 0_3, 1_2


def test_missing_files_name_what_and_where(tmp_path: Path) -> None:
    with pytest.raises(BenchmarkDataError, match=r"new_model\.onnx and encoding\.json.*--data-dir"):
        NasBench301Objective("cifar10", tmp_path)


def test_missing_onnxruntime_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "new_model.onnx").write_bytes(b"")
    (tmp_path / "encoding.json").write_text(json.dumps(_toy_encoding()))
    real_import = importlib.import_module

    def no_onnxruntime(name, *args):
        if name == "onnxruntime":
            raise ImportError("No module named 'onnxruntime'")
        return real_import(name, *args)

    monkeypatch.setattr(importlib, "import_module", no_onnxruntime)
    with pytest.raises(ImportError, match=r"naslib-optiproxy\[nb301\]"):
        NasBench301Objective("cifar10", tmp_path)


def test_bad_encoding_file_is_named(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime", reason="pip install 'naslib-optiproxy[nb301]'")
    (tmp_path / "new_model.onnx").write_bytes(b"")
    (tmp_path / "encoding.json").write_text("{}")
    with pytest.raises(BenchmarkDataError, match=r"encoding\.json lacks"):
        NasBench301Objective("cifar10", tmp_path)


def test_only_cifar10(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="only the cifar10 dataset"):
        NasBench301Objective("cifar100", tmp_path)


def test_v09_models_folder_is_found(tmp_path: Path) -> None:
    (tmp_path / "nb_models" / "xgb_v0.9").mkdir(parents=True)
    assert find_surrogate(tmp_path) == ("v0.9", tmp_path / "nb_models" / "xgb_v0.9")


def test_darts_genotype() -> None:
    space = NasBench301()
    genotype = darts_genotype(space.compact(space.from_compact(GENOTYPE)))
    assert genotype.normal[:2] == [("sep_conv_3x3", 0), ("sep_conv_3x3", 1)]
    assert genotype.reduce[-2:] == [("max_pool_3x3", 1), ("sep_conv_5x5", 2)]
    assert genotype.normal_concat == genotype.reduce_concat == [2, 3, 4, 5]


def test_v09_adapter_queries_the_nasbench301_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nb301 = pytest.importorskip("nasbench301", reason="the NB301 v0.9 surrogate package is not installed: "
                                "pip install git+https://github.com/automl/nasbench301@no_gin")
    calls = []

    class FakeEnsemble:
        def predict(self, config, representation, with_noise):
            calls.append((config, representation, with_noise))
            return 94.5

    monkeypatch.setattr(nb301, "load_ensemble", lambda path: FakeEnsemble())
    (tmp_path / "xgb_v0.9").mkdir()
    objective = NasBench301Objective("cifar10", tmp_path)
    evaluation = objective(objective.space.from_compact(GENOTYPE))
    assert evaluation.value == 94.5 and "v0.9" in evaluation.info["surrogate"]
    assert calls[0][1:] == ("genotype", False)


def test_real_surrogate_on_a_few_architectures(shared_objective: NasBench301Objective) -> None:
    space = shared_objective.space
    rng = np.random.default_rng(0)
    archs = [space.sample(rng) for _ in range(8)] + [space.from_compact(GENOTYPE)]
    batch = shared_objective.evaluate_batch(archs)
    for arch, evaluation in zip(archs, batch):
        assert 80.0 < evaluation.value < 100.0 and evaluation.info["val"] == evaluation.value
        assert evaluation.info["runtime"] > 0 and evaluation.info["surrogate"] == YAHPO_SURROGATE
        assert shared_objective(arch).value == pytest.approx(evaluation.value)
    assert len({e.value for e in batch}) == len(batch)
    # ops of unused edges change nothing
    arch = archs[-1]
    unused = next(s for s in range(28) if space.key(Architecture(
        arch.ops[:s] + ((arch.ops[s] + 1) % 7,) + arch.ops[s + 1:], arch.topology)) == space.key(arch))
    other = Architecture(arch.ops[:unused] + (6,) + arch.ops[unused + 1:], arch.topology)
    assert shared_objective(other).value == shared_objective(arch).value
    with pytest.raises(NotImplementedError, match="optimum is unknown"):
        shared_objective.optimum()
    with pytest.raises(TypeError, match="from_string"):
        shared_objective(space.to_string(arch))


def test_get_objective_and_the_nasbench301_subfolder(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime", reason="pip install 'naslib-optiproxy[nb301]'")
    (tmp_path / "nasbench301").symlink_to(BUNDLED_NB301)
    objective = get_objective("nasbench301", None, tmp_path)
    assert isinstance(objective, NasBench301Objective) and objective.source == tmp_path / "nasbench301"
    assert objective.data_source == {"kind": "file", "path": str(BUNDLED_NB301), "sha256": ANY}  # the link resolved


def test_surrogate_ranks_real_nb301_architectures(shared_objective: NasBench301Objective, spearman) -> None:
    """The surrogate's predictions track the real val accuracy of 500 trained NB301 archs (Spearman 0.90)."""
    data = json.loads(ZC_NB301.read_text())["nasbench301"]["cifar10"]
    space = shared_objective.space
    predicted = [e.value for e in shared_objective.evaluate_batch([space.from_string(k) for k in data])]
    real = [record["val_accuracy"] for record in data.values()]
    assert spearman(predicted, real) > 0.85
