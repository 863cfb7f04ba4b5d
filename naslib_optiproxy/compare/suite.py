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

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from .._text import did_you_mean, shorten
from .._yaml import load_yaml
from ..spaces import SEARCH_SPACES, get_search_space
from ..config import resolve_settings
from ..run import DEFAULT_BUDGET
from ..strategies import check_strategy
from ..strategies.fronts import front_settings
from ..strategies.optiproxy import check_batch_size
from ..strategies.optiproxy_mo import FrontSettings, mo_preset
from .jobs import DataDir, Job
from .methods import Method
from .tasks import Task


#: Most seeds one comparison may list (a typo like ``0-99999999`` would otherwise queue 10^8 jobs).
MAX_SEEDS = 10_000
#: Seeds are below 2**63, as ``naslib-optiproxy search --seed`` requires.
SEED_LIMIT = 2 ** 63
_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")


def _seed(value: Any, text: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"bad seeds {shorten(text)}: {shorten(value)} is not a whole number; "
                         f"expected a range like 0-9 or a list like 0,3,5")
    if not 0 <= value < SEED_LIMIT:
        raise ValueError(f"bad seeds {shorten(text)}: seed {shorten(value)} is out of range; seeds are 0 .. 2**63-1")
    return value


def parse_seeds(text: Union[str, int, Sequence[int]]) -> List[int]:
    """``'0-9'`` -> 0..9, ``'0,3,5'`` -> [0, 3, 5]; lists and ints pass through.

    Raises:
        ValueError: Not a range or list of whole numbers in 0 .. 2**63-1, a range that runs
            backwards, or more than :data:`MAX_SEEDS` seeds.
    """
    if isinstance(text, str):
        match = _RANGE.match(text)
        if match:
            lo, hi = int(match[1]), int(match[2])
            if hi < lo:
                raise ValueError(f"bad seeds {shorten(text)}: the range runs backwards; write {hi}-{lo}")
            if hi - lo + 1 > MAX_SEEDS:
                raise ValueError(f"bad seeds {shorten(text)}: {hi - lo + 1} seeds; a comparison takes at most "
                                 f"{MAX_SEEDS:,}")
            values: List[Any] = [lo, hi]
        else:
            values = []
            for part in filter(None, (s.strip() for s in text.split(","))):
                try:
                    values.append(int(part))
                except ValueError:
                    raise ValueError(f"bad seeds {shorten(text)}: expected a range like 0-9 or a list like 0,3,5"
                                     ) from None
    elif isinstance(text, (list, tuple)):
        values = list(text)
    else:
        values = [text]
    if not values:
        raise ValueError(f"bad seeds {shorten(text)}: expected a range like 0-9 or a list like 0,3,5")
    if len(values) > MAX_SEEDS:
        raise ValueError(f"bad seeds: {len(values)} seeds; a comparison takes at most {MAX_SEEDS:,}")
    seeds = [_seed(value, text) for value in values]
    if isinstance(text, str) and _RANGE.match(text):
        return list(range(seeds[0], seeds[1] + 1))
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
                runner, name = method.external_runner()
                runner.check_optimizer(name, method.name)
                continue
            settings = dict(method.settings)
            for criteria in dict.fromkeys(plan.task.criteria for plan in self.tasks):
                try:
                    check_strategy(method.optimizer, settings, criteria)
                except ValueError as error:
                    where = " on a task with objectives" if criteria is not None else ""
                    raise ValueError(f"method {method.name!r}{where}: {error}") from None
            if method.optimizer == "optiproxy":
                for plan in self.tasks:
                    if plan.task.criteria is not None:
                        config, front = front_settings(settings)
                        FrontSettings.from_dict(front)
                        mo_preset(plan.task.space, plan.task.dataset, **config).check_budget(plan.budget)
                        continue
                    config = resolve_settings(plan.task.space, plan.task.dataset, plan.task.constrained, settings)[1]
                    config.check_budget(plan.budget)
                    try:
                        if plan.task.space in SEARCH_SPACES:
                            check_batch_size(config, get_search_space(plan.task.space, plan.task.dataset))
                    except ValueError as error:
                        raise ValueError(f"method {method.name!r} on {plan.task.name}: {error}") from None

    @classmethod
    def from_args(cls, tasks: Sequence[str], methods: Sequence[str], seeds: str, budget: int,
                  checkpoints: Optional[Sequence[int]] = None, data_dir: DataDir = None) -> "Suite":
        plans = [TaskPlan(Task.parse(t), budget, tuple(checkpoints or default_checkpoints(budget))) for t in tasks]
        return cls(plans, [Method.parse(m) for m in methods], parse_seeds(seeds), data_dir)

    @classmethod
    def from_yaml(cls, path: Union[str, Path]) -> "Suite":
        """Read a suite file; every malformed entry is a ValueError naming the file and the key."""
        data = load_yaml(path)
        unknown = sorted(str(key) for key in data if key not in SUITE_KEYS)
        if unknown:
            raise ValueError(f"{path}: unknown keys {[shorten(k) for k in unknown]}; "
                             f"a suite has {', '.join(SUITE_KEYS)}")
        default_budget = _count(path, "budget", data.get("budget", DEFAULT_BUDGET))
        default_checkpoints_ = data.get("checkpoints")
        plans = [_task_plan(path, index, entry, default_budget, default_checkpoints_)
                 for index, entry in enumerate(_list(path, "tasks", data.get("tasks")))]
        methods = [_method(path, index, entry) for index, entry in enumerate(_list(path, "methods", data.get("methods")))]
        try:
            seeds = parse_seeds(_seeds_value(path, data.get("seeds", "0-9")))
        except ValueError as error:
            raise ValueError(f"{path}: seeds: {error}") from None
        return cls(plans, methods, seeds, _data_dir(path, data.get("data_dir")), _notes(path, data.get("notes")))


