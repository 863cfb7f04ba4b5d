"""NAS-Bench-NLP's ancestral proposal: draws restricted by the local rules, weighted by the mass kept."""

from __future__ import annotations

import numpy as np

from naslib_optiproxy.conditional import architectures
from naslib_optiproxy.distribution import ArchitectureDistribution
from naslib_optiproxy.spaces.nasbench_nlp import NasBenchNLP
from naslib_optiproxy.spaces.nasbench_nlp.proposal import masked_draw


def test_masked_draw_keeps_to_the_allowed_values_and_reports_their_mass():
    probs = np.array([[0.1, 0.2, 0.3, 0.4]] * 4000)
    allowed = np.array([[True, False, True, False]] * 4000)
    allowed[-1] = False  # nothing allowed: drawn unrestricted, weight 0
    index, log_mass = masked_draw(probs.copy(), allowed, np.random.default_rng(0))
    assert set(index[:-1].tolist()) == {0, 2}
    assert abs(np.mean(index[:-1] == 2) - 0.75) < 0.03  # 0.3 / (0.1 + 0.3)
    np.testing.assert_allclose(log_mass[:-1], np.log(0.4))
    assert log_mass[-1] == -np.inf


def test_nasbench_nlp_proposals_obey_the_local_rules():
    space = NasBenchNLP()
    dist = ArchitectureDistribution(space, 1, np.random.default_rng(5))
    probs = dist.slot_probabilities(0, 2000, np.random.default_rng(6), op_noise=0.3)
    archs, log_w = space.propose(probs, np.random.default_rng(8))
    valid = np.array([space.is_valid(a) for a in archs])
    assert np.array_equal(np.isfinite(log_w), valid) and np.all(log_w <= 1e-9)
    assert valid.mean() > 0.2  # product draws: about 0.04%
    products = architectures(*probs.draw(np.random.default_rng(9)))
    assert sum(space.is_valid(a) for a in products) < 10
