"""``OptiProxyOptimizer``: our ask/tell engine as a NASLib discrete ``MetaOptimizer``.

One NASLib epoch = one evaluated architecture, exactly like NASLib's RS/RE/LS/BANANAS:
``new_epoch`` asks the engine for an architecture, queries it through the NASLib graph's
own ``query(Metric.VAL_ACCURACY, dataset, dataset_api=...)`` and tells the engine the
result. Architectures cross over by spec (``graph.set_spec`` on one reused lightweight
scratch graph), never by building or copying a graph per candidate.
``train_statistics``/``test_statistics``/``get_final_architecture``/``get_checkpointables``
behave like NASLib's discrete optimizers, so ``Trainer.search`` writes its ``errors.json``.

Hyperparameters: the per-space presets, overridden by the config's top-level ``optiproxy:``
section; NASLib's ``search:`` keys keep NASLib's meaning
(:func:`~naslib_optiproxy.integrations.naslib_plugin.settings.optiproxy_settings`); the budget is
``search.epochs`` and the engine's seed ``config.search.seed`` (NASLib sets it from ``config.seed``).

Without NASLib this module still imports; ``OptiProxyOptimizer`` then raises ``ImportError``
with the install hint when constructed.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional

from .settings import SECTION, optiproxy_settings
from .translate import Translator

logger = logging.getLogger(__name__)

INSTALL_HINT = ("NASLib is not importable. Install it from a git checkout "
                "(git clone -b Develop https://github.com/automl/NASLib; pip install -e NASLib --no-deps, or put "
                "the checkout on PYTHONPATH); see docs/naslib.md for the Python 3.11 notes")

try:
    import torch

    from .compat import apply as _apply_shims

    _apply_shims()  # NASLib on Python 3.11 / numpy 2, unmodified (compat.py)
    from naslib.optimizers.core.metaclasses import MetaOptimizer
    from naslib.search_spaces.core.query_metrics import Metric
    from naslib.utils.encodings import EncodingType
except ImportError as _error:  # pragma: no cover - depends on the environment
    NASLIB_IMPORT_ERROR: Optional[ImportError] = _error
else:
    NASLIB_IMPORT_ERROR = None

HISTORY_SIZE = 100  # NASLib's discrete optimizers keep at most 100 models in `history`

if NASLIB_IMPORT_ERROR is None:
    from ..._text import shorten
    from ...strategies import OptiProxy
    from ...study import Study
    from .encoding import NaslibEncodedSpace, layouts_agree

    class OptiProxyOptimizer(MetaOptimizer):
        """OptiProxy-NAS inside NASLib (``optimizer: optiproxy``).

        Args:
            config: NASLib config (``CfgNode``) with ``dataset``, ``search_space``, ``search`` (``seed``,
                ``epochs``) and optionally ``optiproxy`` (OptiProxy's settings, see ``docs/naslib.md``).
            use_naslib_encodings: Feed the proxy NASLib's own GCN encodings where they equal the
                codec's layout (NB201); ``False`` always uses the codec's (identical there).
        """

        using_step_function = False

        def __init__(self, config: Any, use_naslib_encodings: bool = True) -> None:
            super().__init__()
            self.config = config
            self.dataset = config.dataset
            self.performance_metric = Metric.VAL_ACCURACY
            self.seed = int(getattr(config.search, "seed", getattr(config, "seed", 0)) or 0)
            self.search_space_name = getattr(config, "search_space", None)
            self.settings = (optiproxy_settings(config.search, self.search_space_name, self.dataset,
                                                getattr(config, SECTION, None))
                             if self.search_space_name else None)
            self.use_naslib_encodings = use_naslib_encodings
            self.history = torch.nn.ModuleList()
            self.engine: Optional[Study] = None  # the study of an OptiProxy strategy
            self._final: Dict[Any, Any] = {}

        # --------------------------------------------------------------- setup
        def adapt_search_space(self, search_space: Any, scope: Any = None, dataset_api: Any = None,
                               dataset: Any = None) -> None:
            assert search_space.QUERYABLE, "OptiProxy needs a queryable (tabular or surrogate) benchmark"
            space_type = search_space.get_type()
            self.translator = Translator(space_type, self.dataset)
            if self.settings is None:
                self.settings = optiproxy_settings(self.config.search, space_type, self.dataset,
                                                   getattr(self.config, SECTION, None))
            self.search_space = search_space.clone()
            self.scope = scope if scope else search_space.OPTIMIZER_SCOPE
            self.dataset_api = dataset_api
            self._scratch = self._light_copy(search_space)
            self.engine = Study(OptiProxy(self._engine_space(search_space), self.settings, seed=self.seed))

        def _light_copy(self, search_space: Any) -> Any:
            scratch = search_space.clone()
            scratch.instantiate_model = False
            return scratch

        def _engine_space(self, search_space: Any) -> Any:
            """NASLib-encoded codec where NASLib's GCN layout equals ours (checked here), else the codec."""
            if not (self.use_naslib_encodings and self.translator.gcn_layout_equal):
                return self.translator.codec
            encoder = self._light_copy(search_space)
            import numpy as np

            probe = [self.translator.codec.sample(np.random.default_rng(i)) for i in range(8)]
            if not layouts_agree(self.translator, encoder, EncodingType.GCN, probe):
                logger.warning("NASLib's GCN encoding differs from the %s codec's layout; using the codec's",
                               self.translator.codec.name)
                return self.translator.codec
            return NaslibEncodedSpace(self.translator, encoder, EncodingType.GCN)

        # ---------------------------------------------------------- evaluation
        def _query(self, spec: Any, metric: Any) -> float:
            self._scratch.set_spec(spec, dataset_api=self.dataset_api)
            return self._scratch.query(metric, self.dataset, dataset_api=self.dataset_api)

        def _optional_query(self, spec: Any, metric: Any) -> float:
            """A metric the benchmark may lack (train accuracy/time): -1 then, as NASLib reports it."""
            try:
                return self._query(spec, metric)
            except (KeyError, IndexError, NotImplementedError):
                return -1

        def new_epoch(self, epoch: int) -> None:
            """Evaluate one architecture proposed by the engine."""
            arch = self.engine.ask()
            spec = self.translator.to_spec(arch)
            try:
                accuracy = self._query(spec, self.performance_metric)
            except Exception as error:  # not in the benchmark, a broken table: a failed evaluation, never lost
                logger.warning("query of %s failed: %r", self.translator.codec.to_string(arch), error)
                self.engine.tell(arch, None, error=shorten(error, 300))
                return
            trial = self.engine.tell(arch, accuracy)  # a value that is no finite float is recorded as failed
            if trial.failed:
                logger.warning("query of %s failed: %s", self.translator.codec.to_string(arch), trial.info["error"])
                return
            model = torch.nn.Module()
            model.arch_hash = spec
            model.accuracy = trial.value
            self._update_history(model)

        def _update_history(self, child: Any) -> None:
            if len(self.history) < HISTORY_SIZE:
                self.history.append(child)
                return
            for i, previous in enumerate(self.history):
                if child.accuracy > previous.accuracy:
                    self.history[i] = child
                    break

        # ---------------------------------------------------------- statistics
        def _incumbent_spec(self, report_incumbent: bool = True) -> Any:
            trial = self.engine.best if report_incumbent else next(
                (t for t in reversed(self.engine.trials) if not t.failed), None)
            if trial is None:
                raise RuntimeError("no architecture has been evaluated successfully yet")
            return self.translator.to_spec(trial.arch)

        def train_statistics(self, report_incumbent: bool = True):
            spec = self._incumbent_spec(report_incumbent)
            return (
                self._optional_query(spec, Metric.TRAIN_ACCURACY),
                self._query(spec, Metric.VAL_ACCURACY),
                self._query(spec, Metric.TEST_ACCURACY),
                self._optional_query(spec, Metric.TRAIN_TIME),
            )

        def test_statistics(self):
            if self.search_space.get_type() == "nasbench301":
                return -1
            try:
                return self._query(self._incumbent_spec(), Metric.RAW)
            except (KeyError, NotImplementedError):
                return -1

        def get_final_architecture(self):
            """The incumbent as a NASLib graph of the search space (built once per incumbent)."""
            spec = self._incumbent_spec()
            key = repr(spec)
            if key not in self._final:
                graph = self.search_space.clone()
                graph.set_spec(spec, dataset_api=self.dataset_api)
                self._final = {key: graph}
            return self._final[key]

        def get_op_optimizer(self):
            raise NotImplementedError()

        def get_checkpointables(self) -> Dict[str, Any]:
            return {"model": self.history}

        def get_model_size(self) -> float:
            return 0.0

else:  # pragma: no cover - exercised only without NASLib

    class OptiProxyOptimizer:  # type: ignore[no-redef]
        """Placeholder: NASLib is not importable here."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise ImportError(f"{INSTALL_HINT} ({NASLIB_IMPORT_ERROR})")


__all__ = ["HISTORY_SIZE", "INSTALL_HINT", "NASLIB_IMPORT_ERROR", "OptiProxyOptimizer"]
