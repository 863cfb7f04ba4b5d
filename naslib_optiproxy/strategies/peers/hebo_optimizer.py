"""HEBO (Cowen-Rivers et al., the NeurIPS 2020 black-box optimisation challenge winner) as a strategy.

The space becomes a HEBO ``DesignSpace`` of ``cat`` parameters; HEBO has no conditional
parameters, so a conditional one (NAS-Bench-NLP's ``in2``) is always present and ignored on
decoding when inactive. ``HEBO(space, scramble_seed=seed)`` with its defaults proposes one
architecture per ``suggest``; it minimises, so the strategy observes minus the value (minus
:func:`~naslib_optiproxy.strategies.peers.base.penalised_value` under a constraint: HEBO has no
constraint mechanism). HEBO has no failure state either: a failed evaluation or an invalid
proposal is observed with the worst value observed so far (those before the first success wait
for it).

HEBO draws from numpy's and torch's *global* random generators. The strategy gives it private
ones, seeded from the run's seed: each call swaps them in and the caller's back afterwards, so
other code's random streams are untouched and, with pymoo 0.6.0 (HEBO's pin), a run is
reproducible and replays exactly. pymoo 0.6.1 and later seed NSGA-II from a fresh
``numpy.random.default_rng()`` when HEBO passes no seed: HEBO's suggestions after its random
initial design then differ from run to run, and resuming a journaled run is refused
(:meth:`HeboStrategy.replay_problem`).

Install. HEBO 0.3.6 (the latest release) pins ``numpy<1.25`` and ``pymoo==0.6.0``; the numpy pin
cannot be met next to this package's numpy 2 (``docs/peers.md``), but HEBO runs with numpy 2
when installed without its pins: :data:`HEBO_HINT`.
"""

from __future__ import annotations

import contextlib
import importlib
import random
from typing import Any, Dict, Iterator, Optional, Tuple

import numpy as np
import torch

from ...spaces import SearchSpace
from ...types import Architecture, Trial
from .base import ImputedFailures, PeerStrategy, cost_of
from .encoding import Values

#: How to install HEBO next to numpy 2 (its own pins ask for numpy<1.25 and pymoo==0.6.0).
HEBO_HINT = ("pip install pandas scikit-learn mpmath autograd cma alive-progress dill Deprecated matplotlib && "
             "pip install --no-deps hebo==0.3.6 pymoo==0.6.0 disjoint-set gpytorch linear_operator "
             "(without HEBO's numpy<1.25 pin: docs/peers.md)")


class HeboStrategy(PeerStrategy):
    """``hebo``: ``HEBO`` with its defaults (GP with input warping, MACE acquisition, NSGA-II)."""

    name = "hebo"
    modules = ("hebo", "hebo.design_space.design_space", "hebo.optimizers.hebo", "pandas", "pymoo")
    install_hint = HEBO_HINT
    ignored_warnings = ("Creating a tensor from a list of numpy.ndarrays", "`torch.jit.script` is deprecated")

    def __init__(self, space: SearchSpace, seed: int = 0, budget: Optional[int] = None,
                 workdir: Optional[str] = None) -> None:
        _quiet_pymoo()
        super().__init__(space, seed, budget, workdir)
        _, design, optimizers, self.pandas, self.pymoo = self.libs
        self._rng_states = (np.random.RandomState(self.library_seed).get_state(),
                            torch.Generator().manual_seed(self.library_seed).get_state(),
                            random.Random(self.library_seed).getstate())
        self._failures = ImputedFailures()
        params = [{"name": p.name, "type": "cat", "categories": list(p.choices)} for p in self.encoding.params]
        with self._library():
            self.optimizer = optimizers.HEBO(design.DesignSpace().parse(params), scramble_seed=self.library_seed)

    @classmethod
    def available(cls) -> None:
        _quiet_pymoo()
        super().available()

    @contextlib.contextmanager
    def _library(self) -> Iterator[None]:
        """The thread policy and HEBO's private global random generators (module docstring)."""
        outer = (np.random.get_state(), torch.get_rng_state(), random.getstate())
        np.random.set_state(self._rng_states[0])
        torch.set_rng_state(self._rng_states[1])
        random.setstate(self._rng_states[2])
        try:
            with super()._library():
                yield
        finally:
            self._rng_states = (np.random.get_state(), torch.get_rng_state(), random.getstate())
            np.random.set_state(outer[0])
            torch.set_rng_state(outer[1])
            random.setstate(outer[2])

    def _ask(self) -> Tuple[Any, Values]:
        suggestion = self.optimizer.suggest(n_suggestions=1)
        return suggestion, {name: str(value) for name, value in suggestion.iloc[0].items()}

    def _inject(self, arch: Architecture) -> Any:
        return self.pandas.DataFrame([self.encoding.flat(arch)])

    def _tell(self, handle: Any, trial: Trial) -> None:
        if trial.failed:
            self._tell_invalid(handle)
            return
        cost = cost_of(trial)
        self._observe(handle, cost)
        for waiting, imputed in self._failures.success(cost):
            self._observe(waiting, imputed)

    def _tell_invalid(self, handle: Any) -> None:
        cost = self._failures.failure(handle)
        if cost is not None:
            self._observe(handle, cost)

    def _observe(self, handle: Any, cost: float) -> None:
        self.optimizer.observe(handle, np.array([[cost]], dtype=np.float64))

    def replay_problem(self) -> Optional[str]:
        version = getattr(self.pymoo, "__version__", "")
        if _version_tuple(version) >= (0, 6, 1):
            return (f"with pymoo {version}, HEBO's NSGA-II draws from an unseeded generator, so its proposals cannot "
                    f"be replayed; pymoo 0.6.0 (HEBO's own pin: pip install --no-deps pymoo==0.6.0) makes them "
                    f"reproducible")
        return None

    def library_settings(self) -> Dict[str, Any]:
        return {"optimizer": "HEBO", "constraints": "penalised value"}


def _quiet_pymoo() -> None:
    """Turn off pymoo's import-time notice that its compiled modules are missing (pymoo's own switch)."""
    try:
        config = importlib.import_module("pymoo.config")
    except ImportError:
        return
    switches = getattr(getattr(config, "Config", None), "warnings", None)
    if isinstance(switches, dict):
        switches["not_compiled"] = False


def _version_tuple(text: str) -> Tuple[int, ...]:
    parts = []
    for part in str(text).split(".")[:3]:
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


__all__ = ["HEBO_HINT", "HeboStrategy"]
