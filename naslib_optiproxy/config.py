"""OptiProxy hyperparameters: one flat dataclass, named after the paper's Tables 5 and 6.

A NASLib-style YAML config puts these keys under ``search:``. Unknown keys and wrong
types are refused with a message that names the key (and a close match).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
import re
import typing
from dataclasses import dataclass, fields
from typing import Any, Dict, Mapping, Optional

import numpy as np

from .proxies import PROXIES, FitSettings
from .search import SearchSettings

_FIT, _SEARCH = FitSettings(), SearchSettings()  # the paper's Tables 5 and 6: one source of defaults


@dataclass
class OptiProxyConfig:
    """Hyperparameters of OptiProxy-NAS (Algorithm 2 with Algorithm 1 inside).

    Loop (Algorithm 2):
        num_init: Random architectures evaluated before the first fit (``num_sample_init``).
        batch_size: B, architectures evaluated per step (``num_sample``).
        num_groups: K, independent (alpha, beta) groups (``parallel_batch``).
        candidates_per_group: Q/K, candidates drawn from each group per step.
        selection: ``proxy`` (top-B by predicted value) or ``random`` (ablation, paper Table 5).
        sampling: ``distribution`` (draw from alpha/beta) or ``uniform`` (ablation: random candidates).
        op_noise: Uniform noise added to op/choice probabilities when drawing candidates
            (the authors' release uses 0.3 on NB201; 0 samples the optimised distribution exactly).
        distinct_scores: Keep one candidate per distinct predicted score (the release's ``unique``).
    Proxy (Table 5):
        proxy: ``gcn`` or ``mlp``. gcn_hidden, gcn_layers, linear_size, dropout: model sizes.
        model_epochs, fit_lr, fit_weight_decay, fit_batch_size (None = full batch), fit_lr_gamma,
        fit_lr_step: AdamW fit with step-wise exponential LR decay.
        ranking_coe, margin: lambda and m of Eq. (4)-(5). warm_start: keep proxy weights between steps.
    Search (Table 6):
        search_epochs, lr_alpha, lr_beta, search_weight_decay, o_epochs, t_epochs, base_temp,
        min_temp, lr_gamma, lr_step, straight_through: see :class:`~naslib_optiproxy.search.SearchSettings`.
        lhs_lower, lhs_range, beta_lhs_lower, beta_lhs_range: LHS initialisation ranges of alpha, beta.
    Constraint (paper Sec. 3.2; used only when the objective reports a constraint, see
    :mod:`~naslib_optiproxy.constraints`):
        constraint_weight: Initial weight of the predicted violation in the search objective.
        constraint_target: Feasible fraction of new evaluations the weight adapts towards.
        constraint_rate: Adaptation speed: the weight is multiplied by ``exp(rate * (target - fraction))``.
        constraint_log: Model the log of a positive constrained metric (latency, energy).
    """

    num_init: int = 10
    batch_size: int = 10
    num_groups: int = 5
    candidates_per_group: int = 80
    selection: str = "proxy"
    sampling: str = "distribution"
    op_noise: float = 0.3
    distinct_scores: bool = True

    proxy: str = "gcn"
    gcn_hidden: int = 144
    gcn_layers: int = 2
    linear_size: int = 144
    dropout: float = 0.0
    model_epochs: int = _FIT.epochs
    fit_lr: float = _FIT.lr
    fit_weight_decay: float = _FIT.weight_decay
    fit_batch_size: Optional[int] = _FIT.batch_size
    fit_lr_gamma: float = _FIT.lr_gamma
    fit_lr_step: int = _FIT.lr_step
    ranking_coe: float = _FIT.rank_weight
    margin: float = _FIT.rank_margin
    warm_start: bool = True

    search_epochs: int = _SEARCH.epochs
    lr_alpha: float = _SEARCH.lr_alpha
    lr_beta: float = _SEARCH.lr_beta
    search_weight_decay: float = _SEARCH.weight_decay
    o_epochs: int = _SEARCH.o_epochs
    t_epochs: int = _SEARCH.t_epochs
    base_temp: float = _SEARCH.base_temp
    min_temp: float = _SEARCH.min_temp
    lr_gamma: float = _SEARCH.lr_gamma
    lr_step: int = _SEARCH.lr_step
    straight_through: bool = _SEARCH.straight_through
    lhs_lower: float = 0.9
    lhs_range: float = 0.1
    beta_lhs_lower: float = -0.5
    beta_lhs_range: float = 1.0
    constraint_weight: float = 1.0
    constraint_target: float = 0.7
    constraint_rate: float = 1.0
    constraint_log: bool = True

    def __post_init__(self) -> None:
        hints = _type_hints()
        for f in fields(self):  # the constructor gets the same type checks as from_dict
            setattr(self, f.name, _coerce(f.name, getattr(self, f.name), hints[f.name]))
        positive = ["num_init", "batch_size", "num_groups", "candidates_per_group", "gcn_hidden",
                    "gcn_layers", "linear_size", "fit_lr", "base_temp", "min_temp", "constraint_weight"]
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f"search.{name} must be > 0, got {getattr(self, name)}")
        for name in ["model_epochs", "search_epochs", "o_epochs", "t_epochs", "lr_step", "fit_lr_step",
                     "op_noise", "ranking_coe", "margin", "lr_alpha", "lr_beta", "dropout",
                     "fit_weight_decay", "search_weight_decay", "lhs_range", "beta_lhs_range", "constraint_rate"]:
            if getattr(self, name) < 0:
                raise ValueError(f"search.{name} must be >= 0, got {getattr(self, name)}")
        if not 0 <= self.constraint_target <= 1:
            raise ValueError(f"search.constraint_target must be a feasible fraction in [0, 1], got {self.constraint_target}")
        for name in ["fit_lr_gamma", "lr_gamma"]:
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"search.{name} must be in (0, 1], got {getattr(self, name)}")
        if self.min_temp > self.base_temp:
            raise ValueError(f"search.min_temp ({self.min_temp}) must not exceed base_temp ({self.base_temp})")
        if self.fit_batch_size is not None and self.fit_batch_size <= 0:
            raise ValueError(f"search.fit_batch_size must be > 0 or null (full batch), got {self.fit_batch_size}")
        choices = {"selection": ("proxy", "random"), "sampling": ("distribution", "uniform"), "proxy": PROXIES}
        for name, allowed in choices.items():
            value = getattr(self, name)
            if value not in allowed:
                from .spaces import did_you_mean

                raise ValueError(f"search.{name} must be one of {', '.join(allowed)}, got {value!r}"
                                 f"{did_you_mean(value, allowed)}")

    def check_budget(self, budget: int) -> None:
        """Refuse a run ``budget`` smaller than ``num_init`` (the proxy would never be fitted).

        A run config calls this with its total budget. :meth:`Optimizer.optimize
        <naslib_optiproxy.strategies.Optimizer.optimize>` does not: there ``budget`` may be
        one increment of a longer ask/tell run.
        """
        if budget < self.num_init:
            raise ValueError(
                f"budget {budget} is smaller than search.num_init {self.num_init} (the random architectures "
                f"OptiProxy evaluates before its proxy proposes any); raise the budget above {self.num_init} "
                f"or lower search.num_init")

    @classmethod
    def from_dict(cls, values: Optional[Mapping[str, Any]] = None, **overrides: Any) -> "OptiProxyConfig":
        """Build from a mapping (e.g. a YAML ``search:`` section), checking names and types."""
        from .spaces import did_you_mean

        merged = {**(values or {}), **overrides}
        known = {f.name: f for f in fields(cls)}
        hints = _type_hints()
        kwargs: Dict[str, Any] = {}
        for key, value in merged.items():
            if key not in known:
                hint = _misplaced_key_hint(key) or did_you_mean(key, known)
                raise ValueError(f"unknown OptiProxy setting search.{key}{hint}; "
                                 f"known settings: {', '.join(known)}")
            kwargs[key] = _coerce(key, value, hints[key])
        return cls(**kwargs)

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)

    def fit_settings(self) -> FitSettings:
        return FitSettings(self.model_epochs, self.fit_lr, self.fit_weight_decay, self.fit_batch_size,
                           self.fit_lr_gamma, self.fit_lr_step, self.ranking_coe, self.margin)

    def search_settings(self) -> SearchSettings:
        return SearchSettings(self.search_epochs, self.lr_alpha, self.lr_beta, self.search_weight_decay,
                              self.o_epochs, self.t_epochs, self.base_temp, self.min_temp, self.lr_gamma,
                              self.lr_step, self.straight_through)


@functools.lru_cache(maxsize=1)
def _type_hints() -> Dict[str, Any]:
    return typing.get_type_hints(OptiProxyConfig)


#: Keys NASLib configs put under ``search:`` that mean something else here.
_NASLIB_SEARCH_KEYS = {
    "epochs": "NASLib's search.epochs, the number of architectures to evaluate, is the top-level budget here",
}


def _misplaced_key_hint(key: str) -> str:
    """A ' (...)' hint for a top-level run key or a NASLib key put under ``search:``, or ''."""
    if key in _NASLIB_SEARCH_KEYS:
        return f" ({_NASLIB_SEARCH_KEYS[key]})"
    from .run_config import RunConfig  # late: run_config imports this module

    if key in {f.name for f in fields(RunConfig)} and key != "search":
        return f" ({key} is a top-level config key: move it out of search:)"
    return ""


def number_string_hint(value: Any) -> str:
    """A hint when a number arrived as a string (quoted, or ``1e-3`` in YAML), else ''.

    YAML 1.1 (PyYAML) reads ``1e-3`` and ``1.0e3`` as strings: a float needs a dot and a
    signed exponent (``1.0e-3``), or plain notation (``0.001``).
    """
    if not isinstance(value, str):
        return ""
    try:
        number = float(value)
    except ValueError:
        return ""
    if not math.isfinite(number):
        return ""
    plain = str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
    if "e" in plain:
        plain = f"{number:e}"  # 1.000000e-08: a dot and a signed exponent, which YAML reads as a float
    if "e" in value.lower() and not re.fullmatch(r"[-+]?[0-9]*\.[0-9]*[eE][-+][0-9]+", value.strip()):
        return f" (YAML reads {value!r} as text; write {plain})"
    return f" (a number given as text: write {plain} without quotes)"


def _coerce(key: str, value: Any, hint: Any) -> Any:
    """Check a value against the field's type (ints accepted for floats, numpy scalars for Python's)."""
    optional = typing.get_origin(hint) is typing.Union and type(None) in typing.get_args(hint)
    if optional:
        if value is None:
            return None
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    is_bool = isinstance(value, (bool, np.bool_))
    ok = {
        bool: is_bool,
        int: isinstance(value, numbers.Integral) and not is_bool,
        float: isinstance(value, numbers.Real) and not is_bool,
        str: isinstance(value, str),
    }.get(hint, True)
    if not ok:
        got = "null (a key without a value in YAML)" if value is None else f"{type(value).__name__} {value!r}"
        raise TypeError(f"search.{key} must be {'null or ' if optional else ''}{hint.__name__}, "
                        f"got {got}{number_string_hint(value)}")
    return hint(value) if hint in (bool, int, float) else value
