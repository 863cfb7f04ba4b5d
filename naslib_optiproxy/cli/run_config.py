"""One search run, configured NASLib-style (a YAML file, a dict, or the command line).

Example YAML (every key optional)::

    search_space: nasbench201   # or nasbench_graph (the default)
    dataset: cifar10            # default: cifar10 (nasbench201), cora (nasbench_graph)
    optimizer: optiproxy        # or rs, re, ls, or a peer optimizer: optuna:tpe, smac, ... (docs/peers.md)
    seed: 0
    budget: 100                 # architectures evaluated
    data_dir: data              # where NAS-Bench-201 tables live
    out_dir: runs/my-run        # default: runs/<search_space>-<dataset>-<optimizer>-<seed>
    search:                     # OptiProxy settings (OptiProxyConfig), over the tuned defaults
      model_epochs: 300         # (or under optiproxy:, as in NASLib-format configs)
    max_consecutive_failures: 10  # stop after this many failed evaluations in a row (null: never)
    constraint: {metric: edgegpu_latency, max: 2.0}  # or "edgegpu_latency<=2"; see below
    fidelity: low               # nasbench201 only: search the 12-epoch accuracy (default: full)
    objectives:                 # several objectives: search the front (docs/multiobjective.md)
      - {metric: val, direction: max}
      - {metric: edgegpu_latency, direction: min}   # or "val,edgegpu_latency:min"

``constraint`` makes the search maximise accuracy subject to ``metric <= max``: an
HW-NAS-Bench metric for nasbench201 (``edgegpu_latency``, ``raspi4_latency``, ...), or
``latency``/``params`` for nasbench_graph. Only feasible architectures are reported as best.
``fidelity: low`` searches NB201's 12-epoch accuracy and promotes the best architectures
to full training; the result then accounts the training epochs spent.
``objectives`` (two or more reported metrics, each to ``max`` or ``min``: ``val``, ``test``, the
HW-NAS-Bench metrics on nasbench201; ``latency``, ``params`` on nasbench_graph) searches the
Pareto front; the optimizer is then ``optiproxy`` (OptiProxyMO), ``rs``, ``nsga2``, ``motpe`` or
``limits``, and a ``constraint`` still applies on top.

Top-level keys that NASLib configs carry but a tabular search has no use for
(:data:`IGNORED_KEYS`) are accepted and ignored; any other unknown key is refused.
Everything is validated when the config is built, before any work starts.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Union

from .._text import did_you_mean, shorten
from .._yaml import load_yaml
from ..config import OptiProxyConfig, resolve_settings
from ..datasets import canonical_dataset
from ..objectives.constrained import parse_constraint
from ..objectives.low_fidelity import canonical_fidelity
from ..objectives.multi_objective import METRICS
from ..pareto import parse_criteria
from ..spaces import SEARCH_SPACES
from ..run import DEFAULT_BUDGET, MAX_CONSECUTIVE_FAILURES
from ..strategies import check_strategy
from ..strategies.fronts import front_settings
from ..strategies.optiproxy_mo import FrontSettings, mo_preset

#: NASLib top-level keys accepted and ignored: ``evaluation`` (NASLib's final-training
#: settings; tabular benchmarks need none), ``train_portion`` (train/valid split for
#: one-shot training), ``config_type`` and ``experiment_type`` (NASLib bookkeeping).
IGNORED_KEYS = ("evaluation", "train_portion", "config_type", "experiment_type")

#: Another name of ``search:`` (OptiProxy settings), the one a NASLib-format config uses.
SETTINGS_ALIAS = "optiproxy"

PathLike = Union[str, "os.PathLike[str]"]


@dataclass
class RunConfig:
    """Settings of one search run; see the module docstring for the YAML form.

    ``dataset=None`` means the space's default and ``out_dir=None`` means
    ``runs/<search_space>-<dataset>-<optimizer>-<seed>``; :meth:`resolved` fills both in.
    ``search`` holds OptiProxy settings, merged over
    the measured preset (:meth:`~naslib_optiproxy.config.OptiProxyConfig.preset`); it must be empty for rs/re/ls.
    ``max_consecutive_failures`` stops the run after that many failed evaluations in a row
    (``None``: never).
    """

    search_space: str = "nasbench_graph"
    dataset: Optional[str] = None
    optimizer: str = "optiproxy"
    seed: int = 0
    budget: int = DEFAULT_BUDGET
    data_dir: Optional[str] = None
    out_dir: Optional[str] = None
    search: Optional[Dict[str, Any]] = field(default_factory=dict)
    max_consecutive_failures: Optional[int] = MAX_CONSECUTIVE_FAILURES
    constraint: Optional[Any] = None
    fidelity: Optional[str] = None
    objectives: Optional[Any] = None

    def __post_init__(self) -> None:
        for key in ("search_space", "optimizer"):
            _check_type(key, getattr(self, key), str)
        if self.dataset is not None:
            _check_type("dataset", self.dataset, str)
        for key in ("seed", "budget"):
            _check_type(key, getattr(self, key), int)
        for key in ("data_dir", "out_dir"):
            value = getattr(self, key)
            if value is not None:
                if not isinstance(value, (str, os.PathLike)):
                    raise TypeError(f"{key} must be a path (string) or null, got {type(value).__name__} {shorten(value)}")
                setattr(self, key, os.fspath(value))
        if self.search is None:
            self.search = {}
        if not isinstance(self.search, Mapping):
            raise TypeError(f"search must be a mapping of OptiProxy settings, got "
                            f"{type(self.search).__name__} {self.search!r}")
        self.search = dict(self.search)
        if self.budget <= 0:
            raise ValueError(f"budget must be a positive number of evaluations, got {self.budget}")
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")
        if self.seed >= 2 ** 63:
            raise ValueError(f"seed must be < 2**63, got {self.seed}")
        if self.max_consecutive_failures is not None:
            _check_type("max_consecutive_failures", self.max_consecutive_failures, int)
            if self.max_consecutive_failures < 1:
                raise ValueError(f"max_consecutive_failures must be >= 1 (or null for no limit), "
                                 f"got {self.max_consecutive_failures}")
        if self.search_space not in SEARCH_SPACES:
            raise ValueError(f"unknown search space {self.search_space!r}"
                             f"{did_you_mean(self.search_space, SEARCH_SPACES)}; "
                             f"available: {', '.join(SEARCH_SPACES)}")
        self._check_objective_options()
        check_strategy(self.optimizer, self.search, self.criteria)
        # built (and so validated) once, here at the edge, before any work; the run uses this object
        self._strategy_config = self._build_search_config()
        if self._strategy_config is not None:
            self._strategy_config.check_budget(self.budget)

    def _check_objective_options(self) -> None:
        """Normalise ``constraint`` to ``{metric, max}`` and check both options against the space."""
        if self.constraint is not None:
            if self.search_space not in ("nasbench201", "nasbench_graph"):
                raise ValueError(f"constraint applies to nasbench201 (HW-NAS-Bench metrics) and nasbench_graph "
                                 f"(latency, params), not {self.search_space}")
            self.constraint = parse_constraint(self.constraint).to_dict()
        if self.fidelity is not None:
            _check_type("fidelity", self.fidelity, str)
            canonical_fidelity(self.fidelity)
            if self.search_space != "nasbench201":
                raise ValueError(f"fidelity applies to nasbench201 only (12-epoch accuracies), not {self.search_space}")
            if self.constraint is not None and self.fidelity != "full":
                raise ValueError("constraint and fidelity low cannot be combined; drop one of them")
        if self.objectives is not None:
            self.objectives = [c.to_dict() for c in _criteria(self.objectives, self.search_space)]
            if self.fidelity not in (None, "full"):
                raise ValueError("objectives and fidelity low cannot be combined; drop one of them")

    @property
    def criteria(self) -> Optional[tuple]:
        """The objectives as :class:`~naslib_optiproxy.pareto.Criterion` (``None``: one objective)."""
        return None if self.objectives is None else parse_criteria(self.objectives)

    def objective_options(self) -> Dict[str, Any]:
        """The options of :func:`~naslib_optiproxy.objectives.get_objective` (``constraint``, ``fidelity``,
        ``objectives``)."""
        return {k: v for k, v in (("constraint", self.constraint), ("fidelity", self.fidelity),
                                  ("objectives", self.objectives)) if v is not None}

    # ------------------------------------------------------------- resolved
    def resolved_dataset(self) -> Optional[str]:
        """The canonical dataset name (the space's default when ``dataset`` is None)."""
        return canonical_dataset(self.search_space, self.dataset)

    def resolved_out_dir(self) -> str:
        """``out_dir``, or ``runs/<search_space>-<dataset>-<optimizer>-<seed>``."""
        if self.out_dir is not None:
            return self.out_dir
        optimizer = self.optimizer.replace(":", "-")  # optuna:tpe -> optuna-tpe (a portable folder name)
        return str(Path("runs") / f"{self.search_space}-{self.resolved_dataset()}-{optimizer}-{self.seed}")

    def resolved(self, out_dir: Optional[str] = None) -> "RunConfig":
        """A copy with ``dataset`` and ``out_dir`` (``out_dir`` if given) filled in; nothing to validate again."""
        resolved = copy.copy(self)
        resolved.dataset, resolved.out_dir = self.resolved_dataset(), out_dir or self.resolved_out_dir()
        return resolved

    def search_config(self) -> Union[None, OptiProxyConfig, Dict[str, Any]]:
        """The validated :class:`OptiProxyConfig` (preset + ``search``) for optiproxy, else ``None``; with
        objectives, the ``search`` settings themselves (checked: the front strategy puts them over its preset)."""
        if self.objectives is not None:
            return dict(self.search) or None
        return self._strategy_config

    def _build_search_config(self) -> Optional[OptiProxyConfig]:
        if self.optimizer != "optiproxy":
            return None
        if self.objectives is not None:  # OptiProxyMO: its preset and the mo_* keys, validated here
            config, front = front_settings(self.search)
            FrontSettings.from_dict(front)
            return mo_preset(self.search_space, self.dataset, **config)
        return resolve_settings(self.search_space, self.dataset, self.constraint is not None, self.search)[1]

    # ------------------------------------------------------------ building
    @classmethod
    def from_dict(cls, values: Optional[Mapping[str, Any]] = None) -> "RunConfig":
        """Build from a mapping with the YAML keys; unknown keys are refused with a hint.

        ``optiproxy:`` is accepted as another name of ``search:`` (the section the NASLib runner
        reads OptiProxy's settings from), so one file serves both commands; giving both is refused.
        """
        values = dict(values or {})
        if SETTINGS_ALIAS in values:
            alias = values.pop(SETTINGS_ALIAS)
            if values.get("search"):
                raise ValueError(f"give OptiProxy settings in one section, {SETTINGS_ALIAS}: or search:, not both")
            values["search"] = alias
        known = [f.name for f in dataclasses.fields(cls)]
        for key in values:
            if key not in known and key not in IGNORED_KEYS:
                raise ValueError(f"unknown config key {key!r}{did_you_mean(key, known)}; "
                                 f"known keys: {', '.join(known)} (ignored NASLib keys: {', '.join(IGNORED_KEYS)})")
        return cls(**{k: v for k, v in values.items() if k in known})

    @classmethod
    def from_yaml(cls, path: PathLike) -> "RunConfig":
        """Read a YAML config file; every error names the file."""
        values = load_yaml(path)
        try:
            return cls.from_dict(values)
        except (TypeError, ValueError) as error:
            raise type(error)(f"{path}: {error}") from None

    def replace(self, **changes: Any) -> "RunConfig":
        """A validated copy with ``changes`` (e.g. command-line overrides) applied."""
        return type(self).from_dict({**self.to_dict(), **changes})

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)


def _check_type(key: str, value: Any, kind: type) -> None:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"{key} must be {'an' if kind is int else 'a'} {kind.__name__}, "
                        f"got {type(value).__name__} {shorten(value)}")


def _criteria(value: Any, search_space: str) -> tuple:
    """The objectives of a config (text or a list), each metric one the space's benchmark reports."""
    if not isinstance(value, (str, list, tuple)):
        raise TypeError(f"objectives must be text like 'val,edgegpu_latency:min' or a list of "
                        f"{{metric, direction}}, got {type(value).__name__} {shorten(value)}")
    criteria = parse_criteria(value)
    known = METRICS.get("nasbench201" if search_space == "hw_nas_bench" else search_space)
    if known is None:
        raise ValueError(f"objectives apply to {', '.join(METRICS)}, not {search_space}")
    for criterion in criteria:
        if criterion.metric not in known:
            raise ValueError(f"objective {criterion.metric!r} is not a metric of {search_space}"
                             f"{did_you_mean(criterion.metric, known)}; known metrics: {', '.join(known)}")
    return criteria


__all__ = ["IGNORED_KEYS", "RunConfig", "load_yaml"]
