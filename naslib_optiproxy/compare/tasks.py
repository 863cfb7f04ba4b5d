"""A *task* is a benchmark objective by name: ``space[/dataset][:key=value,...]``.

Examples: ``nasbench201/cifar10``, ``nasbench_graph/cora``, ``nasbench301``, and options that
the benchmark's objective takes as keyword arguments, e.g.
``nasbench201/ImageNet16-120:constraint=edgegpu_latency<=2``. Several objectives (a front search):
``nasbench201/ImageNet16-120:objectives=val;edgegpu_latency:min`` (``;`` between them; ``compare
--objectives`` adds the option to every task).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from .._text import shorten
from ..objectives import get_objective
from ..pareto import Criterion, parse_criteria

_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")
#: ``get_objective``'s own arguments: set by the task's name and the comparison's ``--data-dir``, not as options.
RESERVED_OPTIONS = ("data_dir", "search_space", "dataset")


def parse_value(text: str) -> Any:
    """``'3'`` -> 3, ``'0.5'`` -> 0.5, ``'true'`` -> True, ``'null'`` -> None, anything else as is."""
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False, "null": None, "none": None}.get(text.lower(), text)


def parse_assignments(text: str, what: str) -> Tuple[Tuple[str, Any], ...]:
    """``'a=1,b=x'`` -> ``(('a', 1), ('b', 'x'))``, sorted by key; a clear error otherwise."""
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{what}: expected key=value, got {shorten(item)}")
        pairs.append((key.strip(), parse_value(value.strip())))
    return tuple(sorted(pairs))


def format_assignments(pairs: Tuple[Tuple[str, Any], ...]) -> str:
    return ",".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in pairs)


@dataclass(frozen=True)
class Task:
    """One benchmark objective: search space, dataset (``None``: the space's default) and options."""

    space: str
    dataset: Optional[str] = None
    options: Tuple[Tuple[str, Any], ...] = ()

    @classmethod
    def parse(cls, text: str) -> "Task":
        """Parse ``space[/dataset][:key=value,...]``."""
        head, _, options = str(text).strip().partition(":")
        space, _, dataset = head.partition("/")
        for part, what in ((space, "search space"), (dataset, "dataset")):
            if part and not _NAME.match(part) or (what == "search space" and not part):
                raise ValueError(f"bad task {shorten(text)}: expected space[/dataset][:key=value,...], "
                                 f"e.g. nasbench201/cifar10 or nasbench_graph/cora")
        parsed = parse_assignments(options, f"task {shorten(text)}")
        reserved = [key for key, _ in parsed if key in RESERVED_OPTIONS]
        if reserved:
            where = ("with --data-dir (a folder, or SPACE=DIR per search space) or the suite's data_dir: key"
                     if reserved[0] == "data_dir" else "before the ':' (space/dataset)")
            raise ValueError(f"bad task {shorten(text)}: {reserved[0]} is not a task option; give it {where}")
        task = cls(space, dataset or None, parsed)
        try:
            criteria = task.criteria  # objectives are checked here, with the task's name
        except (TypeError, ValueError) as error:
            raise ValueError(f"bad task {shorten(text)}: {error}") from None
        return task if criteria is None else task.with_objectives(criteria)  # their canonical text

    @property
    def name(self) -> str:
        """The canonical text form (parses back to an equal task)."""
        head = self.space + (f"/{self.dataset}" if self.dataset else "")
        return head + (f":{format_assignments(self.options)}" if self.options else "")

    @property
    def slug(self) -> str:
        """A folder name for the task's results."""
        return re.sub(r"[^A-Za-z0-9_.\-]+", "-", self.name.replace("/", "-").replace(":", "--")).strip("-")

    @property
    def constrained(self) -> bool:
        """Whether the task has a resource constraint (``:constraint=...``)."""
        return any(key == "constraint" for key, _ in self.options)

    @property
    def criteria(self) -> Optional[Tuple[Criterion, ...]]:
        """The task's objectives (``:objectives=...``), or ``None`` for one objective."""
        text = dict(self.options).get("objectives")
        return None if text is None else parse_criteria(str(text))

    def with_objectives(self, criteria: Tuple[Criterion, ...]) -> "Task":
        """This task searching the front of ``criteria`` (replacing objectives it had)."""
        options = dict(self.options)
        options["objectives"] = ";".join(map(str, criteria))
        return Task(self.space, self.dataset, tuple(sorted(options.items())))

    def objective(self, data_dir: Optional[str] = None):
        """Build the benchmark objective (``get_objective(space, dataset, data_dir, **options)``)."""
        kwargs: Dict[str, Any] = dict(self.options)
        return get_objective(self.space, self.dataset, data_dir, **kwargs)

    def __str__(self) -> str:
        return self.name
