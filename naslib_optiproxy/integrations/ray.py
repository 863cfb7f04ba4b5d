"""Ray Tune search algorithm: OptiProxy (or any ask/tell optimizer here) proposes, Tune evaluates.

Every Tune trial is one architecture. :meth:`OptiProxySearcher.suggest` answers with the
next proposal of the optimizer (``{"arch": ..., "ops": [...], "topology": [...]}``), and
:meth:`OptiProxySearcher.on_trial_complete` tells it the trial's final ``metric``. Several
trials may run at once (wrap the searcher in ``ConcurrencyLimiter``): the optimizer is
asked again before earlier trials finish, and never proposes an architecture that is
running or already evaluated.

Example::

    from ray import tune
    from ray.tune.search import ConcurrencyLimiter
    from naslib_optiproxy import get_objective
    from naslib_optiproxy.integrations.ray import OptiProxySearcher

    objective = get_objective("nasbench_graph", "cora")

    def trainable(config):
        arch = objective.space.from_string(config["arch"])
        return {"val": objective(arch).value}

    searcher = OptiProxySearcher(objective.space, dataset=objective.dataset, metric="val", mode="max")
    tuner = tune.Tuner(trainable, tune_config=tune.TuneConfig(
        search_alg=ConcurrencyLimiter(searcher, max_concurrent=4), num_samples=100, metric="val", mode="max"))
    results = tuner.fit()

Several metrics (a front, ``docs/multiobjective.md``): ``metric=["val", "edgegpu_latency"],
mode=["max", "min"]`` (Ray's convention for multi-objective searchers) searches with OptiProxy
for fronts; :attr:`OptiProxySearcher.front` is then the non-dominated set of the completed trials.

Needs Ray Tune: ``pip install 'naslib-optiproxy[ray]'``. ``import naslib_optiproxy``
never imports Ray; only importing this module does.
"""

from __future__ import annotations

import json
import logging
import math
import os
import pickle
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch

try:
    from ray.tune.search import Searcher
except ImportError as error:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "naslib_optiproxy.integrations.ray needs Ray Tune, which is not installed "
        f"({error}); install it with: pip install 'naslib-optiproxy[ray]'"
    ) from error

from .._files import dumps, write_atomic
from .._text import shorten
from ..config import OptiProxyConfig, resolve_settings
from ..pareto import Criterion, parse_criteria
from ..spaces import SearchSpace, get_search_space
from ..strategies import OptiProxy, Strategy, make_strategy
from ..strategies.optiproxy_mo import OptiProxyMO
from ..study import Study
from ..types import Architecture

logger = logging.getLogger(__name__)

#: Written into every checkpoint; :meth:`OptiProxySearcher.restore` refuses other files.
CHECKPOINT_FORMAT = "naslib_optiproxy.integrations.ray.OptiProxySearcher"
#: Version 3: JSON, the study's stored trial records (replayed on restore). Version 2 (a
#: ``torch.save`` archive of the study's state) is still read.
CHECKPOINT_VERSION = 3


