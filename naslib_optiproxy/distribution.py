"""K groups of architecture parameters (alpha, beta) and their two samplers.

``alpha: [K, num_op_slots, num_ops]`` are the categorical logits of Eq. (5);
``beta`` depends on the codec's topology: ``[K, slots, max_candidates]`` logits of a
choice per slot (:class:`ChoiceTopology`), ``[K, slots]`` Bernoulli log-odds of Eq. (6)
(:class:`BernoulliTopology`), or absent (:class:`FixedTopology`).

:meth:`ArchitectureDistribution.relaxed` draws one differentiable sample per group
(Eq. 9/10) for the gradient search; :meth:`ArchitectureDistribution.sample_valid` draws
discrete architectures (Eq. 5/6) from one group, conditioned on validity
(:mod:`~naslib_optiproxy.conditional`).
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import numpy as np
import torch
from torch import nn

from .conditional import SlotProbabilities, ValidDraws, architectures, importance_resampling, rejection
from .relaxations import binary_concrete, gumbel_softmax, latin_hypercube, sample_categorical
from .spaces import Architecture, BernoulliTopology, ChoiceTopology, SearchSpace


class ArchitectureDistribution(nn.Module):
    """Learnable (alpha, beta) for ``num_groups`` independent groups, LHS-initialised.

    Args:
        space: The search-space codec (shapes and topology kind).
        num_groups: K, the number of (alpha, beta) groups.
        rng: Numpy generator for the Latin-hypercube initialisation.
        lhs_lower, lhs_width: alpha is initialised in ``[lhs_lower, lhs_lower + lhs_width]``.
        beta_lhs_lower, beta_lhs_width: the same for beta.
    """

    def __init__(
        self,
        space: SearchSpace,
        num_groups: int,
        rng: np.random.Generator,
        lhs_lower: float = 0.0,
        lhs_width: float = 1.0,
        beta_lhs_lower: float = -0.5,
        beta_lhs_width: float = 1.0,
    ) -> None:
        super().__init__()
        self.space = space
        self.num_groups = num_groups
        self.init_ranges = ((lhs_lower, lhs_width), (beta_lhs_lower, beta_lhs_width))
        shape = (num_groups, space.num_op_slots, space.num_ops)
        alpha = latin_hypercube(num_groups, int(np.prod(shape[1:])), rng, lhs_lower, lhs_width)
        self.alpha = nn.Parameter(torch.as_tensor(alpha, dtype=torch.float32).reshape(shape))
        topo = space.topology
        self.register_buffer("choice_mask", None)
        if isinstance(topo, ChoiceTopology):
            beta_shape = (num_groups, topo.num_slots, topo.max_candidates)
            self.choice_mask = topo.mask()
        elif isinstance(topo, BernoulliTopology):
            beta_shape = (num_groups, topo.num_slots)
        else:
            beta_shape = None
        self.beta: Optional[nn.Parameter] = None
        if beta_shape is not None:
            beta = latin_hypercube(num_groups, int(np.prod(beta_shape[1:])), rng, beta_lhs_lower, beta_lhs_width)
            self.beta = nn.Parameter(torch.as_tensor(beta, dtype=torch.float32).reshape(beta_shape))

    # -------------------------------------------------------------- relaxed
    def relaxed(
        self, tau: float, generator: Optional[torch.Generator] = None, straight_through: bool = False
    ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """One relaxed sample per group: op weights ``[K, S, M]`` and topology weights."""
        ops = gumbel_softmax(self.alpha, tau, generator, straight_through)
        if self.beta is None:
            return ops, None
        if self.choice_mask is not None:
            return ops, gumbel_softmax(self.beta, tau, generator, straight_through, self.choice_mask)
        return ops, binary_concrete(self.beta, tau, generator, straight_through)

    @torch.no_grad()
    def redraw(self, group: int, rng: np.random.Generator) -> None:
        """Draw group ``group``'s alpha (and beta) afresh, uniformly in the initialisation ranges."""
        (low, width), (beta_low, beta_width) = self.init_ranges
        self.alpha[group] = torch.as_tensor(low + width * rng.random(self.alpha.shape[1:]), dtype=self.alpha.dtype)
        if self.beta is not None:
            self.beta[group] = torch.as_tensor(beta_low + beta_width * rng.random(self.beta.shape[1:]),
                                               dtype=self.beta.dtype)

    @torch.no_grad()
    def modes(self) -> List[Architecture]:
        """Each group's most likely architecture (argmax of every op and topology choice; not checked for validity)."""
        ops = self.alpha.argmax(-1).numpy()
        if self.beta is None:
            topology = np.zeros((self.num_groups, 0), dtype=np.int64)
        elif self.choice_mask is not None:
            topology = self.beta.masked_fill(~self.choice_mask, float("-inf")).argmax(-1).numpy()
        else:
            topology = (self.beta > 0).long().numpy()
        return architectures(ops, topology)

    # ------------------------------------------------------------- discrete
    @torch.no_grad()
    def op_probabilities(self) -> np.ndarray:
        """softmax(alpha): ``[K, S, M]``."""
        return torch.softmax(self.alpha, -1).numpy().astype(np.float64)

    @torch.no_grad()
    def topology_probabilities(self) -> Optional[np.ndarray]:
        """Per-slot choice probabilities ``[K, T, C]`` or edge probabilities ``[K, T]``."""
        if self.beta is None:
            return None
        if self.choice_mask is not None:
            return torch.softmax(self.beta.masked_fill(~self.choice_mask, float("-inf")), -1).numpy().astype(np.float64)
        return torch.sigmoid(self.beta).numpy().astype(np.float64)

    def sample_valid(self, group: int, n: int, rng: np.random.Generator, op_noise: float = 0.0) -> ValidDraws:
        """``n`` discrete architectures from group ``group`` (Eq. 5 and 6), conditioned on validity.

        Spaces with validity rules get draws from the group's distribution given that the
        architecture is valid (:mod:`~naslib_optiproxy.conditional`): importance resampling where
        the codec offers a proposal, else rejection starting from :meth:`product_draws`. A draw
        that stays invalid is dropped, so fewer than ``n`` may come back; the result says how
        many were requested and proposed.

        Args:
            op_noise: Exploration: add ``op_noise * U(0, 1)`` to every op (and choice)
                probability before renormalising (the authors' release uses 0.3 on NB201).
                0 samples exactly from the optimised distribution.
        """
        if self.space.has_proposal:
            return importance_resampling(self.space, self.slot_probabilities(group, n, rng, op_noise), rng)
        probs, first = self.product_draws(group, n, rng, op_noise)
        return rejection(self.space, probs, first, rng)

    def slot_probabilities(self, group: int, n: int, rng: np.random.Generator,
                           op_noise: float = 0.0) -> SlotProbabilities:
        """Per-draw probabilities of group ``group``'s product distribution, each with its own noise."""
        op_probs = self._noisy(self.op_probabilities()[group], n, op_noise, rng)
        return SlotProbabilities(op_probs, self._topology_rows(group, n, op_noise, rng), self._bernoulli)

    def product_draws(self, group: int, n: int, rng: np.random.Generator,
                      op_noise: float = 0.0) -> Tuple[SlotProbabilities, List[Architecture]]:
        """``n`` plain draws of Eq. 5 and 6 from group ``group``, not conditioned on validity, with
        the per-draw probabilities they came from (ops drawn before the topology's noise)."""
        op_probs = self._noisy(self.op_probabilities()[group], n, op_noise, rng)
        ops = sample_categorical(op_probs, rng)
        probs = SlotProbabilities(op_probs, self._topology_rows(group, n, op_noise, rng), self._bernoulli)
        return probs, architectures(ops, probs.draw_topology(rng))

    @property
    def _bernoulli(self) -> bool:
        return self.beta is not None and self.choice_mask is None

    def _topology_rows(self, group: int, n: int, noise: float, rng: np.random.Generator) -> Optional[np.ndarray]:
        """Per-draw topology probabilities of ``group``: noisy choice rows, or the edge probabilities."""
        topo_probs = self.topology_probabilities()
        if topo_probs is None:
            return None
        if self.choice_mask is not None:
            return self._noisy(topo_probs[group], n, noise, rng) * self.choice_mask.numpy()
        return np.broadcast_to(topo_probs[group], (n,) + topo_probs[group].shape)

    @staticmethod
    def _noisy(probs: np.ndarray, n: int, noise: float, rng: np.random.Generator) -> np.ndarray:
        """``[n, ...]`` copies of ``probs``, each with its own uniform exploration noise."""
        probs = np.broadcast_to(probs, (n,) + probs.shape)
        if noise <= 0:
            return probs
        return probs + noise * rng.random(probs.shape)
