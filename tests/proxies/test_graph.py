"""Graph proxies (PyG layers both ways, Eq. 3) and the MLP: shapes, gradients through the codecs'
relaxed encodings, graph sensitivity, node-order invariance, padding masks, v0.1 compatibility."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from naslib_optiproxy.config import OptiProxyConfig
from naslib_optiproxy.distribution import ArchitectureDistribution
from naslib_optiproxy.proxies import GraphProxy, MLPProxy, build_proxy, initialise_seeded, normalized_adjacency
from naslib_optiproxy.spaces import Architecture

pytestmark = pytest.mark.usefixtures("seeded")

GRAPH_LAYERS = ["gcn", "gat", "gin", "sage"]
ALL_KINDS = GRAPH_LAYERS + ["mlp"]


def _proxy(space, kind: str, hidden: int = 32, layers: int = 2):
    return build_proxy(kind, space.num_nodes, space.num_features, hidden, layers, hidden)


@pytest.mark.parametrize("kind", ALL_KINDS)
@pytest.mark.parametrize("space_name", ["nb201", "nbg"])
def test_output_shape(request, kind: str, space_name: str, rng) -> None:
    space = request.getfixturevalue(space_name)
    proxy = _proxy(space, kind).eval()
    for batch in (1, 7):
        x, adj = space.encode_batch([space.sample(rng) for _ in range(batch)])
        out = proxy(x, adj)
        assert out.shape == (batch,) and torch.all(torch.isfinite(out))
    two = build_proxy(kind, space.num_nodes, space.num_features, 16, 2, 16, num_outputs=2).eval()
    assert two(x, adj).shape == (batch, 2)


@pytest.mark.parametrize("kind", ["gcn", "gin", "sage", "mlp"])
def test_gradients_reach_alpha_and_beta_on_nasbench_graph(nbg, kind: str) -> None:
    proxy = _proxy(nbg, kind).eval()
    dist = ArchitectureDistribution(nbg, 3, np.random.default_rng(1))
    ops, topo = dist.relaxed(1.0, torch.Generator().manual_seed(2))
    out = proxy(*nbg.relaxed_encode(ops, topo))
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


def test_gat_reads_the_adjacency_as_a_mask(nbg) -> None:
    # PyG's attention masks with adj != 0: alpha gets gradients, beta none (the strategy warns).
    proxy = _proxy(nbg, "gat").eval()
    dist = ArchitectureDistribution(nbg, 3, np.random.default_rng(1))
    ops, topo = dist.relaxed(1.0, torch.Generator().manual_seed(2))
    proxy(*nbg.relaxed_encode(ops, topo)).sum().backward()
    assert torch.count_nonzero(dist.alpha.grad) == dist.alpha.numel()
    assert dist.beta.grad is None or torch.all(dist.beta.grad == 0)
    x, adj = nbg.encode_batch([nbg.sample(np.random.default_rng(0))])
    torch.testing.assert_close(proxy(x, adj), proxy(x, adj * 0.5))  # edge weights do not matter...
    assert not torch.allclose(proxy(x, adj), proxy(x, torch.zeros_like(adj)))  # ...which edges exist does


def test_gat_on_a_learnable_topology_warns(nbg) -> None:
    from naslib_optiproxy import OptiProxy

    with pytest.warns(UserWarning, match="only the operations"):
        OptiProxy(nbg, OptiProxyConfig(proxy="gat"), seed=0)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_gradients_reach_alpha_on_nasbench201(nb201, kind: str) -> None:
    proxy = _proxy(nb201, kind).eval()
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
        proxy = _proxy(nb201, "gcn").eval()
        out = proxy(*nb201.encode_batch([a, b]))
        assert abs(float((out[0] - out[1]).detach())) > 1e-5


@pytest.mark.parametrize("kind", GRAPH_LAYERS)
def test_relabelling_nodes_leaves_the_output_unchanged(nb201, kind: str) -> None:
    proxy = _proxy(nb201, kind).eval()
    x, adj = nb201.encode_batch([Architecture((2, 3, 2, 4, 0, 1))])
    perm = torch.tensor([0, 2, 1, 3, 6, 5, 4, 7])
    torch.testing.assert_close(proxy(x[:, perm], adj[:, perm][:, :, perm]), proxy(x, adj))


@pytest.mark.parametrize("kind", GRAPH_LAYERS)
def test_uses_both_directions(nb201, kind: str) -> None:
    # A node's forward message sees its predecessors, the backward one its successors: the same
    # features on a reversed graph give a different output.
    proxy = _proxy(nb201, kind, hidden=16, layers=1).eval()
    x, adj = nb201.encode_batch([Architecture((2, 3, 2, 4, 0, 1))])
    assert not torch.allclose(proxy(x, adj), proxy(x, adj.transpose(1, 2)))


def test_gcn_layer_is_equation_3(nb201, rng) -> None:
    # LN(Linear([GELU(Â_in V W+) || GELU(Â_out V W-)])) with Â the row-normalised A + I, written out.
    proxy = _proxy(nb201, "gcn", hidden=16, layers=1).eval()
    conv = proxy.convs[0]
    x, adj = nb201.encode_batch([nb201.sample(rng) for _ in range(3)])
    a_in, a_out = normalized_adjacency(adj.transpose(1, 2)), normalized_adjacency(adj)
    w_plus, w_minus = conv.along.lin.weight, conv.against.lin.weight
    gelu = torch.nn.functional.gelu
    messages = torch.cat([gelu(a_in @ x @ w_plus.T), gelu(a_out @ x @ w_minus.T)], -1)
    torch.testing.assert_close(conv(x, *proxy.adjacencies(adj)), conv.norm(conv.combine(messages)))


def test_gcn_keeps_the_v0_1_initialisation() -> None:
    # Outputs of version 0.1's hand-written GCN proxy after torch.manual_seed(0), on a fixed input:
    # build_proxy replays its draws, so seeded runs keep their published trajectories.
    torch.manual_seed(0)
    proxy = build_proxy("gcn", 8, 7, 16, 2, 16, num_outputs=2).eval()
    x = torch.linspace(0, 1, 2 * 8 * 7).reshape(2, 8, 7)
    adj = torch.linspace(0, 1, 2 * 8 * 8).reshape(2, 8, 8).triu(1)
    expected = torch.tensor([[0.20162437856197357, -0.17701172828674316], [0.3026468753814697, -0.07350200414657593]])
    torch.testing.assert_close(proxy(x, adj), expected)


@pytest.mark.parametrize("kind", GRAPH_LAYERS)
def test_padding_with_a_mask_changes_nothing(nb201, kind: str, rng) -> None:
    proxy = _proxy(nb201, kind).eval()
    x, adj = nb201.encode_batch([nb201.sample(rng) for _ in range(2)])
    padded_x = torch.cat([x, torch.rand(2, 3, x.shape[-1])], 1)
    padded_adj = torch.zeros(2, 11, 11)
    padded_adj[:, :8, :8] = adj
    mask = torch.arange(11).expand(2, 11) < 8
    torch.testing.assert_close(proxy(padded_x, padded_adj, mask), proxy(x, adj))


def test_dropout_only_in_training(nb201, rng) -> None:
    proxy = build_proxy("gcn", nb201.num_nodes, nb201.num_features, 32, 2, 32, dropout=0.5)
    x, adj = nb201.encode_batch([nb201.sample(rng) for _ in range(5)])
    proxy.eval()
    torch.testing.assert_close(proxy(x, adj), proxy(x, adj))
    proxy.train()
    assert not torch.allclose(proxy(x, adj), proxy(x, adj))


def test_build_proxy(nbg) -> None:
    for kind in GRAPH_LAYERS:
        proxy = build_proxy(kind, nbg.num_nodes, nbg.num_features, 16, 2, 16)
        assert isinstance(proxy, GraphProxy) and proxy.layer == kind
        assert OptiProxyConfig(proxy=kind).proxy == kind
    assert isinstance(build_proxy("mlp", nbg.num_nodes, nbg.num_features, 16, 2, 16), MLPProxy)
    with pytest.raises(ValueError, match="did you mean 'gcn'"):
        build_proxy("gcnn", nbg.num_nodes, nbg.num_features)
    with pytest.raises(ValueError, match="multiple of the heads"):
        build_proxy("gat", nbg.num_nodes, nbg.num_features, hidden=18)


def _parameters(model: torch.nn.Module) -> list:
    return [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize("kind", GRAPH_LAYERS)
def test_reset_parameters_draws_every_weight_afresh(kind: str) -> None:
    proxy = GraphProxy(7, kind, 16, 2, 16, num_outputs=2)
    torch.manual_seed(1)
    proxy.reset_parameters()
    first = _parameters(proxy)
    proxy.reset_parameters()
    # Only LayerNorm's affine and GIN's eps are constants (ones, zeros): every other tensor is redrawn.
    assert all(not torch.equal(a, b) or bool(torch.all(a == a.flatten()[0])) for a, b in zip(first, _parameters(proxy)))
    torch.manual_seed(1)
    proxy.reset_parameters()
    assert all(torch.equal(a, b) for a, b in zip(first, _parameters(proxy)))


@pytest.mark.parametrize("kind", GRAPH_LAYERS)
def test_seeded_initialisation_is_reset_parameters_plus_the_v0_1_draws(kind: str) -> None:
    # build_proxy draws in reset_parameters' order; gcn alone first replays version 0.1's draws.
    plain = GraphProxy(7, kind, 16, 2, 16)
    torch.manual_seed(2)
    built = build_proxy(kind, 8, 7, 16, 2, 16)
    torch.manual_seed(2)
    plain.reset_parameters()
    same = all(torch.equal(a, b) for a, b in zip(_parameters(built), _parameters(plain)))
    assert same == (kind != "gcn")
    torch.manual_seed(2)
    initialise_seeded(plain)
    assert all(torch.equal(a, b) for a, b in zip(_parameters(built), _parameters(plain)))
