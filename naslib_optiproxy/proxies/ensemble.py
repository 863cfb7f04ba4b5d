"""More proxies for the selection: their spread as the uncertainty of expected improvement (not in the paper).

The paper's selection takes the B candidates with the highest prediction of one fitted proxy, a point
estimate: where it cannot rank the best cells apart (NAS-Bench-Graph, ``docs/nasbench_graph_study.md``)
nothing tells a confident prediction from a guess. A GP's expected improvement does, and Optuna's GP
sampler leads there. :class:`ProxyEnsemble` fits more proxies of the same family on the same data from
other initialisations (a deep ensemble, Lakshminarayanan et al. 2017; BANANAS, White et al. 2021,
selects with an ensemble's spread the same way); :func:`expected_improvement` is the GP's acquisition
with the members' mean and standard deviation in place of the posterior's.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch
from torch import nn

from .factory import ProxySettings
from .fit import FitSettings, ProxyTrainer


def member_seed(seed: int, member: int) -> int:
    """The initialisation seed of ensemble member ``member`` (>= 1; member 0 is the strategy's own proxy)."""
    return int(np.random.SeedSequence([seed, member]).generate_state(1)[0])


class ProxyEnsemble:
    """One proxy per seed, all fitted on the same data, each from its own seeded initialisation.

    Each member has its own trainer (its own optimizer moments and target map, which is the same
    function of the same targets for every member); with ``warm_start`` a member keeps its weights
    between fits, as the strategy's proxy does.

    Args:
        model: The proxy family and size (every member alike).
        fit: The fit settings (every member alike).
        num_nodes, num_features, num_outputs: The codec's graph layout and the heads.
        seeds: One initialisation seed per member.
        generator: Draws the fits' mini-batch orders.
    """

    def __init__(self, model: ProxySettings, fit: FitSettings, num_nodes: int, num_features: int, num_outputs: int,
                 seeds: List[int], generator: Optional[torch.Generator] = None) -> None:
        self.model_settings, self.fit_settings, self.generator = model, fit, generator
        self.members: List[Tuple[nn.Module, ProxyTrainer]] = []
        self._initial: List[dict] = []
        for seed in seeds:
            proxy = model.build(num_nodes, num_features, num_outputs, seed)
            self._initial.append({k: v.clone() for k, v in proxy.state_dict().items()})
            self.members.append((proxy, ProxyTrainer(proxy, fit, generator)))

    def __len__(self) -> int:
        return len(self.members)

    def fit(self, x: torch.Tensor, adj: torch.Tensor, y: torch.Tensor) -> None:
        """Fit every member on ``x [n, N, F]``, ``adj [n, N, N]``, raw targets ``y [n]`` or ``[n, M]``."""
        for i, (proxy, trainer) in enumerate(self.members):
            if not self.model_settings.warm_start:
                trainer = ProxyTrainer.restarted(proxy, self._initial[i], self.fit_settings, self.generator)
                self.members[i] = (proxy, trainer)
            trainer.fit(x, adj, y)

    def state_dict(self) -> List[Dict[str, Any]]:
        """Each member's weights, initial weights, optimizer moments and fit count."""
        return [{"proxy": proxy.state_dict(), "initial": initial, "optimizer": trainer.optimizer.state_dict(),
                 "fits": trainer.fits} for (proxy, trainer), initial in zip(self.members, self._initial)]

    def load_state_dict(self, state: List[Dict[str, Any]]) -> None:
        if len(state) != len(self.members):
            raise ValueError(f"the state holds {len(state)} ensemble members, this ensemble has {len(self.members)}")
        for i, ((proxy, trainer), member) in enumerate(zip(self.members, state)):
            proxy.load_state_dict(member["proxy"])
            self._initial[i] = {k: v.clone() for k, v in member["initial"].items()}
            trainer.optimizer.load_state_dict(member["optimizer"])
            trainer.fits = int(member["fits"])

    def predict(self, x: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        """Every member's standardised prediction, stacked: ``[size, B]`` (or ``[size, B, M]``)."""
        return torch.stack([trainer.predict(x, adj, standardised=True) for _, trainer in self.members])


def expected_improvement(mean: torch.Tensor, std: torch.Tensor, best: float) -> torch.Tensor:
    """``E[max(f - best, 0)]`` for ``f ~ Normal(mean, std**2)``, elementwise; ``max(mean - best, 0)`` where ``std`` is 0.

    Computed in float64 as ``std * (z Phi(z) + phi(z))``: in float32 the two terms cancel a few standard
    deviations below ``best``, where the candidates being told apart lie. Returns float64.
    """
    mean, std = mean.double(), std.double()
    improvement = mean - best
    safe = std.clamp_min(1e-12)
    z = improvement / safe
    normal = torch.distributions.Normal(torch.zeros((), dtype=torch.float64), torch.ones((), dtype=torch.float64))
    ei = safe * (z * normal.cdf(z) + torch.exp(normal.log_prob(z)))
    return torch.where(std > 0, ei.clamp_min(0.0), improvement.clamp_min(0.0))


__all__ = ["ProxyEnsemble", "expected_improvement", "member_seed"]
