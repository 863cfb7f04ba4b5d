"""OptiProxy on spaces with validity rules: draws conditioned on validity, only valid cells proposed."""

import warnings

import numpy as np
import pytest

from naslib_optiproxy import OptiProxy, Study
from naslib_optiproxy.spaces import Architecture, NasBench101, NasBench201
from naslib_optiproxy.spaces.nasbench_nlp import NasBenchNLP

def run(space, config, budget=8):
    opt = Study(OptiProxy(space, config, seed=0))
    for _ in range(budget):
        arch = opt.ask()
        assert space.is_valid(arch)
        opt.tell(arch, float(sum(arch.ops)))
    return opt


@pytest.mark.parametrize("space", [NasBenchNLP(), NasBench101(), NasBench201()], ids=lambda s: s.name)
def test_draws_are_valid_without_a_warning(space, tiny_optiproxy_config):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        opt = run(space, tiny_optiproxy_config(num_init=4, batch_size=2))
    log = opt.strategy.step_log
    assert log and all(step["valid_draws"] >= 0.95 for step in log)
    assert len({opt.space.key(t.arch) for t in opt.trials}) == len(opt.trials)


class AllOnes(NasBench101):
    """NB101 where only the cell with every edge present counts as valid: draws almost never are."""

    def is_valid(self, arch: Architecture) -> bool:
        return len(arch.topology) == 21 and all(arch.topology) and len(arch.ops) == 5

    def sample(self, rng: np.random.Generator) -> Architecture:
        return Architecture(tuple(int(o) for o in rng.integers(0, 3, 5)), (1,) * 21)


def test_draws_that_stay_invalid_warn_once_and_batches_are_topped_up(tiny_optiproxy_config):
    with pytest.warns(RuntimeWarning, match="valid architecture within") as record:
        opt = run(AllOnes(), tiny_optiproxy_config(num_init=4, batch_size=2), budget=8)
    assert len([w for w in record if issubclass(w.category, RuntimeWarning)]) == 1
    assert opt.strategy.step_log[0]["valid_draws"] < 0.5
