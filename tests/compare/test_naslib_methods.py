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


def test_naslib_prints_are_held_back_and_its_scratch_stays_in_the_job_folder(nb201_csv_dir, tmp_path, capsys):
    pytest.importorskip("naslib", reason="NASLib is not installed (see docs/naslib.md)")
    job_folder = tmp_path / "job"
    job_folder.mkdir()
    record = run_job(Job(Task.parse("nasbench201/cifar10"), Method.parse("naslib:bananas"), seed=0, budget=12),
                     {"nasbench201": str(nb201_csv_dir)}, workdir=str(job_folder))
    assert len(record["trajectory"]) == 12
    assert capsys.readouterr().out == ""  # NASLib's "Finished fitting GP" would land between compare's lines
    assert list(job_folder.iterdir()) == []  # its config and logs were there, and are removed


def test_a_failed_naslib_run_keeps_the_last_lines_it_printed(monkeypatch, tmp_path, capsys):
    from naslib_optiproxy.integrations.naslib_plugin import jobs

    def failing_run(*args, **kwargs):
        for i in range(30):
            print(f"NASLib line {i}")
        raise RuntimeError("NASLib failed")

    monkeypatch.setattr(jobs, "load_config", lambda path, overrides: None)
    monkeypatch.setattr(jobs, "run", failing_run)
    with pytest.raises(RuntimeError, match="NASLib failed") as caught:
        jobs.run_search("nasbench201", "cifar10", "re", 0, 5, {}, workdir=str(tmp_path))
    assert capsys.readouterr().out == ""
    note = "\n".join(caught.value.__notes__)
    assert "NASLib line 29" in note and "NASLib line 10" in note and "NASLib line 9" not in note
    assert list(tmp_path.iterdir()) == []