class OptiProxySearcher(Searcher):
    """A Ray Tune ``Searcher`` driven by a :class:`~naslib_optiproxy.study.Study` of this package.

    Args:
        space: The search space (a :class:`~naslib_optiproxy.spaces.SearchSpace` or its
            registry name, e.g. ``"nasbench201"``). May be ``None`` when ``optimizer`` is given.
        optimizer: Any :class:`~naslib_optiproxy.strategies.Strategy` (OptiProxy, RS, RE, LS).
            Default: ``OptiProxy(space, config, seed, dataset)``.
        config: :class:`~naslib_optiproxy.config.OptiProxyConfig` of the default OptiProxy, or a
            mapping of settings (flat keys) over the measured preset for the space and ``dataset``
            (as every door applies them: :func:`~naslib_optiproxy.config.resolve_settings`); not
            allowed together with ``optimizer``. ``None``: the preset itself.
        seed: Seed of the default OptiProxy.
        dataset: The benchmark's dataset, for the default OptiProxy's preset.
        metric: Key of the trial result to optimise (the trial's last reported result is used),
            or a list of two or more keys: a front search (``optimizer`` then searches fronts, e.g.
            ``make_strategy("nsga2", space, criteria=...)``; default OptiProxy for fronts).
        mode: ``"max"`` or ``"min"`` (a list of them, one per metric, with a list of metrics).
            With one metric the optimizers maximise, so in ``"min"`` mode they are told
            ``-result[metric]`` (``searcher.study.trials`` holds negated values; :attr:`best`
            reports the metric as the trial returned it).

    A trial that errors, or whose result lacks ``metric`` or holds NaN/inf, is told as a failed
    evaluation: its architecture is not proposed again and does not enter the proxy's fit.
    """

    def __init__(
        self,
        space: Union[SearchSpace, str, None] = None,
        optimizer: Optional[Strategy] = None,
        config: Union[OptiProxyConfig, Mapping[str, Any], None] = None,
        seed: int = 0,
        metric: Union[str, Sequence[str]] = "val",
        mode: Union[str, Sequence[str]] = "max",
        dataset: Optional[str] = None,
    ) -> None:
        criteria = _criteria(metric, mode)
        if criteria is not None:
            metric, mode = [c.metric for c in criteria], ["max" if c.maximise else "min" for c in criteria]
        if isinstance(space, str):
            space = get_search_space(space)
        if optimizer is not None:
            if not isinstance(optimizer, Strategy):
                raise TypeError(f"optimizer must be a naslib_optiproxy Strategy (OptiProxy, RandomSearch, ...), "
                                f"got {type(optimizer).__name__}")
            if config is not None:
                raise ValueError("config configures the default OptiProxy; pass either optimizer or config, not both")
            if space is not None and _space_id(space) != _space_id(optimizer.space):
                raise ValueError(f"the optimizer searches {optimizer.space!r}, not {space!r}")
            if criteria is None and getattr(optimizer, "criteria", None) is not None:
                raise ValueError(f"the optimizer searches a front of {_named(optimizer.criteria)}, the searcher one "
                                 f"metric {metric!r}: give the searcher the same metrics and modes (lists)")
        elif space is None:
            raise ValueError("pass the search space (or an optimizer built for it)")
        elif criteria is not None:
            optimizer = (OptiProxyMO(space, criteria, config, seed=seed, dataset=dataset)
                         if isinstance(config, OptiProxyConfig) or config is None
                         else make_strategy("optiproxy", space, seed, config, criteria=criteria, dataset=dataset))
        else:
            optimizer = OptiProxy(space, resolve_settings(space, dataset, False, config)[1], seed=seed)
        super().__init__(metric=metric, mode=mode)
        self.criteria: Optional[Tuple[Criterion, ...]] = criteria
        self.study = Study(optimizer, directions=criteria)  # ValueError: an optimizer built for other criteria
        self.space: SearchSpace = optimizer.space
        self._live: Dict[str, Architecture] = {}  # trial_id -> architecture suggested, not yet complete

    # ------------------------------------------------------------------ Tune API
    def set_search_properties(self, metric: Optional[str], mode: Optional[str], config: Dict, **spec: Any) -> bool:
        """Refuse a TuneConfig ``metric``/``mode`` that contradicts the searcher's own.

        Returns ``False``: the searcher defines the search space itself, so ``param_space``
        may only hold constants (merged into every trial's config by Tune).
        """
        if (metric and metric != self.metric) or (mode and mode != self.mode):
            raise ValueError(f"TuneConfig(metric={metric!r}, mode={mode!r}) contradicts "
                             f"OptiProxySearcher(metric={self.metric!r}, mode={self.mode!r}); make them agree")
        return False

    def suggest(self, trial_id: str) -> Optional[Dict[str, Any]]:
        """The next architecture for trial ``trial_id``: ``{"arch": str, "ops": [...], "topology": [...]}``.

        ``arch`` is the space's string (``space.from_string(config["arch"])`` decodes it);
        ``ops``/``topology`` are the integer encoding.
        """
        arch = self._live.get(trial_id)
        if arch is None:
            arch = self.study.ask()
            self._live[trial_id] = arch
        return self._config(arch)

    def on_trial_complete(self, trial_id: str, result: Optional[Dict] = None, error: bool = False) -> None:
        """Tell the optimizer the trial's ``result[metric]`` (a failed evaluation on error)."""
        arch = self._live.pop(trial_id, None)
        if arch is None:
            logger.warning("OptiProxySearcher: trial %s completed but was not suggested by this searcher; ignored",
                           trial_id)
            return
        metrics = self.metric if self.criteria is not None else [self.metric]
        values: Dict[str, float] = {}
        failure = "the Ray Tune trial raised an error" if error else None
        for metric in metrics if failure is None else ():
            values[metric], failure = _reported(result, metric)
            if failure:
                logger.warning("OptiProxySearcher: %s; counted as a failed evaluation", failure)
                break
        info: Dict[str, Any] = {"trial_id": str(trial_id)}
        if failure:
            info["error"] = failure
            self.study.tell(arch, None, **info)
        elif self.criteria is not None:
            self.study.tell(arch, values, **info)
        else:
            self.study.tell(arch, -values[self.metric] if self.mode == "min" else values[self.metric], **info)

    # ------------------------------------------------------------------ results
    @property
    def best(self) -> Optional[Dict[str, Any]]:
        """``{"arch", metric, "trial_id"}`` of the best completed trial (metric in the trial's own sign)."""
        if self.criteria is not None:
            raise RuntimeError(f"this searcher searches a front of {_named(self.criteria)}: use its front, not best")
        trial = self.study.best
        if trial is None:
            return None
        value = -trial.value if self.mode == "min" else trial.value
        return {"arch": self.space.to_string(trial.arch), self.metric: value, "trial_id": trial.info.get("trial_id")}

    @property
    def front(self) -> List[Dict[str, Any]]:
        """``{"arch", each metric, "trial_id"}`` of the completed trials on the front (a search of several metrics)."""
        if self.criteria is None:
            raise RuntimeError(f"this searcher optimises one metric ({self.metric!r}): use its best, not front")
        return [{"arch": self.space.to_string(t.arch), **{c.metric: t.info[c.metric] for c in self.criteria},
                 "trial_id": t.info.get("trial_id")} for t in self.study.best_trials]

    # ------------------------------------------------------------------ checkpoints
    def save(self, checkpoint_path: str) -> None:
        """Write the study's trial records and the running Tune trials to ``checkpoint_path`` (atomically).

        Tune calls this on every experiment checkpoint. The file is JSON: the storage's records
        (:meth:`BaseStorage.records <naslib_optiproxy.storage.BaseStorage.records>`, the format of
        a CLI run's journal lines, running trials included) and the optimizer's identity; no model
        weights, nothing that runs code when read.
        """
        strategy = self.study.strategy
        state = {
            "format": CHECKPOINT_FORMAT,
            "version": CHECKPOINT_VERSION,
            "optimizer_name": strategy.name,
            "search_space": self.space.name,
            "seed": strategy.seed,
            "settings": strategy.settings(),
            "metric": self.metric,
            "mode": self.mode,
            "trials": self.study.storage.records(),
            "live": [[str(tid), *a.to_lists()] for tid, a in self._live.items()],
        }
        write_atomic(os.fspath(checkpoint_path), (dumps(state) + "\n").encode("utf-8"))

    def restore(self, checkpoint_path: str) -> None:
        """Continue the search that :meth:`save` wrote: its records are replayed into this searcher's study.

        Replay asks the optimizer again in the recorded order of suggestions and results (nothing
        is evaluated), as a CLI ``--resume`` does with a run's journal. Trials that were running
        at save time are running again, so when Tune finishes them their results reach the
        optimizer; their architectures are not proposed again.

        Raises:
            ValueError: Not a searcher checkpoint (a version-2 ``torch.save`` file is read with
                ``weights_only=True``: anything but tensors and plain containers is refused unread);
                one written with another optimizer, seed, settings, metric or mode; or a searcher
                that has suggested trials already (restore into a new one).
        """
        path = os.fspath(checkpoint_path)
        state = _read_checkpoint(path)
        if (state.get("metric"), state.get("mode")) != (self.metric, self.mode):
            raise ValueError(f"{path} was written with metric={state.get('metric')!r}, mode={state.get('mode')!r}; "
                             f"this searcher has metric={self.metric!r}, mode={self.mode!r}")
        strategy = self.study.strategy
        if state.get("optimizer_name") != strategy.name:
            raise ValueError(f"{path} holds a {state.get('optimizer_name')!r} optimizer, "
                             f"this searcher runs {strategy.name!r}")
        try:
            records, seed, settings = _study_records(state)
            live = {str(tid): Architecture.from_lists((ops, topo)) for tid, ops, topo in state["live"]}
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{path} is a malformed OptiProxySearcher checkpoint: {error}") from None
        if seed is not None and seed != strategy.seed:
            raise ValueError(f"{path} was written by an optimizer with seed {shorten(seed)}; this searcher's has seed "
                             f"{strategy.seed}: build it with seed={shorten(seed)}")
        if settings is not None and _normal(settings) != _normal(strategy.settings()):
            raise ValueError(f"{path} was written by a {strategy.name} optimizer with other settings; build the "
                             f"searcher with the settings in the checkpoint's 'settings'")
        if self.study.storage.get_n_trials() or self._live:
            raise ValueError(f"restore continues a new searcher; this one has suggested trials already "
                             f"({self.study.storage.get_n_trials()}): build a new OptiProxySearcher (same optimizer "
                             f"and settings) and restore it")
        try:
            self.study.replay(records)
        except ValueError as error:
            raise ValueError(f"{path} is a malformed OptiProxySearcher checkpoint: {error}") from None
        self._live = live

    # ------------------------------------------------------------------ helpers
    def _config(self, arch: Architecture) -> Dict[str, Any]:
        return {"arch": self.space.to_string(arch), "ops": [int(o) for o in arch.ops],
                "topology": [int(t) for t in arch.topology]}

    def __repr__(self) -> str:
        return (f"OptiProxySearcher({self.space!r}, optimizer={self.study.strategy.name!r}, metric={self.metric!r}, "
                f"mode={self.mode!r}, evaluated={len(self.study.trials)}, running={len(self._live)})")


