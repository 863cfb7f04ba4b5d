"""OptiProxy on spaces with validity rules: only valid cells are proposed, and mostly-invalid draws are reported."""

import warnings

import pytest

from naslib_optiproxy import OptiProxy, OptiProxyConfig, Study
from naslib_optiproxy.spaces import NasBench201
from naslib_optiproxy.spaces.nasbench_nlp import NasBenchNLP

TINY = OptiProxyConfig(num_init=4, batch_size=2, model_epochs=5, search_epochs=3)


def run(space, budget=8):
    opt = Study(OptiProxy(space, TINY, seed=0))
    for _ in range(budget):
        arch = opt.ask()
        assert space.is_valid(arch)
        opt.tell(arch, float(sum(arch.ops)))
    return opt


def test_mostly_invalid_draws_warn_once_and_batches_stay_valid():
    with pytest.warns(RuntimeWarning, match="valid cells") as record:
        opt = run(NasBenchNLP())
    assert len([w for w in record if issubclass(w.category, RuntimeWarning)]) == 1
    assert len({opt.space.key(t.arch) for t in opt.trials}) == len(opt.trials)


def test_no_warning_where_every_draw_is_valid():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        run(NasBench201())
