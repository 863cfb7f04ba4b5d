"""Algorithm 1: gradient search of (alpha, beta) through the frozen proxy.

Each iteration draws one relaxed sample per group (Eq. 9, 10), encodes it with the
codec's :meth:`~naslib_optiproxy.spaces.SearchSpace.relaxed_encode`, and maximises the
proxy output summed over the K groups (each group receives its own gradient,
Eq. 8). alpha and beta are updated alternately, ``o_epochs`` iterations of alpha then
``t_epochs`` of beta; the temperature decays linearly from ``base_temp`` to
``min_temp`` and restarts at every call, as do the learning rates, which decay by
``lr_gamma`` every ``lr_step`` iterations. (alpha, beta) and their AdamW moments carry
over between calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, ClassVar, List, Optional

import torch
from torch import nn

from ._settings import setting, validate
from .distribution import ArchitectureDistribution
from .optim import FlatAdamW
from .relaxations import LinearTemperature
from .spaces import SearchSpace


@dataclass
class SearchSettings:
    """Hyperparameters of Algorithm 1 (paper appendix A.9, Table 6), with their config keys."""

    section: ClassVar[str] = "search"  # its part of OptiProxyConfig (config.search)

    epochs: int = setting(300, "search_epochs", low=0, high=100_000, doc="gradient-search iterations per step")
    lr_alpha: float = setting(0.02, "lr_alpha", low=0, doc="AdamW learning rate of alpha (operations)")
    lr_beta: float = setting(0.02, "lr_beta", low=0, doc="AdamW learning rate of beta (topology)")
    weight_decay: float = setting(0.01, "search_weight_decay", low=0, doc="AdamW weight decay of alpha and beta")
    o_epochs: int = setting(15, "o_epochs", low=0, doc="alpha iterations per round")
    t_epochs: int = setting(15, "t_epochs", low=0, doc="beta iterations per round")
    base_temp: float = setting(0.7, "base_temp", above=0, doc="relaxation temperature at the first iteration")
    min_temp: float = setting(0.2, "min_temp", above=0, doc="relaxation temperature at the last iteration")
    lr_gamma: float = setting(0.9, "lr_gamma", above=0, high=1,
                              doc="factor of the search's learning rates every lr_step iterations")
    lr_step: int = setting(10, "lr_step", low=0, doc="iterations between learning-rate decays (0: none)")
    straight_through: bool = setting(False, "straight_through", doc="hard samples with soft gradients")

    def __post_init__(self) -> None:
        validate(self)
        if self.min_temp > self.base_temp:
            raise ValueError(f"search.min_temp ({self.min_temp}) must not exceed base_temp ({self.base_temp})")


class GradientSearch:
    """Optimises an :class:`ArchitectureDistribution` through a frozen proxy.

    Args:
        distribution: The K (alpha, beta) groups, updated in place.
        space: The codec whose ``relaxed_encode`` feeds the proxy.
        settings: :class:`SearchSettings`.
        generator: Torch generator of the Gumbel / logistic noise.
    """

    def __init__(self, distribution: ArchitectureDistribution, space: SearchSpace, settings: SearchSettings,
                 generator: Optional[torch.Generator] = None) -> None:
        self.distribution = distribution
        self.space = space
        self.settings = settings
        self.generator = generator
        self.alpha_optimizer = FlatAdamW([distribution.alpha], lr=settings.lr_alpha, weight_decay=settings.weight_decay)
        self.beta_optimizer = None
        if distribution.beta is not None:
            self.beta_optimizer = FlatAdamW([distribution.beta], lr=settings.lr_beta, weight_decay=settings.weight_decay)

    def reset_group(self, group: int) -> None:
        """Forget group ``group``'s AdamW moments (after :meth:`ArchitectureDistribution.redraw`)."""
        for optimizer, param in ((self.alpha_optimizer, self.distribution.alpha),
                                 (self.beta_optimizer, self.distribution.beta)):
            if optimizer is None:
                continue
            size = param[0].numel()
            optimizer.forget(group * size, (group + 1) * size)

    def _optimizer_at(self, iteration: int) -> FlatAdamW:
        """alpha for ``o_epochs`` iterations, then beta for ``t_epochs``, repeating."""
        if self.beta_optimizer is None:
            return self.alpha_optimizer
        period = self.settings.o_epochs + self.settings.t_epochs
        return self.alpha_optimizer if iteration % period < self.settings.o_epochs else self.beta_optimizer

    def run(self, proxy: nn.Module, score: Optional[Callable[[torch.Tensor], torch.Tensor]] = None) -> List[float]:
        """Run ``epochs`` iterations; returns the mean objective of each iteration.

        Args:
            proxy: The fitted proxy, frozen during the search.
            score: Maps the proxy's output to one value per group to maximise, e.g. accuracy
                minus a weighted predicted constraint violation for a multi-head proxy
                (default: the output itself).
        """
        s = self.settings
        schedule = LinearTemperature(s.base_temp, s.min_temp, s.epochs)
        optimizers = [o for o in (self.alpha_optimizer, self.beta_optimizer) if o is not None]
        for optimizer, lr in zip(optimizers, (s.lr_alpha, s.lr_beta)):
            optimizer.lr = lr
        proxy.eval()
        frozen = [p for p in proxy.parameters() if p.requires_grad]
        for p in frozen:
            p.requires_grad_(False)
        trace = []
        try:
            for iteration in range(s.epochs):
                ops, topology = self.distribution.relaxed(schedule(iteration), self.generator, s.straight_through)
                x, adj = self.space.relaxed_encode(ops, topology)
                output = proxy(x, adj)
                if score is not None:
                    output = score(output)
                optimizer = self._optimizer_at(iteration)
                for o in optimizers:
                    o.zero_grad()
                (-output.sum()).backward()
                optimizer.step()
                trace.append(float(output.detach().mean()))
                if s.lr_step and (iteration + 1) % s.lr_step == 0:
                    for o in optimizers:
                        o.lr *= s.lr_gamma
        finally:
            for p in frozen:
                p.requires_grad_(True)
        return trace
