"""Multi-metric proxies: one head per metric on shared graph features, fitted jointly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from naslib_optiproxy.proxies import FitSettings, GraphProxy, MLPProxy, ProxyTrainer, build_proxy, proxy_loss
from naslib_optiproxy.proxies.fit import ColumnStandardizer
from naslib_optiproxy.spaces import NasBench201

from .test_fit import _dataset


@pytest.mark.parametrize("kind", ["gcn", "mlp"])
def test_output_shapes(kind: str) -> None:
    space = NasBench201()
    x, adj = space.encode_batch([space.sample(np.random.default_rng(i)) for i in range(4)])
    assert build_proxy(kind, space.num_nodes, space.num_features, 16, 2, 16)(x, adj).shape == (4,)
    assert build_proxy(kind, space.num_nodes, space.num_features, 16, 2, 16, num_outputs=3)(x, adj).shape == (4, 3)


def test_one_output_keeps_the_state_dict_keys() -> None:
    torch.manual_seed(0)
    single = build_proxy("gcn", 8, 8, 16, 2, 16)
    two = build_proxy("gcn", 8, 8, 16, 2, 16, num_outputs=2)
    assert set(single.state_dict()) < set(two.state_dict())
    assert all(k.startswith("extra_heads.") for k in set(two.state_dict()) - set(single.state_dict()))
    assert set(MLPProxy(8, 8, 16, 2).state_dict()) == set(MLPProxy(8, 8, 16, 2, num_outputs=2).state_dict())


def test_zero_outputs_is_refused() -> None:
    with pytest.raises(ValueError, match="num_outputs"):
        GraphProxy(8, num_outputs=0)


def test_multi_head_loss_is_the_sum_of_the_heads() -> None:
    pred, target = torch.randn(6, 2), torch.randn(6, 2)
    expected = proxy_loss(pred[:, 0], target[:, 0]) + proxy_loss(pred[:, 1], target[:, 1])
    torch.testing.assert_close(proxy_loss(pred, target), expected)


def test_column_standardizer_scales_each_head_on_its_own() -> None:
    y = torch.tensor([[90.0, 1.0], [92.0, 3.0], [94.0, 5.0]])
    s = ColumnStandardizer.fit(y)
    assert [c.mean for c in s.columns] == pytest.approx([92.0, 3.0])
    z = s.transform(y)
    torch.testing.assert_close(z[:, 0], z[:, 1])  # same shape of data, different units
    torch.testing.assert_close(s.inverse(z), y)


def test_joint_fit_learns_both_metrics(spearman) -> None:
    torch.manual_seed(0)
    x, adj, accuracy = _dataset(60, seed=1)
    latency = 1.0 + (x.argmax(-1) == 3).sum(1).float()  # a second metric of the ops: nodes of feature 3
    y = torch.stack([accuracy, latency], dim=1)
    proxy = build_proxy("gcn", x.shape[1], x.shape[-1], 32, 2, 32, num_outputs=2)
    trainer = ProxyTrainer(proxy, FitSettings(epochs=150, lr=3e-3))
    trainer.fit(x, adj, y)
    pred = trainer.predict(x, adj)
    assert pred.shape == (60, 2)
    assert spearman(pred[:, 0].numpy(), accuracy.numpy()) > 0.8
    assert spearman(pred[:, 1].numpy(), latency.numpy()) > 0.8