def _criteria(metric: Any, mode: Any) -> Optional[Tuple[Criterion, ...]]:
    """The criteria of a list of metrics and their modes (``None`` for one metric); ValueError if malformed."""
    if isinstance(metric, str):
        if not metric:
            raise ValueError("metric must be the name of a reported result key, got ''")
        if mode not in ("max", "min"):
            raise ValueError(f"mode must be 'max' or 'min', got {shorten(mode)}")
        return None
    if not isinstance(metric, (list, tuple)) or len(metric) < 2 or not all(isinstance(m, str) and m for m in metric):
        raise ValueError(f"metric must be the name of one reported result key, or a list of two or more, "
                         f"got {shorten(metric)}")
    if not isinstance(mode, (list, tuple)) or len(mode) != len(metric) or not all(m in ("max", "min") for m in mode):
        raise ValueError(f"with {len(metric)} metrics, mode must be a list of {len(metric)} 'max' or 'min', "
                         f"got {shorten(mode)}")
    return parse_criteria([f"{m}:{d}" for m, d in zip(metric, mode)])


def _named(criteria: Optional[Sequence[Criterion]]) -> str:
    return "one objective" if criteria is None else ", ".join(map(str, criteria))


def _reported(result: Optional[Mapping[str, Any]], metric: str) -> Tuple[Optional[float], Optional[str]]:
    """``(value, None)`` of a trial's finite ``result[metric]``, or ``(None, why it is not one)``."""
    if not result or metric not in result:
        return None, f"the trial's result has no {metric!r} (reported: {', '.join(map(str, result or {})) or 'nothing'})"
    try:
        value = float(result[metric])
    except (TypeError, ValueError, OverflowError):  # OverflowError: e.g. 10**400
        return None, f"result[{metric!r}] is not a float: {shorten(result[metric])}"
    if not math.isfinite(value):
        return None, f"non-finite {metric} {shorten(result[metric])}"
    return value, None


