"""Job keys of tasks with objectives: OptiProxy-MO's effective settings name the job."""

from naslib_optiproxy.compare.jobs import Job
from naslib_optiproxy.compare.methods import Method
from naslib_optiproxy.compare.tasks import Task

TASK = Task.parse("nasbench201/cifar10:objectives=val;edgegpu_latency:min")


def key(method: str, task: Task = TASK) -> str:
    return Job(task, Method.parse(method), seed=0, budget=20).key


def test_front_settings_and_objectives_change_the_key():
    assert key("optiproxy") != key("optiproxy[mo_rho=0.5]")
    assert key("optiproxy") != key("optiproxy", Task.parse("nasbench201/cifar10:objectives=val;fpga_energy:min"))
    assert key("optiproxy") != key("optiproxy", Task.parse("nasbench201/cifar10"))
