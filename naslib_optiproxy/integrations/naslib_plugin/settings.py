"""OptiProxy's hyperparameters for a NASLib config (no NASLib needed).

A NASLib config's ``search:`` section belongs to NASLib (``epochs``, ``seed``, BANANAS' ``k``,
its data loader's ``batch_size: 256``, ...). OptiProxy reads from it only ``epochs`` (the
evaluation budget: one epoch = one evaluated architecture) and ``seed``. OptiProxy's own
settings come from the measured per-space presets
(:meth:`~naslib_optiproxy.config.OptiProxyConfig.preset`), overridden only by the keys of a
top-level ``optiproxy:`` section (:class:`~naslib_optiproxy.config.OptiProxyConfig` field
names; on the command line ``optiproxy.KEY VALUE``).

So NASLib's ``search.batch_size`` / ``search.num_init`` never become OptiProxy's B or initial
design. An OptiProxy-only key placed under ``search:`` (e.g. ``search.model_epochs``) is refused
with a hint to move it under ``optiproxy:``, as is an unknown key under ``optiproxy:``.
"""

from __future__ import annotations

import difflib
from typing import Any, Mapping, Optional

from ..._text import did_you_mean, shorten
from ...config import KEYS, OptiProxyConfig, resolve_settings
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


#: The top-level section of a NASLib config that holds OptiProxy's settings.
SECTION = "optiproxy"


def _as_dict(section: Any, name: str) -> dict:
    """A plain dict of a mapping or a NASLib ``CfgNode`` (``None``: empty)."""
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise TypeError(f"the config's {name} section must be a mapping, got {type(section).__name__} "
                        f"{shorten(section)}")
    return dict(section)


def _misspelt(key: str) -> Optional[str]:
    close = difflib.get_close_matches(key, sorted(OPTIPROXY_KEYS), n=1, cutoff=0.85)
    return close[0] if close else None


def _check_search_keys(search: Mapping[str, Any]) -> None:
    """Refuse OptiProxy settings (or near-misspellings of them) placed in NASLib's ``search:``."""
    for key in search:
        key = str(key)
        if key in NASLIB_SEARCH_KEYS:
            continue  # NASLib's, with NASLib's meaning (batch_size, num_init included)
        ours = key if key in OPTIPROXY_KEYS else _misspelt(key)
        if ours is not None:
            raise ValueError(f"search.{key} looks like the OptiProxy setting {ours!r}, but a NASLib config's search: "
                             f"section belongs to NASLib; put it under '{SECTION}:' ({SECTION}: {{{ours}: ...}}) or "
                             f"override it with '{SECTION}.{ours} VALUE'")


def optiproxy_settings(search: Any, search_space: str, dataset: Optional[str] = None,
                       optiproxy: Any = None) -> OptiProxyConfig:
    """The :class:`OptiProxyConfig` for a NASLib config on ``search_space``/``dataset``.

    Args:
        search: NASLib's ``search`` mapping (dict or ``CfgNode``); only ``epochs`` is read (budget check).
        search_space: NASLib's space name (``nasbench201``, ``nasbench101``, ``nasbench301``, ``nlp``).
        dataset: NASLib's dataset name (selects the per-dataset presets).
        optiproxy: The config's ``optiproxy:`` section: OptiProxy settings over the presets.

    Raises:
        ValueError: An unknown key under ``optiproxy:``, an OptiProxy key under ``search:``, a bad
            value, or a budget (``search.epochs``) below ``num_init``.
        TypeError: A section that is not a mapping, or a value of the wrong type.
    """
    values = _as_dict(search, "search")
    chosen = _as_dict(optiproxy, SECTION)
    codec = translation_for(search_space).codec
    _check_search_keys(values)
    for key in chosen:
        if key not in OPTIPROXY_KEYS:
            raise ValueError(f"unknown OptiProxy setting {SECTION}.{key}{did_you_mean(str(key), sorted(OPTIPROXY_KEYS))}; "
                             f"OptiProxy settings: {', '.join(sorted(OPTIPROXY_KEYS))}")
    config = resolve_settings(codec, dataset, False, chosen)[1]
    if values.get("epochs") is not None:
        config.check_budget(int(values["epochs"]))
    return config


__all__ = ["NASLIB_SEARCH_KEYS", "OPTIPROXY_KEYS", "SECTION", "optiproxy_settings"]
