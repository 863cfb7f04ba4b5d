"""Algorithm 2: the OptiProxy-NAS loop as a strategy.

One step: fit the proxy on all evaluated architectures (line 6), optimise the K
(alpha, beta) groups through it with Algorithm 1 (line 7), draw Q/K candidates from
every group, drop already-evaluated (or pending) ones by canonical key, select the B
best by the proxy (line 8); the study evaluates them (line 9) and tells the results
(line 10). The first ``num_init`` architectures are uniformly random (line 4).

``restart_stale`` (not in the paper; our option, measured in ``docs/imagenet16_study.md``): a group whose
most likely architecture has already been evaluated at that many consecutive steps has collapsed
onto a known point; its (alpha, beta) are drawn afresh from the initialisation ranges and its
AdamW moments forgotten before the gradient search, so it explores again.

``selection: ei`` (not in the paper; measured in ``docs/nasbench_graph_study.md``, part 6): more proxies
from other initialisations are fitted beside the first (:class:`~naslib_optiproxy.proxies.ensemble.ProxyEnsemble`)
and line 8 takes the candidates of highest expected improvement with their mean and spread (all B, or the
last ``ei_slots``); the gradient search still goes through the first proxy. ``ei_model: gp`` (part 8) takes
the mean and spread from a GP on the compact encodings (:class:`~naslib_optiproxy.proxies.categorical_gp.CategoricalGP`)
instead of the ensemble. ``ei_when_stalled`` S (part 9) keeps the first proxy's selection while the search improves
and selects by expected improvement at the steps where the last S x B evaluations did not beat the best before them.

Under constraints ``metric <= max`` (reported by the objective, see
:mod:`~naslib_optiproxy.constraints`; paper Sec. 3.2) the proxy gets one more head per
metric, fitted jointly; the gradient search and the selection both maximise
:func:`~naslib_optiproxy.constraints.penalised_score`, the weight adapting to the feasible
fraction of new evaluations (:class:`~naslib_optiproxy.constraints.PenaltyWeight`); and
selection ranks every predicted-infeasible candidate below every predicted-feasible one.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Dict, Hashable, List, Mapping, Optional, Sequence, Set, Tuple

import numpy as np
import torch

from ..conditional import MAX_ROUNDS
from ..config import OptiProxyConfig, resolve_settings
from ..constraints import Constraint, constraints_of, penalised_score, predicted_feasible
from ..distribution import ArchitectureDistribution
from ..proxies import ProxyTrainer
from ..proxies.categorical_gp import CategoricalGP, categorical_codes
from ..proxies.ensemble import ProxyEnsemble, expected_improvement, member_seed
from ..search import GradientSearch
from ..spaces import FixedTopology, SearchSpace
from ..threads import torch_threads
from ..types import Architecture, Trial
from .base import SpaceExhaustedError, Strategy, sample_unseen


def check_batch_size(config: OptiProxyConfig, space: SearchSpace) -> None:
    """Refuse a batch of at least the whole space (when its size is known): one step would evaluate
    every architecture left, in no order the proxy chose.

    Raises:
        ValueError: ``batch_size`` >= the number of architectures in ``space``.
    """
    try:
        size = len(space)  # type: ignore[arg-type]
    except TypeError:  # the space does not know its size
        return
    if config.loop.batch_size >= size:
        raise ValueError(f"search.batch_size {config.loop.batch_size} is not smaller than the {space.name} space "
                         f"({size:,} architectures): one step would evaluate every architecture left; OptiProxy "
                         f"evaluates a few per step (the presets use 5 to 10)")


class OptiProxy(Strategy):
    """OptiProxy-NAS: gradient search of relaxed architectures through a fitted proxy.

    Example:
        >>> from naslib_optiproxy import NasBench201, OptiProxy, OptiProxyConfig, Study
        >>> strategy = OptiProxy(NasBench201(), OptiProxyConfig(model_epochs=20, search_epochs=10), seed=0)
        >>> best = Study(strategy).optimize(lambda arch: float(sum(arch.ops)), budget=12)
        >>> best.value >= 12
        True

    Args:
        space: The search-space codec.
        config: Hyperparameters. ``None``: the measured preset for the space, ``dataset`` and
            ``constrained`` (:func:`~naslib_optiproxy.config.resolve_settings`), fixed here: a study
            whose objective has another dataset or constraint refuses to start rather than run with
            another preset than the objective's.
        seed: Seeds every random choice (numpy and torch generators, proxy initialisation).
        dataset: The dataset, for the preset (``None``: the space's own, or its default dataset).
        constrained: The objective has a resource constraint (its preset may differ).
    """

    name = "optiproxy"

    def __init__(self, space: SearchSpace, config: Optional[OptiProxyConfig] = None, seed: int = 0,
                 dataset: Optional[str] = None, constrained: bool = False) -> None:
        super().__init__(space, seed)
        if config is not None and not isinstance(config, OptiProxyConfig):
            raise TypeError(f"config must be an OptiProxyConfig (OptiProxyConfig.from_dict(mapping) builds one "
                            f"from a search: section), got {type(config).__name__}")
        dataset, resolved = resolve_settings(space, dataset, constrained, config)
        self._preset = None if config is not None else (dataset, constrained)  # what the preset was chosen for
        self._configure(resolved)

    def _configure(self, config: OptiProxyConfig) -> None:
        """Build every part from ``config`` and the seed."""
        check_batch_size(config, self.space)
        self.config = config
        self.rng = np.random.default_rng(self.seed)
        self.generator = torch.Generator().manual_seed(self.seed)
        if config.model.kind == "gat" and not isinstance(self.space.topology, FixedTopology):
            warnings.warn(f"proxy 'gat' uses the adjacency as a mask (PyG's DenseGATConv), so the gradient "
                          f"search cannot move {self.space.name}'s edge parameters (beta): only the operations "
                          f"are optimised. Use proxy 'gcn' (default), 'gin' or 'sage' to search the topology too.",
                          UserWarning, stacklevel=3)
        self._build_proxy(num_outputs=1)
        self.penalty = config.constraint.penalty()
        self._penalty_seen = 0  # trials already fed to the penalty weight
        self._log_metric: List[bool] = []
        loop = config.loop
        self.distribution = ArchitectureDistribution(self.space, loop.num_groups, self.rng, loop.lhs_lower,
                                                     loop.lhs_range, loop.beta_lhs_lower, loop.beta_lhs_range)
        self.gradient_search = GradientSearch(self.distribution, self.space, config.search, self.generator)
        self._encodings: Dict[Hashable, Tuple[torch.Tensor, torch.Tensor]] = {}
        self._stale_steps = [0] * loop.num_groups
        self.step_log: List[Dict[str, Any]] = []
        self._warned_invalid = False
        self._valid_fraction = 1.0
        self._best_target: Optional[torch.Tensor] = None  # the fitted targets, standardised (selection "ei")
        self._local_keys: Set[Hashable] = set()  # keys of this step's incumbent neighbours (ei_scope "local")
        self._climbed_keys: Set[Hashable] = set()  # keys of this step's cells reached only by climbing (climb_moves)
        self._stalled_step = False  # this step follows a stall (ei_when_stalled): it selects by expected improvement

    def prepare(self, objective: Any) -> None:
        """Refuse an objective whose dataset or constraint has another preset than the one this strategy
        was built with (only when no config was given): nothing is rebuilt, the user says which preset.

        Raises:
            ValueError: The presets differ; the message names the settings and how to build the strategy.
        """
        if self._preset is None or self.history.num_started:
            return
        dataset = getattr(objective, "dataset", None)
        if dataset is None:  # an objective that names no dataset (a plain callable): the one built for
            dataset = self._preset[0]
        constrained = getattr(objective, "constraint", None) is not None
        try:
            dataset, wanted = resolve_settings(self.space, dataset, constrained)
        except ValueError:  # an objective of the user's own, with a dataset of its own: no preset to compare
            return
        if wanted != self.config:
            mine, theirs = self.config.to_dict(), wanted.to_dict()
            changed = ", ".join(f"{k} {mine[k]} vs {theirs[k]}" for k in mine if mine[k] != theirs[k])
            built = f"{self.space.name}/{self._preset[0]}" + (" constrained" if self._preset[1] else "")
            raise ValueError(
                f"this OptiProxy was built with the {built} preset, but the objective is "
                f"{dataset}{' under a constraint' if constrained else ''}, whose preset differs ({changed}); "
                f"build it for the objective: OptiProxy(space, dataset={dataset!r}"
                f"{', constrained=True' if constrained else ''}), or pass a config")

    def settings(self) -> Dict[str, Any]:
        return self.config.to_dict()

    def _build_proxy(self, num_outputs: int) -> None:
        """A freshly initialised proxy (seeded) with ``num_outputs`` heads, and its trainer."""
        self.proxy = self.config.model.build(self.space.num_nodes, self.space.num_features, num_outputs, self.seed)
        self.num_outputs = num_outputs
        self._initial_proxy_state = {k: v.clone() for k, v in self.proxy.state_dict().items()}
        self.trainer = ProxyTrainer(self.proxy, self.config.fit, self.generator)
        c = self.config
        expected = c.loop.selection == "ei" or c.loop.ei_when_stalled > 0
        self.ensemble = (ProxyEnsemble(c.model, c.fit, self.space.num_nodes, self.space.num_features, num_outputs,
                                       [member_seed(self.seed, m) for m in range(1, c.loop.ensemble_size)],
                                       self.generator)
                         if expected and c.loop.ei_model == "ensemble" else None)
        self.gp = (CategoricalGP(self.space.num_op_slots + self.space.topology.num_slots)
                   if expected and c.loop.ei_model == "gp" else None)

    @property
    def constraints(self) -> Tuple[Constraint, ...]:
        """The constraints the objective reports with its evaluations (``()``: unconstrained)."""
        return constraints_of(self.history.trials)

    # --------------------------------------------------------------- propose
    def propose(self) -> List[Architecture]:
        loop, history = self.config.loop, self.history
        # Random until num_init are started (told or in flight with concurrent workers) and at
        # least half of them came back successfully: a proxy fitted on fewer points is noise.
        if history.num_started < loop.num_init or len(self._successes()) < max(1, loop.num_init // 2):
            return [sample_unseen(self) for _ in range(max(1, loop.num_init - history.num_started))]
        with torch_threads():
            return self.step()

    def step(self) -> List[Architecture]:
        """One fit -> search -> sample -> select step; returns the B architectures to evaluate."""
        c = self.config
        constraints = self.constraints
        if self.num_outputs != 1 + len(constraints):
            self._build_proxy(num_outputs=1 + len(constraints))  # accuracy and each constrained metric
        x, adj, y = self._training_data(constraints)
        if not c.model.warm_start:
            self.trainer = ProxyTrainer.restarted(self.proxy, self._initial_proxy_state, c.fit, self.generator)
        # the ablation with both components off (uniform candidates, random selection) never uses the proxy
        uses_proxy = c.loop.sampling != "uniform" or c.loop.selection != "random"
        fit_loss = self.trainer.fit(x, adj, y) if uses_proxy else None
        self._stalled_step = self._stalled()
        expected = self._by_expected_improvement()
        if self.ensemble is not None and expected:
            self.ensemble.fit(x, adj, y)
        if expected:
            self._best_target = self.trainer.standardizer.transform(y)
        if self.gp is not None and expected:
            accuracy = self._best_target if self._best_target.dim() == 1 else self._best_target[:, 0]
            self.gp.fit(categorical_codes([t.arch for t in self._successes()]), accuracy)
        score = None
        if constraints:
            self._update_penalty()
            score = self._relaxed_score(constraints)
        restarted = self._restart_stale_groups()
        trace = self.gradient_search.run(self.proxy, score) if c.search.epochs and uses_proxy else []
        candidates = self._candidates()
        if c.loop.climb_moves:
            candidates = self._climbed(candidates, constraints)
        chosen = self._top_up(self._select(candidates, constraints))
        self.step_log.append({"evaluations": len(self.history.trials), "fit_loss": fit_loss,
                              "fit_epochs": self.trainer.last_epochs if uses_proxy else 0,
                              "search_objective": trace[-1] if trace else None, "candidates": len(candidates),
                              "valid_draws": self._valid_fraction, "restarted_groups": restarted,
                              "stalled": self._stalled_step,
                              **({"climbed": sum(self.space.key(a) in self._climbed_keys for a in chosen)}
                                 if c.loop.climb_moves else {}),
                              **({"penalty_weight": self.penalty.weight} if constraints else {})})
        return chosen

    def _by_expected_improvement(self) -> bool:
        """This step selects by expected improvement: selection ``ei``, or a stalled step (``ei_when_stalled``)."""
        return self.config.loop.selection == "ei" or self._stalled_step

    def _stalled(self) -> bool:
        """``ei_when_stalled`` > 0 and none of the last ``ei_when_stalled`` x B successful trials beat the best
        (feasible first) of the trials before them."""
        loop = self.config.loop
        recent = loop.ei_when_stalled * loop.batch_size
        done = self._successes()
        if not recent or len(done) <= recent:
            return False
        return max(t.rank_key() for t in done[-recent:]) <= max(t.rank_key() for t in done[:-recent])

    def _top_up(self, chosen: List[Architecture]) -> List[Architecture]:
        """``chosen`` filled up to the batch size with random unseen architectures when the candidate pool ran
        short; fewer when fewer unseen architectures are left (the space runs out only when none is)."""
        taken = {self.space.key(a) for a in chosen}
        while len(chosen) < self.config.loop.batch_size:
            try:
                arch = sample_unseen(self, exclude_keys=taken)
            except SpaceExhaustedError:
                if chosen:
                    break
                raise
            chosen.append(arch)
            taken.add(self.space.key(arch))
        return chosen

    def _restart_stale_groups(self) -> List[int]:
        """Redraw every group whose most likely architecture was already evaluated at ``restart_stale``
        consecutive steps (a group collapsed onto a known point); returns the groups redrawn."""
        patience = self.config.loop.restart_stale
        if not patience:
            return []
        restarted = []
        for k, mode in enumerate(self.distribution.modes()):
            stale = self.space.is_valid(mode) and self.history.is_seen_key(self.space.key(mode))
            self._stale_steps[k] = self._stale_steps[k] + 1 if stale else 0
            if self._stale_steps[k] >= patience:
                self.distribution.redraw(k, self.rng)
                self.gradient_search.reset_group(k)
                self._stale_steps[k] = 0
                restarted.append(k)
        return restarted

    # ------------------------------------------------------------ constraint
    def _metric_transform(self, values: torch.Tensor) -> torch.Tensor:
        """Constrained metrics ``[..., M]`` as the proxy models them (the log of those in ``_log_metric``)."""
        logged = torch.tensor(self._log_metric, dtype=torch.bool)
        return torch.where(logged, torch.log(values.clamp_min(1e-300)), values)

    def _limits(self, constraints: Sequence[Constraint]) -> torch.Tensor:
        """The limits ``[M]`` in the proxy's standardised units."""
        raw = self._metric_transform(torch.tensor([c.max for c in constraints], dtype=torch.float64))
        columns = self.trainer.standardizer.columns[1:]
        return torch.tensor([(float(r) - s.mean) / s.std for r, s in zip(raw, columns)])

    def _update_penalty(self) -> None:
        """Feed the feasible fraction of the evaluations told since the last step to the penalty weight."""
        trials = self.history.trials
        new = [t for t in trials[self._penalty_seen:] if not t.failed]
        self._penalty_seen = len(trials)
        if new:
            self.penalty.update(sum(t.feasible for t in new) / len(new))

    def _relaxed_score(self, constraints: Sequence[Constraint]) -> Callable[[torch.Tensor], torch.Tensor]:
        """The gradient search's objective: :func:`penalised_score` at the current weight (unconstrained:
        the predicted value)."""
        limits, weight = (self._limits(constraints) if constraints else None), self.penalty.weight
        return lambda output: penalised_score(output, limits, weight)

    def _candidates(self) -> List[Architecture]:
        """Q/K draws per group conditioned on validity (or uniform draws for the ablation), plus the
        neighbours of the ``local_candidates`` best trials; unseen and distinct by key."""
        loop = self.config.loop
        if loop.sampling == "uniform":
            draws = [self.space.sample(self.rng) for _ in range(loop.num_groups * loop.candidates_per_group)]
            self._valid_fraction = 1.0
        else:
            groups = [self.distribution.sample_valid(k, loop.candidates_per_group, self.rng, loop.op_noise)
                      for k in range(loop.num_groups)]
            draws = [arch for group in groups for arch in group.archs]
            self._valid_fraction = len(draws) / (loop.num_groups * loop.candidates_per_group)
            self._warn_if_few_valid()
            local = self._local_candidates(loop.local_candidates)
            self._local_keys = {self.space.key(arch) for arch in local}
            draws += local
        return self.space.distinct_unseen(draws, self.history.is_seen_key)

    def _local_candidates(self, incumbents: int) -> List[Architecture]:
        """The valid one-edit neighbours of the ``incumbents`` best successful trials (best first)."""
        return [arch for trial in self._best_trials(incumbents) for arch in self.space.neighbours(trial.arch)]

    def _best_trials(self, count: int) -> List[Trial]:
        """The ``count`` best successful trials, best first (stable: the earlier trial on ties)."""
        return sorted(self._successes(), key=lambda t: -t.value)[:count]

    def _climbed(self, candidates: List[Architecture], constraints: Sequence[Constraint]) -> List[Architecture]:
        """``candidates`` and the cells reached by ``climb_moves`` one-edit moves uphill on the proxy's
        (penalised) prediction, from the B best candidates and the ``local_candidates`` best trials; each move
        goes to the best unseen valid neighbour and only if it is predicted better (cf. part 10 of
        ``docs/nasbench_graph_study.md``). All climbers move together: one prediction per move."""
        loop = self.config.loop
        score = self._proxy_score(constraints)
        starts: List[Architecture] = []
        if candidates:
            starts = [candidates[i] for i in np.argsort(-score(candidates), kind="stable")[: loop.batch_size]]
        climbers = starts + [t.arch for t in self._best_trials(loop.local_candidates)]
        heights = score(climbers) if climbers else np.empty(0)
        reached: List[Architecture] = []
        for _ in range(loop.climb_moves):
            around = [self.space.distinct_unseen(self.space.neighbours(a), self.history.is_seen_key) for a in climbers]
            flat = [arch for cells in around for arch in cells]
            if not flat:
                break
            predicted, moved, offset = score(flat), [], 0
            for arch, height, cells in zip(climbers, heights, around):
                if cells:
                    top = offset + int(np.argmax(predicted[offset: offset + len(cells)]))
                    if predicted[top] > height:
                        moved.append((flat[top], predicted[top]))
                offset += len(cells)
            if not moved:
                break
            climbers, heights = [arch for arch, _ in moved], np.array([height for _, height in moved])
            reached += climbers
        pool = {self.space.key(a) for a in candidates}
        self._climbed_keys = {self.space.key(a) for a in reached} - pool
        return self.space.distinct_unseen(candidates + reached, self.history.is_seen_key)

    def _proxy_score(self, constraints: Sequence[Constraint]) -> Callable[[Sequence[Architecture]], np.ndarray]:
        """The first proxy's standardised prediction of architectures, scored by :meth:`_relaxed_score`, as a
        function."""
        relaxed = self._relaxed_score(constraints)

        def score(archs: Sequence[Architecture]) -> np.ndarray:
            x, adj = self.space.encode_batch(list(archs))
            return relaxed(self.trainer.predict(x, adj, standardised=True)).numpy()
        return score

    def _warn_if_few_valid(self) -> None:
        """Say once when the draws conditioned on validity mostly failed (:mod:`~naslib_optiproxy.conditional`)."""
        if self._valid_fraction < 0.5 and not self._warned_invalid:
            self._warned_invalid = True
            how = "among the codec's weighted proposals" if self.space.has_proposal else f"within {MAX_ROUNDS} redraws"
            warnings.warn(f"{self.space.name}: only {self._valid_fraction:.0%} of the draws from the (alpha, beta) "
                          f"groups found a valid architecture {how}; OptiProxy tops each batch "
                          f"up with random valid architectures", RuntimeWarning, stacklevel=3)

    def _select(self, candidates: List[Architecture], constraints: Sequence[Constraint] = ()) -> List[Architecture]:
        """The B candidates with the highest predicted value (or B random ones for the ablation).

        Under constraints, predicted-feasible candidates come first, then the predicted-infeasible
        ones, each group by :func:`penalised_score` (the gradient search's objective). With selection
        ``ei``, the highest expected improvement fills the batch, or its last ``ei_slots`` slots.
        """
        loop = self.config.loop
        if not candidates:
            return []
        if loop.selection == "random":
            order = self.rng.permutation(len(candidates))[: loop.batch_size]
            return [candidates[i] for i in order]
        x, adj = self.space.encode_batch(candidates)
        output = self.trainer.predict(x, adj, standardised=True)  # the first proxy's, once for both rankings
        chosen: List[int] = []
        expected = self._by_expected_improvement()
        if not expected or 0 < loop.ei_slots < loop.batch_size:  # the first proxy's best
            order, scores = self._rank_by_proxy(output, constraints)
            by_proxy = loop.batch_size - (loop.ei_slots if expected else 0)
            self._take(order, scores, by_proxy, chosen)
        if expected:  # the rest by expected improvement
            outside = None
            if loop.ei_scope == "local":
                outside = np.array([self.space.key(arch) not in self._local_keys for arch in candidates])
            order, scores = self._rank_by_expected_improvement(output, x, adj, candidates, constraints, outside)
            self._take(order, scores, loop.batch_size, chosen)
        return [candidates[i] for i in chosen]

    def _take(self, order: np.ndarray, scores: np.ndarray, size: int, chosen: List[int]) -> None:
        """Append to ``chosen`` the indices of ``order`` not in it until it holds ``size``; with
        ``distinct_scores`` at most one per distinct score of this ranking."""
        used, taken = set(), set(chosen)
        for i in order:
            if len(chosen) >= size:
                return
            if i in taken or (self.config.loop.distinct_scores and scores[i] in used):
                continue
            used.add(scores[i])
            chosen.append(int(i))
            taken.add(i)

    def _rank_by_proxy(self, output: torch.Tensor,
                       constraints: Sequence[Constraint]) -> Tuple[np.ndarray, np.ndarray]:
        """Candidates ordered by the first proxy's standardised prediction ``output`` (under constraints
        the predicted-feasible first, each part by penalised score), and the predicted values, for
        ``distinct_scores``."""
        if not constraints:
            scores = self.trainer.standardizer.inverse(output).numpy()  # in the targets' units, as reported
            return np.argsort(-scores, kind="stable"), scores
        limits = self._limits(constraints)
        relaxed = penalised_score(output, limits, self.penalty.weight).numpy()
        feasible = predicted_feasible(output, limits).numpy()
        return np.lexsort((-relaxed, ~feasible)), output[:, 0].numpy()

    def _rank_by_expected_improvement(self, output: torch.Tensor, x: torch.Tensor, adj: torch.Tensor,
                                      candidates: Sequence[Architecture], constraints: Sequence[Constraint],
                                      outside: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
        """Candidates ordered by expected improvement over the best evaluated (penalised) score (ties, e.g.
        none expected, by the mean; under constraints the predicted-feasible first); and the mean, for
        ``distinct_scores``. The mean and spread are those of the first proxy's standardised prediction
        ``output`` and the ensemble's, or (``ei_model`` ``gp``) the GP's accuracy with the first proxy's
        constrained metrics. Candidates marked ``outside`` (ei_scope ``local``: not an incumbent's
        neighbour) follow all the others, by the mean."""
        limits = self._limits(constraints) if constraints else None
        weight = self.penalty.weight
        if self.gp is not None:
            accuracy, spread = self.gp.predict(categorical_codes(candidates))
            outputs = (accuracy.float() if output.dim() == 1
                       else torch.cat([accuracy.float()[:, None], output[:, 1:]], dim=1))[None]
            mean = penalised_score(outputs[0], limits, weight).double()
        else:
            outputs = torch.cat([output[None], self.ensemble.predict(x, adj)])
            members = torch.stack([penalised_score(o, limits, weight) for o in outputs])
            mean, spread = members.mean(0), members.std(0)
        best = float(penalised_score(self._best_target, limits, weight).max())
        ei = expected_improvement(mean, spread, best).numpy()
        if outside is not None:  # ei_scope "local": the others after every neighbour, by the mean
            ei[outside] = -np.inf
        scores = mean.numpy()
        if not constraints:
            return np.lexsort((-scores, -ei)), scores
        feasible = predicted_feasible(outputs.mean(0), limits).numpy()
        return np.lexsort((-scores, -ei, ~feasible)), scores

    # --------------------------------------------------------------- helpers
    def _successes(self) -> List[Trial]:
        return [t for t in self.history.trials if not t.failed]

    def _training_data(self, constraints: Sequence[Constraint] = ()) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Encodings and targets of the successful trials: ``y [n]``, or ``[n, 1 + M]`` with the constrained metrics."""
        done = self._successes()
        new = [t.arch for t in done if self.space.key(t.arch) not in self._encodings]
        if new:
            xs, adjs = self.space.encode_batch(new)
            for arch, xi, ai in zip(new, xs, adjs):
                self._encodings[self.space.key(arch)] = (xi, ai)
        pairs = [self._encodings[self.space.key(t.arch)] for t in done]
        x = torch.stack([p[0] for p in pairs])
        adj = torch.stack([p[1] for p in pairs])
        y = torch.tensor([t.value for t in done], dtype=torch.float32)
        if constraints:
            measured = [{v.metric: v.value for v in t.constraints} for t in done]
            metrics = torch.tensor([[m[c.metric] for c in constraints] for m in measured], dtype=torch.float64)
            # model the log of a metric when constraint_log and its limit and every value are positive
            self._log_metric = [self.config.constraint.log and c.max > 0 and bool((metrics[:, j] > 0).all())
                                for j, c in enumerate(constraints)]
            y = torch.cat([y[:, None], self._metric_transform(metrics).float()], dim=1)
        return x, adj, y

    # ----------------------------------------------------------------- state
    def state_dict(self) -> Dict[str, Any]:
        """RNG states, (alpha, beta), proxy weights and optimizer moments (the history is the study's)."""
        state = super().state_dict()
        state.update(
            torch_rng=self.generator.get_state(),
            num_outputs=self.num_outputs,
            penalty_weight=self.penalty.weight,
            penalty_seen=self._penalty_seen,
            log_metric=list(self._log_metric),
            proxy=self.proxy.state_dict(),
            initial_proxy=self._initial_proxy_state,
            proxy_optimizer=self.trainer.optimizer.state_dict(),
            proxy_fits=self.trainer.fits,
            stale_steps=list(self._stale_steps),
            ensemble=self.ensemble.state_dict() if self.ensemble is not None else None,
            gp=self.gp.state_dict() if self.gp is not None else None,
            best_target=self._best_target,
            distribution=self.distribution.state_dict(),
            alpha_optimizer=self.gradient_search.alpha_optimizer.state_dict(),
            beta_optimizer=(self.gradient_search.beta_optimizer.state_dict()
                            if self.gradient_search.beta_optimizer else None),
        )
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        if state.get("num_outputs", 1) != self.num_outputs:
            self._build_proxy(state["num_outputs"])
        self.penalty.weight = float(state.get("penalty_weight", self.config.constraint.weight))
        self._penalty_seen = int(state.get("penalty_seen", 0))
        self._log_metric = [bool(b) for b in state.get("log_metric", [])]
        self.generator.set_state(state["torch_rng"])
        self.proxy.load_state_dict(state["proxy"])
        self._initial_proxy_state = {k: v.clone() for k, v in state["initial_proxy"].items()}
        self.trainer.optimizer.load_state_dict(state["proxy_optimizer"])
        self.trainer.fits = int(state.get("proxy_fits", 0))
        self._stale_steps = [int(n) for n in state.get("stale_steps", [0] * self.config.loop.num_groups)]
        if self.ensemble is not None:
            self.ensemble.load_state_dict(state["ensemble"])
        if self.gp is not None:
            self.gp.load_state_dict(state["gp"])
        self._best_target = state.get("best_target")
        self.distribution.load_state_dict(state["distribution"])
        self.gradient_search.alpha_optimizer.load_state_dict(state["alpha_optimizer"])
        if state["beta_optimizer"] is not None:
            self.gradient_search.beta_optimizer.load_state_dict(state["beta_optimizer"])
