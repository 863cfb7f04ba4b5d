"""``naslib-optiproxy naslib-predictors --config-file CONFIG.yaml [--data-dir DIR] [--stock] [KEY VALUE ...]``.

NASLib's predictor evaluation (``runners/predictors/runner.py``) that also knows
``optiproxy_gcn``, ``optiproxy_gat``, ``optiproxy_gin`` and ``optiproxy_sage``
(:mod:`~naslib_optiproxy.integrations.naslib_plugin.predictors`). Same config format and
``KEY VALUE`` overrides (NASLib's ``get_config_from_args(config_type="predictor")``), same
seeding, NASLib's own ``PredictorEvaluator`` (train/test sampling, fit, Kendall tau, Spearman,
...) and its ``errors.json`` in ``<out_dir>/<dataset>/predictors/<predictor>/<seed>/``.

Differences from NASLib's script, all in what it is given, none in how it evaluates:

* predictors are built only when named (NASLib's script builds all ~45, and every search space);
* keys missing from the config take the values of NASLib's ``runners/predictors/predictor_config.yaml``;
  a misspelt predictor, space or experiment type, or an override key NASLib would not read, is refused
  before any work, with a did-you-mean hint;
* NAS-Bench-201 data as for ``naslib-optiproxy naslib``: ``--data-dir``, else NASLib's
  ``naslib/data``, else the table bundled with this package (validation accuracy at the last
  epoch only: learning-curve and zero-cost predictors need NASLib's own files and ``--stock``);
* NASLib's lightweight search spaces (no torch network per architecture) unless ``--stock``;
* an ``optiproxy:`` section (and ``optiproxy.KEY VALUE``) sets OptiProxy settings of the
  ``optiproxy_*`` predictors over the per-space presets;
* torch runs under the package's thread policy (:mod:`naslib_optiproxy.threads`), for every predictor.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

from ..._text import did_you_mean
from ..._yaml import load_yaml
from ...threads import torch_threads
from .compat import apply as apply_shims
from .overrides import check_overrides
from .predictors import LOAD_LABELED_SPACES, OPTIPROXY_PREDICTORS, build_predictor, check_predictor
from .runner import add_naslib_flags, effective_value, entry_point, naslib_config, naslib_default_config, split_opts, \
    with_optiproxy_section
from .settings import SECTION
from .spaces import NASLIB_SPACES

EXPERIMENT_TYPES = ("single", "vary_train_size", "vary_fidelity", "vary_both")
ERRORS_FILE = "errors.json"
#: The per-result keys the summary prints (NASLib's names).
SUMMARY_KEYS = ("train_size", "fidelity", "kendalltau", "spearman", "fit_time")


def naslib_predictor_defaults() -> Dict[str, Any]:
    """The installed NASLib's ``runners/predictors/predictor_config.yaml``."""
    return naslib_default_config("runners/predictors/predictor_config.yaml")


def complete_config(values: Mapping[str, Any], naslib_defaults: Mapping[str, Any],
                    opts: Sequence[str] = ()) -> Dict[str, Any]:
    """A config NASLib's ``get_config_from_args(config_type="predictor")`` accepts: ``values`` with the
    keys it lacks taken from ``naslib_defaults`` (``search:`` key by key), ``seed`` 0 if absent.

    Raises:
        ValueError: An unknown predictor, search space or experiment type (after the overrides ``opts``).
    """
    out = copy.deepcopy(dict(values))
    check_predictor(str(effective_value(out, opts, "predictor", naslib_defaults.get("predictor"))))
    space = str(effective_value(out, opts, "search_space", naslib_defaults.get("search_space")))
    if space not in NASLIB_SPACES:
        raise ValueError(f"search space {space!r} is not supported by this runner{did_you_mean(space, NASLIB_SPACES)}; "
                         f"choose one of {', '.join(NASLIB_SPACES)}")
    experiment = str(effective_value(out, opts, "experiment_type", naslib_defaults.get("experiment_type")))
    if experiment not in EXPERIMENT_TYPES:
        raise ValueError(f"unknown experiment_type {experiment!r}{did_you_mean(experiment, EXPERIMENT_TYPES)}; "
                         f"choose one of {', '.join(EXPERIMENT_TYPES)}")
    out.setdefault("seed", 0)  # as the NAS runner (NASLib's predictor default is 1000)
    for key, value in naslib_defaults.items():
        out.setdefault(key, copy.deepcopy(value))
    out["search"] = {**dict(naslib_defaults.get("search") or {}), **dict(values.get("search") or {})}
    return out


