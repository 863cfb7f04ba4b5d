"""Spec translation NASLib <-> codecs (always), and against NASLib's own graphs and encodings (with NASLib)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from naslib_optiproxy.integrations.naslib_plugin.translate import (
    TRANSLATIONS, Translator, available_translations, layout_from_naslib_gcn, stack_layouts, translation_for)
from naslib_optiproxy.spaces import SEARCH_SPACES, Architecture

REGISTERED = [name for name, t in TRANSLATIONS.items() if t.codec in SEARCH_SPACES]
NASLIB_CLASSES = {"nasbench101": "NasBench101SearchSpace", "nasbench201": "NasBench201SearchSpace",
                  "nasbench301": "NasBench301SearchSpace", "nlp": "NasBenchNLPSearchSpace"}


def test_nb201_spec_is_naslib_op_indices() -> None:
    tr = Translator("nasbench201")
    arch = Architecture((2, 2, 0, 2, 2, 3))
    assert tr.to_spec(arch) == [2, 2, 0, 2, 2, 3]
    assert tr.from_hash(np.array([2, 2, 0, 2, 2, 3])) == arch


@pytest.mark.parametrize("naslib_type", REGISTERED)
def test_spec_round_trip_by_key(naslib_type: str) -> None:
    tr = Translator(naslib_type)
    rng = np.random.default_rng(0)
    for _ in range(30):
        arch = tr.codec.sample(rng)
        assert tr.key(tr.from_hash(tr.to_spec(arch))) == tr.key(arch)


def test_config_names_and_unknown_spaces() -> None:
    assert translation_for("darts").codec == "nasbench301"
    assert "nasbench201" in available_translations()
    with pytest.raises(ValueError, match="did you mean 'nasbench201'"):
        translation_for("nasbench210")


def test_layout_helpers() -> None:
    x, adj = layout_from_naslib_gcn({"operations": [[1, 0]], "adjacency": [[0]]})
    assert x.dtype == np.float32 and adj.shape == (1, 1)
    bx, badj = stack_layouts([(x, adj), (x, adj)])
    assert tuple(bx.shape) == (2, 1, 2) and tuple(badj.shape) == (2, 1, 1)
    with pytest.raises(ValueError, match="operations"):
        layout_from_naslib_gcn({"adjacency": []})


# ------------------------------------------------------------------ with NASLib
def _light_graph(naslib_type: str):
    search_spaces = pytest.importorskip("naslib.search_spaces")
    if naslib_type == "nasbench201":
        from naslib_optiproxy.integrations.naslib_plugin.spaces import light_nb201_class

        return light_nb201_class()()
    graph = getattr(search_spaces, NASLIB_CLASSES[naslib_type])()
    graph.instantiate_model = False
    return graph


@pytest.mark.parametrize("naslib_type", REGISTERED)
def test_naslib_graph_round_trip(naslib, naslib_type: str) -> None:
    tr = Translator(naslib_type)
    graph = _light_graph(naslib_type)
    rng = np.random.default_rng(1)
    for _ in range(20):
        arch = tr.codec.sample(rng)
        graph.set_spec(tr.to_spec(arch))
        assert tr.key(tr.from_graph(graph)) == tr.key(arch)


def test_nb201_gcn_encoding_equals_naslib_for_every_cell(naslib) -> None:
    from naslib.utils.encodings import EncodingType

    tr = Translator("nasbench201")
    graph = _light_graph("nasbench201")
    for ops in itertools.islice(itertools.product(range(5), repeat=6), 0, None, 7):  # 2233 cells
        arch = Architecture(ops)
        graph.set_spec(list(ops))
        x, adj = layout_from_naslib_gcn(graph.encode(encoding_type=EncodingType.GCN))
        ours_x, ours_adj = tr.codec.encode(arch)
        np.testing.assert_array_equal(x, ours_x)
        np.testing.assert_array_equal(adj, ours_adj)


def test_nb201_arch_strings_equal_naslib(naslib) -> None:
    from naslib.search_spaces.nasbench201.conversions import convert_op_indices_to_str

    codec = Translator("nasbench201").codec
    for ops in itertools.product(range(5), repeat=6):
        assert convert_op_indices_to_str(ops) == codec.to_string(Architecture(ops))


@pytest.mark.parametrize("naslib_type", [t for t in REGISTERED if not TRANSLATIONS[t].gcn_layout_equal])
def test_other_layouts_differ_from_naslib_as_documented(naslib, naslib_type: str) -> None:
    """NB101 (column order, dead vertices), NB301 (inputs share max_pool's column), NLP (node types):
    NASLib's GCN encoding is not our layout, so the proxy uses the codec's for these spaces."""
    from naslib.utils.encodings import EncodingType

    tr = Translator(naslib_type)
    graph = _light_graph(naslib_type)
    rng = np.random.default_rng(2)
    differs = False
    for _ in range(10):
        arch = tr.codec.sample(rng)
        graph.set_spec(tr.to_spec(arch))
        x, adj = layout_from_naslib_gcn(graph.encode(encoding_type=EncodingType.GCN))
        ours_x, ours_adj = tr.codec.encode(arch)
        differs |= x.shape != ours_x.shape or not (np.array_equal(x, ours_x) and np.array_equal(adj, ours_adj))
    assert differs
