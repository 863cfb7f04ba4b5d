"""The layer-family registry: one entry per ``proxy:`` family, the adjacency it reads, its errors."""

from __future__ import annotations

import pytest
import torch

from naslib_optiproxy.proxies import FAMILIES, LAYERS, PROXIES, DirectedGraphConv, make_conv, normalized_adjacency
from naslib_optiproxy.proxies.families import as_is, family


def test_every_family_is_registered_once_and_offered_as_a_proxy() -> None:
    assert LAYERS == tuple(FAMILIES) == ("gcn", "gat", "gin", "sage")
    assert PROXIES == LAYERS + ("mlp",)


@pytest.mark.parametrize("layer", LAYERS)
def test_each_family_builds_its_convolution_and_takes_its_call_arguments(layer: str) -> None:
    conv = make_conv(layer, 7, 16)
    assert type(conv).__name__ == f"Dense{layer.upper() if layer != 'sage' else 'SAGE'}Conv"
    x, adj = torch.rand(2, 5, 7), torch.rand(2, 5, 5).triu(1)
    out = conv(x, family(layer).adjacency(adj), None, **FAMILIES[layer].call_kwargs)
    assert out.shape == (2, 5, 16)


def test_only_gcn_normalises_its_adjacency_and_replays_v0_1() -> None:
    assert FAMILIES["gcn"].adjacency is normalized_adjacency and FAMILIES["gcn"].v0_1_draws
    assert all(FAMILIES[k].adjacency is as_is and not FAMILIES[k].v0_1_draws for k in ("gat", "gin", "sage"))


def test_unknown_family_is_named_with_a_hint() -> None:
    with pytest.raises(ValueError, match=r"unknown graph layer 'sag'.*did you mean 'sage'.*available: gcn, gat"):
        make_conv("sag", 7, 16)
    with pytest.raises(ValueError, match="multiple of the heads"):
        make_conv("gat", 7, 18)


def test_normalized_adjacency_rows_sum_to_one() -> None:
    adj = torch.tensor([[[0.0, 1.0, 0.5], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]])
    norm = normalized_adjacency(adj)
    torch.testing.assert_close(norm.sum(-1), torch.ones(1, 3))
    torch.testing.assert_close(norm[0, 0], torch.tensor([1 / 2.5, 1 / 2.5, 0.5 / 2.5]))
    torch.testing.assert_close(norm[0, 2], torch.tensor([0.0, 0.0, 1.0]))


def test_the_layer_shows_its_family_and_widths() -> None:
    assert repr(DirectedGraphConv("sage", 7, 16)) == "DirectedGraphConv(sage, 7, 16)"