def _space_id(space: SearchSpace) -> Any:
    return type(space), space.name, tuple(space.op_names)


def _read_checkpoint(path: str) -> Dict[str, Any]:
    """The checkpoint's top-level dict: JSON (version 3), or a version-2 ``torch.save`` archive."""
    with open(path, "rb") as handle:
        data = handle.read()
    if data[:2] == b"PK":  # a zip: torch.save's archive (version 2)
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as error:
            raise ValueError(f"{path} is not an OptiProxySearcher checkpoint, or holds objects other than "
                             f"tensors and plain containers (refused, weights_only=True): {error}") from None
        except (RuntimeError, EOFError):
            state = None
    else:
        try:
            state = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            state = None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not an OptiProxySearcher checkpoint")
    if state.get("version") not in (2, CHECKPOINT_VERSION):
        raise ValueError(f"{path} has checkpoint version {shorten(state.get('version'))}; "
                         f"this naslib_optiproxy reads versions 2 and {CHECKPOINT_VERSION}")
    return state


def _study_records(state: Mapping[str, Any]) -> Tuple[List[Any], Any, Any]:
    """``(records, seed, settings)`` of a checkpoint; version 2's running trials become running records."""
    if state["version"] == CHECKPOINT_VERSION:
        return list(state["trials"]), state["seed"], state["settings"]
    study = state["study"]
    running = [{"encoding": list(a), "state": "running"} for a in study.get("running", [])]
    strategy = study["strategy"]
    return [*study["trials"], *running], strategy.get("seed"), strategy.get("settings")


def _normal(value: Any) -> Any:
    """``value`` as JSON reads it back (tuples as lists, strict types)."""
    return json.loads(dumps(value))


__all__ = ["OptiProxySearcher"]
