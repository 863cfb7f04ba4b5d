"""``optiproxy_gcn`` (``_gat``, ``_gin``, ``_sage``): our graph proxy as a NASLib ``Predictor``.

Usable inside BANANAS / NPENAS, in NASLib's ``PredictorEvaluator``, or standalone.

:class:`GCNRegressor` (no NASLib needed) fits the proxy of :mod:`naslib_optiproxy.proxies`
(bidirectional GCN, MSE + pairwise ranking loss, targets standardised on the training data)
on graph encodings. :class:`OptiProxyGCNPredictor` is the NASLib ``Predictor``: ``fit(xtrain,
ytrain)`` / ``query(xtest)`` on NASLib graphs, encoded with NASLib's own
``encode(EncodingType.GCN)`` where that equals our codec's layout (NB201), else with our
codec (read through the graph's hash). Sizes and fit settings are the per-space OptiProxy
defaults (:mod:`naslib_optiproxy.presets`), then the constructor's ``settings`` and ``proxy`` (the
layer family: gcn, gat, gin, sage, mlp), then ``set_hyperparams`` (all by
:class:`~naslib_optiproxy.config.OptiProxyConfig` names). NASLib's ``PredictorEvaluator`` calls
``reset_hyperparams()`` before every fit; ``proxy`` and ``settings`` survive it, so
``optiproxy_gat`` stays a GAT there.

PyG users pass ``torch_geometric`` ``Data`` objects (a list) or a ``Batch`` to ``fit`` / ``query``
instead of NASLib graphs: they are converted with :func:`naslib_optiproxy.pyg.to_dense` and the
proxy is sized to them (default settings, ``set_hyperparams`` on top).

Ensemble members differ by seed: each fit draws its seed from ``np.random`` (seeded by
NASLib's runner), so an ensemble has a spread for BANANAS' acquisition functions and runs
are reproducible.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence

import numpy as np
import torch

from ...config import OptiProxyConfig
from ...proxies import ProxyTrainer
from ...pyg import is_graphs, to_dense
from .settings import optiproxy_settings
from .translate import Translator, layout_from_naslib_gcn, stack_layouts


class GCNRegressor:
    """Our proxy as a plain regressor on ``(x [n, N, F], adj [n, N, N]) -> y``.

    Args:
        settings: Model sizes and fit settings (``proxy``, ``gcn_hidden``, ``model_epochs``, ...).
        num_nodes, num_features: The graph layout's size.
        seed: Seeds the initialisation and the mini-batch order.
    """

    def __init__(self, settings: OptiProxyConfig, num_nodes: int, num_features: int, seed: int = 0) -> None:
        self.settings = settings
        generator = torch.Generator().manual_seed(int(seed))
        self.model = settings.model.build(num_nodes, num_features, seed=int(seed))
        self.trainer = ProxyTrainer(self.model, settings.fit, generator)

    def fit(self, x: torch.Tensor, adj: torch.Tensor, y: Sequence[float], mask: Optional[torch.Tensor] = None) -> float:
        """Fit on raw targets; returns the training mean absolute error (as NASLib's predictors do).

        ``mask [n, N]``: real nodes of padded graphs (:func:`naslib_optiproxy.pyg.to_dense`).
        """
        target = torch.as_tensor(np.asarray(y, dtype=np.float32))
        self.trainer.fit(x, adj, target, mask=mask)
        return float(np.mean(np.abs(self.predict(x, adj, mask) - target.numpy())))

    def predict(self, x: torch.Tensor, adj: torch.Tensor, mask: Optional[torch.Tensor] = None) -> np.ndarray:
        return self.trainer.predict(x, adj, mask=mask).numpy().reshape(-1)


def encode_graphs(translator: Translator, graphs: Sequence[Any], use_naslib: bool, encoding_type: Any = None):
    """Batch layouts of NASLib graphs: NASLib's GCN encoding (``use_naslib``) or our codec's."""
    if use_naslib:
        return stack_layouts([layout_from_naslib_gcn(g.encode(encoding_type=encoding_type)) for g in graphs])
    return translator.codec.encode_batch([translator.from_graph(g) for g in graphs])


try:
    from .compat import apply as _apply_shims

    _apply_shims()  # NASLib on Python 3.11 / numpy 2, unmodified (compat.py)
    from naslib.predictors.predictor import Predictor
    from naslib.utils.encodings import EncodingType
except ImportError as _error:  # pragma: no cover - depends on the environment
    PREDICTOR_IMPORT_ERROR: Optional[ImportError] = _error
else:
    PREDICTOR_IMPORT_ERROR = None

PREDICTOR_TYPE = "optiproxy_gcn"  # the GAT, GIN, GraphSAGE types: predictors.OPTIPROXY_PREDICTORS

if PREDICTOR_IMPORT_ERROR is None:

    class OptiProxyGCNPredictor(Predictor):
        """NASLib ``Predictor`` ``optiproxy_gcn``: OptiProxy's GCN proxy with its ranking loss.

        Args:
            ss_type: NASLib space type (``nasbench201``, ...); taken from the first training graph if None.
            dataset: Selects the per-dataset defaults (e.g. NB201 cifar10's narrower GCN).
            encoding_type: Ignored (the layout is fixed by the space); accepted for NASLib's Ensemble.
            seed: Fixed seed; ``None`` draws one from ``np.random`` at every fit.
            proxy: The proxy's layer family (``gcn``, ``gat``, ``gin``, ``sage``, ``mlp``); ``None``: the preset's.
            settings: OptiProxy settings over the preset (flat keys); kept through ``reset_hyperparams()``.
        """

        def __init__(self, ss_type: Optional[str] = None, dataset: Optional[str] = None, encoding_type: Any = None,
                     seed: Optional[int] = None, hpo_wrapper: bool = False, proxy: Optional[str] = None,
                     settings: Optional[Mapping[str, Any]] = None) -> None:
            super().__init__(ss_type=ss_type, encoding_type=EncodingType.GCN)
            self.dataset = dataset
            self.seed = seed
            self.base_settings: Dict[str, Any] = {**dict(settings or {}), **({"proxy": proxy} if proxy else {})}
            OptiProxyConfig.from_dict(self.base_settings)  # a bad name or value fails here, not at the first fit
            self.hyperparams: Optional[Dict[str, Any]] = {}
            self.default_hyperparams: Dict[str, Any] = {}
            self.regressor: Optional[GCNRegressor] = None
            self.translator: Optional[Translator] = None

        def _setup(self, ss_type: str) -> None:
            if self.translator is None or self.translator.translation.naslib_type != ss_type:
                self.translator = Translator(ss_type, self.dataset)

        def fit(self, xtrain: Sequence[Any], ytrain: Sequence[float], train_info: Any = None, **_: Any) -> float:
            seed = self.seed if self.seed is not None else int(np.random.randint(2**31 - 1))
            chosen = {**self.base_settings, **(self.hyperparams or {})}
            if is_graphs(xtrain):
                settings = OptiProxyConfig.from_dict(chosen)
            else:
                ss_type = self.ss_type or xtrain[0].get_type()
                self._setup(ss_type)
                settings = optiproxy_settings({}, ss_type, self.dataset, chosen)  # OptiProxy settings
            x, adj, mask = self._encode(xtrain)
            self.regressor = GCNRegressor(settings, x.shape[1], x.shape[2], seed)
            return self.regressor.fit(x, adj, ytrain, mask)

        def query(self, xtest: Sequence[Any], info: Any = None, **_: Any) -> np.ndarray:
            if self.regressor is None:
                raise RuntimeError("optiproxy_gcn: call fit() before query()")
            return self.regressor.predict(*self._encode(xtest)).astype(np.float64)  # JSON-ready (errors.json)

        def _encode(self, graphs: Sequence[Any]):
            """``(x, adj, mask)`` of NASLib graphs (our codec's layout) or of PyG graphs."""
            if is_graphs(graphs):
                return to_dense(graphs)
            x, adj = encode_graphs(self.translator, graphs, self.translator.gcn_layout_equal, EncodingType.GCN)
            return x, adj, None

        def set_hyperparams(self, params: Optional[Dict[str, Any]]) -> None:
            self.hyperparams = dict(params or {})

        def get_hyperparams(self) -> Dict[str, Any]:
            """The settings chosen over the preset (constructor's, then ``set_hyperparams``')."""
            return {**self.base_settings, **(self.hyperparams or {})}

        def get_data_reqs(self) -> Dict[str, Any]:
            return {"requires_partial_lc": False, "metric": None, "requires_hyperparameters": False,
                    "hyperparams": None, "unlabeled": False, "unlabeled_factor": 0}

else:  # pragma: no cover - exercised only without NASLib

    class OptiProxyGCNPredictor:  # type: ignore[no-redef]
        """Placeholder: NASLib is not importable here."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            from .optimizer import INSTALL_HINT

            raise ImportError(f"{INSTALL_HINT} ({PREDICTOR_IMPORT_ERROR})")


__all__ = ["GCNRegressor", "OptiProxyGCNPredictor", "PREDICTOR_TYPE", "encode_graphs"]
