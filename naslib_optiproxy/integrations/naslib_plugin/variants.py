"""Which variant of a NASLib optimizer a run is: its folder name and its words in the summary line.

NASLib's runner writes to ``<out_dir>/<search_space>/<dataset>/<optimizer>/<seed>``, so BANANAS
with its GP, with ``optiproxy_gcn`` and with relaxed candidates would share one folder. BANANAS
and NPENAS read ``search.predictor_type`` and ``search.acq_fn_optimization``; a value other than
NASLib's default (``discrete_config.yaml``: ``var_sparse_gp``, ``mutation``) joins the folder
name, e.g. ``bananas-optiproxy_gcn-relaxed``. The defaults keep NASLib's own name (``bananas``),
so two variants never share a folder. No NASLib needed.
"""

from __future__ import annotations

import re
from typing import Any, List, Mapping, Tuple

#: Optimizers whose runs differ by these ``search:`` keys, with NASLib's defaults.
VARIANT_KEYS: Tuple[Tuple[str, str], ...] = (("predictor_type", "var_sparse_gp"), ("acq_fn_optimization", "mutation"))
VARIANT_OPTIMIZERS = ("bananas", "npenas")
_SAFE = re.compile(r"^[A-Za-z0-9_]+$")


def variant_values(optimizer: str, search: Mapping[str, Any]) -> List[Tuple[str, str]]:
    """``(key, value)`` of each variant key ``optimizer`` reads (none for RS, RE, LS, OptiProxy)."""
    if optimizer not in VARIANT_OPTIMIZERS:
        return []
    return [(key, str(search.get(key, default))) for key, default in VARIANT_KEYS]


def folder_name(optimizer: str, search: Mapping[str, Any]) -> str:
    """The optimizer's folder name: ``optimizer`` plus each variant value that is not NASLib's default.

    Raises:
        ValueError: A variant value that is not a plain name (it would become part of a path).
    """
    parts = [optimizer]
    for (key, value), (_, default) in zip(variant_values(optimizer, search), VARIANT_KEYS):
        if not _SAFE.match(value):
            raise ValueError(f"search.{key} must be a name (letters, digits, '_'), got {value!r}")
        if value != default:
            parts.append(value)
    return "-".join(parts)


def describe(optimizer: str, search: Mapping[str, Any]) -> str:
    """``optimizer`` with its variant in words, e.g. ``bananas (predictor optiproxy_gcn, relaxed candidates)``."""
    values = dict(variant_values(optimizer, search))
    if not values:
        return optimizer
    return f"{optimizer} (predictor {values['predictor_type']}, {values['acq_fn_optimization']} candidates)"


def run_folder(config: Any) -> str:
    """NASLib's run folder for a loaded config, with the variant in the optimizer's part."""
    return "{}/{}/{}/{}/{}".format(config.out_dir, config.search_space, config.dataset,
                                   folder_name(config.optimizer, config.search), config.seed)


__all__ = ["VARIANT_KEYS", "VARIANT_OPTIMIZERS", "describe", "folder_name", "run_folder", "variant_values"]
