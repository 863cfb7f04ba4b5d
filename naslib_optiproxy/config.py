"""OptiProxy's hyperparameters: one config composed of the settings of each part of the method.

:class:`OptiProxyConfig` holds one settings object per part, each declared where the part
lives, each field with the flat name of the paper's Tables 5 and 6 that a YAML ``search:``
section uses:

============  ===========================================  ==============================
section       what                                         declared in
============  ===========================================  ==============================
``loop``      Algorithm 2: initial design, B, K, Q/K, ...  :class:`LoopSettings` (here)
``model``     the proxy model (A.4)                        :class:`~naslib_optiproxy.proxies.ProxySettings`
``fit``       fitting the proxy (Table 5)                  :class:`~naslib_optiproxy.proxies.FitSettings`
``search``    Algorithm 1, gradient search (Table 6)       :class:`~naslib_optiproxy.search.SearchSettings`
``constraint``  the penalty of a constraint (Sec. 3.2)     :class:`~naslib_optiproxy.constraints.ConstraintSettings`
============  ===========================================  ==============================

Measured presets per search space and dataset (:mod:`~naslib_optiproxy.presets`) are what
every door uses when no config is given, through one function, :func:`resolve_settings`
(:meth:`OptiProxyConfig.preset` is its config half).

Example:
    >>> config = OptiProxyConfig.preset("nasbench201", "cifar10")
    >>> config.batch_size, config.fit.epochs, config.model.hidden
    (5, 100, 64)
    >>> config.replace(batch_size=10).loop.batch_size
    10
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Dict, Mapping, Optional, Tuple, Union

from ._settings import key_of, setting, validate
from ._text import did_you_mean, shorten
from .datasets import canonical_dataset
from .constraints import ConstraintSettings
from .presets import preset_settings
from .proxies import FitSettings, ProxySettings
from .search import SearchSettings


@dataclass
class LoopSettings:
    """Algorithm 2 and the (alpha, beta) groups (Sec. 2.4), with their config keys.

    ``op_noise``: uniform noise added to op/choice probabilities when drawing candidates
    (the authors' release uses 0.3 on NB201; 0 samples the optimised distribution exactly).
    ``distinct_scores``: keep one candidate per distinct predicted score (the release's ``unique``).
    ``selection``/``sampling`` ``random``/``uniform`` are the ablations of the paper's Table 5.
    ``selection`` ``ei`` (not in the paper): ``ensemble_size`` proxies are fitted, the strategy's own and
    more from other initialisations (:class:`~naslib_optiproxy.proxies.ensemble.ProxyEnsemble`), and the
    B candidates of highest expected improvement over the best evaluated value, with the members' mean
    and spread, are chosen; the gradient search still goes through the first. ``ei_slots`` > 0 splits
    the batch: the first proxy's best candidates fill B - ``ei_slots`` slots, as with ``proxy``, and
    expected improvement the rest. ``ei_scope`` ``local`` lets expected improvement rank only the
    incumbents' neighbours (``local_candidates``), where the members' spread does not grow with the
    distance from the evaluated cells (``docs/nasbench_graph_study.md``, part 7). ``ei_model`` ``gp``
    takes the mean and spread from a GP on the compact encodings
    (:class:`~naslib_optiproxy.proxies.categorical_gp.CategoricalGP`) instead of the ensemble (part 8).
    ``ei_when_stalled`` S > 0 (with ``proxy``): the steps where the last S x B evaluations did not beat the
    best before them select by expected improvement as ``ei`` does, the others by the proxy (part 9).
    ``local_candidates``: the one-edit neighbours (:meth:`SearchSpace.neighbours`) of this many best
    evaluated architectures join the (alpha, beta) draws before the proxy selects (not in the paper;
    0 keeps its pool). Where the proxy cannot rank the best cells apart, this lets it refine around
    them as local search does (``docs/nasbench_graph_study.md``).
    ``climb_moves`` M > 0: before the selection, each of the proxy's B best candidates and each of the
    ``local_candidates`` best trials climbs up to M one-edit moves uphill on the proxy's (penalised)
    prediction among unseen valid neighbours, and every cell it reaches joins the pool: a search of the
    prediction over the whole space, as Optuna's GP sampler searches its acquisition coordinate-wise
    (not in the paper; part 10 of ``docs/nasbench_graph_study.md``).
    ``restart_stale``: redraw a group (alpha, beta afresh in the LHS ranges, AdamW moments zeroed)
    once its most likely architecture was already evaluated at this many consecutive steps (not in
    the paper; 0 never restarts).
    """

    section: ClassVar[str] = "loop"  # its part of OptiProxyConfig (config.loop)

    num_init: int = setting(10, "num_init", above=0, high=100_000, doc="random architectures before the first fit")
    batch_size: int = setting(10, "batch_size", above=0, high=100_000, doc="B, evaluated per step")
    num_groups: int = setting(5, "num_groups", above=0, high=1_000, doc="K, (alpha, beta) groups")
    candidates_per_group: int = setting(80, "candidates_per_group", above=0, high=100_000,
                                        doc="Q/K, candidates drawn from each group per step")
    selection: str = setting("proxy", "selection", choices=("proxy", "ei", "random"),
                             doc="how the B are chosen: the proxy's best candidates, the highest expected "
                                 "improvement of an ensemble of proxies (ensemble_size), or random ones (ablation)")
    ensemble_size: int = setting(5, "ensemble_size", low=2, high=32,
                                 doc="proxies fitted for selection 'ei' (the first drives the gradient search)")
    ei_slots: int = setting(0, "ei_slots", low=0, high=100_000,
                            doc="with selection 'ei', the batch slots filled by expected improvement after the "
                                "others took the first proxy's best candidates (0: every slot)")
    ei_scope: str = setting("all", "ei_scope", choices=("all", "local"),
                            doc="with selection 'ei', the candidates expected improvement ranks: all of them, or only "
                                "the one-edit neighbours of the local_candidates best trials")
    ei_model: str = setting("ensemble", "ei_model", choices=("ensemble", "gp"),
                            doc="with selection 'ei', the mean and spread of expected improvement: the ensemble of "
                                "proxies, or a GP with one length scale per op/topology slot")
    ei_when_stalled: int = setting(0, "ei_when_stalled", low=0, high=1_000,
                                   doc="with selection 'proxy', select by expected improvement (ei_model, ei_slots, "
                                       "ei_scope) at the steps where this many steps' evaluations did not beat the best "
                                       "before them (0: never)")
    sampling: str = setting("distribution", "sampling", choices=("distribution", "uniform"),
                            doc="where candidates come from: the (alpha, beta) groups, or uniform draws (ablation)")
    op_noise: float = setting(0.3, "op_noise", low=0, doc="uniform noise added to op/choice probabilities when drawing")
    distinct_scores: bool = setting(True, "distinct_scores", doc="keep one candidate per distinct predicted score")
    local_candidates: int = setting(0, "local_candidates", low=0, high=1_000,
                                    doc="best evaluated architectures whose one-edit neighbours join the pool")
    climb_moves: int = setting(0, "climb_moves", low=0, high=100,
                               doc="one-edit moves uphill on the proxy from its best candidates and the best trials "
                                   "before the selection (0: none)")
    restart_stale: int = setting(0, "restart_stale", low=0, high=1_000,
                                 doc="redraw a group whose most likely architecture was already evaluated at this "
                                     "many consecutive steps (0: never)")
    lhs_lower: float = setting(0.9, "lhs_lower", doc="LHS initialisation of alpha: lower end")
    lhs_range: float = setting(0.1, "lhs_range", low=0, doc="LHS initialisation of alpha: width of the range")
    beta_lhs_lower: float = setting(-0.5, "beta_lhs_lower", doc="LHS initialisation of beta: lower end")
    beta_lhs_range: float = setting(1.0, "beta_lhs_range", low=0, doc="LHS initialisation of beta: width of the range")

    def __post_init__(self) -> None:
        validate(self)
        if self.ei_scope == "local" and not self.local_candidates:
            raise ValueError("search.ei_scope 'local' ranks the one-edit neighbours of the local_candidates best "
                             "trials, and local_candidates is 0; set local_candidates (e.g. 5) or ei_scope 'all'")
        if self.ei_when_stalled and self.selection != "proxy":
            raise ValueError(f"search.ei_when_stalled switches selection 'proxy' to expected improvement when the search "
                             f"stalls; with selection {self.selection!r} set it to 0 (or use selection 'proxy')")
        if self.climb_moves and self.selection == "random":
            raise ValueError("search.climb_moves climbs on the proxy's prediction, and selection 'random' chooses "
                             "without it; set climb_moves to 0 (or use selection 'proxy')")
        drawn = self.num_groups * self.candidates_per_group
        if drawn > MAX_CANDIDATES:
            raise ValueError(f"search.num_groups x search.candidates_per_group = {drawn:,} candidates per step would be "
                             f"encoded and scored at once (about {drawn * 8 * 8 * 4 * 3 / 2**30:.1f} GiB for an NB201 "
                             f"cell); keep it at most {MAX_CANDIDATES:,}")


#: Candidates drawn per step, at most (they are encoded and scored in one batch).
MAX_CANDIDATES = 200_000

#: section name -> settings class, in the order of :meth:`OptiProxyConfig.to_dict`.
SECTIONS: Dict[str, type] = {cls.section: cls for cls in (LoopSettings, ProxySettings, FitSettings, SearchSettings,
                                                           ConstraintSettings)}
#: flat config key -> (section, field name); derived from the sections' declarations.
KEYS: Dict[str, Tuple[str, str]] = {key_of(f): (section, f.name) for section, cls in SECTIONS.items()
                                    for f in fields(cls)}

#: Keys NASLib configs put under ``search:`` that mean something else here.
_NASLIB_SEARCH_KEYS = {
    "epochs": "NASLib's search.epochs, the number of architectures to evaluate, is the top-level budget here",
}
#: Top-level keys of a run config (for a hint when one lands under ``search:``).
RUN_KEYS = ("search_space", "dataset", "optimizer", "seed", "budget", "data_dir", "out_dir",
            "max_consecutive_failures", "constraint", "fidelity", "objectives")


@dataclass(init=False)
class OptiProxyConfig:
    """Hyperparameters of OptiProxy-NAS (Algorithm 2 with Algorithm 1 inside).

    Build it from sections, from flat keys, or both (flat keys win)::

        OptiProxyConfig(batch_size=5, model_epochs=100)
        OptiProxyConfig(fit=FitSettings(epochs=100))

    Flat keys read back as attributes (``config.batch_size``); the sections are the
    objects the engine uses (``config.loop``, ``config.model``, ``config.fit``, ``config.search``,
    ``config.constraint``). Every key, its default
    and its bounds: ``python -c "from naslib_optiproxy import OptiProxyConfig; print(OptiProxyConfig().to_dict())"``
    and the section classes.
    """

    loop: LoopSettings
    model: ProxySettings
    fit: FitSettings
    search: SearchSettings
    constraint: ConstraintSettings

    def __init__(self, loop: Optional[LoopSettings] = None, model: Optional[ProxySettings] = None,
                 fit: Optional[FitSettings] = None, search: Optional[SearchSettings] = None,
                 constraint: Optional[ConstraintSettings] = None, **flat: Any) -> None:
        given = {"loop": loop, "model": model, "fit": fit, "search": search, "constraint": constraint}
        per_section: Dict[str, Dict[str, Any]] = {name: {} for name in SECTIONS}
        for key, value in flat.items():
            section, name = _locate(key)
            per_section[section][name] = value
        for section, cls in SECTIONS.items():
            base = given[section]
            if base is not None and not isinstance(base, cls):
                raise TypeError(f"{section} must be a {cls.__name__}, got {type(base).__name__}")
            changes = per_section[section]
            value = (dataclasses.replace(base, **changes) if changes else base) if base is not None else cls(**changes)
            object.__setattr__(self, section, value)

    def __getattr__(self, key: str) -> Any:
        """Flat keys read through to their section (``config.batch_size`` is ``config.loop.batch_size``)."""
        if key.startswith("_") or key not in KEYS:
            raise AttributeError(f"{type(self).__name__} has no attribute {key!r}{did_you_mean(key, KEYS)}")
        section, name = KEYS[key]
        return getattr(self.__dict__[section], name)

    # ------------------------------------------------------------- building
    @classmethod
    def from_dict(cls, values: Optional[Mapping[str, Any]] = None, **overrides: Any) -> "OptiProxyConfig":
        """Build from flat keys (e.g. a YAML ``search:`` section), checking names and types."""
        return cls(**{**(values or {}), **overrides})

    @classmethod
    def preset(cls, space: Any, dataset: Optional[str] = None, constrained: bool = False,
               **overrides: Any) -> "OptiProxyConfig":
        """The measured settings for a search space (a codec or its name) and dataset, with ``overrides``.

        ``dataset=None`` takes the codec's own dataset where it has one (NAS-Bench-Graph),
        else the space's default (:data:`~naslib_optiproxy.datasets.DEFAULT_DATASETS`).
        ``constrained``: a resource-constrained search (e.g. HW-NAS-Bench latency), which on
        NAS-Bench-201 has its own preset. ``overrides``: flat keys on top. The numbers behind each
        preset are in ``docs/results.md``. The config half of :func:`resolve_settings`.
        """
        return resolve_settings(space, dataset, constrained, overrides)[1]

    def replace(self, **flat: Any) -> "OptiProxyConfig":
        """A copy with flat keys changed (validated)."""
        sections = {name: self.__dict__[name] for name in SECTIONS}
        return type(self)(**sections, **flat)

    def to_dict(self) -> Dict[str, Any]:
        """Every setting by its flat key (the YAML ``search:`` form)."""
        return {key: getattr(self.__dict__[section], name) for key, (section, name) in KEYS.items()}

    def check_budget(self, budget: int) -> None:
        """Refuse a run ``budget`` smaller than ``num_init`` (the proxy would never be fitted)."""
        if budget < self.loop.num_init:
            n = self.loop.num_init
            raise ValueError(
                f"budget {budget} is smaller than search.num_init {n} (the random architectures "
                f"OptiProxy evaluates before its proxy proposes any); raise the budget above {n} "
                f"or lower search.num_init")


def resolve_settings(search_space: Any, dataset: Optional[str] = None, constrained: bool = False,
                     overrides: Union[None, "OptiProxyConfig", Mapping[str, Any]] = None
                     ) -> Tuple[Optional[str], "OptiProxyConfig"]:
    """The canonical dataset and OptiProxy's settings for a run: the one place presets are resolved.

    Every door calls it (``OptiProxy(space)``, :func:`~naslib_optiproxy.run.run_search`, the CLI's run
    config, ``compare``'s checks and job keys, the NASLib plugin, the Ray searcher), so each resolves
    ``imagenet16`` and ``ImageNet16-120`` alike.

    Args:
        search_space: A codec or its registry name (a codec's own dataset is used when ``dataset`` is None).
        dataset: Any spelling of the dataset (:func:`~naslib_optiproxy.datasets.canonical_dataset`);
            ``None``: the space's default.
        constrained: A resource-constrained search (its preset may differ: HW-NAS-Bench on NAS-Bench-201).
        overrides: Flat keys over the measured preset, or a whole :class:`OptiProxyConfig` (taken as is).

    Raises:
        ValueError: An unknown dataset or setting, or a bad value.
    """
    name = search_space if isinstance(search_space, str) else getattr(search_space, "name", str(search_space))
    if dataset is None and not isinstance(search_space, str):
        dataset = getattr(search_space, "dataset", None)
    dataset = canonical_dataset(name, dataset)
    if isinstance(overrides, OptiProxyConfig):
        return dataset, overrides
    return dataset, OptiProxyConfig(**{**preset_settings(name, dataset, constrained), **dict(overrides or {})})


def _locate(key: Any) -> Tuple[str, str]:
    """``(section, field)`` of a flat key; ValueError with a hint for an unknown one."""
    if key in KEYS:
        return KEYS[key]
    if key in _NASLIB_SEARCH_KEYS:
        hint = f" ({_NASLIB_SEARCH_KEYS[key]})"
    elif key in RUN_KEYS:
        hint = f" ({key} is a top-level config key: move it out of search:)"
    else:
        hint = did_you_mean(key, KEYS)
    raise ValueError(f"unknown OptiProxy setting search.{shorten(key) if not isinstance(key, str) else key[:80]}"
                     f"{hint}; known settings: {', '.join(KEYS)}")


__all__ = ["KEYS", "LoopSettings", "OptiProxyConfig", "SECTIONS", "resolve_settings"]
