"""benchmarks/studies/neighbour_ranking.py: the one-hot ridge model, the neighbour pool and the pick statistics."""

from __future__ import annotations

import numpy as np

from benchmarks.studies.neighbour_ranking import neighbour_pool, one_hot, pick_stats, ridge_predict
from naslib_optiproxy.spaces import NasBench201


def test_ridge_on_one_hot_codes_recovers_an_additive_function() -> None:
    rng = np.random.default_rng(0)
    sizes = [3, 4, 2]
    effects = [rng.normal(size=s) for s in sizes]
    codes = np.stack([rng.integers(0, s, size=200) for s in sizes], axis=1)
    y = sum(effects[d][codes[:, d]] for d in range(len(sizes)))
    features = one_hot(codes, sizes)
    assert features.shape == (200, 9) and (features.sum(1) == 3).all()
    pred = ridge_predict(features, y, features, penalty=1e-6)
    assert np.allclose(pred, y, atol=1e-4)
    assert one_hot(codes, sizes, pairs=True, op_slots=2).shape == (200, 9 + 3 * 4)


def test_pick_stats_reads_the_five_highest_predictions() -> None:
    truth = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    beats, any_beats, lift, rho = pick_stats(-truth, truth, incumbent=6.5)  # picks the five worst
    assert (beats, any_beats) == (False, True)
    assert lift == np.mean([1, 2, 3, 4, 5]) - 4.0 and rho == -1.0
    assert pick_stats(truth, truth, incumbent=6.5)[0]


def test_neighbour_pool_holds_the_unseen_neighbours_of_the_best() -> None:
    space = NasBench201()
    rng = np.random.default_rng(1)
    train = [space.sample(rng) for _ in range(8)]
    pool = neighbour_pool(space, train, np.arange(8.0))  # the last five are the best

    def edits(a, b) -> int:
        return sum(o != p for o, p in zip(a.ops, b.ops))

    seen = {space.key(a) for a in train}
    assert pool and all(space.key(a) not in seen for a in pool)
    assert all(min(edits(a, b) for b in train[3:]) == 1 for a in pool)
    assert len({space.key(a) for a in pool}) == len(pool)
