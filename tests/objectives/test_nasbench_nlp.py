"""NAS-Bench-NLP objective on a tiny table written in NASLib's nb_nlp.pickle format."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from naslib_optiproxy.objectives import BenchmarkDataError, get_objective
from naslib_optiproxy.objectives.nasbench_nlp import TABLE_FILE, NasBenchNLPObjective, adjacency_mix
from naslib_optiproxy.spaces.nasbench_nlp import NasBenchNLP

SPACE = NasBenchNLP()
SMALL = ("node_0=linear(x,h_prev_0);node_1=activation_tanh(node_0);node_2=elementwise_sum(h_prev_1,node_1);"
         "h_new_0=blend(node_1,node_2,node_0);h_new_1=elementwise_prod(node_1,h_new_0)")
# SMALL numbered as NASLib's convert_recipe_to_compact numbers it, but with the 2 linear inputs reversed.
SMALL_COMPACT = (((1, 4), (0, 4), (4, 5), (2, 6), (5, 6), (5, 7), (6, 7), (4, 7), (5, 8), (7, 8)),
                 (0, 0, 0, 0, 6, 2, 4, 7, 5), (7, 8))
OTHER = ("node_0=linear(x,h_prev_0,h_prev_1);h_new_1=activation_sigm(node_0);"
         "node_1=linear(x,h_new_1);h_new_0=activation_leaky_relu(node_1)")
# 9 computing nodes: outside NASLib's 8-node space, skipped.
LARGE_COMPACT = (((0, 4), (1, 4), (4, 5), (2, 6), (5, 6), (5, 7), (6, 7), (4, 7), (5, 8), (7, 8),
                  (0, 9), (5, 9), (9, 10), (10, 11), (8, 11), (11, 12), (8, 12)),
                 (0, 0, 0, 0, 6, 2, 4, 7, 5, 6, 1, 4, 5), (11, 12))


def _record(val: float, test: float) -> dict:
    epochs = 50
    return {"train_losses": [7.0] * epochs, "val_losses": [8.0] * (epochs - 1) + [np.float64(val)],
            "test_losses": [8.0] * (epochs - 1) + [test], "wall_times": [1.0] * epochs}


@pytest.fixture()
def data_dir(tmp_path):
    table = {SMALL_COMPACT: _record(4.75, 4.5),
             SPACE.to_naslib_compact(SPACE.from_string(OTHER)): _record(5.5, 5.25),
             LARGE_COMPACT: _record(4.0, 4.0)}
    (tmp_path / TABLE_FILE).write_bytes(pickle.dumps(table, protocol=4))
    return tmp_path


class FakeSurrogate:
    def __init__(self):
        self.configs = []

    def predict(self, config, representation, search_space):
        assert representation == "compact" and search_space == "nlp"
        self.configs.append(config)
        return [90.0, 95.25]


def test_table_lookup_by_canonical_key(data_dir):
    objective = NasBenchNLPObjective(data_dir, surrogate=False)
    assert len(objective) == 2 and objective.skipped == 1
    result = objective(SPACE.from_string(SMALL))
    assert result.value == 100 - 4.75 and result.info == {"val": 95.25, "test": 95.5, "source": "table"}
    assert objective(SPACE.from_string(OTHER)).value == 94.5


def test_unknown_cell_without_surrogate_says_what_to_do(data_dir):
    objective = NasBenchNLPObjective(data_dir, surrogate=False)
    unknown = SPACE.sample(np.random.default_rng(0))
    with pytest.raises(KeyError, match="nbnlp_v01"):
        objective(unknown)


def test_unknown_cell_goes_to_the_surrogate(data_dir):
    surrogate = FakeSurrogate()
    objective = NasBenchNLPObjective(data_dir, surrogate=surrogate)
    unknown = SPACE.sample(np.random.default_rng(0))
    result = objective(unknown)
    assert result.value == 95.25 and result.info["source"] == "surrogate"
    config = surrogate.configs[0]
    assert len(config) == 13 * 13 + 13 + 3 and config == adjacency_mix(SPACE.key(unknown))


def test_adjacency_mix_layout():
    vector = adjacency_mix(SMALL_COMPACT)
    adj = np.asarray(vector[:169]).reshape(13, 13)
    assert adj[7, 12] == 1 and adj[5, 12] == 1 and adj[:, 8].sum() == 0  # last node moved to index 12
    assert vector[169:182] == [0, 0, 0, 0, 6, 2, 4, 7, 0, 0, 0, 0, 5] and vector[182:] == [7, 8, 0]


def test_missing_table_names_the_file_and_the_flag(tmp_path):
    with pytest.raises(BenchmarkDataError) as error:
        get_objective("nasbench_nlp", data_dir=tmp_path)
    message = str(error.value)
    assert TABLE_FILE in message and "--data-dir" in message and "drive.google.com" in message


def test_bad_table_and_bad_input(tmp_path, data_dir):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / TABLE_FILE).write_bytes(pickle.dumps({SMALL_COMPACT: {"val_losses": []}}))
    with pytest.raises(BenchmarkDataError, match="val_losses"):
        NasBenchNLPObjective(bad, surrogate=False)
    objective = get_objective("nasbench_nlp", data_dir=data_dir)
    with pytest.raises(TypeError, match="from_string"):
        objective(SMALL)
