"""``naslib-optiproxy naslib --config-file CONFIG.yaml [--data-dir DIR] [--stock] [KEY VALUE ...]``.

NASLib's ``runners/nas/runner.py`` with one difference: its optimizer dict also knows
``optiproxy``. Same config format, same ``KEY VALUE`` / ``search.KEY VALUE`` overrides
(NASLib's ``get_config_from_args``), same seeding, ``Trainer.search`` and ``Trainer.evaluate``,
and NASLib's ``errors.json`` in ``<out_dir>/<search_space>/<dataset>/<optimizer>/<seed>/``, where
``<optimizer>`` names the variant of BANANAS / NPENAS when it is not NASLib's default
(``bananas-optiproxy_gcn-relaxed``; :mod:`~naslib_optiproxy.integrations.naslib_plugin.variants`).

Conveniences over NASLib's runner (all in :func:`complete_config`, testable without NASLib):

* keys NASLib requires but our configs need not carry are filled in: ``out_dir`` (``run``),
  an empty ``evaluation:`` section (NASLib's runner crashes without one),
  ``search.epochs`` from our top-level ``budget``, and NASLib's own ``discrete_config.yaml``
  ``search:`` defaults for its optimizers (``k``, ``num_ensemble``, ``predictor_type``, ...).
  ``search.fidelity`` defaults to ``-1`` (the final epoch, which every other optimizer
  queries), not NASLib's ``108``, which makes only NASLib's RS query epoch 108.
* lightweight mode (NASLib's ``instantiate_model=False``, no torch network per architecture)
  is the default for every optimizer; ``--stock`` runs NASLib's stock search-space objects.
* NAS-Bench-201 data from ``--data-dir`` (light pickles, CSV, or NASLib's full_training
  pickles; :mod:`naslib_optiproxy.integrations.naslib_plugin.data`), else NASLib's ``naslib/data``.
* ``predictor_type: optiproxy_gcn`` works for ``bananas``/``npenas`` (:func:`register`).
* an override NASLib would not read (``epochs 15``; the budget is ``search.epochs``) is refused
  with a did-you-mean hint (:mod:`~naslib_optiproxy.integrations.naslib_plugin.overrides`).
* ``optiproxy_summary.json`` beside ``errors.json``: the variant, best val, the table's test
  accuracy of the final architecture, search seconds and, for ``optiproxy``, every evaluation
  (``history``: architecture string and value, in order).
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import yaml

from ..._files import write_atomic
from ..._text import did_you_mean, shorten
from ..._yaml import load_yaml
from ...objectives import BenchmarkDataError
from ...run import DEFAULT_BUDGET
from ...threads import torch_threads
from .compat import apply as apply_shims
from .outputs import REFUSALS, output_folder
from .overrides import check_overrides
from .settings import SECTION
from .variants import VARIANT_OPTIMIZERS, describe, run_folder

#: Our optimizer plus NASLib's own (``runners/nas/runner.py``), by config name.
NASLIB_OPTIMIZERS = {"rs": "RandomSearch", "re": "RegularizedEvolution", "ls": "LocalSearch", "bananas": "Bananas",
                     "npenas": "Npenas", "darts": "DARTSOptimizer", "drnas": "DrNASOptimizer", "gdas": "GDASOptimizer"}
OPTIMIZER_NAMES = ("optiproxy", *NASLIB_OPTIMIZERS)
SUMMARY_FILE = "optiproxy_summary.json"
logger = logging.getLogger(__name__)


def naslib_default_config(relative: str) -> Dict[str, Any]:
    """A default config shipped with the installed NASLib (``relative`` to its ``naslib/`` folder)."""
    apply_shims()
    from naslib.utils import get_project_root

    with open(Path(get_project_root()) / relative, encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle) or {})


def naslib_search_defaults() -> Dict[str, Any]:
    """The ``search:`` section of the installed NASLib's ``runners/nas/discrete_config.yaml``."""
    return dict(naslib_default_config("runners/nas/discrete_config.yaml").get("search") or {})


