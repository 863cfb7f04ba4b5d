"""NASLib's NAS-Bench-NLP compact and the benchmark's cell strings, both ways."""

from __future__ import annotations

import pytest

from naslib_optiproxy.spaces.nasbench_nlp import NasBenchNLP

from ._cells import SPACE, VALID


def test_naslib_compact_round_trip_and_numbering():
    # The compact NASLib's convert_recipe_to_compact gives VALID["small"] (node order as written).
    compact = (((0, 4), (1, 4), (4, 5), (2, 6), (5, 6), (5, 7), (6, 7), (4, 7), (5, 8), (7, 8)),
               (0, 0, 0, 0, 6, 2, 4, 7, 5), (7, 8))
    arch = SPACE.from_naslib_compact(compact)
    assert SPACE.key(arch) == SPACE.key(SPACE.from_string(VALID["small"]))
    renumbered = (((0, 4), (1, 4), (4, 5), (2, 6), (5, 6), (5, 7), (6, 7), (4, 7), (5, 8), (7, 8)),
                  (0, 0, 0, 0, 6, 2, 4, 7, 5), (8, 7))  # hiddens unsorted
    assert SPACE.key(SPACE.from_naslib_compact(renumbered)) == SPACE.key(arch)
    for bad in ((compact[0] + ((3, 6),), compact[1], compact[2]), (compact[0], compact[1], (8,)), "text"):
        with pytest.raises(ValueError):
            SPACE.from_naslib_compact(bad)

def test_from_string_errors_say_what_is_expected():
    with pytest.raises(ValueError, match="expected"):
        SPACE.from_string("node_0=conv(x)")
    with pytest.raises(TypeError):
        SPACE.from_string(3)
    with pytest.raises(ValueError, match="max_nodes"):
        NasBenchNLP(max_nodes=2)
