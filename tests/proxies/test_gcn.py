"""GCN and MLP proxies: shapes, gradients through the codec's relaxed encoding, sensitivity."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from naslib_optiproxy.distribution import ArchitectureDistribution
from naslib_optiproxy.proxies import GCNProxy, MLPProxy, build_proxy, normalized_adjacency
from naslib_optiproxy.spaces import Architecture

pytestmark = pytest.mark.usefixtures("seeded")


def _proxies(space, hidden: int = 32):
    return {
        "gcn": GCNProxy(space.num_features, hidden=hidden, layers=2, head_hidden=hidden),
        "mlp": MLPProxy(space.num_nodes, space.num_features, hidden=hidden, layers=2),
    }


@pytest.mark.parametrize("kind", ["gcn", "mlp"])
@pytest.mark.parametrize("space_name", ["nb201", "nbg"])
def test_output_shape(request, kind: str, space_name: str, rng) -> None:
    space = request.getfixturevalue(space_name)
    proxy = _proxies(space)[kind].eval()
    for batch in (1, 7):
        x, adj = space.encode_batch([space.sample(rng) for _ in range(batch)])
        out = proxy(x, adj)
        assert out.shape == (batch,) and torch.all(torch.isfinite(out))


@pytest.mark.parametrize("kind", ["gcn", "mlp"])
def test_gradients_reach_alpha_and_beta_on_nasbench_graph(nbg, kind: str) -> None:
    proxy = _proxies(nbg)[kind].eval()
    dist = ArchitectureDistribution(nbg, 3, np.random.default_rng(1))
    ops, topo = dist.relaxed(1.0, torch.Generator().manual_seed(2))
    x, adj = nbg.relaxed_encode(ops, topo)
    out = proxy(x, adj)
    assert out.shape == (3,)
    out.sum().backward()
    mask = dist.choice_mask
    assert dist.alpha.grad is not None and torch.count_nonzero(dist.alpha.grad) == dist.alpha.numel()
    assert dist.beta.grad is not None
    # Slot 0 has a single candidate (its softmax is constant); every other valid entry gets a gradient.
    assert torch.all(dist.beta.grad[:, 1:][:, mask[1:]] != 0)
    assert torch.all(dist.beta.grad[:, ~mask] == 0)
    # Each group's gradient comes from its own output only.
    for p in (dist.alpha, dist.beta):
        p.grad = None
    ops, topo = dist.relaxed(1.0, torch.Generator().manual_seed(2))
    proxy(*nbg.relaxed_encode(ops, topo))[1].backward()
    assert torch.all(dist.alpha.grad[[0, 2]] == 0) and torch.count_nonzero(dist.alpha.grad[1]) > 0
    assert torch.all(dist.beta.grad[[0, 2]] == 0) and torch.count_nonzero(dist.beta.grad[1]) > 0


@pytest.mark.parametrize("kind", ["gcn", "mlp"])
def test_gradients_reach_alpha_on_nasbench201(nb201, kind: str) -> None:
    proxy = _proxies(nb201)[kind].eval()
    dist = ArchitectureDistribution(nb201, 4, np.random.default_rng(3))
    ops, topo = dist.relaxed(1.0, torch.Generator().manual_seed(4))
    assert topo is None
    proxy(*nb201.relaxed_encode(ops, topo)).sum().backward()
    assert torch.count_nonzero(dist.alpha.grad) == dist.alpha.numel()


def test_gcn_distinguishes_the_14_23_edge_swap(nb201) -> None:
    # Only edges (1,4) [slot 2] and (2,3) [slot 3] trade ops. Under NASLib's wiring these are
    # different graphs; a wiring that swapped the two edges would also swap these encodings.
    a = Architecture((2, 3, 2, 4, 0, 1))
    b = Architecture((2, 3, 4, 2, 0, 1))
    xa, adj_a = nb201.encode(a)
    xb, adj_b = nb201.encode(b)
    assert not np.array_equal(xa, xb) and np.array_equal(adj_a, adj_b)
    for seed in range(3):
        torch.manual_seed(seed)
        proxy = GCNProxy(nb201.num_features, hidden=32, layers=2, head_hidden=32).eval()
        x, adj = nb201.encode_batch([a, b])
        out = proxy(x, adj)
        assert abs(float((out[0] - out[1]).detach())) > 1e-5
    # The difference comes from the graph, not from node order: relabelling the nodes of a graph
    # (features and adjacency together) leaves the output unchanged.
    proxy = GCNProxy(nb201.num_features, hidden=32, layers=2, head_hidden=32).eval()
    x, adj = nb201.encode_batch([a])
    perm = torch.tensor([0, 2, 1, 3, 6, 5, 4, 7])
    torch.testing.assert_close(proxy(x[:, perm], adj[:, perm][:, :, perm]), proxy(x, adj))


def test_gcn_uses_both_directions(nb201) -> None:
    # A node's forward message sees its predecessors, the backward one its successors: the same
    # features on a reversed graph give a different output.
    proxy = GCNProxy(nb201.num_features, hidden=16, layers=1, head_hidden=16).eval()
    x, adj = nb201.encode_batch([Architecture((2, 3, 2, 4, 0, 1))])
    assert not torch.allclose(proxy(x, adj), proxy(x, adj.transpose(1, 2)))


def test_normalized_adjacency_rows_sum_to_one() -> None:
    adj = torch.tensor([[[0.0, 1.0, 0.5], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]])
    norm = normalized_adjacency(adj)
    torch.testing.assert_close(norm.sum(-1), torch.ones(1, 3))
    torch.testing.assert_close(norm[0, 0], torch.tensor([1 / 2.5, 1 / 2.5, 0.5 / 2.5]))
    torch.testing.assert_close(norm[0, 2], torch.tensor([0.0, 0.0, 1.0]))


def test_dropout_only_in_training(nb201, rng) -> None:
    proxy = GCNProxy(nb201.num_features, hidden=32, layers=2, head_hidden=32, dropout=0.5)
    x, adj = nb201.encode_batch([nb201.sample(rng) for _ in range(5)])
    proxy.eval()
    torch.testing.assert_close(proxy(x, adj), proxy(x, adj))
    proxy.train()
    assert not torch.allclose(proxy(x, adj), proxy(x, adj))


def test_build_proxy(nbg) -> None:
    assert isinstance(build_proxy("gcn", nbg.num_nodes, nbg.num_features, 16, 2, 16), GCNProxy)
    assert isinstance(build_proxy("mlp", nbg.num_nodes, nbg.num_features, 16, 2, 16), MLPProxy)
    with pytest.raises(ValueError, match="did you mean 'gcn'"):
        build_proxy("gnc", nbg.num_nodes, nbg.num_features)