def effective_value(values: Mapping[str, Any], opts: Sequence[str], key: str, default: Any = None) -> Any:
    """``values[key]`` after NASLib-style ``KEY VALUE`` overrides (the last one wins; a string then)."""
    value = values.get(key, default)
    pairs = list(opts or [])
    for name, given in zip(pairs[::2], pairs[1::2]):
        if name == key:
            value = given
    return value


def effective_optimizer(values: Mapping[str, Any], opts: Sequence[str]) -> str:
    """The optimizer after NASLib-style ``KEY VALUE`` overrides."""
    return str(effective_value(values, opts, "optimizer", "re"))


def complete_config(values: Mapping[str, Any], naslib_defaults: Mapping[str, Any], opts: Sequence[str] = ()) -> Dict[str, Any]:
    """A config NASLib's ``get_config_from_args`` accepts, from ours or NASLib's (see the module docstring).

    Raises:
        ValueError: An unknown optimizer (with the list of known ones).
    """
    out = copy.deepcopy(dict(values))
    optimizer = effective_optimizer(out, opts)
    if optimizer not in OPTIMIZER_NAMES:
        raise ValueError(f"unknown optimizer {optimizer!r}{did_you_mean(optimizer, OPTIMIZER_NAMES)}; "
                         f"this runner knows {', '.join(OPTIMIZER_NAMES)}")
    out.setdefault("out_dir", "run")
    out.setdefault("seed", 0)
    if not isinstance(out.get("evaluation"), dict):
        out["evaluation"] = {}
    search = dict(out.get("search") or {})
    if "epochs" not in search:
        search["epochs"] = int(effective_value(out, opts, "budget", DEFAULT_BUDGET))
    search.setdefault("fidelity", -1)
    for key, value in naslib_defaults.items():
        search.setdefault(key, value)
    out["search"] = search
    return out


def build_parser() -> argparse.ArgumentParser:
    """The runner's flags (NASLib's ``--config-file``, ``--seed``, ``--gpu`` and trailing overrides, plus ours).

    Built without NASLib, so ``--help`` works before NASLib is installed.
    """
    parser = argparse.ArgumentParser(
        prog="naslib-optiproxy naslib",
        description="NASLib's runner (Trainer.search, errors.json) that also knows optimizer 'optiproxy'. Trailing "
                    "KEY VALUE pairs override the config as in NASLib, e.g. 'optimizer re search.epochs 50'; "
                    "OptiProxy's own settings: 'optiproxy.KEY VALUE' (docs/naslib.md). Needs NASLib importable.")
    add_naslib_flags(parser, "'optimizer bananas search.predictor_type optiproxy_gcn'")
    return parser


def add_naslib_flags(parser: argparse.ArgumentParser, example: str) -> None:
    """The flags both NASLib runners take: ``--config-file``, ``--seed``, ``--gpu``, ``--data-dir``, ``--stock``
    and the trailing ``KEY VALUE`` overrides (``example``: a sample for their help)."""
    parser.add_argument("--config-file", default=None, metavar="FILE", help="NASLib-format YAML config")
    parser.add_argument("--seed", default=None, metavar="N",
                        help="random seed (same as the override 'seed N'); default: the config's seed, else 0")
    parser.add_argument("--gpu", default=None, type=int, help="GPU id (NASLib's config.gpu)")
    parser.add_argument("--data-dir", default=None, metavar="DIR",
                        help="folder with NAS-Bench-201 tables (light pickles, nb201_val_test.csv or NASLib's "
                             "full_training pickles); default: $NASLIB_OPTIPROXY_DATA, ./data, NASLib's naslib/data, "
                             "then the table bundled with this package")
    parser.add_argument("--stock", action="store_true",
                        help="NASLib's stock search spaces (a torch network per architecture; slow) instead of "
                             "the lightweight mode (instantiate_model=False)")
    parser.add_argument("opts", nargs=argparse.REMAINDER, metavar="KEY VALUE",
                        help=f"config overrides, e.g. {example}")


