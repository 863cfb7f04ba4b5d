"""OptiProxy's hyperparameters from a NASLib config's ``search:`` section (no NASLib needed).

A NASLib config's ``search:`` section carries NASLib's own keys (``epochs``, ``seed``,
``checkpoint_freq``, BANANAS' ``k``, ...) next to ours. OptiProxy takes the keys that are
:class:`~naslib_optiproxy.config.OptiProxyConfig` fields, over the measured per-space
defaults (:meth:`~naslib_optiproxy.config.OptiProxyConfig.preset`), and ignores the
rest, except a key that looks like a misspelt OptiProxy setting, which is refused with
a hint. ``search.epochs`` is the evaluation budget (one epoch = one evaluated architecture).

``batch_size`` is B (architectures evaluated per OptiProxy step). NASLib's own
``discrete_config.yaml`` uses the same key for its zero-cost data loader (256): remove it
or set it to B when you select ``optimizer: optiproxy``.
"""

from __future__ import annotations

import difflib
from typing import Any, Mapping, Optional

from ...config import KEYS, OptiProxyConfig
from ...objectives.nasbench201 import canonical_dataset as nb201_dataset
from ...strategies import strategy_config
from .translate import translation_for

OPTIPROXY_KEYS = frozenset(KEYS)
#: ``search:`` keys of NASLib's own configs (discrete, zero-cost, one-shot): never mistaken for typos.
NASLIB_SEARCH_KEYS = frozenset((
    "epochs", "seed", "gpu", "checkpoint_freq", "fidelity", "budgets", "predictor_type", "num_init", "k",
    "num_ensemble", "acq_fn_type", "acq_fn_optimization", "encoding_type", "num_arches_to_mutate",
    "max_mutations", "num_candidates", "batch_size", "data_size", "cutout", "cutout_length", "cutout_prob",
    "train_portion", "debug_predictor", "sample_size", "population_size", "zc", "zc_names", "zc_only",
    "use_zc_api", "load_labeled", "learning_rate", "learning_rate_min", "momentum", "weight_decay", "grad_clip",
    "arch_learning_rate", "arch_weight_decay", "unrolled", "output_weights", "drop_path_prob", "warm_start_epochs",
))


def _as_dict(section: Any) -> dict:
    """A plain dict of a mapping or a NASLib ``CfgNode`` (``None``: empty)."""
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise TypeError(f"the config's search section must be a mapping, got {type(section).__name__} {section!r}")
    return dict(section)


def _misspelt(key: str) -> Optional[str]:
    close = difflib.get_close_matches(key, sorted(OPTIPROXY_KEYS), n=1, cutoff=0.85)
    return close[0] if close else None


def canonical_dataset(codec: str, dataset: Optional[str]) -> Optional[str]:
    """NASLib's dataset name in our defaults' spelling (NB201 aliases resolved)."""
    if codec == "nasbench201" and dataset is not None:
        return nb201_dataset(dataset)
    return dataset


def optiproxy_settings(search: Any, search_space: str, dataset: Optional[str] = None) -> OptiProxyConfig:
    """The :class:`OptiProxyConfig` for a NASLib ``search:`` section on ``search_space``/``dataset``.

    Args:
        search: The ``search`` mapping (dict or NASLib ``CfgNode``).
        search_space: NASLib's space name (``nasbench201``, ``nasbench101``, ``nasbench301``, ``nlp``).
        dataset: NASLib's dataset name (selects the per-dataset defaults).

    Raises:
        ValueError: A misspelt OptiProxy key, a bad value, or a budget (``epochs``) below ``num_init``.
    """
    values = _as_dict(search)
    codec = translation_for(search_space).codec
    for key in values:
        if key not in OPTIPROXY_KEYS and key not in NASLIB_SEARCH_KEYS:
            close = _misspelt(str(key))
            if close is not None:
                raise ValueError(f"unknown OptiProxy setting search.{key} (did you mean {close!r}?); "
                                 f"OptiProxy settings: {', '.join(sorted(OPTIPROXY_KEYS))}")
    chosen = {k: v for k, v in values.items() if k in OPTIPROXY_KEYS}
    config = strategy_config(codec, canonical_dataset(codec, dataset), chosen)
    if values.get("epochs") is not None:
        config.check_budget(int(values["epochs"]))
    return config


__all__ = ["NASLIB_SEARCH_KEYS", "OPTIPROXY_KEYS", "canonical_dataset", "optiproxy_settings"]
