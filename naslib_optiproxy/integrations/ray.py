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

Needs Ray Tune: ``pip install 'naslib-optiproxy[ray]'``. ``import naslib_optiproxy``
never imports Ray; only importing this module does.
"""

from __future__ import annotations

import logging
import math
import os
import pickle
from typing import Any, Dict, Mapping, Optional, Union

import torch

try:
    from ray.tune.search import Searcher
except ImportError as error:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "naslib_optiproxy.integrations.ray needs Ray Tune, which is not installed "
        f"({error}); install it with: pip install 'naslib-optiproxy[ray]'"
    ) from error

from .._text import shorten
from ..config import OptiProxyConfig, resolve_settings
from ..spaces import SearchSpace, get_search_space
from ..strategies import OptiProxy, Strategy
from ..study import Study
from ..types import Architecture

logger = logging.getLogger(__name__)

#: Written into every checkpoint; :meth:`OptiProxySearcher.restore` refuses other files.
CHECKPOINT_FORMAT = "naslib_optiproxy.integrations.ray.OptiProxySearcher"
CHECKPOINT_VERSION = 2


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
        metric: Key of the trial result to optimise (the trial's last reported result is used).
        mode: ``"max"`` or ``"min"``. The optimizers always maximise, so in ``"min"`` mode
            they are told ``-result[metric]`` (``searcher.study.trials`` holds negated
            values; :attr:`best` reports the metric as the trial returned it).

    A trial that errors, or whose result lacks ``metric`` or holds NaN/inf, is told as a failed
    evaluation: its architecture is not proposed again and does not enter the proxy's fit.
    """

    def __init__(
        self,
        space: Union[SearchSpace, str, None] = None,
        optimizer: Optional[Strategy] = None,
        config: Union[OptiProxyConfig, Mapping[str, Any], None] = None,
        seed: int = 0,
        metric: str = "val",
        mode: str = "max",
        dataset: Optional[str] = None,
    ) -> None:
        if mode not in ("max", "min"):
            raise ValueError(f"mode must be 'max' or 'min', got {mode!r}")
        if not isinstance(metric, str) or not metric:
            raise ValueError(f"metric must be the name of one reported result key, got {metric!r}")
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
        else:
            if space is None:
                raise ValueError("pass the search space (or an optimizer built for it)")
            optimizer = OptiProxy(space, resolve_settings(space, dataset, False, config)[1], seed=seed)
        super().__init__(metric=metric, mode=mode)
        self.study = Study(optimizer)
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
        value, failure = None, None
        if error:
            failure = "the Ray Tune trial raised an error"
        elif not result or self.metric not in result:
            failure = (f"the trial's result has no {self.metric!r} "
                       f"(reported: {', '.join(map(str, result or {})) or 'nothing'})")
            logger.warning("OptiProxySearcher: %s; counted as a failed evaluation", failure)
        else:
            try:
                value = float(result[self.metric])
            except (TypeError, ValueError, OverflowError):  # OverflowError: e.g. 10**400
                failure = f"result[{self.metric!r}] is not a float: {shorten(result[self.metric])}"
            else:
                if not math.isfinite(value):
                    value, failure = None, f"non-finite {self.metric} {shorten(result[self.metric])}"
                elif self.mode == "min":
                    value = -value
        info: Dict[str, Any] = {"trial_id": str(trial_id)}
        if failure:
            info["error"] = failure
        self.study.tell(arch, value, **info)

    # ------------------------------------------------------------------ results
    @property
    def best(self) -> Optional[Dict[str, Any]]:
        """``{"arch", metric, "trial_id"}`` of the best completed trial (metric in the trial's own sign)."""
        trial = self.study.best
        if trial is None:
            return None
        value = -trial.value if self.mode == "min" else trial.value
        return {"arch": self.space.to_string(trial.arch), self.metric: value, "trial_id": trial.info.get("trial_id")}

    # ------------------------------------------------------------------ checkpoints
    def save(self, checkpoint_path: str) -> None:
        """Write the optimizer's state and the running trials to ``checkpoint_path`` (atomically).

        Tune calls this on every experiment checkpoint. The file is written with ``torch.save``
        and holds only tensors and plain containers (dicts, lists, str, numbers), so
        :meth:`restore` reads it with ``torch.load(weights_only=True)``, which cannot run code.
        """
        state = {
            "format": CHECKPOINT_FORMAT,
            "version": CHECKPOINT_VERSION,
            "optimizer_name": self.study.strategy.name,
            "metric": self.metric,
            "mode": self.mode,
            "study": self.study.state_dict(),
            "live": [[str(tid), *a.to_lists()] for tid, a in self._live.items()],
        }
        path = os.fspath(checkpoint_path)
        tmp = f"{path}.tmp-{os.getpid()}"
        torch.save(state, tmp)
        os.replace(tmp, path)

    def restore(self, checkpoint_path: str) -> None:
        """Load what :meth:`save` wrote; the searcher must be built with the same optimizer and config.

        Trials that were running at save time stay known, so when Tune resumes and finishes
        them, their results reach the optimizer; their architectures are not proposed again.

        Raises:
            ValueError: Not a searcher checkpoint, a file with anything but tensors and plain
                containers (refused unread by ``weights_only=True``), or one written with
                another optimizer, config, metric or mode.
        """
        try:
            state = torch.load(os.fspath(checkpoint_path), map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as error:
            raise ValueError(f"{checkpoint_path} is not an OptiProxySearcher checkpoint, or holds objects other "
                             f"than tensors and plain containers (refused, weights_only=True): {error}") from None
        if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"{checkpoint_path} is not an OptiProxySearcher checkpoint")
        if state.get("version") != CHECKPOINT_VERSION:
            raise ValueError(f"{checkpoint_path} has checkpoint version {state.get('version')!r}; "
                             f"this naslib_optiproxy reads version {CHECKPOINT_VERSION}")
        if (state["metric"], state["mode"]) != (self.metric, self.mode):
            raise ValueError(f"{checkpoint_path} was written with metric={state['metric']!r}, mode={state['mode']!r}; "
                             f"this searcher has metric={self.metric!r}, mode={self.mode!r}")
        if state.get("optimizer_name") != self.study.strategy.name:
            raise ValueError(f"{checkpoint_path} holds a {state.get('optimizer_name')!r} optimizer, "
                             f"this searcher runs {self.study.strategy.name!r}")
        try:
            live = {str(tid): Architecture.from_lists((ops, topo)) for tid, ops, topo in state["live"]}
            self.study.load_state_dict(state["study"])  # running trials stay taken: never proposed again
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{checkpoint_path} is a malformed OptiProxySearcher checkpoint: {error}") from None
        self._live = live

    # ------------------------------------------------------------------ helpers
    def _config(self, arch: Architecture) -> Dict[str, Any]:
        return {"arch": self.space.to_string(arch), "ops": [int(o) for o in arch.ops],
                "topology": [int(t) for t in arch.topology]}

    def __repr__(self) -> str:
        return (f"OptiProxySearcher({self.space!r}, optimizer={self.study.strategy.name!r}, metric={self.metric!r}, "
                f"mode={self.mode!r}, evaluated={len(self.study.trials)}, running={len(self._live)})")


def _space_id(space: SearchSpace) -> Any:
    return type(space), space.name, tuple(space.op_names)


__all__ = ["OptiProxySearcher"]