def naslib_args(config_file: str, opts: Sequence[str], gpu: Optional[int] = None) -> argparse.Namespace:
    """The namespace NASLib's ``get_config_from_args`` reads (its parser's defaults, our values)."""
    return argparse.Namespace(config_file=config_file, opts=list(opts), eval_only=False, resume=False, model_path=None,
                              world_size=1, rank=0, gpu=gpu, dist_url="tcp://127.0.0.1:8888", dist_backend="nccl",
                              multiprocessing_distributed=False, datapath=None)


def split_opts(opts: Sequence[str], seed: Optional[str] = None) -> Tuple[List[str], Dict[str, Any]]:
    """NASLib's ``KEY VALUE`` overrides, and ours (``optiproxy.KEY VALUE``, values parsed as YAML).

    ``seed`` (the ``--seed`` flag) becomes the override ``seed``.

    Raises:
        ValueError: An odd number of words, a bad seed, or two different seeds.
    """
    words = list(opts)
    if len(words) % 2:
        raise ValueError(f"overrides come in KEY VALUE pairs; {shorten(words[-1])} has no value "
                         f"(e.g. 'optimizer re search.epochs 50')")
    naslib: List[str] = []
    ours: Dict[str, Any] = {}
    for key, value in zip(words[::2], words[1::2]):
        if key.startswith(SECTION + "."):
            ours[key[len(SECTION) + 1:]] = yaml.safe_load(value)
        else:
            naslib += [key, value]
    if seed is not None:
        pairs = dict(zip(naslib[::2], naslib[1::2]))
        if not str(seed).isdigit():
            raise ValueError(f"--seed must be a non-negative integer, got {shorten(seed)}")
        if "seed" in pairs and pairs["seed"] != str(seed):
            raise ValueError(f"two seeds given: --seed {seed} and the override 'seed {pairs['seed']}'; give one")
        if "seed" not in pairs:
            naslib += ["seed", str(seed)]
    return naslib, ours


def load_config(path: str, opts: Sequence[str], seed: Optional[str] = None, gpu: Optional[int] = None) -> Any:
    """NASLib's ``get_config_from_args`` on the completed config (written to a temporary file).

    ``optiproxy.KEY VALUE`` overrides go into the config's ``optiproxy:`` section; ``seed`` is ``--seed``.
    """
    naslib_opts, ours = split_opts(opts, seed)
    values = complete_config(load_yaml(path), naslib_search_defaults(), naslib_opts)
    check_overrides(values, naslib_opts)
    return naslib_config(with_optiproxy_section(values, ours, path), naslib_opts, gpu, "nas", save=run_folder)


def with_optiproxy_section(values: Dict[str, Any], ours: Mapping[str, Any], path: str) -> Dict[str, Any]:
    """``values`` with the ``optiproxy.KEY VALUE`` overrides merged into its ``optiproxy:`` section."""
    if ours:
        section = values.get(SECTION) or {}
        if not isinstance(section, Mapping):
            raise TypeError(f"{path}: the {SECTION} section must be a mapping of OptiProxy settings, "
                            f"got {shorten(section)}")
        values[SECTION] = {**section, **ours}
    return values


def naslib_config(values: Mapping[str, Any], naslib_opts: Sequence[str], gpu: Optional[int], config_type: str,
                  save: Optional[Callable[[Any], str]] = None) -> Any:
    """NASLib's ``get_config_from_args(config_type=...)`` on ``values`` (via a temporary YAML file): the
    ``KEY VALUE`` overrides applied, ``config.save`` set and its folders made, as NASLib's runners do.

    ``save``: the run folder for the loaded config instead of NASLib's (NASLib then makes its folders
    in a temporary directory, not beside the run).
    """
    apply_shims()
    from naslib import utils

    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "config.yaml")
        with open(path, "w", encoding="utf-8") as handle:
            yaml.safe_dump(dict(values), handle, sort_keys=False)
        opts = list(naslib_opts) + (["out_dir", os.path.join(scratch, "out")] if save is not None else [])
        config = utils.get_config_from_args(naslib_args(path, opts, gpu), config_type=config_type)
    if save is not None:
        config.out_dir = str(effective_value(values, naslib_opts, "out_dir", "run"))
        config.save = save(config)
        for folder in ("", "/search", "/eval"):  # the folders NASLib makes (search/: its checkpoints)
            utils.create_exp_dir(config.save + folder)
    return config