SUITE_KEYS = ("tasks", "methods", "seeds", "budget", "checkpoints", "data_dir", "notes")
TASK_KEYS = ("task", "budget", "checkpoints")


def _kind(value: Any) -> str:
    return "null" if value is None else f"{type(value).__name__} {shorten(value)}"


def _list(path: Any, key: str, value: Any) -> List[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{path}: {key} must be a list, got {_kind(value)}")
    return value


def _count(path: Any, key: str, value: Any) -> int:
    """A positive whole number (a budget, a checkpoint)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{path}: {key} must be a positive whole number, got {_kind(value)}")
    return value


def _checkpoints(path: Any, key: str, value: Any, budget: int) -> Tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{path}: {key} must be a non-empty list of evaluation counts, got {_kind(value)}")
    counts = tuple(_count(path, f"{key}[{i}]", c) for i, c in enumerate(value))
    above = [c for c in counts if c > budget]
    if above:
        raise ValueError(f"{path}: {key}: {shorten(above)} exceed the budget {budget}")
    return counts


def _task_plan(path: Any, index: int, entry: Any, default_budget: int, checkpoints: Any) -> TaskPlan:
    where = f"tasks[{index}]"
    if isinstance(entry, str):
        entry = {"task": entry}
    if not isinstance(entry, dict) or "task" not in entry:
        raise ValueError(f"{path}: {where} must be a task name like nasbench201/cifar10 or a mapping "
                         f"{{task: ..., budget: ..., checkpoints: [...]}}, got {_kind(entry)}")
    unknown = sorted(str(key) for key in entry if key not in TASK_KEYS)
    if unknown:
        raise ValueError(f"{path}: {where}: unknown key {shorten(unknown[0])}"
                         f"{did_you_mean(unknown[0], TASK_KEYS)}; a task entry has {', '.join(TASK_KEYS)}")
    if not isinstance(entry["task"], str):
        raise ValueError(f"{path}: {where}.task must be a task name like nasbench201/cifar10, "
                         f"got {_kind(entry['task'])}")
    budget = _count(path, f"{where}.budget", entry["budget"]) if "budget" in entry else default_budget
    if entry.get("checkpoints") is not None:
        points = _checkpoints(path, f"{where}.checkpoints", entry["checkpoints"], budget)
    elif checkpoints is not None:
        points = _checkpoints(path, "checkpoints", checkpoints, budget)
    else:
        points = default_checkpoints(budget)
    try:
        task = Task.parse(entry["task"])
    except ValueError as error:
        raise ValueError(f"{path}: {where}: {error}") from None
    return TaskPlan(task, budget, points)


def _method(path: Any, index: int, entry: Any) -> Method:
    where = f"methods[{index}]"
    if isinstance(entry, dict):
        settings = entry.get("settings")
        if settings is not None and not isinstance(settings, dict):
            raise ValueError(f"{path}: {where}.settings must be a mapping of settings, got {_kind(settings)}")
        if settings and not all(isinstance(key, str) for key in settings):
            raise ValueError(f"{path}: {where}.settings: keys must be setting names, got {shorten(list(settings))}")
        for key in ("optimizer", "label"):
            if entry.get(key) is not None and not isinstance(entry[key], str):
                raise ValueError(f"{path}: {where}.{key} must be text, got {_kind(entry[key])}")
    elif not isinstance(entry, str):
        raise ValueError(f"{path}: {where} must be an optimizer name like rs or a mapping "
                         f"{{optimizer: ..., label: ..., settings: {{...}}}}, got {_kind(entry)}")
    try:
        return Method.parse(entry) if isinstance(entry, str) else Method.from_dict(entry)
    except ValueError as error:
        raise ValueError(f"{path}: {where}: {error}") from None


def _seeds_value(path: Any, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (str, int, list)):
        raise ValueError(f"{path}: seeds must be a range like 0-9, a list like [0, 3, 5] or one seed, "
                         f"got {_kind(value)}")
    return value


def _data_dir(path: Any, value: Any) -> DataDir:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return value
    raise ValueError(f"{path}: data_dir must be a folder or a mapping {{search space: folder}} of text, "
                     f"got {_kind(value)}")


def _notes(path: Any, value: Any) -> Dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{path}: notes must be a mapping, got {_kind(value)}")
    return value