def build_parser() -> argparse.ArgumentParser:
    """The runner's flags; built without NASLib, so ``--help`` works before NASLib is installed."""
    parser = argparse.ArgumentParser(
        prog="naslib-optiproxy naslib-predictors",
        description="NASLib's predictor evaluation (PredictorEvaluator, errors.json) that also knows the predictors "
                    f"{', '.join(OPTIPROXY_PREDICTORS)}. Trailing KEY VALUE pairs override the config as in NASLib, "
                    "e.g. 'predictor xgb test_size 1000 train_size_list [20,50,100,200]'; settings of the optiproxy "
                    "predictors: 'optiproxy.KEY VALUE' (docs/predictors.md). Needs NASLib importable.")
    add_naslib_flags(parser, "'predictor optiproxy_gat experiment_type vary_train_size'")
    return parser


def load_config(path: str, opts: Sequence[str], seed: Optional[str] = None, gpu: Optional[int] = None) -> Any:
    """NASLib's predictor config from ``path`` and the overrides (``optiproxy.KEY VALUE`` into ``optiproxy:``)."""
    naslib_opts, ours = split_opts(opts, seed)
    values = complete_config(load_yaml(path), naslib_predictor_defaults(), naslib_opts)
    check_overrides(values, naslib_opts)
    return naslib_config(with_optiproxy_section(values, ours, path), naslib_opts, gpu, "predictor")


def check_optiproxy_settings(config: Any) -> None:
    """Build the ``optiproxy_*`` predictor's settings now, so a bad one fails before any data is loaded."""
    if config.predictor in OPTIPROXY_PREDICTORS:
        from .settings import optiproxy_settings

        optiproxy_settings({}, config.search_space, config.dataset,
                           {**dict(config.get(SECTION) or {}), "proxy": OPTIPROXY_PREDICTORS[config.predictor]})


def run(config: Any, lightweight: bool = True, data_dir: Optional[str] = None) -> List[Dict[str, Any]]:
    """NASLib's predictor-runner steps on a loaded config; returns the results (one per train size / fidelity).

    NASLib's ``PredictorEvaluator`` writes them, after the config, to ``<config.save>/errors.json``.
    """
    apply_shims()
    from naslib import utils
    from naslib.defaults.predictor_evaluator import PredictorEvaluator

    from .data import get_dataset_api
    from .spaces import make_search_space

    utils.set_seed(config.seed)
    predictor = build_predictor(config.predictor, config, config.get(SECTION))
    search_space = make_search_space(config.search_space, lightweight)
    dataset_api = get_dataset_api(config.search_space, config.dataset, data_dir)
    utils.set_seed(config.seed)
    evaluator = PredictorEvaluator(predictor, config=config)
    evaluator.adapt_search_space(search_space, load_labeled=config.search_space in LOAD_LABELED_SPACES,
                                 dataset_api=dataset_api)
    with torch_threads():  # the library's one thread policy, for NASLib's predictors too
        results = evaluator.evaluate()
    return [dict(result) for result in results[1:]]


def summary_lines(config: Any, results: Sequence[Mapping[str, Any]]) -> List[str]:
    """One line per result: train size, fidelity, Kendall tau, Spearman, fit seconds."""
    head = f"{config.predictor} on {config.search_space}/{config.dataset} seed {config.seed}, test size {config.test_size}:"
    rows = [", ".join(f"{key} {_short(result.get(key))}" for key in SUMMARY_KEYS) for result in results]
    return [head, *("  " + row for row in rows), f"{Path(config.save) / ERRORS_FILE}"]


def _short(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``naslib-optiproxy naslib-predictors``; returns the exit code (2: setup, config or data error)."""
    return entry_point(sys.argv[1:] if argv is None else argv, build_parser(), load_config, check_optiproxy_settings,
                       evaluate_and_report, "naslib_configs/predictors/nasbench201/cifar10.yaml", finished=ERRORS_FILE)


def evaluate_and_report(args: argparse.Namespace, config: Any) -> str:
    """:func:`run` on the loaded config; its :func:`summary_lines`."""
    return "\n".join(summary_lines(config, run(config, lightweight=not args.stock, data_dir=args.data_dir)))


__all__ = ["ERRORS_FILE", "EXPERIMENT_TYPES", "build_parser", "check_optiproxy_settings", "complete_config",
           "evaluate_and_report",
           "load_config", "main", "naslib_predictor_defaults", "run", "summary_lines"]
