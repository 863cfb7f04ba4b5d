"""A comparison as data: tasks (each with a budget), methods and seeds, from flags or a YAML file.

Suite file example (``naslib-optiproxy compare --suite FILE.yaml``)::

    seeds: 0-9
    budget: 100                  # default for tasks that do not set one
    tasks:
      - nasbench201/cifar10
      - {task: nasbench201/ImageNet16-120, budget: 280, checkpoints: [50, 100, 200, 280]}
    methods:
      - optiproxy
      - rs
      - {label: one-group, optimizer: optiproxy, settings: {num_groups: 1}}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from .._text import did_you_mean
from ..integrations.naslib_plugin.runner import OPTIMIZER_NAMES as NASLIB_OPTIMIZER_NAMES
from ..strategies import check_strategy, strategy_config
from .jobs import DataDir, Job
from .methods import NASLIB_PREFIX, Method
from .tasks import Task


def parse_seeds(text: Union[str, int, Sequence[int]]) -> List[int]:
    """``'0-9'`` -> 0..9, ``'0,3,5'`` -> [0, 3, 5]; lists and ints pass through."""
    if isinstance(text, int):
        return [text]
    if not isinstance(text, str):
        return [int(s) for s in text]
    try:
        if "-" in text:
            lo, hi = text.split("-")
            seeds = list(range(int(lo), int(hi) + 1))
        else:
            seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        seeds = []
    if not seeds:
        raise ValueError(f"bad seeds {text!r}: expected a range like 0-9 or a list like 0,3,5")
    return seeds


def default_checkpoints(budget: int) -> Tuple[int, ...]:
    """Quarter, half and full budget."""
    return tuple(sorted({max(1, budget // 4), max(1, budget // 2), budget}))


@dataclass(frozen=True)
class TaskPlan:
    task: Task
    budget: int
    checkpoints: Tuple[int, ...]


@dataclass
class Suite:
    tasks: List[TaskPlan]
    methods: List[Method]
    seeds: List[int]
    data_dir: DataDir = None  # one folder, or {space: folder}
    notes: Dict[str, Any] = field(default_factory=dict)

    def jobs(self) -> List[Job]:
        """Every (task, method, seed) job, tasks outermost."""
        return [Job(plan.task, method, seed, plan.budget)
                for plan in self.tasks for method in self.methods for seed in self.seeds]

    def check(self) -> None:
        """Fail early, with the reason, on unknown optimizers, bad settings or budgets."""
        if not self.tasks or not self.methods:
            raise ValueError("a comparison needs at least one task and one method")
        labels = [m.name for m in self.methods]
        if len(set(labels)) != len(labels):
            raise ValueError(f"two methods share a label in {labels}: give them distinct labels (label=...)")
        for plan in self.tasks:
            if plan.budget < 1:
                raise ValueError(f"task {plan.task.name}: budget must be >= 1, got {plan.budget}")
        for method in self.methods:
            if method.through_naslib:
                name = method.optimizer[len(NASLIB_PREFIX):]
                if name not in NASLIB_OPTIMIZER_NAMES:
                    raise ValueError(f"unknown NASLib optimizer {name!r}{did_you_mean(name, NASLIB_OPTIMIZER_NAMES)}; "
                                     f"available: {', '.join(NASLIB_OPTIMIZER_NAMES)}")
                continue
            settings = dict(method.settings)
            try:
                check_strategy(method.optimizer, settings)
            except ValueError as error:
                raise ValueError(f"method {method.name!r}: {error}") from None
            if method.optimizer == "optiproxy":
                for plan in self.tasks:
                    strategy_config(plan.task.space, plan.task.dataset, settings,
                                    plan.task.constrained).check_budget(plan.budget)

    @classmethod
    def from_args(cls, tasks: Sequence[str], methods: Sequence[str], seeds: str, budget: int,
                  checkpoints: Optional[Sequence[int]] = None, data_dir: DataDir = None) -> "Suite":
        plans = [TaskPlan(Task.parse(t), budget, tuple(checkpoints or default_checkpoints(budget))) for t in tasks]
        return cls(plans, [Method.parse(m) for m in methods], parse_seeds(seeds), data_dir)

    @classmethod
    def from_yaml(cls, path: Union[str, Path]) -> "Suite":
        import yaml

        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        unknown = set(data) - {"tasks", "methods", "seeds", "budget", "checkpoints", "data_dir", "notes"}
        if unknown:
            raise ValueError(f"{path}: unknown keys {sorted(unknown)}; "
                             f"a suite has tasks, methods, seeds, budget, checkpoints, data_dir, notes")
        default_budget = int(data.get("budget", 100))
        plans = []
        for entry in data.get("tasks") or []:
            if isinstance(entry, str):
                entry = {"task": entry}
            budget = int(entry.get("budget", default_budget))
            checkpoints = entry.get("checkpoints") or data.get("checkpoints") or default_checkpoints(budget)
            plans.append(TaskPlan(Task.parse(entry["task"]), budget, tuple(int(c) for c in checkpoints)))
        methods = [Method.parse(m) if isinstance(m, str) else Method.from_dict(m) for m in data.get("methods") or []]
        return cls(plans, methods, parse_seeds(data.get("seeds", "0-9")), data.get("data_dir"),
                   data.get("notes") or {})
