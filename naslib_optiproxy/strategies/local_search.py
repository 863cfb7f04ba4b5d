"""Local search, White et al. 2021 ("Local search is state of the art for NAS benchmarks"), NASLib's ``ls``."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from ..spaces import SearchSpace
from ..types import Architecture, Trial
from .base import Strategy, sample_unseen


class LocalSearch(Strategy):
    """Hill-climb over one-edit neighbourhoods, restarting from a random architecture at local optima.

    After ``num_init`` random architectures, the best one becomes the *centre*; its
    unevaluated neighbours (:meth:`SearchSpace.neighbours`) are proposed one at a time in
    random order. With ``first_improvement`` the centre moves to the first neighbour
    that beats it and the scan restarts there; otherwise (NASLib's variant) the whole
    neighbourhood is evaluated and the centre moves to its best improving member.
    When a centre's neighbourhood is exhausted without improvement, a new random
    architecture is proposed and, once told, becomes the centre (even if it is worse
    than the best so far). Asking again before telling is allowed: the next unseen
    neighbour of the centre (or a random architecture) is proposed.

    Example:
        >>> from naslib_optiproxy import LocalSearch, NasBench201, Study
        >>> study = Study(LocalSearch(NasBench201(), seed=0, num_init=5))
        >>> best = study.optimize(lambda arch: float(sum(arch.ops)), budget=200)
        >>> best.arch.ops
        (4, 4, 4, 4, 4, 4)

    Args:
        space: The search-space codec.
        seed: Seed of the strategy's random generator.
        num_init: Number of random architectures before the local search starts.
        first_improvement: Move to the first improving neighbour (``True``) or to the best
            one after the whole neighbourhood is evaluated (``False``, as NASLib's ``ls``).
    """

    name = "ls"

    def __init__(
        self, space: SearchSpace, seed: int = 0, num_init: int = 10, first_improvement: bool = False
    ) -> None:
        if num_init < 1:
            raise ValueError(f"num_init must be >= 1, got {num_init}")
        super().__init__(space, seed)
        self.num_init = int(num_init)
        self.first_improvement = bool(first_improvement)
        self._centre: Optional[int] = None  # trial number of the current centre
        self._scan_best: Optional[int] = None  # best improving neighbour so far (best-improvement mode)
        self._queue: List[Architecture] = []  # centre's neighbours not proposed yet, popped from the end
        self._restart: Optional[Architecture] = None  # asked restart architecture awaiting its value

    @property
    def centre(self) -> Optional[Trial]:
        """The trial whose neighbourhood is being scanned (``None`` before the local search starts)."""
        return None if self._centre is None else self.history.trials[self._centre]

    def _move_to(self, trial: Trial) -> None:
        self._centre, self._scan_best = trial.number, None
        nbhd = self.space.neighbours(trial.arch)
        self._queue = [nbhd[int(i)] for i in self.rng.permutation(len(nbhd))]

    def propose(self) -> List[Architecture]:
        # num_seen counts architectures asked for or told so far (before this proposal).
        if self.history.num_seen < self.num_init:
            return [sample_unseen(self)]
        if self._centre is None:
            done = [t for t in self.history.trials if not t.failed]
            if not done:  # no successful evaluation told yet
                return [sample_unseen(self)]
            self._move_to(max(done, key=Trial.rank_key))  # the best, feasible ones first
        while True:
            while self._queue:
                arch = self._queue.pop()
                if not self.history.is_seen(arch):
                    return [arch]
            if self._scan_best is None:
                break
            self._move_to(self.history.trials[self._scan_best])
        # Local optimum: restart, unless a restart is still awaiting its value.
        arch = sample_unseen(self)
        if self._restart is None:
            self._restart = arch
        return [arch]

    def observe(self, trial: Trial) -> None:
        key = self.space.key(trial.arch)
        if self._restart is not None and key == self.space.key(self._restart):
            self._restart = None
            if not trial.failed:
                self._move_to(trial)
            return
        centre = self.centre
        if trial.failed or centre is None:
            return
        incumbent = centre if self._scan_best is None else self.history.trials[self._scan_best]
        if trial.rank_key() <= incumbent.rank_key():  # feasible beats infeasible, then value
            return
        if key not in {self.space.key(a) for a in self.space.neighbours(centre.arch)}:
            return
        if self.first_improvement:
            self._move_to(trial)
        else:
            self._scan_best = trial.number

    def settings(self) -> Dict[str, Any]:
        return {"num_init": self.num_init, "first_improvement": self.first_improvement}

    def state_dict(self) -> Dict[str, Any]:
        return {
            **super().state_dict(),
            "centre": self._centre,
            "scan_best": self._scan_best,
            "queue": [a.to_lists() for a in self._queue],
            "restart": None if self._restart is None else self._restart.to_lists(),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        self._centre = state["centre"]
        self._scan_best = state["scan_best"]
        self._queue = [Architecture.from_lists(a) for a in state["queue"]]
        self._restart = None if state["restart"] is None else Architecture.from_lists(state["restart"])
