"""Algorithm 2: the OptiProxy-NAS loop as an ask/tell optimizer.

One step: fit the proxy on all evaluated architectures (line 6), optimise the K
(alpha, beta) groups through it with Algorithm 1 (line 7), draw Q/K candidates from
every group, drop already-evaluated (or pending) ones by canonical key, select the B
best by the proxy (line 8); the caller evaluates them (line 9) and tells the results
(line 10). The first ``num_init`` architectures are uniformly random (line 4).

Under a constraint ``metric <= max`` (reported by the objective, see
:mod:`~naslib_optiproxy.constraints`; paper Sec. 3.2) the proxy gets a second head for the
metric, fitted jointly; the gradient search maximises predicted accuracy minus a weighted
predicted violation, the weight adapting to the feasible fraction of new evaluations
(:class:`~naslib_optiproxy.constraints.PenaltyWeight`); and selection ranks every
predicted-infeasible candidate below every predicted-feasible one.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Dict, Hashable, List, Mapping, Optional, Tuple

import numpy as np
import torch

from ..config import OptiProxyConfig
from ..constraints import Constraint, PenaltyWeight, constraint_of
from ..distribution import ArchitectureDistribution
from ..proxies import ProxyTrainer, build_proxy
from ..search import GradientSearch
from ..spaces import Architecture, SearchSpace
from .base import Optimizer, Trial
from .random_search import sample_unseen


class OptiProxy(Optimizer):
    """OptiProxy-NAS: gradient search of relaxed architectures through a fitted proxy.

    Example:
        >>> from naslib_optiproxy import OptiProxy, OptiProxyConfig, NasBench201
        >>> opt = OptiProxy(NasBench201(), OptiProxyConfig(model_epochs=20, search_epochs=10), seed=0)
        >>> for _ in range(12):
        ...     arch = opt.ask()
        ...     opt.tell(arch, float(sum(arch.ops)))  # any objective to maximise
        >>> opt.best.value >= 12
        True

    Args:
        space: The search-space codec.
        config: Hyperparameters (:class:`~naslib_optiproxy.config.OptiProxyConfig`).
        seed: Seeds every random choice (numpy and torch generators, proxy initialisation).
    """

    name = "optiproxy"

    def __init__(self, space: SearchSpace, config: Optional[OptiProxyConfig] = None, seed: int = 0) -> None:
        super().__init__(space, seed)
        self.config = config or OptiProxyConfig()
        c = self.config
        self.generator = torch.Generator().manual_seed(self.seed)
        self._build_proxy(num_outputs=1)
        self.penalty = PenaltyWeight(c.constraint_weight, c.constraint_target, c.constraint_rate)
        self._penalty_seen = 0  # trials already fed to the penalty weight
        self._log_metric = False
        self.distribution = ArchitectureDistribution(space, c.num_groups, self.rng, c.lhs_lower, c.lhs_range,
                                                     c.beta_lhs_lower, c.beta_lhs_range)
        self.gradient_search = GradientSearch(self.distribution, space, c.search_settings(), self.generator)
        self._encodings: Dict[Hashable, Tuple[torch.Tensor, torch.Tensor]] = {}
        self.step_log: List[Dict[str, Any]] = []
        self._warned_invalid = False

    def _build_proxy(self, num_outputs: int) -> None:
        """A freshly initialised proxy (seeded) with ``num_outputs`` heads, and its trainer."""
        c = self.config
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self.proxy = build_proxy(c.proxy, self.space.num_nodes, self.space.num_features, c.gcn_hidden,
                                     c.gcn_layers, c.linear_size, c.dropout, num_outputs)
        self.num_outputs = num_outputs
        self._initial_proxy_state = {k: v.clone() for k, v in self.proxy.state_dict().items()}
        self.trainer = ProxyTrainer(self.proxy, c.fit_settings(), self.generator)

    @property
    def constraint(self) -> Optional[Constraint]:
        """The constraint the objective reports with its evaluations (``None``: unconstrained)."""
        for trial in self.trials:
            if not trial.failed:
                return constraint_of(trial.info)
        return None

    # --------------------------------------------------------------- propose
    def _propose(self) -> List[Architecture]:
        c = self.config
        # Random until num_init are started (told or in flight with concurrent workers) and at
        # least half of them came back successfully: a proxy fitted on fewer points is noise.
        if self.num_started < c.num_init or len(self._successes()) < max(1, c.num_init // 2):
            return [sample_unseen(self) for _ in range(max(1, c.num_init - self.num_started))]
        return self.step()

    def step(self) -> List[Architecture]:
        """One fit -> search -> sample -> select step; returns the B architectures to evaluate."""
        c = self.config
        constraint = self.constraint
        if constraint is not None and self.num_outputs == 1:
            self._build_proxy(num_outputs=2)  # accuracy and the constrained metric
        if constraint is not None:
            self._update_metric_scale(constraint)
        x, adj, y = self._training_data(constraint)
        if not c.warm_start:
            self.proxy.load_state_dict(self._initial_proxy_state)
            self.trainer = ProxyTrainer(self.proxy, c.fit_settings(), self.generator)
        # the ablation with both components off (uniform candidates, random selection) never uses the proxy
        uses_proxy = c.sampling != "uniform" or c.selection != "random"
        fit_loss = self.trainer.fit(x, adj, y) if uses_proxy else None
        score = None
        if constraint is not None:
            self._update_penalty()
            score = self._relaxed_score(constraint)
        trace = self.gradient_search.run(self.proxy, score) if c.search_epochs and uses_proxy else []
        candidates = self._candidates()
        chosen = self._select(candidates, constraint)
        while len(chosen) < c.batch_size:  # pool exhausted: top up with random unseen architectures
            chosen.append(sample_unseen(self, exclude=chosen))
        self.step_log.append({"evaluations": len(self.trials), "fit_loss": fit_loss,
                              "search_objective": trace[-1] if trace else None, "candidates": len(candidates),
                              **({"penalty_weight": self.penalty.weight} if constraint is not None else {})})
        return chosen

    # ------------------------------------------------------------ constraint
    def _metric_transform(self, values: torch.Tensor) -> torch.Tensor:
        """The constrained metric as the proxy models it (its log if :meth:`_log_metric`)."""
        return torch.log(values) if self._log_metric else values

    def _update_metric_scale(self, constraint: Constraint) -> None:
        """Model the log of the metric when ``constraint_log`` and the limit and every value are positive."""
        values = [float(t.info["constraint"]["value"]) for t in self._successes()]
        self._log_metric = self.config.constraint_log and constraint.max > 0 and min(values) > 0

    def _limit(self, constraint: Constraint) -> float:
        """The constraint's limit in the proxy's metric units."""
        return float(self._metric_transform(torch.tensor(constraint.max, dtype=torch.float64)))

    def _update_penalty(self) -> None:
        """Feed the feasible fraction of the evaluations told since the last step to the penalty weight."""
        new = [t for t in self.trials[self._penalty_seen:] if not t.failed]
        self._penalty_seen = len(self.trials)
        if new:
            self.penalty.update(sum(t.feasible for t in new) / len(new))

    def _relaxed_score(self, constraint: Constraint) -> Callable[[torch.Tensor], torch.Tensor]:
        """Standardised predicted accuracy minus weight x predicted violation (standardised units)."""
        metric = self.trainer.standardizer.columns[1]
        limit = (self._limit(constraint) - metric.mean) / metric.std
        weight = self.penalty.weight

        def score(output: torch.Tensor) -> torch.Tensor:
            return output[:, 0] - weight * torch.relu(output[:, 1] - limit)

        return score

    def _candidates(self) -> List[Architecture]:
        """Q/K draws per group (or uniform draws for the ablation), unseen and distinct by key."""
        c = self.config
        if c.sampling == "uniform":
            draws = [self.space.sample(self.rng) for _ in range(c.num_groups * c.candidates_per_group)]
        else:
            draws = [a for k in range(c.num_groups)
                     for a in self.distribution.sample(k, c.candidates_per_group, self.rng, c.op_noise)]
        valid = [arch for arch in draws if self.space.is_valid(arch)]
        self._warn_if_few_valid(len(valid), len(draws))
        unique: Dict[Hashable, Architecture] = {}
        for arch in valid:
            key = self.space.key(arch)
            if key not in self._seen:
                unique.setdefault(key, arch)
        return list(unique.values())

    def _warn_if_few_valid(self, valid: int, drawn: int) -> None:
        """Say once when the (alpha, beta) draws are mostly invalid cells (spaces with validity rules)."""
        if drawn and valid < 0.05 * drawn and not self._warned_invalid:
            self._warned_invalid = True
            warnings.warn(f"{self.space.name}: only {valid} of {drawn} architectures drawn from the (alpha, beta) "
                          f"groups are valid cells; OptiProxy keeps the valid ones and tops each batch up with "
                          f"random valid architectures, so its search here is close to random search",
                          RuntimeWarning, stacklevel=3)

    def _select(self, candidates: List[Architecture], constraint: Optional[Constraint] = None) -> List[Architecture]:
        """The B candidates with the highest predicted value (or B random ones for the ablation).

        Under a constraint, predicted-feasible candidates come first (by predicted value), then
        the predicted-infeasible ones by predicted value minus the weighted predicted violation.
        """
        c = self.config
        if not candidates:
            return []
        if c.selection == "random":
            order = self.rng.permutation(len(candidates))[: c.batch_size]
            return [candidates[i] for i in order]
        x, adj = self.space.encode_batch(candidates)
        predictions = self.trainer.predict(x, adj).numpy()
        if constraint is None:
            scores = predictions
            order = np.argsort(-scores, kind="stable")
        else:
            scores = predictions[:, 0]
            accuracy, metric = self.trainer.standardizer.columns
            violation = np.maximum(predictions[:, 1] - self._limit(constraint), 0.0) / metric.std
            relaxed = scores / accuracy.std - self.penalty.weight * violation
            feasible = violation <= 0
            order = np.lexsort((-relaxed, ~feasible))  # feasible first, then by relaxed score
        chosen, used = [], set()
        for i in order:
            if c.distinct_scores:
                if scores[i] in used:
                    continue
                used.add(scores[i])
            chosen.append(candidates[i])
            if len(chosen) == c.batch_size:
                break
        return chosen

    # --------------------------------------------------------------- helpers
    def _successes(self) -> List[Trial]:
        return [t for t in self.trials if not t.failed]

    def _training_data(self, constraint: Optional[Constraint] = None) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Encodings and targets of the successful trials: ``y [n]``, or ``[n, 2]`` with the constrained metric."""
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
        if constraint is not None:
            metric = torch.tensor([float(t.info["constraint"]["value"]) for t in done], dtype=torch.float64)
            y = torch.stack([y, self._metric_transform(metric).float()], dim=1)
        return x, adj, y

    # ----------------------------------------------------------------- state
    def state_dict(self) -> Dict[str, Any]:
        """History, RNG states, (alpha, beta), proxy weights and optimizer moments."""
        state = super().state_dict()
        state.update(
            config=self.config.to_dict(),
            torch_rng=self.generator.get_state(),
            num_outputs=self.num_outputs,
            penalty_weight=self.penalty.weight,
            penalty_seen=self._penalty_seen,
            proxy=self.proxy.state_dict(),
            initial_proxy=self._initial_proxy_state,
            proxy_optimizer=self.trainer.optimizer.state_dict(),
            distribution=self.distribution.state_dict(),
            alpha_optimizer=self.gradient_search.alpha_optimizer.state_dict(),
            beta_optimizer=(self.gradient_search.beta_optimizer.state_dict()
                            if self.gradient_search.beta_optimizer else None),
        )
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        if state.get("config") != self.config.to_dict():
            raise ValueError("the saved state was made with a different OptiProxy config; "
                             "build the optimizer with OptiProxyConfig.from_dict(state['config'])")
        super().load_state_dict(state)
        if state.get("num_outputs", 1) != self.num_outputs:
            self._build_proxy(state["num_outputs"])
        self.penalty.weight = float(state.get("penalty_weight", self.config.constraint_weight))
        self._penalty_seen = int(state.get("penalty_seen", 0))
        self.generator.set_state(state["torch_rng"])
        self.proxy.load_state_dict(state["proxy"])
        self._initial_proxy_state = {k: v.clone() for k, v in state["initial_proxy"].items()}
        self.trainer.optimizer.load_state_dict(state["proxy_optimizer"])
        self.distribution.load_state_dict(state["distribution"])
        self.gradient_search.alpha_optimizer.load_state_dict(state["alpha_optimizer"])
        if state["beta_optimizer"] is not None:
            self.gradient_search.beta_optimizer.load_state_dict(state["beta_optimizer"])
