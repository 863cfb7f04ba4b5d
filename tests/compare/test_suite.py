import pytest

from naslib_optiproxy.compare.suite import Suite, default_checkpoints, parse_seeds


def test_parse_seeds():
    assert parse_seeds("0-3") == [0, 1, 2, 3]
    assert parse_seeds("0,3,5") == [0, 3, 5]
    assert parse_seeds([2, 1]) == [2, 1]
    with pytest.raises(ValueError, match="0-9"):
        parse_seeds("a-b")


def test_default_checkpoints():
    assert default_checkpoints(100) == (25, 50, 100)
    assert default_checkpoints(2) == (1, 2)


def test_jobs_cover_every_task_method_seed():
    suite = Suite.from_args(["nasbench_graph/cora", "nasbench_graph/citeseer"], ["optiproxy", "rs"], "0-2", 20)
    jobs = suite.jobs()
    assert len(jobs) == 2 * 2 * 3
    assert len({job.relative_path for job in jobs}) == len(jobs)
    assert {job.budget for job in jobs} == {20}


def test_suite_file(tmp_path):
    path = tmp_path / "suite.yaml"
    path.write_text("""
seeds: 0-1
budget: 30
tasks:
  - nasbench_graph/cora
  - {task: nasbench201/cifar10, budget: 60, checkpoints: [30, 60]}
methods:
  - rs
  - {label: one-group, optimizer: optiproxy, settings: {num_groups: 1}}
data_dir: {nasbench201: /somewhere}
""")
    suite = Suite.from_yaml(path)
    assert [(p.task.name, p.budget, p.checkpoints) for p in suite.tasks] == [
        ("nasbench_graph/cora", 30, (7, 15, 30)), ("nasbench201/cifar10", 60, (30, 60))]
    assert [m.name for m in suite.methods] == ["rs", "one-group"]
    assert suite.seeds == [0, 1] and suite.data_dir == {"nasbench201": "/somewhere"}
    suite.check()


def test_suite_file_unknown_key(tmp_path):
    path = tmp_path / "suite.yaml"
    path.write_text("task: [nasbench_graph/cora]\n")
    with pytest.raises(ValueError, match="unknown keys"):
        Suite.from_yaml(path)


@pytest.mark.parametrize("methods, match", [
    (["rs", "rs"], "share a label"),
    (["bananna"], "unknown optimizer"),
    (["optiproxy[num_init=50]"], "smaller than search.num_init"),
    (["optiproxy[num_groupz=2]"], "num_groups"),
])
def test_check_refuses_bad_suites_before_running(methods, match):
    with pytest.raises(ValueError, match=match):
        Suite.from_args(["nasbench_graph/cora"], methods, "0", 20).check()
