"""OptiProxy for fronts: one proxy head per objective, one scalarisation per group, batches by hypervolume.

A step of :class:`OptiProxyMO` (``docs/design.md``, "Multi-objective search"):

1. Fit the proxy with one head per criterion on every trial that has all the criteria's
   values (the log of a positive metric to minimise, each head standardised on its own).
2. Map the heads to maximisation units in ``[0, 1]`` over the evaluated points: ``v_j = (s_j z_j -
   lo_j) / (hi_j - lo_j)``, ``s_j`` = +1 (max) or -1 (min), ``hi`` the best evaluated value and
   ``lo`` the worst (or the ``mo_floor`` quantile of the evaluated values).
3. Give every (alpha, beta) group k weights ``lambda_k`` on the simplex, redrawn at every step
   (``mo_weights``: two criteria: group k's stratum ``[k, k+1) / K`` of ``w``, ``lambda_k = (w, 1 - w)``,
   so the K groups aim at K parts of the front; else Dirichlet draws), and run the gradient
   search (Algorithm 1) on each group's augmented Chebyshev scalarisation
   ``g_k(v) = min_j lambda_kj (v_j - 1) + rho * sum_j lambda_kj (v_j - 1)`` (``mo_scalarisation``).
4. Pool the candidates of all groups (plus the one-edit neighbours of the ``local_candidates``
   evaluated front points that add most hypervolume) and choose the batch greedily by predicted
   hypervolume improvement over the evaluated front (its reference point ``mo_margin`` of each evaluated
   range below the worst evaluated value), each chosen prediction joining the front
   for the next choice; when no candidate improves it, the remaining slots go round the groups,
   each taking its best candidate by its own scalarisation (``mo_selection``). With ``mo_extremes``,
   the first slots go to the best predicted candidate of the first criterion (or of each), which
   then join the front before the greedy choice.

With a constraint on top, an infeasible evaluation trains the heads but is never on the evaluated
front. Once some evaluations failed (e.g. a metric the hardware could not measure) or broke a
constraint, a :class:`~naslib_optiproxy.proxies.success.SuccessModel` of "measured and feasible"
is fitted on every evaluation and the
improvement of step 4 becomes the expected one, ``P(success) x HVI``, with candidates predicted
to fail ranked last in the fallback (``mo_success=select``); ``search`` also adds
``log P(success)`` to every group's score in step 3.

Single-objective OptiProxy is untouched: this is a subclass, and it reads several values
of a trial only through :func:`~naslib_optiproxy.pareto.trial_values`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import moocore
import numpy as np
import torch
from torch import nn

from .._settings import key_of, setting, validate
from ..config import OptiProxyConfig
from ..pareto import Criterion, CriterionLike, parse_criteria, trial_values
from ..presets import FRONT_PRESET
from ..proxies import ProxyTrainer
from ..proxies.success import SuccessModel
from ..spaces import SearchSpace
from ..types import Architecture, Trial
from .base import sample_unseen
from .optiproxy import OptiProxy


@dataclass
class FrontSettings:
    """How OptiProxy searches for a front (module docstring), with their config keys."""

    scalarisation: str = setting("chebyshev", "mo_scalarisation", choices=("chebyshev", "linear"),
                                 doc="each group's objective: augmented Chebyshev or a weighted sum of the heads")
    rho: float = setting(0.05, "mo_rho", low=0, high=10, doc="weight of the sum in the augmented Chebyshev")
    weights: str = setting("strata", "mo_weights", choices=("strata", "random"),
                           doc="group k's weights: its stratum of the simplex (two criteria) or Dirichlet draws")
    selection: str = setting("hvi", "mo_selection", choices=("hvi", "scalar"),
                             doc="batch by greedy predicted hypervolume improvement, or round the groups' scores")
    margin: float = setting(0.1, "mo_margin", low=0, high=10,
                            doc="the hypervolume's reference point lies this far (in evaluated ranges) below the "
                                "worst evaluated value of each criterion; 0: points extending a range add nothing")
    floor: float = setting(0.0, "mo_floor", low=0, high=0.99,
                           doc="0 of the [0, 1] units each head is rescaled to: this quantile of the evaluated "
                               "values (0: the worst), so that poor outliers do not squeeze the front's region")
    extremes: str = setting("off", "mo_extremes", choices=("off", "first", "all"),
                            doc="reserve the first slots of every batch for the best predicted candidate of the "
                                "first objective (first) or of each (all): the front's ends, which add little "
                                "predicted hypervolume")
    success: str = setting("search", "mo_success", choices=("off", "select", "search"),
                           doc="once evaluations failed, weigh candidates by their predicted chance of success "
                               "(select), also in the gradient search (search), or not (off)")

    def __post_init__(self) -> None:
        validate(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "FrontSettings":
        names = {key_of(f): f.name for f in dataclasses.fields(cls)}
        return cls(**{names[k]: v for k, v in values.items()})

    def to_dict(self) -> Dict[str, Any]:
        return {key_of(f): getattr(self, f.name) for f in dataclasses.fields(self)}


FRONT_KEYS = tuple(key_of(f) for f in dataclasses.fields(FrontSettings))


def mo_preset(space: Any, dataset: Optional[str] = None, **overrides: Any) -> OptiProxyConfig:
    """The loop, proxy, fit and search settings of a front search: the constrained preset of the space
    with :data:`~naslib_optiproxy.presets.FRONT_PRESET` on top (``overrides`` on top of both).

    The constrained preset is the one measured with a second head (HW-NAS-Bench latency limits
    on NAS-Bench-201; NAS-Bench-Graph has one preset for both).
    """
    return OptiProxyConfig.preset(space, dataset, True, **{**FRONT_PRESET, **overrides})


def scalarise(v: torch.Tensor, weights: torch.Tensor, kind: str = "chebyshev", rho: float = 0.05) -> torch.Tensor:
    """One score per row of ``v [..., M]`` (maximisation units, 1 = best seen) under ``weights [..., M]``.

    ``chebyshev``: ``min_j w_j (v_j - 1) + rho * sum_j w_j (v_j - 1)``; ``linear``: ``sum_j w_j v_j``.
    Differentiable in ``v``.
    """
    if kind == "linear":
        return (weights * v).sum(-1)
    gap = weights * (v - 1.0)
    return gap.min(-1).values + rho * gap.sum(-1)


def group_weights(num_groups: int, num_criteria: int, rng: np.random.Generator, kind: str = "strata") -> np.ndarray:
    """``[K, M]`` weights on the simplex: group k's jittered stratum (two criteria, ``strata``) or Dirichlet(1) draws."""
    if kind == "strata" and num_criteria == 2:
        w = (np.arange(num_groups) + rng.random(num_groups)) / num_groups
        return np.stack([w, 1.0 - w], axis=1)
    return rng.dirichlet(np.ones(num_criteria), size=num_groups)