def build_naslib_optimizer(name: str, config: Any) -> Any:
    """``OptiProxyOptimizer`` or NASLib's optimizer called ``name``, built on ``config``."""
    if name == "optiproxy":
        from .optimizer import OptiProxyOptimizer

        return OptiProxyOptimizer(config)
    apply_shims()
    import naslib.optimizers as naslib_optimizers

    return getattr(naslib_optimizers, NASLIB_OPTIMIZERS[name])(config)


def run(config: Any, lightweight: bool = True, data_dir: Optional[str] = None, evaluate: bool = True) -> Dict[str, Any]:
    """NASLib's runner steps on a loaded config; returns (and writes) the summary."""
    from naslib import utils
    from naslib.defaults.trainer import Trainer

    from . import register
    from .data import get_dataset_api, table_accuracies
    from .spaces import make_search_space

    if config.optimizer in VARIANT_OPTIMIZERS:  # optiproxy_gcn and relaxed candidates; others need no NASLib patch
        register()
    search_space = make_search_space(config.search_space, lightweight)
    optimizer = build_naslib_optimizer(config.optimizer, config)
    dataset_api = get_dataset_api(config.search_space, config.dataset, data_dir)
    utils.set_seed(config.seed)
    optimizer.adapt_search_space(search_space, dataset_api=dataset_api)
    trainer = Trainer(optimizer, config, lightweight_output=True)
    start = time.perf_counter()
    with torch_threads():  # the library's one thread policy (naslib_optiproxy.threads)
        trainer.search(resume_from="")
    seconds = time.perf_counter() - start
    trajectory = trainer.search_trajectory
    summary: Dict[str, Any] = {
        "optimizer": config.optimizer, "variant": describe(config.optimizer, config.search),
        "search_space": config.search_space, "dataset": config.dataset,
        "seed": int(config.seed), "epochs": int(config.search.epochs), "lightweight": lightweight,
        "best_val": float(max(trajectory.valid_acc)), "valid_acc": [float(v) for v in trajectory.valid_acc],
        "search_seconds": seconds,
        "epoch_seconds": [float(s) for s in trajectory.runtime],
    }
    engine = getattr(optimizer, "engine", None)  # OptiProxy's study: every evaluation, not only the incumbent
    if engine is not None:
        codec = optimizer.translator.codec
        summary["history"] = [{"arch": codec.to_string(t.arch), "val": t.value} for t in engine.trials]
    if evaluate:
        summary["naslib_test"] = float(trainer.evaluate(resume_from="", dataset_api=dataset_api))
        final = optimizer.get_final_architecture()
        summary["final_arch"] = _plain(final.get_hash())
        if config.search_space == "nasbench201":
            accuracies = table_accuracies(dataset_api, final.get_hash())
            if accuracies is not None:
                summary["table_val"], summary["table_test"] = accuracies
    write_atomic(Path(config.save) / SUMMARY_FILE, (json.dumps(summary, indent=1) + "\n").encode("utf-8"))
    return summary


