"""NAS-Bench-201 codec: the proxy's graph layout, the string notation, neighbours.

Layout under test (NASLib's op-on-node GCN encoding, paper A.8.1 "fixed form"):

* op slots follow NASLib's edge order (1,2), (1,3), (1,4), (2,3), (2,4), (3,4) between
  cell nodes 1 (input) .. 4 (output); op indices 0 skip_connect, 1 none,
  2 nor_conv_3x3, 3 nor_conv_1x1, 4 avg_pool_3x3;
* proxy node 0 = cell input, nodes 1..6 = the six edges in that order, node 7 = output;
* node features: column 0 marks the input, columns 1..5 the op one-hot, column 6 the output;
* adjacency (``adj[i, j]`` = edge i -> j): an op node feeds every op node whose edge starts
  where its own edge ends, and the output node when its edge ends in cell node 4:
  0->1,2,3   1->4,5   2->6   3->7   4->6   5->7   6->7.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from naslib_optiproxy.spaces import Architecture

# Hand-written adjacency of the correct NASLib wiring (identical for every architecture).
#                        0  1  2  3  4  5  6  7
EXPECTED_ADJ = np.array([[0, 1, 1, 1, 0, 0, 0, 0],   # input       -> (1,2) (1,3) (1,4)
                         [0, 0, 0, 0, 1, 1, 0, 0],   # (1,2) ends in 2 -> (2,3) (2,4)
                         [0, 0, 0, 0, 0, 0, 1, 0],   # (1,3) ends in 3 -> (3,4)
                         [0, 0, 0, 0, 0, 0, 0, 1],   # (1,4) ends in 4 -> output
                         [0, 0, 0, 0, 0, 0, 1, 0],   # (2,3) ends in 3 -> (3,4)
                         [0, 0, 0, 0, 0, 0, 0, 1],   # (2,4) ends in 4 -> output
                         [0, 0, 0, 0, 0, 0, 0, 1],   # (3,4) ends in 4 -> output
                         [0, 0, 0, 0, 0, 0, 0, 0]],  # output
                        dtype=np.float32)

# cifar10 optimum: the string lists node 2: (1,2); node 3: (1,3), (2,3); node 4: (1,4), (2,4), (3,4)
# = conv3 | conv3 conv3 | skip conv3 conv1  ->  slots (1,2)=2 (1,3)=2 (1,4)=0 (2,3)=2 (2,4)=2 (3,4)=3.
BEST_OPS = (2, 2, 0, 2, 2, 3)
#                        in  skip none c3  c1  pool out
EXPECTED_X = np.array([[1, 0, 0, 0, 0, 0, 0],    # node 0: input
                       [0, 0, 0, 1, 0, 0, 0],    # node 1: (1,2) nor_conv_3x3
                       [0, 0, 0, 1, 0, 0, 0],    # node 2: (1,3) nor_conv_3x3
                       [0, 1, 0, 0, 0, 0, 0],    # node 3: (1,4) skip_connect
                       [0, 0, 0, 1, 0, 0, 0],    # node 4: (2,3) nor_conv_3x3
                       [0, 0, 0, 1, 0, 0, 0],    # node 5: (2,4) nor_conv_3x3
                       [0, 0, 0, 0, 1, 0, 0],    # node 6: (3,4) nor_conv_1x1
                       [0, 0, 0, 0, 0, 0, 1]],   # node 7: output
                      dtype=np.float32)

EXPECTED_FORMAT = "expected an NB201 string like"


def test_known_architecture_parses_to_naslib_ops(nb201, nb201_best) -> None:
    assert nb201.from_string(nb201_best) == Architecture(BEST_OPS)


def test_string_positions_map_to_edge_slots(nb201) -> None:
    # All five ops distinct where it matters: string order is (1,2) | (1,3) (2,3) | (1,4) (2,4) (3,4).
    text = "|skip_connect~0|+|none~0|avg_pool_3x3~1|+|nor_conv_3x3~0|nor_conv_1x1~1|skip_connect~2|"
    # slots: (1,2)=skip(0) (1,3)=none(1) (1,4)=conv3(2) (2,3)=pool(4) (2,4)=conv1(3) (3,4)=skip(0)
    assert nb201.from_string(text).ops == (0, 1, 2, 4, 3, 0)
    assert nb201.to_string(Architecture((0, 1, 2, 4, 3, 0))) == text


def test_encode_known_architecture(nb201, nb201_best) -> None:
    x, adj = nb201.encode(nb201.from_string(nb201_best))
    assert x.shape == (8, 7) and adj.shape == (8, 8)
    np.testing.assert_array_equal(x, EXPECTED_X)
    np.testing.assert_array_equal(adj, EXPECTED_ADJ)


def test_edge_14_goes_to_output_and_edge_23_feeds_edge_34(nb201) -> None:
    # The authors' release swaps these two; NASLib's wiring is the reference.
    _, adj = nb201.encode(Architecture((0,) * 6))
    assert adj[3].tolist() == [0, 0, 0, 0, 0, 0, 0, 1]  # (1,4) -> output only
    assert adj[4].tolist() == [0, 0, 0, 0, 0, 0, 1, 0]  # (2,3) -> (3,4) only
    assert adj[:, 3].tolist() == [1, 0, 0, 0, 0, 0, 0, 0]  # (1,4) reads the input
    assert adj[:, 4].tolist() == [0, 1, 0, 0, 0, 0, 0, 0]  # (2,3) reads (1,2)


def test_encode_batch_matches_per_arch_encoding(nb201) -> None:
    rng = np.random.default_rng(0)
    archs = [nb201.sample(rng) for _ in range(16)]
    x, adj = nb201.encode_batch(archs)
    assert x.shape == (16, 8, 7) and adj.shape == (16, 8, 8)
    for i, arch in enumerate(archs):
        xi, ai = nb201.encode(arch)
        np.testing.assert_array_equal(x[i].numpy(), xi)
        np.testing.assert_array_equal(ai, EXPECTED_ADJ)
        assert xi[1:7, 1:6].argmax(1).tolist() == list(arch.ops)
        np.testing.assert_array_equal(xi.sum(1), np.ones(8))


def test_relaxed_encode_of_one_hot_equals_encode(nb201) -> None:
    rng = np.random.default_rng(1)
    archs = [nb201.sample(rng) for _ in range(10)]
    ops = torch.tensor([a.ops for a in archs])
    weights = torch.nn.functional.one_hot(ops, 5).float()  # built here, not by the codec
    x, adj = nb201.relaxed_encode(weights, None)
    for i, arch in enumerate(archs):
        xi, ai = nb201.encode(arch)
        np.testing.assert_array_equal(x[i].numpy(), xi)
        np.testing.assert_array_equal(adj[i].numpy(), ai)


def test_relaxed_encode_carries_soft_weights_and_gradients(nb201) -> None:
    logits = torch.randn(3, 6, 5, generator=torch.Generator().manual_seed(0), requires_grad=True)
    weights = torch.softmax(logits, -1)
    x, adj = nb201.relaxed_encode(weights, None)
    torch.testing.assert_close(x[:, 1:7, 1:6], weights)
    assert torch.all(x[:, 1:7, 0] == 0) and torch.all(x[:, 1:7, 6] == 0)
    (x * torch.arange(7.0)).sum().backward()
    assert logits.grad is not None and torch.count_nonzero(logits.grad) == logits.numel()


def test_string_round_trip_is_a_bijection_over_all_15625(nb201) -> None:
    archs = list(nb201)
    assert len(archs) == len(nb201) == 15625
    strings = [nb201.to_string(a) for a in archs]
    assert len(set(strings)) == 15625
    assert all(nb201.from_string(s) == a for s, a in zip(strings, archs))
    assert all(nb201.is_valid(a) for a in archs)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "nor_conv_3x3",
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|",  # two nodes only
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",  # 1,1,3 tokens
        "|conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",  # bad op
        "|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",  # bad src
        "|nor_conv_3x3~0|+|nor_conv_3x3~1|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",  # swapped
        "|nor_conv_3x3|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",  # no ~
    ],
)
def test_bad_strings_raise_with_expected_format(nb201, text: str) -> None:
    with pytest.raises(ValueError, match=EXPECTED_FORMAT):
        nb201.from_string(text)


@pytest.mark.parametrize(
    "arch",
    [
        Architecture((0, 0, 0, 0, 0)),
        Architecture((0, 0, 0, 0, 0, 0, 0)),
        Architecture((0, 0, 0, 0, 0, 5)),
        Architecture((0, 0, 0, 0, 0, -1)),
        Architecture((0, 0, 0, 0, 0, 0), (1,)),
    ],
)
def test_invalid_architectures(nb201, arch: Architecture) -> None:
    assert not nb201.is_valid(arch)


def test_neighbours_are_the_24_single_op_edits(nb201) -> None:
    rng = np.random.default_rng(2)
    for arch in [Architecture((0,) * 6), Architecture(BEST_OPS)] + [nb201.sample(rng) for _ in range(50)]:
        nbhd = nb201.neighbours(arch)
        assert len(nbhd) == 24 == len(set(nbhd))
        for other in nbhd:
            assert nb201.is_valid(other)
            assert sum(a != b for a, b in zip(arch.ops, other.ops)) == 1
            assert arch in nb201.neighbours(other)


def test_mutate_returns_a_neighbour(nb201) -> None:
    rng = np.random.default_rng(3)
    arch = Architecture(BEST_OPS)
    nbhd = set(nb201.neighbours(arch))
    assert all(nb201.mutate(arch, rng) in nbhd for _ in range(50))


def test_sample_is_uniform_over_ops(nb201) -> None:
    rng = np.random.default_rng(4)
    ops = np.array([nb201.sample(rng).ops for _ in range(5000)])
    freq = np.stack([(ops == o).mean(0) for o in range(5)])  # [op, slot]
    np.testing.assert_allclose(freq, 0.2, atol=0.03)
