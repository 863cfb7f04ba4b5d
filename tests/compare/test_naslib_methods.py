"""NASLib's optimizers as compare methods (``naslib:<name>``): parsing always, running with NASLib."""


import pytest

from naslib_optiproxy.compare import Job, Method, Task, run_job
from naslib_optiproxy.compare.suite import Suite
from naslib_optiproxy.integrations.naslib_plugin import naslib_missing


def test_naslib_methods_parse_and_keep_their_own_search_keys():
    method = Method.parse("naslib:bananas[predictor_type=optiproxy_gcn]")
    assert method.through_naslib and method.name == "naslib:bananas[predictor_type=optiproxy_gcn]"
    assert dict(method.settings) == {"predictor_type": "optiproxy_gcn"}  # NASLib's own search: keys, kept as given
    assert not Method.parse("optiproxy").through_naslib


def test_naslib_methods_are_checked_against_naslib():
    suite = Suite.from_args(["nasbench201/cifar10"], ["naslib:re", "naslib:optiproxy"], "0", 20)
    if naslib_missing():  # the check refuses before any job runs, with the install hint
        with pytest.raises(ValueError, match="runs through NASLib: NASLib is not importable"):
            suite.check()
        return
    suite.check()
    with pytest.raises(ValueError, match="unknown NASLib optimizer 'banana'"):
        Suite.from_args(["nasbench201/cifar10"], ["naslib:banana"], "0", 20).check()


def test_naslib_method_runs_through_naslib(nb201_csv_dir):
    pytest.importorskip("naslib", reason="NASLib is not installed (see docs/naslib.md)")
    nb201_data_dir = str(nb201_csv_dir)
    record = run_job(Job(Task.parse("nasbench201/cifar10"), Method.parse("naslib:re"), seed=0, budget=12),
                     {"nasbench201": nb201_data_dir})
    assert len(record["trajectory"]) == 12 and record["trajectory"] == sorted(record["trajectory"])
    assert record["best"]["val"] == record["trajectory"][-1] <= record["optimum_val"]
