"""``acq_fn_optimization: relaxed`` for NASLib's BANANAS and NPENAS.

NASLib makes each round's candidates by mutating the best architectures (``mutation``) or by
uniform sampling (``random_sampling``, BANANAS only); the acquisition function of the predictor
ensemble then picks the batch. With ``search.acq_fn_optimization: relaxed`` the candidates come
from :class:`~naslib_optiproxy.acquisition.RelaxedCandidates` instead: Algorithm 1 through a
differentiable objective, then draws from the optimised (alpha, beta) groups. The objective is

* the ensemble's mean prediction when its members are our predictors (``optiproxy_gcn``, ...);
* otherwise (NASLib's own predictors are not differentiable in our encoding) our GCN proxy,
  fitted on the same evaluated architectures with the space's OptiProxy settings.

The acquisition function (``acq_fn_type``) still chooses among the candidates, with NASLib's
ensemble. Settings of the generator: the config's ``optiproxy:`` section over the space's
preset (``num_groups``, ``search_epochs``, ``op_noise``, ...). :func:`patch` wraps the two
classes' ``_get_ensemble`` (to keep the fitted ensemble) and ``_get_new_candidates``;
:func:`unpatch` restores them (``register()`` / ``unregister()`` call both).
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Dict, List, Tuple

import numpy as np
import torch
from torch import nn

from ...acquisition import EnsembleMean, RelaxedCandidates
from ...config import OptiProxyConfig
from ...types import Architecture
from .predictor import GCNRegressor, OptiProxyGCNPredictor
from .settings import SECTION, optiproxy_settings
from .translate import Translator

RELAXED = "relaxed"
#: (module, class) of the NASLib optimisers that get the relaxed candidate generator.
OPTIMIZERS = (("naslib.optimizers.discrete.bananas.optimizer", "Bananas"),
              ("naslib.optimizers.discrete.npenas.optimizer", "Npenas"))
_originals: Dict[Tuple[type, str], Callable[..., Any]] = {}


def acq_fn_optimization(optimizer: Any) -> str:
    """The optimiser's candidate generator: BANANAS' attribute, else the config's key (NPENAS: ``mutation``)."""
    name = getattr(optimizer, "acq_fn_optimization", None)
    if name is None:
        name = getattr(optimizer.config.search, "acq_fn_optimization", "mutation")
    return str(name)


class RelaxedState:
    """What one NASLib optimiser keeps between rounds: translator, settings, generator."""

    def __init__(self, optimizer: Any) -> None:
        config = optimizer.config
        ss_type = optimizer.search_space.get_type()
        self.translator = Translator(ss_type, config.dataset)
        self.settings: OptiProxyConfig = optiproxy_settings(config.search, ss_type, config.dataset,
                                                            getattr(config, SECTION, None))
        self.seed = int(getattr(config, "seed", 0))
        self.generator = RelaxedCandidates(self.translator.codec, self.settings, self.seed)
        self.rounds = 0


def objective(optimizer: Any, state: RelaxedState, archs: List[Architecture], ytrain: List[float]) -> nn.Module:
    """The differentiable objective of this round (see the module docstring)."""
    ensemble = getattr(optimizer, "_optiproxy_ensemble", None)
    members = list(getattr(ensemble, "ensemble", None) or [])
    if members and all(isinstance(m, OptiProxyGCNPredictor) and m.regressor is not None for m in members):
        return EnsembleMean([(m.regressor.model, m.regressor.trainer.standardizer) for m in members])
    codec = state.translator.codec
    regressor = GCNRegressor(state.settings, codec.num_nodes, codec.num_features, state.seed + state.rounds)
    x, adj = codec.encode_batch(archs)
    regressor.fit(x, adj, ytrain)
    return EnsembleMean([(regressor.model, regressor.trainer.standardizer)])


def relaxed_candidates(optimizer: Any, ytrain: List[float]) -> List[Any]:
    """NASLib candidate models (``model.arch``, ``model.arch_hash``) from the relaxed generator."""
    state = getattr(optimizer, "_optiproxy_relaxed", None)
    if state is None:
        state = optimizer._optiproxy_relaxed = RelaxedState(optimizer)
    translator = state.translator
    archs = [translator.from_graph(m.arch) for m in optimizer.train_data]
    seen = {translator.key(a) for a in archs}
    chosen = state.generator(objective(optimizer, state, archs, list(ytrain)), int(optimizer.num_candidates), seen)
    state.rounds += 1
    candidates = []
    for arch in chosen:
        graph = optimizer.search_space.clone()
        graph.set_spec(translator.to_spec(arch), dataset_api=optimizer.dataset_api)
        if getattr(optimizer.search_space, "instantiate_model", False):
            graph.parse()
        model = torch.nn.Module()
        model.arch = graph
        model.arch_hash = graph.get_hash()
        candidates.append(model)
    return candidates


def _wrap_get_ensemble(original: Callable[..., Any]) -> Callable[..., Any]:
    def _get_ensemble(self: Any) -> Any:
        self._optiproxy_ensemble = original(self)
        return self._optiproxy_ensemble

    return _get_ensemble


def _wrap_get_new_candidates(original: Callable[..., Any]) -> Callable[..., Any]:
    def _get_new_candidates(self: Any, ytrain: Any) -> List[Any]:
        if acq_fn_optimization(self) != RELAXED:
            return original(self, ytrain)
        return relaxed_candidates(self, list(np.asarray(ytrain, dtype=float)))

    return _get_new_candidates


WRAPPERS = {"_get_ensemble": _wrap_get_ensemble, "_get_new_candidates": _wrap_get_new_candidates}


def patch() -> None:
    """Give BANANAS and NPENAS the relaxed generator (idempotent).

    Raises ``RuntimeError``, changing nothing, when a class or method is not where NASLib keeps it.
    """
    classes = []
    for module, name in OPTIMIZERS:
        cls = getattr(importlib.import_module(module), name, None)
        missing = [m for m in WRAPPERS if cls is None or not callable(cls.__dict__.get(m))]
        if missing:
            raise RuntimeError(f"{module}.{name} has no {', '.join(missing)}: this NASLib version is not supported "
                               f"by acq_fn_optimization: relaxed (nothing was registered)")
        classes.append(cls)
    for cls in classes:
        for method, wrap in WRAPPERS.items():
            if (cls, method) not in _originals:
                _originals[(cls, method)] = cls.__dict__[method]
                setattr(cls, method, wrap(_originals[(cls, method)]))


def unpatch() -> None:
    """Restore NASLib's own methods (no-op when not patched)."""
    for (cls, method), original in list(_originals.items()):
        setattr(cls, method, original)
        del _originals[(cls, method)]


def is_patched() -> bool:
    return bool(_originals)


__all__ = ["OPTIMIZERS", "RELAXED", "acq_fn_optimization", "is_patched", "objective", "patch", "relaxed_candidates",
           "unpatch"]
