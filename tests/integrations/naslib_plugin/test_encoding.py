"""NaslibEncodedSpace: discrete encodings from NASLib's encoder on one reused scratch graph."""

from __future__ import annotations

import numpy as np
import torch

from naslib_optiproxy.integrations.naslib_plugin.encoding import NaslibEncodedSpace, layouts_agree
from naslib_optiproxy.integrations.naslib_plugin.translate import Translator
from naslib_optiproxy.spaces import NasBench201


class FakeGraph:
    """A NASLib-like graph whose GCN encoding is the codec's layout, optionally with one column swapped."""

    def __init__(self, swap: bool = False) -> None:
        self.codec, self.swap, self.spec, self.calls = NasBench201(), swap, None, 0

    def set_spec(self, spec, dataset_api=None) -> None:
        self.spec = spec

    def encode(self, encoding_type=None):
        self.calls += 1
        from naslib_optiproxy.spaces import Architecture

        x, adj = self.codec.encode(Architecture(tuple(self.spec)))
        if self.swap:
            x = x[:, [1, 0, 2, 3, 4, 5, 6]]
        return {"operations": x, "adjacency": adj, "num_vertices": 8}


def test_encoded_space_uses_the_graph_and_keeps_the_codec_relaxation() -> None:
    tr, graph = Translator("nasbench201"), FakeGraph()
    space = NaslibEncodedSpace(tr, graph, "gcn")
    archs = [tr.codec.sample(np.random.default_rng(i)) for i in range(5)]
    x, adj = space.encode_batch(archs)
    ours_x, ours_adj = tr.codec.encode_batch(archs)
    assert torch.equal(x, ours_x) and torch.equal(adj, ours_adj) and graph.calls == 5
    weights = torch.softmax(torch.randn(2, 6, 5), -1)
    assert torch.equal(space.relaxed_encode(weights, None)[0], tr.codec.relaxed_encode(weights, None)[0])
    assert (space.num_nodes, space.num_features, space.key(archs[0])) == (8, 7, tr.codec.key(archs[0]))
    assert space.from_string(space.to_string(archs[0])) == archs[0]
    assert len(space.neighbours(archs[0])) == 24 and space.is_valid(space.mutate(archs[0], np.random.default_rng(0)))


def test_layouts_agree_detects_a_difference() -> None:
    tr = Translator("nasbench201")
    archs = [tr.codec.sample(np.random.default_rng(i)) for i in range(4)]
    assert layouts_agree(tr, FakeGraph(), "gcn", archs)
    assert not layouts_agree(tr, FakeGraph(swap=True), "gcn", archs)
