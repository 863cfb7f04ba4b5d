"""Random NAS-Bench-NLP cells, drawn as the benchmark's generator draws them, follow its rules."""

from __future__ import annotations

import numpy as np
import pytest

from naslib_optiproxy.spaces.nasbench_nlp.generator import generate_cell

from ._cells import SPACE, benchmark_rules_ok


@pytest.mark.parametrize("seed", range(20))
def test_sampled_cells_follow_the_benchmark_rules(seed):
    rng = np.random.default_rng(seed)
    for _ in range(10):
        arch = SPACE.sample(rng)
        assert SPACE.is_valid(arch)
        assert benchmark_rules_ok(SPACE.to_naslib_compact(arch)), SPACE.to_string(arch)


def test_generated_cells_are_topologically_ordered_or_refused():
    rng = np.random.default_rng(3)
    cells = [generate_cell(rng) for _ in range(50)]
    assert any(cell is None for cell in cells) and sum(cell is not None for cell in cells) > 10
    for cell in filter(None, cells):
        seen = {"x", "h_prev_0", "h_prev_1"}
        for node, (_, inputs) in cell.items():
            assert set(inputs) <= seen
            seen.add(node)
