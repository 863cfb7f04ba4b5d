"""PyG data in and out: codec exports, dense conversion, proxies fed Data/Batch, fitting on user graphs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch_geometric.data import Batch, Data

from naslib_optiproxy.proxies import FitSettings, GraphProxy, ProxyTrainer, build_proxy
from naslib_optiproxy.pyg import to_batch, to_data, to_dense
from naslib_optiproxy.spaces import get_search_space


@pytest.mark.parametrize("name", ["nasbench201", "nasbench101", "nasbench301", "nasbench_graph", "nasbench_nlp"])
def test_every_codec_exports_data_that_round_trips(name: str) -> None:
    space = get_search_space(name)
    rng = np.random.default_rng(0)
    archs = [space.sample(rng) for _ in range(4)]
    data = to_data(space, archs[0])
    assert isinstance(data, Data) and data.num_nodes == space.num_nodes
    assert data.x.shape == (space.num_nodes, space.num_features) and data.edge_index.shape[0] == 2
    x, adj, mask = to_dense(to_batch(space, archs))
    want_x, want_adj = space.encode_batch(archs)
    assert mask is None
    torch.testing.assert_close(x, want_x)
    torch.testing.assert_close(adj, want_adj)


def test_a_proxy_takes_a_batch_or_dense_tensors_alike(nb201) -> None:
    rng = np.random.default_rng(0)
    archs = [nb201.sample(rng) for _ in range(5)]
    proxy = build_proxy("gcn", nb201.num_nodes, nb201.num_features, 16, 2, 16).eval()
    torch.testing.assert_close(proxy(to_batch(nb201, archs)), proxy(*nb201.encode_batch(archs)))
    torch.testing.assert_close(proxy(to_data(nb201, archs[0])), proxy(*nb201.encode_batch(archs[:1])))


def test_edge_weights_stay_soft_and_carry_gradients() -> None:
    weight = torch.tensor([0.3, 0.9], requires_grad=True)
    data = Data(x=torch.eye(3), edge_index=torch.tensor([[0, 1], [1, 2]]), edge_weight=weight)
    x, adj, _ = to_dense(data)
    assert adj[0, 0, 1].item() == pytest.approx(0.3) and adj[0, 1, 2].item() == pytest.approx(0.9) and adj[0, 0, 2] == 0
    GraphProxy(3, "gcn", 8, 1, 8)(data).backward()
    assert weight.grad is not None and torch.all(weight.grad != 0)


def test_graphs_of_different_sizes_are_padded_and_masked() -> None:
    small = Data(x=torch.eye(3), edge_index=torch.tensor([[0, 1], [1, 2]]))
    large = Data(x=torch.rand(5, 3), edge_index=torch.tensor([[0, 1, 2, 3], [1, 2, 3, 4]]))
    x, adj, mask = to_dense([small, large])
    assert x.shape == (2, 5, 3) and mask.tolist() == [[True] * 3 + [False] * 2, [True] * 5]
    proxy = GraphProxy(3, "sage", 8, 2, 8).eval()
    torch.testing.assert_close(proxy([small, large])[0], proxy(small)[0])


def test_fit_a_proxy_on_your_own_graphs() -> None:
    # Random DAGs whose target is their edge count: a proxy fitted on 60 ranks 40 unseen ones.
    gen = torch.Generator().manual_seed(0)
    graphs, y = [], []
    for _ in range(100):
        n = int(torch.randint(4, 8, (1,), generator=gen))
        adj = (torch.rand(n, n, generator=gen) < 0.4).float().triu(1)
        graphs.append(Data(x=torch.ones(n, 2), edge_index=adj.nonzero().T))
        y.append(float(adj.sum()))
    x, adj, mask = to_dense(Batch.from_data_list(graphs))
    target = torch.tensor(y)
    torch.manual_seed(0)
    trainer = ProxyTrainer(GraphProxy(2, "gin", 32, 2, 32), FitSettings(epochs=150), torch.Generator().manual_seed(0))
    trainer.fit(x[:60], adj[:60], target[:60], mask=mask[:60])
    pred = trainer.predict(x[60:], adj[60:], mask=mask[60:])
    assert np.corrcoef(pred.numpy(), target[60:].numpy())[0, 1] > 0.8


def test_bad_graphs_say_what_to_pass() -> None:
    with pytest.raises(TypeError, match="Data, a Batch or a list of Data"):
        to_dense([torch.zeros(3)])
    with pytest.raises(ValueError, match="no node features"):
        to_dense(Data(edge_index=torch.tensor([[0], [1]]), num_nodes=2))


NAN, INF = float("nan"), float("inf")
EDGES = torch.tensor([[0, 1], [1, 2]])


@pytest.mark.parametrize("graph, error, words", [
    (Data(x=torch.eye(3), edge_index=torch.tensor([[0, 1], [1, 2], [2, 0]])), ValueError,
     "the graph: edge_index must have shape [2, E] (sources in row 0, targets in row 1), got [3, 2]"),
    (Data(x=torch.eye(3), edge_index=torch.tensor([0, 1, 1, 2])), ValueError,
     "the graph: edge_index must have shape [2, E] (sources in row 0, targets in row 1), got [4]"),
    (Data(x=torch.eye(3), edge_index=torch.tensor([[0, 1], [1, 5]])), ValueError,
     "the graph: edge_index refers to node 5, but it has 3 nodes (indices 0..2)"),
    (Data(x=torch.eye(3), edge_index=torch.tensor([[0, -1], [1, 2]])), ValueError,
     "the graph: edge_index refers to node -1, but it has 3 nodes (indices 0..2)"),
    (Data(x=torch.eye(3), edge_index=torch.tensor([[0.0, 1.0], [1.0, 2.0]])), TypeError,
     "the graph: edge_index must hold integer node indices (torch.long), got torch.float32"),
    (Data(x=torch.full((3, 3), NAN), edge_index=EDGES), ValueError,
     "the graph: x holds NaN or infinite features; the proxy would score it NaN"),
    (Data(x=torch.eye(3), edge_index=EDGES, edge_weight=torch.tensor([1.0, INF])), ValueError,
     "the graph: edge_weight holds NaN or infinite weights; the proxy would score it NaN"),
    (Data(x=torch.zeros(20_000, 3), edge_index=EDGES), ValueError,
     "the graph has 20,000 nodes, more than the 1,000 the dense proxies take: densifying to [1, 20000, 20000] "
     "would need 1.5 GiB for the adjacency alone (at most 1 GiB); split the batch or use a sparse GNN"),
], ids=["edge-index-3-rows", "edge-index-1d", "node-out-of-range", "node-negative", "edge-index-float", "x-nan",
        "edge-weight-inf", "20000-nodes"])
def test_bad_graphs_are_refused_before_densifying(graph, error, words: str) -> None:
    with pytest.raises(error) as raised:
        to_dense(graph)
    assert words in str(raised.value)
    with pytest.raises(error):  # in a batch too (an index is then checked against the batch)
        to_dense(Batch.from_data_list([graph, graph]) if graph.num_nodes < 1000 else [graph])
    with pytest.raises(error):  # and through a proxy
        GraphProxy(3, "gcn", 8, 1, 8)(graph)


def test_a_batch_edge_between_two_graphs_is_refused() -> None:
    batch = Batch.from_data_list([Data(x=torch.eye(3), edge_index=EDGES), Data(x=torch.eye(3), edge_index=EDGES)])
    batch.edge_index = torch.tensor([[0, 1], [1, 4]])  # node 4 is the second graph's
    with pytest.raises(ValueError, match="the batch has an edge between two of its graphs"):
        to_dense(batch)
