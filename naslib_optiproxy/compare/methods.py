"""A *method* is an optimizer plus settings, with a label: ``[label=]name[key=value,...]``.

Examples: ``optiproxy``, ``rs``, ``one-group=optiproxy[num_groups=1,candidates_per_group=400]``.
OptiProxy's settings go on top of its per-space presets (``presets.py``). With NASLib importable,
``naslib:<optimizer>[search keys]`` runs NASLib's own optimizers (and ours) through NASLib's
Trainer, e.g. ``naslib:bananas[predictor_type=optiproxy_gcn]``.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Dict, Tuple

from .._text import shorten
from .tasks import format_assignments, parse_assignments

NASLIB_PREFIX = "naslib:"
#: Frameworks that run a method themselves: prefix -> the module that checks (``check_optimizer(name, label)``) and runs
#: (``run_search(space, dataset, optimizer, seed, budget, settings, data_dir)``) its optimizers. Loaded by name
#: only when such a method is checked or run: the framework is optional, and adapters never import each other.
EXTERNAL_RUNNERS = {NASLIB_PREFIX: "naslib_optiproxy.integrations.naslib_plugin.jobs"}
_METHOD = re.compile(r"^(?:(?P<label>[A-Za-z0-9_.+\-]+)=)?(?P<name>[A-Za-z0-9_:\-]+)(?:\[(?P<settings>[^\]]*)\])?$")


@dataclass(frozen=True)
class Method:
    """An optimizer by registry name, its settings, and the label shown in tables and plots."""

    optimizer: str
    settings: Tuple[Tuple[str, Any], ...] = ()
    label: str = ""

    @classmethod
    def parse(cls, text: str) -> "Method":
        match = _METHOD.match(str(text).strip())
        if not match:
            raise ValueError(f"bad method {shorten(text)}: expected [label=]optimizer[key=value,...], "
                             f"e.g. optiproxy, rs or one-group=optiproxy[num_groups=1]")
        settings = parse_assignments(match["settings"] or "", f"method {shorten(text)}")
        return cls(match["name"], settings, match["label"] or "")

    @classmethod
    def from_dict(cls, record: Dict[str, Any]) -> "Method":
        """From a suite file entry ``{optimizer: ..., label: ..., settings: {...}}``."""
        unknown = set(record) - {"optimizer", "label", "settings"}
        if unknown or "optimizer" not in record:
            raise ValueError(f"bad method entry {shorten(record)}: keys are optimizer (required), label, settings")
        return cls(str(record["optimizer"]), tuple(sorted((record.get("settings") or {}).items())),
                   str(record.get("label") or ""))

    @property
    def through_naslib(self) -> bool:
        """``naslib:<optimizer>``: run by NASLib's Trainer through the plugin (needs NASLib)."""
        return self.optimizer.startswith(NASLIB_PREFIX)

    def external_runner(self) -> Tuple[ModuleType, str]:
        """``(module, optimizer)`` of a method another framework runs (:data:`EXTERNAL_RUNNERS`), loaded now."""
        prefix = next(p for p in EXTERNAL_RUNNERS if self.optimizer.startswith(p))
        return importlib.import_module(EXTERNAL_RUNNERS[prefix]), self.optimizer[len(prefix):]

    @property
    def name(self) -> str:
        """The label, or ``optimizer[settings]`` when there is none."""
        if self.label:
            return self.label
        return self.optimizer + (f"[{format_assignments(self.settings)}]" if self.settings else "")

    @property
    def slug(self) -> str:
        return re.sub(r"[^A-Za-z0-9_.+\-]+", "-", self.name).strip("-")

    def __str__(self) -> str:
        return self.name
