"""SMAC3's facades as strategies: random-forest BO (``smac``) and GP BO (``smac:bo``).

The space becomes a ``ConfigSpace`` of categorical hyperparameters, a conditional one under an
``InCondition`` on its parent. The facade runs with its defaults and a scenario that says what
the task is: ``deterministic=True`` (a tabular or surrogate lookup returns the same value every
time, so SMAC3 evaluates each configuration once) and ``n_trials`` = the run's budget (SMAC3
sizes its initial design from it; a run resumed with another budget is refused by the journal's
identity check, which names ``n_trials``). SMAC3 minimises a cost: the strategy tells minus the
value, or, under a constraint (SMAC3 has no constraint mechanism), minus
:func:`~naslib_optiproxy.strategies.peers.base.penalised_value`. A failed evaluation and an
invalid proposal are told as ``CRASHED`` with the worst cost told so far (SMAC3's own default crash
cost, infinity, would break its model's fit); those before the first success wait for it.

Files. A SMAC3 facade writes its scenario, an empty run history and its intensifier state into
``scenario.output_directory`` when it is built (``SMBO._initialize_state``), and its ``tell``
saves the run history unless told ``save=False``. The strategy builds the facade with a fresh
private folder (``.smac-*`` inside ``workdir``, the run folder for ``search --out`` runs and the
job's result folder for ``compare``; a temporary folder when there is none, e.g. the Python
API), deletes that folder as soon as the facade is built, and always tells with ``save=False``:
nothing SMAC3 writes outlives the facade's construction. SMAC3's logging is left as the
process configured it (``logging_level=False``).

Seeds. SMAC3's local search of its acquisition function starts from ``list(set(configurations))``
(``LocalSearch._get_initial_points``), and ConfigSpace hashes a ``Configuration`` by its text, so
with Python's per-process string hash seed the order of those starts, and so the proposals, changed
from process to process for the same seed. The strategy makes ``Configuration.__hash__`` a hash of
the same text that does not depend on ``PYTHONHASHSEED`` (:func:`stable_configuration_hash`, for the
whole process, once a facade is built; equal configurations still hash equal): a run is reproducible
from its seed, and a resumed one continues as the uninterrupted run did.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from ...spaces import SearchSpace
from ...types import Architecture, Trial
from .base import ImputedFailures, PeerStrategy, cost_of
from .encoding import Values

#: SMAC3's default number of trials (``Scenario.n_trials``), used when no budget is given.
DEFAULT_TRIALS = 100
#: How SMAC3 2.4 names the origin of a configuration it sampled at random because its acquisition search
#: found no new one (``smac/main/config_selector.py``).
RANDOM_FALLBACK = "Random Search (max retries, no candidates)"


def _text_hash(configuration: Any) -> int:
    """A hash of ``repr(configuration)`` (what ConfigSpace hashes) that is the same in every process."""
    digest = hashlib.blake2b(repr(configuration).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def stable_configuration_hash(configspace: Any) -> None:
    """Make ``configspace.Configuration`` hash with :func:`_text_hash` (module docstring, "Seeds")."""
    configspace.Configuration.__hash__ = _text_hash


class SmacStrategy(PeerStrategy):
    """A SMAC3 facade (subclasses choose it) driven by ask/tell; the facade is built at the first use."""

    modules = ("smac", "ConfigSpace", "smac.runhistory.dataclasses")
    loggers = ("smac",)
    # its random forest asks for all cores (n_jobs=-1); in a worker process scikit-learn says it uses one
    ignored_warnings = ("Loky-backed parallel loops cannot be called in a multiprocessing",)
    # where its acquisition search finds no configuration it has not evaluated, SMAC3 warns and samples at
    # random (HW-NAS-Bench, budget 200: 1,668 lines from 120 runs, four to five per progress line of
    # compare); the proposals so made are counted instead (counts["random_fallback"])
    held_log_lines = (("smac.main.config_selector", "^Could not return a new configuration after"),
                      ("smac.main.config_selector", "^Did not find enough configurations from the acquisition"))
    facade = "HyperparameterOptimizationFacade"

    def __init__(self, space: SearchSpace, seed: int = 0, budget: Optional[int] = None,
                 workdir: Optional[str] = None) -> None:
        super().__init__(space, seed, budget, workdir)
        self.smac, self.configspace, self.dataclasses = self.libs
        self.n_trials = int(budget) if budget else DEFAULT_TRIALS
        self._facade: Any = None
        self._space: Any = None
        self._trial_seed: Optional[int] = None
        self._failures = ImputedFailures()
        self.counts["random_fallback"] = 0  # proposals SMAC3 sampled at random for want of a new one

    def _build(self) -> Any:
        """The facade, built once in a private folder that is removed right after (module docstring)."""
        if self._facade is None:
            cs = self.configspace
            stable_configuration_hash(cs)
            space = cs.ConfigurationSpace(seed=self.library_seed)
            hyper = {p.name: cs.Categorical(p.name, list(p.choices)) for p in self.encoding.params}
            space.add(list(hyper.values()))
            conditions = [cs.InCondition(hyper[p.name], hyper[p.parent], list(p.when))
                          for p in self.encoding.params if p.parent is not None]
            if conditions:
                space.add(conditions)
            if self.workdir is not None:
                Path(self.workdir).mkdir(parents=True, exist_ok=True)
            folder = tempfile.mkdtemp(prefix=".smac-", dir=self.workdir)
            try:
                scenario = self.smac.Scenario(space, deterministic=True, n_trials=self.n_trials,
                                              seed=self.library_seed, output_directory=Path(folder))
                self._facade = getattr(self.smac, self.facade)(scenario, target_function=None, logging_level=False,
                                                               overwrite=True)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            self._space = space
        return self._facade

    def _ask(self) -> Tuple[Any, Values]:
        info = self._build().ask()
        self._trial_seed = info.seed
        if str(getattr(info.config, "origin", "")).startswith(RANDOM_FALLBACK):
            self.counts["random_fallback"] += 1
        return info, {name: str(value) for name, value in dict(info.config).items()}

    def _inject(self, arch: Architecture) -> Any:
        self._build()
        config = self.configspace.Configuration(self._space, values=self.encoding.encode(arch))
        seed = self._trial_seed if self._trial_seed is not None else self.library_seed
        return self.dataclasses.TrialInfo(config=config, seed=seed)

    def _tell(self, handle: Any, trial: Trial) -> None:
        if trial.failed:
            self._tell_invalid(handle)
            return
        cost = cost_of(trial)
        self._tell_cost(handle, cost, crashed=False)
        for waiting, imputed in self._failures.success(cost):
            self._tell_cost(waiting, imputed, crashed=True)

    def _tell_invalid(self, handle: Any) -> None:
        cost = self._failures.failure(handle)
        if cost is not None:
            self._tell_cost(handle, cost, crashed=True)

    def _tell_cost(self, handle: Any, cost: float, crashed: bool) -> None:
        status = self.dataclasses.StatusType.CRASHED if crashed else self.dataclasses.StatusType.SUCCESS
        self._build().tell(handle, self.dataclasses.TrialValue(cost=cost, status=status), save=False)

    def library_version(self) -> str:
        return f"smac {getattr(self.smac, 'version', 'unknown')}"

    def library_settings(self) -> Dict[str, Any]:
        return {"facade": self.facade, "deterministic": True, "n_trials": self.n_trials,
                "constraints": "penalised value"}


class SmacRandomForest(SmacStrategy):
    """``smac``: SMAC3's ``HyperparameterOptimizationFacade`` (random-forest BO, log EI, local + random search)."""

    name = "smac"
    facade = "HyperparameterOptimizationFacade"


class SmacGaussianProcess(SmacStrategy):
    """``smac:bo``: SMAC3's ``BlackBoxFacade`` (GP BO with EI)."""

    name = "smac:bo"
    facade = "BlackBoxFacade"


__all__ = ["DEFAULT_TRIALS", "SmacGaussianProcess", "SmacRandomForest", "SmacStrategy", "stable_configuration_hash"]
