"""NASLib plugin: ``optimizer: optiproxy`` and ``predictor_type: optiproxy_gcn`` (``_gat``, ``_gin``, ``_sage``) inside NASLib.

* :class:`~naslib_optiproxy.integrations.naslib_plugin.optimizer.OptiProxyOptimizer`: a NASLib ``MetaOptimizer``.
* :class:`~naslib_optiproxy.integrations.naslib_plugin.predictor.OptiProxyGCNPredictor`: a NASLib ``Predictor``.
* :func:`register` / :func:`unregister`: put ``optiproxy_gcn`` (and the GAT, GIN, GraphSAGE
  proxies) into the predictor registry that BANANAS and NPENAS use, give both
  ``acq_fn_optimization: relaxed`` (:mod:`~naslib_optiproxy.integrations.naslib_plugin.acquisition`),
  and take both out again.
* ``naslib-optiproxy naslib --config-file CONFIG.yaml``: NASLib's runner, knowing ``optiproxy``
  (:mod:`naslib_optiproxy.integrations.naslib_plugin.runner`).
* ``naslib-optiproxy naslib-predictors --config-file CONFIG.yaml``: NASLib's predictor evaluation,
  knowing our predictor types (:mod:`naslib_optiproxy.integrations.naslib_plugin.predictor_runner`).

NASLib has no registration hook: ``Ensemble.get_ensemble()`` builds a fixed dict of predictor
types, and ``naslib.optimizers.discrete.{bananas,npenas}.optimizer`` look the name ``Ensemble``
up in their module globals when they build one. :func:`register` rebinds exactly those two
names to a subclass of NASLib's ``Ensemble`` that adds our predictor types and defers every
other type to NASLib; :func:`unregister` puts the originals back. Importing this package
imports nothing from NASLib.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Dict, Mapping, Optional

#: Modules whose global ``Ensemble`` NASLib's optimizers resolve when they build a predictor.
ENSEMBLE_USERS = ("naslib.optimizers.discrete.bananas.optimizer", "naslib.optimizers.discrete.npenas.optimizer")
ENSEMBLE_MODULE = "naslib.predictors.ensemble"

PredictorFactory = Callable[[Any, int], Any]  # (ensemble, member index) -> Predictor
_originals: Dict[str, Any] = {}
_registered: Dict[str, Any] = {}


def naslib_available() -> bool:
    """Whether NASLib can be imported here."""
    try:
        importlib.import_module("naslib")
    except ImportError:
        return False
    return True


def naslib_missing() -> Optional[str]:
    """``None`` when NASLib imports here, else one line: why not and how to install it."""
    from .optimizer import INSTALL_HINT, NASLIB_IMPORT_ERROR

    if NASLIB_IMPORT_ERROR is None:
        return None
    return f"{INSTALL_HINT} (import failed: {NASLIB_IMPORT_ERROR})"


def make_ensemble_class(base: type, predictors: Mapping[str, PredictorFactory]) -> type:
    """A subclass of NASLib's ``Ensemble`` that also builds the ``predictors`` types."""
    extra = dict(predictors)

    class OptiProxyEnsemble(base):  # type: ignore[misc, valid-type]
        """NASLib's ``Ensemble`` plus OptiProxy's predictor types."""

        extra_predictors = extra

        def get_ensemble(self):
            factory = self.extra_predictors.get(self.predictor_type)
            if factory is None:
                return super().get_ensemble()
            return [factory(self, member) for member in range(self.num_ensemble)]

    return OptiProxyEnsemble


def default_predictors() -> Dict[str, PredictorFactory]:
    """``{"optiproxy_gcn": factory, "optiproxy_gat": ..., "optiproxy_gin": ..., "optiproxy_sage": ...}`` (imports NASLib)."""
    from .predictor import OptiProxyGCNPredictor
    from .predictors import OPTIPROXY_PREDICTORS

    def factory(proxy: str) -> PredictorFactory:
        def build(ensemble: Any, member: int) -> Any:
            config = getattr(ensemble, "config", None)
            return OptiProxyGCNPredictor(ss_type=getattr(ensemble, "ss_type", None),
                                         dataset=getattr(config, "dataset", None), proxy=proxy)

        return build

    return {name: factory(proxy) for name, proxy in OPTIPROXY_PREDICTORS.items()}


def register(predictors: Optional[Mapping[str, PredictorFactory]] = None) -> type:
    """Make BANANAS / NPENAS accept our predictor types (``optiproxy_gcn``) and
    ``acq_fn_optimization: relaxed``; returns the Ensemble class.

    Calling it again replaces the registered types (the originals stay saved). Raises
    ``ImportError`` with the install hint without NASLib, and ``RuntimeError`` if NASLib's
    modules do not look as expected (nothing is changed then).
    """
    from .optimizer import INSTALL_HINT

    try:
        from .compat import apply

        apply()
        base = importlib.import_module(ENSEMBLE_MODULE).Ensemble
        users = {name: importlib.import_module(name) for name in ENSEMBLE_USERS}
    except (ImportError, AttributeError) as error:
        raise ImportError(f"{INSTALL_HINT} ({error})") from error
    for name, module in users.items():
        current = getattr(module, "Ensemble", None)
        if current is not base and current is not _registered.get(name):
            raise RuntimeError(f"{name}.Ensemble is {current!r}, not NASLib's Ensemble; "
                               "another plugin rebound it, so optiproxy_gcn was not registered")
    cls = make_ensemble_class(base, predictors if predictors is not None else default_predictors())
    from .acquisition import patch

    patch()
    for name, module in users.items():
        _originals.setdefault(name, base)
        module.Ensemble = cls
        _registered[name] = cls
    return cls


def unregister() -> None:
    """Put NASLib's own ``Ensemble`` and candidate generators back where :func:`register` replaced them."""
    if _registered:
        from .acquisition import unpatch

        unpatch()
    for name, original in list(_originals.items()):
        module = importlib.import_module(name)
        if getattr(module, "Ensemble", None) is _registered.get(name):
            module.Ensemble = original
        _originals.pop(name)
        _registered.pop(name, None)


def is_registered() -> bool:
    return bool(_registered)


def __getattr__(name: str) -> Any:  # lazy: importing NASLib takes seconds
    if name == "OptiProxyOptimizer":
        from .optimizer import OptiProxyOptimizer

        return OptiProxyOptimizer
    if name == "OptiProxyGCNPredictor":
        from .predictor import OptiProxyGCNPredictor

        return OptiProxyGCNPredictor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ENSEMBLE_MODULE", "ENSEMBLE_USERS", "OptiProxyGCNPredictor", "OptiProxyOptimizer", "default_predictors",
           "is_registered", "make_ensemble_class", "naslib_available", "naslib_missing", "register", "unregister"]
