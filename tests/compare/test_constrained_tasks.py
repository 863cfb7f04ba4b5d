"""compare on constrained tasks: feasible-only results, constrained defaults."""

from naslib_optiproxy.compare import Job, Method, Task, run_job
from naslib_optiproxy.defaults import default_search_config

LIMIT = 0.002  # seconds; about 10% of NAS-Bench-Graph cora cells are this fast


def test_constrained_task_reports_only_feasible_bests():
    task = Task.parse(f"nasbench_graph/cora:constraint=latency<={LIMIT}")
    assert task.constrained and not Task.parse("nasbench_graph/cora").constrained
    objective = task.objective()
    record = run_job(Job(task, Method.parse("rs"), seed=1, budget=30))
    assert record["constraint"] == {"metric": "latency", "max": LIMIT}
    assert 0 < record["feasible_evaluations"] < 30
    assert objective.space.from_string(record["best_arch"]) is not None
    best = objective(objective.space.from_string(record["best_arch"]))
    assert best.info["latency"] <= LIMIT and best.value == record["best_val"]
    # the known optimum is the constrained one, and nothing better than it is ever reported
    assert max(v for v in record["trajectory"] if v is not None) <= record["optimum_val"]
    assert record["optimum_val"] < Task.parse("nasbench_graph/cora").objective().optimum()[1]


def test_constrained_nb201_tasks_use_the_hw_nas_bench_defaults():
    method = Method.parse("optiproxy[num_groups=2]")
    unconstrained = Task.parse("nasbench201/ImageNet16-120").search_config(method)
    constrained = Task.parse("nasbench201/ImageNet16-120:constraint=edgegpu_latency<=2").search_config(method)
    assert constrained == {**default_search_config("hw_nas_bench"), "num_groups": 2}
    assert unconstrained == {**default_search_config("nasbench201", "ImageNet16-120"), "num_groups": 2}
    assert constrained != unconstrained
