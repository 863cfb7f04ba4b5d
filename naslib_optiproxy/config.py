"""OptiProxy hyperparameters: one flat dataclass, named after the paper's Tables 5 and 6.

A NASLib-style YAML config puts these keys under ``search:``. Unknown keys and wrong
types are refused with a message that names the key (and a close match).
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, fields
from typing import Any, Dict, Mapping, Optional

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

    def __post_init__(self) -> None:
        positive = ["num_init", "batch_size", "num_groups", "candidates_per_group", "gcn_hidden",
                    "gcn_layers", "linear_size", "fit_lr", "base_temp", "min_temp"]
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f"search.{name} must be > 0, got {getattr(self, name)}")
        for name in ["model_epochs", "search_epochs", "o_epochs", "t_epochs", "lr_step", "fit_lr_step",
                     "op_noise", "ranking_coe", "margin", "lr_alpha", "lr_beta", "dropout",
                     "fit_weight_decay", "search_weight_decay", "lhs_range", "beta_lhs_range"]:
            if getattr(self, name) < 0:
                raise ValueError(f"search.{name} must be >= 0, got {getattr(self, name)}")
        for name in ["fit_lr_gamma", "lr_gamma"]:
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"search.{name} must be in (0, 1], got {getattr(self, name)}")
        if self.min_temp > self.base_temp:
            raise ValueError(f"search.min_temp ({self.min_temp}) must not exceed base_temp ({self.base_temp})")
        if self.fit_batch_size is not None and self.fit_batch_size <= 0:
            raise ValueError(f"search.fit_batch_size must be > 0 or null (full batch), got {self.fit_batch_size}")
        choices = {"selection": ("proxy", "random"), "sampling": ("distribution", "uniform"), "proxy": PROXIES}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"search.{name} must be one of {allowed}, got {getattr(self, name)!r}")

    @classmethod
    def from_dict(cls, values: Optional[Mapping[str, Any]] = None, **overrides: Any) -> "OptiProxyConfig":
        """Build from a mapping (e.g. a YAML ``search:`` section), checking names and types."""
        from .spaces import did_you_mean

        merged = {**(values or {}), **overrides}
        known = {f.name: f for f in fields(cls)}
        hints = typing.get_type_hints(cls)
        kwargs: Dict[str, Any] = {}
        for key, value in merged.items():
            if key not in known:
                raise ValueError(f"unknown OptiProxy setting search.{key}{did_you_mean(key, known)}; "
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


def _coerce(key: str, value: Any, hint: Any) -> Any:
    """Check a YAML value against the field's type (ints accepted for floats)."""
    optional = typing.get_origin(hint) is typing.Union and type(None) in typing.get_args(hint)
    if optional:
        if value is None:
            return None
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    ok = {
        bool: isinstance(value, bool),
        int: isinstance(value, int) and not isinstance(value, bool),
        float: isinstance(value, (int, float)) and not isinstance(value, bool),
        str: isinstance(value, str),
    }.get(hint, True)
    if not ok:
        raise TypeError(f"search.{key} must be {'null or ' if optional else ''}{hint.__name__}, "
                        f"got {type(value).__name__} {value!r}")
    return float(value) if hint is float else value
