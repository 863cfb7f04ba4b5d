"""Optuna's samplers as strategies: TPE (and its multivariate variant), the GP sampler, random.

Each strategy keeps one in-memory ``optuna`` study (direction ``maximize``) and asks it
define-by-run: ``suggest_categorical`` per parameter of the space's encoding, a conditional
parameter only when its parent takes one of its values. Outcomes, in Optuna's own terms:
a success is a ``COMPLETE`` trial with the value, a failed evaluation a ``FAIL`` trial, an
invalid proposal a ``PRUNED`` trial (Optuna's documented way to skip a parameter
combination; TPE ranks pruned trials without values after every completed one, the GP
sampler leaves them out), and an unseen random fallback an enqueued trial. Constraints go
through Optuna's own mechanism, :meth:`optuna.trial.Trial.set_constraint` with
``measured - max`` per metric (feasible at ``<= 0``), which TPE and the GP sampler read.
"""

from __future__ import annotations

import warnings
from typing import Any, Dict, Optional, Tuple

from ...spaces import SearchSpace
from ...types import Architecture, Trial
from .base import PeerStrategy
from .encoding import Values


class OptunaStrategy(PeerStrategy):
    """An Optuna sampler with its defaults (subclasses choose it) driven by ask/tell."""

    modules = ("optuna",)
    loggers = ("optuna",)
    #: The sampler's class in ``optuna.samplers`` and the options given to it besides the seed.
    sampler_class = "TPESampler"
    sampler_options: Dict[str, Any] = {}

    def __init__(self, space: SearchSpace, seed: int = 0, budget: Optional[int] = None,
                 workdir: Optional[str] = None) -> None:
        super().__init__(space, seed, budget, workdir)
        optuna = self.libs[0]
        self._states = optuna.trial.TrialState
        with self._library(), warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            sampler = getattr(optuna.samplers, self.sampler_class)(seed=self.library_seed, **self.sampler_options)
            self.study = optuna.create_study(direction="maximize", sampler=sampler)

    def _ask(self) -> Tuple[Any, Values]:
        trial = self.study.ask()
        values: Dict[str, str] = {}
        for param in self.encoding.params:
            if param.active(values):
                values[param.name] = trial.suggest_categorical(param.name, param.choices)
        return trial, values

    def _inject(self, arch: Architecture) -> Any:
        self.study.enqueue_trial(self.encoding.encode(arch))
        handle, _ = self._ask()  # the enqueued trial, its values fixed
        return handle

    def _tell(self, handle: Any, trial: Trial) -> None:
        if trial.failed:
            self.study.tell(handle, state=self._states.FAIL)
            return
        for constraint in trial.constraints:
            handle.set_constraint(constraint.metric, constraint.excess)
        self.study.tell(handle, trial.value)

    def _tell_invalid(self, handle: Any) -> None:
        self.study.tell(handle, state=self._states.PRUNED)

    def library_settings(self) -> Dict[str, Any]:
        return {"sampler": self.sampler_class, "sampler_options": dict(self.sampler_options),
                "constraints": "Trial.set_constraint"}


class OptunaTPE(OptunaStrategy):
    """``optuna:tpe``: ``TPESampler`` with Optuna's defaults (independent TPE per parameter)."""

    name = "optuna:tpe"


class OptunaTPEMultivariate(OptunaStrategy):
    """``optuna:tpe-mv``: ``TPESampler(multivariate=True, group=True)``, the joint (grouped) TPE.

    ``group`` splits a conditional space (NAS-Bench-NLP) into the groups of parameters that
    occur together; on a space without conditions it is plain multivariate TPE.
    """

    name = "optuna:tpe-mv"
    sampler_options = {"multivariate": True, "group": True}


class OptunaGP(OptunaStrategy):
    """``optuna:gp``: ``GPSampler`` with Optuna's defaults (GP with log EI, 10 random startup trials)."""

    name = "optuna:gp"
    sampler_class = "GPSampler"


class OptunaRandom(OptunaStrategy):
    """``optuna:random``: ``RandomSampler``, a sanity check of the adapter (it should match ``rs``)."""

    name = "optuna:random"
    sampler_class = "RandomSampler"


__all__ = ["OptunaGP", "OptunaRandom", "OptunaStrategy", "OptunaTPE", "OptunaTPEMultivariate"]
