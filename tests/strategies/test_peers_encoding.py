"""The categorical encodings the peer optimizers see: round trips, conditions, and how often draws are valid."""

from __future__ import annotations

from typing import Dict

import numpy as np
import pytest

from naslib_optiproxy.spaces import NasBench101, NasBench201, NasBench301, NasBenchGraph, NasBenchNLP
from naslib_optiproxy.strategies.peers import encoding_for
from naslib_optiproxy.strategies.peers.encoding import THREE_INPUT_TOKENS, Encoding, Param

from ._helpers import TinySpace

SPACES = [NasBench201(), NasBenchGraph(), NasBench101(), NasBench301(), NasBenchNLP(), TinySpace()]


def draw(encoding: Encoding, rng: np.random.Generator) -> Dict[str, str]:
    """Uniform values of the active parameters, parents first (as Optuna's random sampler draws them)."""
    values: Dict[str, str] = {}
    for param in encoding.params:
        if param.active(values):
            values[param.name] = param.choices[int(rng.integers(len(param.choices)))]
    return values


@pytest.mark.parametrize("space", SPACES, ids=lambda s: s.name)
def test_every_architecture_round_trips(space) -> None:
    encoding, rng = encoding_for(space), np.random.default_rng(0)
    archs = list(space) if isinstance(space, TinySpace) else [space.sample(rng) for _ in range(200)]
    for arch in archs:
        for values in (encoding.encode(arch), encoding.flat(arch)):
            assert space.key(encoding.decode(values)) == space.key(arch)
        assert set(encoding.flat(arch)) == {p.name for p in encoding.params}


@pytest.mark.parametrize("space, parameters", [(NasBench201(), 6), (NasBenchGraph(), 7), (NasBench101(), 26),
                                               (NasBench301(), 22), (NasBenchNLP(), 34)], ids=lambda x: str(x))
def test_one_categorical_per_choice_and_fixed_choices_left_out(space, parameters: int) -> None:
    encoding = encoding_for(space)
    assert len(encoding.params) == parameters and all(len(p.choices) > 1 for p in encoding.params)
    assert len({p.name for p in encoding.params}) == parameters


def test_only_nlp_is_conditional_and_its_third_input_follows_the_token() -> None:
    assert [s.name for s in SPACES if encoding_for(s).conditional] == ["nasbench_nlp"]
    third = [p for p in encoding_for(NasBenchNLP()).params if p.parent is not None]
    assert [p.name for p in third] == [f"unit{u}_in2" for u in range(8)]
    assert all(p.when == THREE_INPUT_TOKENS and p.choices[-1] == "none" for p in third)
    param = Param("x", ("a", "b"), "parent", ("on",))
    assert param.active({"parent": "on"}) and not param.active({"parent": "off"}) and not param.active({})


def test_choices_are_readable_names() -> None:
    graph = {p.name: p.choices for p in encoding_for(NasBenchGraph()).params}
    assert graph["link3"] == ("input", "node0", "node1", "node2") and "gcn" in graph["op0"]
    nb301 = {p.name: p.choices for p in encoding_for(NasBench301()).params}
    assert nb301["reduce_node3_inputs"][-1] == "3_4" and "sep_conv_3x3" in nb301["normal_node0_op_a"]


@pytest.mark.parametrize("space, low, high", [(NasBench201(), 1.0, 1.0), (NasBench301(), 1.0, 1.0),
                                              (NasBench101(), 0.65, 0.85), (NasBenchNLP(), 0.0, 0.005)],
                         ids=lambda x: str(x))
def test_share_of_valid_uniform_draws(space, low: float, high: float) -> None:
    encoding, rng = encoding_for(space), np.random.default_rng(0)
    valid = np.mean([space.is_valid(encoding.decode(draw(encoding, rng))) for _ in range(2000)])
    assert low <= valid <= high


def test_a_value_outside_the_choices_is_refused() -> None:
    encoding = encoding_for(NasBench201())
    values = encoding.encode(NasBench201().sample(np.random.default_rng(0)))
    values["op0"] = "conv_7x7"
    with pytest.raises(ValueError, match="op0 has no choice 'conv_7x7'"):
        encoding.decode(values)