def greedy_hvi(front: np.ndarray, predicted: np.ndarray, count: int, reference: np.ndarray,
               chance: Optional[np.ndarray] = None) -> List[int]:
    """Indices of up to ``count`` rows of ``predicted`` chosen one by one by hypervolume improvement.

    Minimisation units (moocore's). Each choice joins ``front`` before the next; stops early
    when no remaining row improves the hypervolume (rows equal to a chosen one never do).
    ``chance [n]``: each row's probability of a successful evaluation; the improvement is then
    the expected one, ``chance * HVI``.
    """
    current = front.reshape(-1, predicted.shape[1])
    chosen: List[int] = []
    left = np.ones(len(predicted), dtype=bool)
    base = float(moocore.hypervolume(current, ref=reference)) if len(current) else 0.0
    while len(chosen) < count:
        inside = left & (predicted < reference).all(1)
        if len(current):  # a row weakly dominated by the current front improves nothing
            dominated = (current[None, :, :] <= predicted[:, None, :]).all(-1).any(-1)
            inside &= ~dominated
        rows = np.flatnonzero(inside)
        if not len(rows):
            break
        gains = np.array([float(moocore.hypervolume(np.vstack([current, predicted[i]]), ref=reference)) - base
                          for i in rows])
        expected = gains * chance[rows] if chance is not None else gains
        best = int(np.argmax(expected))
        if expected[best] <= 0:
            break
        i = int(rows[best])
        chosen.append(i)
        left[i] = False
        current = np.vstack([current, predicted[i]])
        base += gains[best]
    return chosen


class _WithSuccess(nn.Module):
    """The proxy's heads with the chance of success as one more column (for the gradient search)."""

    def __init__(self, proxy: nn.Module, success: SuccessModel) -> None:
        super().__init__()
        self.proxy, self.success = proxy, success

    def forward(self, x: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.proxy(x, adj), self.success(x, adj)[:, None]], dim=1)