def _plain(value: Any) -> Any:
    """Nested tuples/lists of numpy scalars as JSON-ready lists of Python numbers."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value.item() if hasattr(value, "item") else value


def entry_point(argv: Sequence[str], parser: argparse.ArgumentParser, load: Callable[..., Any],
                check: Callable[[Any], None], work: Callable[[argparse.Namespace, Any], str], example: str,
                finished: str = SUMMARY_FILE) -> int:
    """What both NASLib entry points do: parse ``argv``, check that NASLib imports, load the config with
    ``load(path, opts, seed=, gpu=)``, ``check`` it, then print ``work(args, config)`` with the output
    folder locked and NASLib writing into a private folder (:func:`~.outputs.output_folder`; a folder
    holding ``finished`` is refused).

    Returns the exit code: 0 (also after ``--help``), 2 on a setup, config or data error (printed;
    ``example``: the config to try when ``--config-file`` is missing), 130 after Ctrl-C. Errors inside
    NASLib's own work are not config errors: they propagate with their traceback.
    """
    loaded: List[Any] = []
    try:
        return _entry_point(argv, parser, load, check, work, example, finished, loaded)
    except KeyboardInterrupt:
        folder = Path(loaded[0].save) if loaded else None
        if folder is not None and (folder / finished).is_file():
            print(f"\ninterrupted after the NASLib run finished; its results are in {folder}", file=sys.stderr)
        else:
            print("\ninterrupted; no NASLib run finished (NASLib cannot resume one): rerun the same command to "
                  "start it again", file=sys.stderr)
        return 130


def _entry_point(argv: Sequence[str], parser: argparse.ArgumentParser, load: Callable[..., Any],
                 check: Callable[[Any], None], work: Callable[[argparse.Namespace, Any], str], example: str,
                 finished: str, loaded: List[Any]) -> int:
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exit_:  # --help (0) or a malformed flag (argparse printed why)
        return exit_.code if isinstance(exit_.code, int) else 2
    from .optimizer import INSTALL_HINT, NASLIB_IMPORT_ERROR

    if NASLIB_IMPORT_ERROR is not None:
        print(f"error: {INSTALL_HINT}\n  (import failed: {NASLIB_IMPORT_ERROR})", file=sys.stderr)
        return 2
    if args.config_file is None:
        print(f"error: --config-file is required (e.g. {example})", file=sys.stderr)
        return 2
    try:
        config = load(args.config_file, args.opts or [], seed=args.seed, gpu=args.gpu)
        loaded.append(config)
        check(config)
    except (BenchmarkDataError, ValueError, TypeError, KeyError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        with output_folder(config, finished) as output:
            print(output.public(work(args, config)))
    except (BenchmarkDataError, *REFUSALS) as error:  # data, a folder in use or finished, a planted link
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def check_optiproxy_settings(config: Any) -> None:
    """Build optimizer ``optiproxy``'s settings now, so a bad one fails before any work."""
    if config.optimizer == "optiproxy":
        from .settings import optiproxy_settings

        optiproxy_settings(config.search, config.search_space, config.dataset, config.get(SECTION))


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``naslib-optiproxy naslib``; returns the exit code (2: setup, config or data error)."""
    return entry_point(sys.argv[1:] if argv is None else argv, build_parser(), load_config, check_optiproxy_settings,
                       search_and_report, "naslib_configs/nasbench201/cifar10/optiproxy.yaml")


def search_and_report(args: argparse.Namespace, config: Any) -> str:
    """:func:`run` on the loaded config; its one-line summary."""
    summary = run(config, lightweight=not args.stock, data_dir=args.data_dir)
    test = summary.get("table_test", summary.get("naslib_test"))
    return (f"{summary['variant']} on {summary['search_space']}/{summary['dataset']} seed {summary['seed']}: "
            f"best val {summary['best_val']:.3f}, test {test:.3f}, {summary['epochs']} epochs in "
            f"{summary['search_seconds']:.1f} s; {Path(config.save) / 'errors.json'}")


__all__ = ["NASLIB_OPTIMIZERS", "OPTIMIZER_NAMES", "SUMMARY_FILE", "add_naslib_flags", "build_parser", "complete_config",
           "effective_optimizer", "effective_value", "load_config", "naslib_default_config", "main", "naslib_args", "naslib_config", "split_opts",
           "build_naslib_optimizer", "check_optiproxy_settings", "entry_point", "run", "search_and_report", "with_optiproxy_section"]
