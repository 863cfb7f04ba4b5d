"""The predictor types ``naslib-optiproxy naslib-predictors`` knows: NASLib's and ours, by config name.

NASLib's predictor runner (``runners/predictors/runner.py``) is a script with a fixed table of
predictors; this is the same set of names with the same constructor arguments, written as data
(:data:`NASLIB_PREDICTORS`) and built only when asked for, plus OptiProxy's graph proxies
(:data:`OPTIPROXY_PREDICTORS`: ``optiproxy_gcn``, ``_gat``, ``_gin``, ``_sage``).

The table imports nothing; :func:`build_predictor` imports NASLib (after the compat shims).
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, NamedTuple, Optional, Tuple

from ..._text import did_you_mean

#: Our predictor types -> proxy family (OptiProxyConfig key ``proxy``).
OPTIPROXY_PREDICTORS = {"optiproxy_gcn": "gcn", "optiproxy_gat": "gat", "optiproxy_gin": "gin",
                        "optiproxy_sage": "sage"}


class Ref(NamedTuple):
    """A constructor argument resolved at build time: ``encoding``/``metric`` member, or ``config`` key."""

    kind: str  # "encoding" (EncodingType), "metric" (Metric), "config" (the whole config, or one key of it)
    name: str = ""


ONE_HOT, PATH = Ref("encoding", "ADJACENCY_ONE_HOT"), Ref("encoding", "PATH")
SEMINAS = Ref("encoding", "SEMINAS")
VAL_ACC, VAL_LOSS, TRAIN_LOSS = Ref("metric", "VAL_ACCURACY"), Ref("metric", "VAL_LOSS"), Ref("metric", "TRAIN_LOSS")
CONFIG, HPARAMS = Ref("config"), Ref("config", "hparams_from_file")
_NO_HPO = {"hpo_wrapper": False}
_OMNI_SEMINAS = {"encoding_type": SEMINAS, "config": CONFIG, "semi": True, **_NO_HPO, "jacov_onehot": True}
ZERO_COST = ("epe_nas", "fisher", "flops", "grad_norm", "grasp", "jacov", "nwot", "params", "snip", "synflow", "zen")

#: config name -> (class in ``naslib.predictors``, constructor arguments), as NASLib's predictor runner builds them.
NASLIB_PREDICTORS: Dict[str, Tuple[str, Dict[str, Any]]] = {
    "bananas": ("Ensemble", {"predictor_type": "bananas", "num_ensemble": 3, "hpo_wrapper": True}),
    "bayes_lin_reg": ("BayesianLinearRegression", {"encoding_type": ONE_HOT}),
    "bohamiann": ("BOHAMIANN", {"encoding_type": ONE_HOT, "hparams_from_file": HPARAMS}),
    "bonas": ("BonasPredictor", {"encoding_type": Ref("encoding", "BONAS"), "hpo_wrapper": True}),
    "dngo": ("DNGOPredictor", {"encoding_type": ONE_HOT}),
    "gcn": ("GCNPredictor", {"encoding_type": Ref("encoding", "GCN"), "hpo_wrapper": True}),
    "gp": ("GPPredictor", {"encoding_type": ONE_HOT, "hparams_from_file": HPARAMS}),
    "gpwl": ("GPWLPredictor", {"ss_type": Ref("config", "search_space"), "kernel_type": "wloa",
                               "optimize_gp_hyper": True, "h": "auto"}),
    "lce": ("LCEPredictor", {"metric": VAL_ACC}),
    "lce_m": ("LCEMPredictor", {"metric": VAL_ACC}),
    "lcsvr": ("SVR_Estimator", {"metric": VAL_ACC, "all_curve": False, "require_hyper": False}),
    "lgb": ("LGBoost", {"encoding_type": ONE_HOT, **_NO_HPO}),
    "mlp": ("MLPPredictor", {"encoding_type": ONE_HOT, **_NO_HPO, "hparams_from_file": HPARAMS}),
    "nao": ("SemiNASPredictor", {"encoding_type": SEMINAS, "semi": False, **_NO_HPO, "hparams_from_file": HPARAMS}),
    "ngb": ("NGBoost", {"encoding_type": ONE_HOT, **_NO_HPO}),
    "rf": ("RandomForestPredictor", {"encoding_type": ONE_HOT, **_NO_HPO, "hparams_from_file": HPARAMS}),
    # NASLib's runner passes the string "seminas" here, which its encoders do not match; the enum they expect:
    "seminas": ("SemiNASPredictor", {"encoding_type": SEMINAS, "semi": True, **_NO_HPO, "hparams_from_file": HPARAMS}),
    "sotl": ("SoLosspredictor", {"metric": TRAIN_LOSS, "sum_option": "SoTL"}),
    "sotle": ("SoLosspredictor", {"metric": TRAIN_LOSS, "sum_option": "SoTLE"}),
    "sotlema": ("SoLosspredictor", {"metric": TRAIN_LOSS, "sum_option": "SoTLEMA"}),
    "sparse_gp": ("SparseGPPredictor", {"encoding_type": ONE_HOT, "optimize_gp_hyper": True}),
    "valacc": ("EarlyStopping", {"metric": VAL_ACC}),
    "valloss": ("EarlyStopping", {"metric": VAL_LOSS}),
    "var_sparse_gp": ("VarSparseGPPredictor", {"encoding_type": ONE_HOT, "optimize_gp_hyper": True}),
    "xgb": ("XGBoost", {"encoding_type": ONE_HOT, **_NO_HPO, "hparams_from_file": HPARAMS}),
    # path encoding
    "bayes_lin_reg_path": ("BayesianLinearRegression", {"encoding_type": PATH}),
    "bohamiann_path": ("BOHAMIANN", {"encoding_type": PATH}),
    "dngo_path": ("DNGOPredictor", {"encoding_type": PATH}),
    "gp_path": ("GPPredictor", {"encoding_type": PATH}),
    "lgb_path": ("LGBoost", {"encoding_type": PATH, **_NO_HPO}),
    "ngb_path": ("NGBoost", {"encoding_type": PATH, **_NO_HPO}),
    # omni and its ablations
    "omni_ngb": ("OmniNGBPredictor", {"encoding_type": ONE_HOT, "config": CONFIG, "zero_cost": ["jacov"],
                                      "lce": ["sotle"]}),
    "omni_ngb_no_lce": ("OmniNGBPredictor", {"encoding_type": ONE_HOT, "config": CONFIG, "zero_cost": ["jacov"],
                                             "lce": []}),
    "omni_ngb_no_zerocost": ("OmniNGBPredictor", {"encoding_type": ONE_HOT, "config": CONFIG, "zero_cost": [],
                                                  "lce": ["sotle"]}),
    "omni_ngb_no_encoding": ("OmniNGBPredictor", {"encoding_type": None, "config": CONFIG, "zero_cost": ["jacov"],
                                                  "lce": ["sotle"]}),
    "omni_seminas": ("OmniSemiNASPredictor", {**_OMNI_SEMINAS, "zero_cost": ["jacov"], "lce": ["sotle"]}),
    "omni_seminas_no_lce": ("OmniSemiNASPredictor", {**_OMNI_SEMINAS, "zero_cost": ["jacov"], "lce": []}),
    # zero-cost proxies (they build and train networks: need --stock and NASLib's image data)
    **{name: ("ZeroCost", {"method_type": name}) for name in ZERO_COST},
}
PREDICTOR_NAMES = tuple(sorted({**OPTIPROXY_PREDICTORS, **NASLIB_PREDICTORS}))
#: NASLib's ``load_labeled``: spaces whose benchmark holds only some architectures (sample from those).
LOAD_LABELED_SPACES = ("nasbench301", "nlp")


def check_predictor(name: str) -> str:
    """``name`` if this runner knows it; else ``ValueError`` with a did-you-mean hint and the list."""
    if name not in PREDICTOR_NAMES:
        raise ValueError(f"unknown predictor {name!r}{did_you_mean(name, PREDICTOR_NAMES)}; this runner knows "
                         f"{', '.join(OPTIPROXY_PREDICTORS)} and NASLib's {', '.join(sorted(NASLIB_PREDICTORS))}")
    return name


def resolve(value: Any, config: Any) -> Any:
    """A constructor argument with its :class:`Ref` replaced (NASLib imported)."""
    if not isinstance(value, Ref):
        return value
    if value.kind == "encoding":
        from naslib.utils.encodings import EncodingType

        return getattr(EncodingType, value.name)
    if value.kind == "metric":
        from naslib.search_spaces.core.query_metrics import Metric

        return getattr(Metric, value.name)
    return config if not value.name else config.get(value.name)


def build_predictor(name: str, config: Any, optiproxy: Optional[Mapping[str, Any]] = None) -> Any:
    """The NASLib ``Predictor`` for config name ``name`` (NASLib's runner's arguments; ours for ``optiproxy_*``).

    Args:
        config: NASLib's predictor config (``search_space``, ``dataset``, ``hparams_from_file``, ...).
        optiproxy: OptiProxy settings over the per-space presets (``optiproxy_*`` types only).
    """
    check_predictor(name)
    from .compat import apply

    apply()
    if name in OPTIPROXY_PREDICTORS:
        from .predictor import OptiProxyGCNPredictor

        return OptiProxyGCNPredictor(ss_type=config.search_space, dataset=config.dataset,
                                     proxy=OPTIPROXY_PREDICTORS[name], settings=optiproxy)
    import naslib.predictors

    cls, arguments = NASLIB_PREDICTORS[name]
    return getattr(naslib.predictors, cls)(**{key: resolve(value, config) for key, value in arguments.items()})


__all__ = ["LOAD_LABELED_SPACES", "NASLIB_PREDICTORS", "OPTIPROXY_PREDICTORS", "PREDICTOR_NAMES", "Ref",
           "build_predictor", "check_predictor", "resolve"]