class OptiProxyMO(OptiProxy):
    """OptiProxy searching the Pareto front of several criteria (module docstring).

    Example:
        >>> from naslib_optiproxy import Study
        >>> from naslib_optiproxy.objectives.multi_objective import multi_objective
        >>> objective = multi_objective("nasbench201", "cifar10", "val,edgegpu_latency:min")
        >>> strategy = OptiProxyMO(objective.space, objective.criteria, mo_preset("nasbench201").replace(
        ...     model_epochs=20, search_epochs=10), seed=0)
        >>> _ = Study(strategy).optimize(objective, budget=20)
        >>> len(strategy.front()) > 0
        True

    Args:
        space: The search-space codec.
        criteria: Two or more criteria (any form :func:`~naslib_optiproxy.pareto.parse_criteria` takes).
        config: Loop, proxy, fit and search settings (``None``: :func:`mo_preset` of the space and dataset).
        front: :class:`FrontSettings` or their flat keys (``None``: the defaults).
        seed: Seeds every random choice.
        dataset: The dataset, for the preset.
    """

    name = "optiproxy-mo"

    def __init__(self, space: SearchSpace, criteria: Union[str, Sequence[CriterionLike]],
                 config: Optional[OptiProxyConfig] = None,
                 front: Union[None, FrontSettings, Mapping[str, Any]] = None, seed: int = 0,
                 dataset: Optional[str] = None) -> None:
        self.criteria: Tuple[Criterion, ...] = parse_criteria(criteria)
        self.front_settings = front if isinstance(front, FrontSettings) else FrontSettings.from_dict(front or {})
        super().__init__(space, config if config is not None else mo_preset(space, dataset), seed)
        self.from_preset = config is None
        self.weights = np.zeros((self.config.loop.num_groups, len(self.criteria)))

    def _configure(self, config: OptiProxyConfig) -> None:
        if config.loop.selection == "ei":
            raise ValueError("search.selection 'ei' ranks by one value's expected improvement; a front search "
                             "selects by predicted hypervolume improvement: leave selection at 'proxy' (or "
                             "'random', the ablation)")
        if config.loop.ei_when_stalled:
            raise ValueError("search.ei_when_stalled switches to one value's expected improvement; a front search "
                             "selects by predicted hypervolume improvement: leave ei_when_stalled at 0")
        if config.loop.climb_moves:
            raise ValueError("search.climb_moves climbs on one value's prediction; a front search selects by "
                             "predicted hypervolume improvement: leave climb_moves at 0")
        super()._configure(config)
        self._build_proxy(num_outputs=len(self.criteria))
        self._by_hvi = 0
        self.success = SuccessModel()
        self._success_fitted = False

    def prepare(self, objective: Any) -> None:
        """Take the preset of the objective's dataset (only when no config was given)."""
        if not self.from_preset or self.history.num_started:
            return
        config = mo_preset(self.space, getattr(objective, "dataset", None))
        if config != self.config:
            self._configure(config)

    def settings(self) -> Dict[str, Any]:
        return {**self.config.to_dict(), **self.front_settings.to_dict(),
                "objectives": [c.to_dict() for c in self.criteria]}

    # ------------------------------------------------------------------ step
    def step(self) -> List[Architecture]:
        c, fs = self.config, self.front_settings
        x, adj, y = self._training_data()
        if not c.model.warm_start:
            self.trainer = ProxyTrainer.restarted(self.proxy, self._initial_proxy_state, c.fit, self.generator)
        fit_loss = self.trainer.fit(x, adj, y)
        self._fit_units(y)
        self._fit_success()
        self.weights = group_weights(c.loop.num_groups, len(self.criteria), self.rng, fs.weights)
        weights = torch.as_tensor(self.weights, dtype=torch.float32)
        restarted = self._restart_stale_groups()
        trace = self.gradient_search.run(*self._search_model(weights)) if c.search.epochs else []
        candidates = self._candidates()
        chosen = self._select_batch(candidates)
        while len(chosen) < c.loop.batch_size:
            chosen.append(sample_unseen(self, exclude=chosen))
        self.step_log.append({"evaluations": len(self.history.trials), "fit_loss": fit_loss,
                              "fit_epochs": self.trainer.last_epochs,
                              "search_objective": trace[-1] if trace else None, "candidates": len(candidates),
                              "valid_draws": self._valid_fraction, "restarted_groups": restarted,
                              "by_hvi": self._by_hvi, "success_model": self._success_fitted})
        return chosen

    def _search_model(self, weights: torch.Tensor) -> Tuple[nn.Module, Callable[[torch.Tensor], torch.Tensor]]:
        """What the gradient search climbs: each group's scalarisation of the heads, plus the log chance of
        success with ``mo_success=search`` (the model then outputs it as one more column)."""
        fs = self.front_settings
        if fs.success != "search" or not self._success_fitted:
            return self.proxy, lambda output: scalarise(self._units(output), weights, fs.scalarisation, fs.rho)
        model = _WithSuccess(self.proxy, self.success)
        return model, lambda output: (scalarise(self._units(output[:, :-1]), weights, fs.scalarisation, fs.rho)
                                      + torch.log(output[:, -1].clamp_min(1e-6)))

    def _fit_success(self) -> None:
        """Fit the chance of success (every value measured, every constraint met) on every told evaluation,
        once some failed or were infeasible (``mo_success`` not ``off``)."""
        told = list(self.history.trials)
        ok = [t.feasible and trial_values(t, self.criteria) is not None for t in told]
        self._success_fitted = self.front_settings.success != "off" and not all(ok)
        if self._success_fitted:
            x, adj = self._encode([t.arch for t in told])
            self.success.fit(x, adj, torch.tensor(ok))

    def _encode(self, archs: Sequence[Architecture]) -> Tuple[torch.Tensor, torch.Tensor]:
        """Encodings ``(x, adj)`` of evaluated architectures (cached by canonical key)."""
        new = [a for a in archs if self.space.key(a) not in self._encodings]
        if new:
            xs, adjs = self.space.encode_batch(new)
            for arch, xi, ai in zip(new, xs, adjs):
                self._encodings[self.space.key(arch)] = (xi, ai)
        pairs = [self._encodings[self.space.key(a)] for a in archs]
        return torch.stack([p[0] for p in pairs]), torch.stack([p[1] for p in pairs])

    # ----------------------------------------------------------------- units
    def _fit_units(self, y: torch.Tensor) -> None:
        """The evaluated range of every head in sign-flipped standardised units: ``lo`` (the ``mo_floor``
        quantile of the evaluated values; 0: the worst) and ``hi`` (the best)."""
        signs = torch.tensor([c.sign for c in self.criteria], dtype=torch.float32)
        u = signs * self.trainer.standardizer.transform(y)
        self._signs = signs
        self._lo = torch.quantile(u, self.front_settings.floor, dim=0) if self.front_settings.floor else u.min(0).values
        self._span = (u.max(0).values - self._lo).clamp_min(1e-6)
        self._observed = ((u - self._lo) / self._span)[self._feasible]  # the evaluated front: feasible points only

    def _units(self, output: torch.Tensor) -> torch.Tensor:
        """Standardised proxy outputs ``[..., M]`` as ``v`` in ``[0, 1]`` over the evaluated range (1 = best)."""
        return (self._signs * output - self._lo) / self._span

    # ------------------------------------------------------------- selection
    def _select_batch(self, candidates: List[Architecture]) -> List[Architecture]:
        """Greedy predicted-HVI batch, topped up round the groups' scalarisations (module docstring)."""
        loop, fs = self.config.loop, self.front_settings
        self._by_hvi = 0
        if not candidates:
            return []
        if loop.selection == "random":
            return super()._select(candidates)
        x, adj = self.space.encode_batch(candidates)
        v = self._units(self.trainer.predict(x, adj, standardised=True))
        chance = None
        if self._success_fitted:
            with torch.no_grad():
                chance = self.success(x, adj).numpy().astype(np.float64)
        order = self._extreme_candidates(v, chance)
        if fs.selection == "hvi":
            ends = v[torch.as_tensor(order, dtype=torch.long)]  # the chosen ends join the front first
            front = 1.0 - torch.cat([self._observed, ends]).numpy().astype(np.float64)
            reference = np.full(len(self.criteria), 1.0 + fs.margin)
            by_hvi = greedy_hvi(front, 1.0 - v.numpy().astype(np.float64), loop.batch_size - len(order), reference,
                                chance)
            order += by_hvi  # never an end again: each is on the front, and greedy_hvi skips what it dominates
            self._by_hvi = len(by_hvi)
        scores = scalarise(v[None, :, :], torch.as_tensor(self.weights, dtype=torch.float32)[:, None, :],
                           fs.scalarisation, fs.rho).numpy()  # [K, candidates]
        likely = np.ones(len(candidates), dtype=bool) if chance is None else chance >= 0.5
        taken = {tuple(v[i].tolist()) for i in order}
        # each group's ranking by its own score, the candidates predicted to fail after all the others
        rankings = [list(np.lexsort((-row, ~likely))) for row in scores]
        group = 0
        while len(order) < loop.batch_size and any(rankings):
            ranking = rankings[group % len(rankings)]
            group += 1
            while ranking:
                i = int(ranking.pop(0))
                point = tuple(v[i].tolist())
                if point not in taken:  # one candidate per predicted point (distinct_scores)
                    taken.add(point)
                    order.append(i)
                    break
        return [candidates[i] for i in order]

    def _extreme_candidates(self, v: torch.Tensor, chance: Optional[np.ndarray]) -> List[int]:
        """The candidates with the best predicted value of the first criterion (``mo_extremes=first``) or of
        each (``all``), among those predicted to succeed when a success model is fitted."""
        count = {"off": 0, "first": 1, "all": len(self.criteria)}[self.front_settings.extremes]
        scores = v.numpy().astype(np.float64)
        if chance is not None:
            scores = np.where((chance >= 0.5)[:, None], scores, -np.inf)
        chosen: List[int] = []
        for j in range(min(count, self.config.loop.batch_size)):
            ranked = [int(i) for i in np.argsort(-scores[:, j], kind="stable") if int(i) not in chosen]
            if ranked and np.isfinite(scores[ranked[0], j]):
                chosen.append(ranked[0])
        return chosen

    def _local_candidates(self, incumbents: int) -> List[Architecture]:
        """The valid one-edit neighbours of the ``incumbents`` evaluated front points adding most hypervolume."""
        if not incumbents:
            return []
        trials, points = self._front_trials()
        if len(trials) > incumbents:
            minimise = -points * np.array([c.sign for c in self.criteria])
            reference = minimise.max(0) + 1e-9 + self.front_settings.margin * np.ptp(minimise, axis=0)
            gains = moocore.hv_contributions(minimise, ref=reference)
            keep = np.argsort(-gains, kind="stable")[:incumbents]
            trials = [trials[i] for i in sorted(keep)]
        return [arch for trial in trials for arch in self.space.neighbours(trial.arch)]

    # --------------------------------------------------------------- helpers
    def _successes(self) -> List[Trial]:
        """Trials with every criterion's value (the proxy's training data)."""
        return [t for t in self.history.trials if trial_values(t, self.criteria) is not None]

    def _front_trials(self) -> Tuple[List[Trial], np.ndarray]:
        """The evaluated feasible trials on the front, and their points ``[F, M]``."""
        done = [t for t in self._successes() if t.feasible]
        if not done:
            return [], np.zeros((0, len(self.criteria)))
        points = np.stack([trial_values(t, self.criteria) for t in done])
        mask = moocore.is_nondominated(points, maximise=[c.maximise for c in self.criteria])
        return [t for t, m in zip(done, mask) if m], points[mask]

    def front(self) -> List[Trial]:
        """The evaluated feasible trials on the Pareto front (of equal points, the earliest)."""
        return self._front_trials()[0]

    def _training_data(self, constraints: Sequence[Any] = ()) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Encodings and targets ``[n, M]`` of the trials with every value; the log of positive ``min`` metrics."""
        done = self._successes()
        x, adj = self._encode([t.arch for t in done])
        values = torch.tensor(np.stack([trial_values(t, self.criteria) for t in done]), dtype=torch.float64)
        self._feasible = torch.tensor([t.feasible for t in done], dtype=torch.bool)  # the rows of y on the front
        self._log_metric = [self.config.constraint.log and not c.maximise and bool((values[:, j] > 0).all())
                            for j, c in enumerate(self.criteria)]
        return x, adj, self._metric_transform(values).float()

    # ----------------------------------------------------------------- state
    def state_dict(self) -> Dict[str, Any]:
        state = super().state_dict()
        state["weights"] = self.weights.tolist()
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        self.weights = np.asarray(state.get("weights", self.weights), dtype=np.float64)


__all__ = ["FRONT_KEYS", "FrontSettings", "OptiProxyMO", "group_weights", "greedy_hvi", "mo_preset", "scalarise"]
