import pytest

from naslib_optiproxy.compare import Method, Task
from naslib_optiproxy.compare.suite import Suite
from naslib_optiproxy.compare.tasks import parse_value
from naslib_optiproxy.config import resolve_settings


@pytest.mark.parametrize("text", ["nasbench201/cifar10", "nasbench301", "nasbench_graph/cora",
                                  "nasbench201/ImageNet16-120:constraint=edgegpu_latency<=2,fidelity=low"])
def test_task_name_round_trips(text):
    task = Task.parse(text)
    assert Task.parse(task.name) == task
    assert "/" not in task.slug and ":" not in task.slug


def test_task_options_are_parsed_and_sorted():
    task = Task.parse("nasbench201/cifar10:b=2,a=0.5,c=true")
    assert task.options == (("a", 0.5), ("b", 2), ("c", True))
    assert task.name == "nasbench201/cifar10:a=0.5,b=2,c=true"


@pytest.mark.parametrize("text", ["", "/cifar10", "nasbench201/cif ar", "nasbench201:oops"])
def test_bad_task_says_the_format(text):
    with pytest.raises(ValueError, match="space|key=value"):
        Task.parse(text)


def test_unknown_space_fails_when_the_objective_is_built():
    with pytest.raises(ValueError, match="nasbench201"):
        Task.parse("nasbench210/cifar10").objective()


def test_method_with_label_and_settings():
    method = Method.parse("one-group=optiproxy[num_groups=1,candidates_per_group=400]")
    assert method.optimizer == "optiproxy" and method.name == "one-group"
    assert dict(method.settings) == {"num_groups": 1, "candidates_per_group": 400}
    config = resolve_settings("nasbench201", "cifar10", False, dict(method.settings))[1]  # what run_search applies
    assert config.num_groups == 1 and config.batch_size == 5  # overrides on top of the preset


def test_method_without_label_is_named_by_its_settings():
    assert Method.parse("optiproxy[selection=random]").name == "optiproxy[selection=random]"
    assert Method.parse("rs").name == "rs" and Method.parse("rs").settings == ()


def test_baselines_take_no_settings():
    with pytest.raises(ValueError, match="'rs' takes no search settings"):
        Suite.from_args(["nasbench201/cifar10"], ["rs[population=3]"], "0", 20).check()


@pytest.mark.parametrize("text", ["opti proxy", "optiproxy[a=1", "=rs"])
def test_bad_method_says_the_format(text):
    with pytest.raises(ValueError, match="optimizer"):
        Method.parse(text)


def test_method_from_suite_entry():
    method = Method.from_dict({"optimizer": "optiproxy", "label": "S0", "settings": {"sampling": "uniform"}})
    assert method == Method("optiproxy", (("sampling", "uniform"),), "S0")
    with pytest.raises(ValueError, match="optimizer"):
        Method.from_dict({"label": "x"})


def test_parse_value():
    assert [parse_value(v) for v in ("3", "0.5", "True", "null", "uniform")] == [3, 0.5, True, None, "uniform"]


def test_a_task_with_objectives_names_its_criteria_canonically():
    from naslib_optiproxy.compare.tasks import Task
    from naslib_optiproxy.pareto import parse_criteria

    task = Task.parse("nasbench201/cifar10:objectives=val;edgegpu_latency:min")
    assert [str(c) for c in task.criteria] == ["val:max", "edgegpu_latency:min"]
    assert task.name == "nasbench201/cifar10:objectives=val:max;edgegpu_latency:min"
    assert Task.parse(task.name) == task.with_objectives(task.criteria)
    assert Task.parse("nasbench201/cifar10").criteria is None
    assert Task.parse("nasbench201/cifar10").with_objectives(parse_criteria("val,fpga_energy:min")).criteria == \
        parse_criteria("val,fpga_energy:min")
    with pytest.raises(ValueError, match="bad task .*at least two objectives"):
        Task.parse("nasbench201/cifar10:objectives=val")
