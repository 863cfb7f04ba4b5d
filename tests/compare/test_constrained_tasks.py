"""compare on constrained tasks: feasible-only results, constrained presets."""

from naslib_optiproxy.compare import Job, Method, Task, run_job
from naslib_optiproxy.config import OptiProxyConfig
from naslib_optiproxy.objectives.constrained import parse_constraint
from naslib_optiproxy.presets import preset_settings
from naslib_optiproxy.run import run_search
from naslib_optiproxy.spaces import NasBench201
from naslib_optiproxy.types import Evaluation

LIMIT = 0.002  # seconds; about 10% of NAS-Bench-Graph cora cells are this fast


def test_constrained_task_reports_only_feasible_bests():
    task = Task.parse(f"nasbench_graph/cora:constraint=latency<={LIMIT}")
    assert task.constrained and not Task.parse("nasbench_graph/cora").constrained
    objective = task.objective()
    record = run_job(Job(task, Method.parse("rs"), seed=1, budget=30))
    assert record["constraint"] == {"metric": "latency", "max": LIMIT}
    assert 0 < record["feasible_evaluations"] < 30
    assert objective.space.from_string(record["best"]["arch"]) is not None
    best = objective(objective.space.from_string(record["best"]["arch"]))
    assert best.info["latency"] <= LIMIT and best.value == record["best"]["val"] and best.feasible
    # the known optimum is the constrained one, and nothing better than it is ever reported
    assert max(v for v in record["trajectory"] if v is not None) <= record["optimum_val"]
    assert record["optimum_val"] < Task.parse("nasbench_graph/cora").objective().optimum()[1]


class _Nb201Stub:
    """A cheap NB201 ImageNet16-120 objective, with or without a latency constraint (no benchmark data)."""

    dataset = "ImageNet16-120"

    def __init__(self, constraint=None) -> None:
        self.space = NasBench201()
        self.constraint = None if constraint is None else parse_constraint(constraint)

    def __call__(self, arch) -> Evaluation:
        value = float(sum(arch.ops))
        constraints = () if self.constraint is None else (self.constraint.measure(float(arch.ops[0])),)
        return Evaluation(value, {"val": value}, constraints=constraints)


def test_constrained_nb201_tasks_use_the_hw_nas_bench_presets():
    method = Method.parse("optiproxy[num_groups=2]")
    assert Task.parse("nasbench201/ImageNet16-120:constraint=edgegpu_latency<=2").constrained
    assert not Task.parse("nasbench201/ImageNet16-120").constrained
    # run_job hands the method's settings to run_search, which applies the preset for the objective
    settings = dict(method.settings)
    constrained = run_search(_Nb201Stub("edgegpu_latency<=2"), method.optimizer, budget=10, settings=settings)
    unconstrained = run_search(_Nb201Stub(), method.optimizer, budget=10, settings=settings)
    assert constrained["settings"] == OptiProxyConfig.from_dict(
        {**preset_settings("hw_nas_bench"), "num_groups": 2}).to_dict()
    assert unconstrained["settings"] == OptiProxyConfig.from_dict(
        {**preset_settings("nasbench201", "ImageNet16-120"), "num_groups": 2}).to_dict()
    assert constrained["settings"] != unconstrained["settings"]
