"""GAT proxy: shapes, gradients to features and soft adjacency, node-order equivariance, masking."""

from __future__ import annotations

import pytest
import torch

from naslib_optiproxy.config import OptiProxyConfig
from naslib_optiproxy.proxies import DirectedGraphAttention, GATProxy, build_proxy, normalized_adjacency
from naslib_optiproxy.proxies.gat import soft_attention

pytestmark = pytest.mark.usefixtures("seeded")


def _graph(batch: int = 4, nodes: int = 7, features: int = 5):
    x = torch.rand(batch, nodes, features)
    adj = torch.rand(batch, nodes, nodes).triu(1)  # soft DAG
    return x, adj


@pytest.mark.parametrize("batch", [1, 6])
def test_output_shape(batch: int) -> None:
    x, adj = _graph(batch)
    out = GATProxy(5, hidden=16, layers=2, head_hidden=16).eval()(x, adj)
    assert out.shape == (batch,) and torch.isfinite(out).all()
    two = GATProxy(5, hidden=16, layers=2, head_hidden=16, num_outputs=2).eval()(x, adj)
    assert two.shape == (batch, 2)


def test_gradients_reach_features_and_soft_adjacency() -> None:
    x, adj = _graph()
    x.requires_grad_()
    adj.requires_grad_()
    GATProxy(5, hidden=16, layers=2, head_hidden=16)(x, adj).sum().backward()
    assert torch.count_nonzero(x.grad) == x.numel()
    upper = torch.ones(7, 7).triu(1).bool()
    assert torch.all(adj.grad[:, upper] != 0)  # every soft edge moves the output


def test_node_order_equivariance() -> None:
    x, adj = _graph(2)
    perm = torch.tensor([3, 0, 6, 1, 5, 2, 4])
    px, padj = x[:, perm], adj[:, perm][:, :, perm]
    layer = DirectedGraphAttention(5, 16, heads=4)
    a_in, a_out = normalized_adjacency(adj.transpose(1, 2)), normalized_adjacency(adj)
    pa_in, pa_out = normalized_adjacency(padj.transpose(1, 2)), normalized_adjacency(padj)
    torch.testing.assert_close(layer(px, pa_in, pa_out), layer(x, a_in, a_out)[:, perm])
    proxy = GATProxy(5, hidden=16, layers=2, head_hidden=16).eval()
    torch.testing.assert_close(proxy(px, padj), proxy(x, adj))


def test_attention_follows_the_soft_adjacency() -> None:
    logits = torch.randn(1, 1, 3, 3)
    weights = torch.tensor([[[[1.0, 0.0, 0.5], [0.0, 1.0, 0.0], [1.0, 1.0, 1.0]]]])
    att = soft_attention(logits, weights)
    torch.testing.assert_close(att.sum(-1), torch.ones(1, 1, 3))
    assert att[0, 0, 0, 1] == 0 and att[0, 0, 1].tolist() == [0.0, 1.0, 0.0]
    # A half-present edge gets half the un-normalised weight of a full one with the same logit.
    full = soft_attention(torch.zeros(1, 1, 1, 2), torch.tensor([[[[1.0, 1.0]]]]))
    half = soft_attention(torch.zeros(1, 1, 1, 2), torch.tensor([[[[1.0, 0.5]]]]))
    assert full[0, 0, 0, 1] == 0.5 and torch.isclose(half[0, 0, 0, 1], torch.tensor(1 / 3))
    # Huge logits on absent edges neither leak in nor overflow.
    big = soft_attention(torch.tensor([[[[0.0, 1e4]]]]), torch.tensor([[[[1.0, 0.0]]]]))
    assert big.tolist() == [[[[1.0, 0.0]]]]


def test_uses_both_directions() -> None:
    x, adj = _graph(1)
    proxy = GATProxy(5, hidden=16, layers=1, head_hidden=16).eval()
    assert not torch.allclose(proxy(x, adj), proxy(x, adj.transpose(1, 2)))


def test_selectable_by_config_and_builder() -> None:
    assert OptiProxyConfig(proxy="gat").proxy == "gat"
    assert isinstance(build_proxy("gat", 7, 5, 16, 2, 16), GATProxy)
    with pytest.raises(ValueError, match="multiple of the heads"):
        GATProxy(5, hidden=18, heads=4)
