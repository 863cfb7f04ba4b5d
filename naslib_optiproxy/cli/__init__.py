"""Command line: ``naslib-optiproxy [search] [flags]`` (also ``python -m naslib_optiproxy``).

With no arguments it runs the embedded default: OptiProxy on NAS-Bench-Graph (cora),
100 evaluations, seed 0. Flags override the values of ``--config FILE.yaml``.
``--resume`` continues an interrupted run from ``<out>/journal.jsonl``.
"""

from __future__ import annotations

import argparse
import importlib
import shlex
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from tqdm import tqdm

from .. import _startup
from .._version import __version__
from .._text import WholeNamesHelpFormatter
from ..compare.command import add_compare_parser, run_compare
from ..objectives import BenchmarkDataError, get_objective
from ..datasets import DEFAULT_DATASETS
from ..run import DEFAULT_BUDGET, RESULT_FILE, run_search
from ..spaces import SEARCH_SPACES
from ..storage import JOURNAL_FILE
from ..strategies import BASELINES, PEERS
from ..study import AllFailedError, Study, TooManyFailuresError
from ..types import Trial
from .run_config import RunConfig

# flag destination -> RunConfig key
_OVERRIDES = {"search_space": "search_space", "dataset": "dataset", "optimizer": "optimizer", "budget": "budget",
              "seed": "seed", "data_dir": "data_dir", "out": "out_dir", "constraint": "constraint",
              "fidelity": "fidelity", "objectives": "objectives"}


#: The peer optimizers and how to get them, for ``--help``.
PEERS_HELP = (f"{', '.join(PEERS)} (Optuna, SMAC3, HEBO; pip install 'naslib-optiproxy[peers]', "
              f"HEBO apart: docs/peers.md)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="naslib-optiproxy",
        description="OptiProxy-NAS and baselines on tabular NAS benchmarks. "
                    "Without arguments: OptiProxy on NAS-Bench-Graph (cora), 100 evaluations, seed 0.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    search = commands.add_parser("search", help="run one search and write result.json",
                                 description="Run one search; flags override --config values.",
                                 formatter_class=WholeNamesHelpFormatter)
    # No argparse `choices`: the config check answers unknown names with a did-you-mean hint.
    search.add_argument("--search-space", metavar="{" + ",".join(SEARCH_SPACES) + "}",
                        help="benchmark search space (default: nasbench_graph)")
    search.add_argument("--dataset", metavar="D",
                        help="dataset (default: " + ", ".join(f"{d} for {s}" for s, d in DEFAULT_DATASETS.items()
                                                             if s in SEARCH_SPACES) + ")")
    search.add_argument("--optimizer", metavar="NAME", help=f"optiproxy (default), the baselines {', '.join(BASELINES)}, "
                        f"or a peer optimizer: {PEERS_HELP}")
    search.add_argument("--budget", type=int, metavar="N", help=f"architectures to evaluate (default: {DEFAULT_BUDGET})")
    search.add_argument("--seed", type=int, metavar="S", help="random seed (default: 0)")
    search.add_argument("--data-dir", metavar="DIR", help="folder with the NAS-Bench-201 tables")
    search.add_argument("--out", metavar="DIR",
                        help="output folder (default: runs/<search_space>-<dataset>-<optimizer>-<seed>)")
    search.add_argument("--config", metavar="FILE.yaml", help="NASLib-style YAML config")
    search.add_argument("--constraint", metavar="METRIC<=MAX",
                        help="maximise accuracy subject to METRIC<=MAX (or METRIC:MAX), e.g. edgegpu_latency<=2 "
                             "(nasbench201: HW-NAS-Bench metrics; nasbench_graph: latency, params)")
    search.add_argument("--objectives", metavar="METRIC[:max|min],...",
                        help="search the Pareto front of several metrics, e.g. val,edgegpu_latency:min "
                             "(optimizers: optiproxy, rs, nsga2, motpe, limits; docs/multiobjective.md)")
    search.add_argument("--fidelity", metavar="{full,low}",
                        help="nasbench201: low searches the 12-epoch accuracy and promotes the best to full training")
    search.add_argument("--resume", action="store_true",
                        help="continue the run in --out from its journal (same settings; a larger "
                             "--budget is allowed); journaled evaluations are not repeated")
    search.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    add_compare_parser(commands)
    commands.add_parser("naslib", add_help=False,
                        help="NASLib's runner (Trainer, errors.json) with optimizer optiproxy; "
                             "'naslib-optiproxy naslib --help' for its flags")
    commands.add_parser("naslib-predictors", add_help=False,
                        help="NASLib's predictor evaluation (PredictorEvaluator, errors.json) with the predictors "
                             "optiproxy_gcn/gat/gin/sage; 'naslib-optiproxy naslib-predictors --help' for its flags")
    return parser


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """The run config: ``--config`` file (or defaults), then the flags given on top."""
    cfg = RunConfig.from_yaml(args.config) if args.config else RunConfig()
    overrides: Dict[str, Any] = {key: getattr(args, dest) for dest, key in _OVERRIDES.items()
                                 if getattr(args, dest) is not None}
    return cfg.replace(**overrides) if overrides else cfg


def summary(result: Dict[str, Any], out_dir: str) -> str:
    """A few human-readable lines about a finished run."""
    best = result["best"]
    if result.get("front") is not None:
        lines = front_summary(result["front"], out_dir)
    elif best is None:
        lines = [f"no feasible architecture found under {result.get('constraint')}"]
    else:
        test = "n/a" if best["test"] is None else f"{best['test']:.3f}"
        lines = [f"best architecture: {best['arch']}", f"val: {best['val']:.3f}  test: {test}"]
    if result.get("epochs"):
        lines.append(f"training epochs: {result['epochs'][-1]} ({result['fidelity']} fidelity)")
    return "\n".join(lines + [
        f"{len(result['history'])} evaluations ({result['optimizer']}, {result['search_space']}/"
        f"{result['dataset']}, seed {result['seed']}) in {result['seconds']:.1f} s",
        f"result: {Path(out_dir) / RESULT_FILE}",
    ])


def front_summary(front: Dict[str, Any], out_dir: str) -> List[str]:
    """The lines about a multi-objective run's front."""
    names = [f"{o['metric']} ({o['direction']})" for o in front["objectives"]]
    reference = ", ".join(f"{v:.4g}" for v in front["reference_point"] or [])
    share = f"; {front['share']:.3f} of the true front's" if front["share"] is not None else ""
    lines = [f"front: {len(front['trials'])} architectures on {' vs '.join(names)}",
             f"hypervolume: {front['hypervolume']:.4f} of the box between the ideal and the reference point "
             f"({reference}; from the {front['reference']}){share}"]
    for entry in front["trials"][:5]:
        values = "  ".join(f"{o['metric']} {entry[o['metric']]:.4g}" for o in front["objectives"])
        lines.append(f"  {entry['arch']}  {values}")
    if len(front["trials"]) > 5:
        lines.append(f"  ... {len(front['trials']) - 5} more in result.json")
    lines.append(f"plot: {Path(out_dir) / front['plot']}" if front["plot"] else f"note: {front.get('plot_note')}")
    return lines


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point; returns the exit code (2 on a configuration or data error, 1 on too many failures,
    130 after Ctrl-C)."""
    _startup.release()  # from here on Ctrl-C is a KeyboardInterrupt, which every command reports
    try:
        return _main(argv)
    except KeyboardInterrupt:  # between the commands' own handlers (e.g. while parsing): one line
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        _startup.finish()  # the command is done: a Ctrl-C while the process exits changes nothing


def _main(argv: Optional[Sequence[str]]) -> int:
    args_list: List[str] = list(sys.argv[1:] if argv is None else argv)
    if not args_list or (args_list[0].startswith("-") and args_list[0] not in ("-h", "--help", "--version")):
        args_list.insert(0, "search")
    if args_list[0] in NASLIB_COMMANDS:  # NASLib's own argument format: handed over untouched
        return naslib_command(args_list[0], args_list[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exit_:  # --help, --version, or a malformed flag (argparse printed why)
        return exit_.code if isinstance(exit_.code, int) else 2
    return COMMANDS[args.command](args, args_list)


def search_command(args: argparse.Namespace, argv: Sequence[str] = ()) -> int:
    """``naslib-optiproxy search``: one run, result.json and journal in ``--out``."""
    cfg: Optional[RunConfig] = None
    try:
        cfg = config_from_args(args)
        fresh = fresh_folder(Path(cfg.resolved_out_dir())) if cfg.out_dir is None and not args.resume else None
        cfg = cfg.resolved(out_dir=fresh)
        objective = config_objective(cfg)
        with tqdm(total=cfg.budget, desc=f"{cfg.optimizer} {cfg.search_space}/{objective.dataset}", file=sys.stderr,
                  disable=args.no_progress, unit="eval", dynamic_ncols=True) as bar:
            result = run_from_config(cfg, args.resume, [_progress(bar)], objective)
    except (BenchmarkDataError, ValueError, TypeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        print(f"error: cannot use{where}: {error.strerror or error}", file=sys.stderr)
        return 2
    except TooManyFailuresError as error:
        print(f"error: {error}\nthe evaluations so far are in {Path(cfg.out_dir) / JOURNAL_FILE}; "
              f"fix the cause and continue with: {resume_command(argv, cfg)}", file=sys.stderr)
        return 1
    except AllFailedError as error:
        print(f"error: {error}; each failure's reason is in {Path(cfg.out_dir) / RESULT_FILE}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        journal = Path(cfg.out_dir) / JOURNAL_FILE if cfg and cfg.out_dir else None
        if journal is not None and journal.is_file():
            message = f"; the evaluations so far are in {journal}; continue with: {resume_command(argv, cfg)}"
        else:
            message = " before the first evaluation: rerun the same command to start the run"
        print(f"\ninterrupted{message}", file=sys.stderr)
        return 130
    if result["exhausted"]:
        print(f"note: the search space ran out of unseen architectures after {len(result['history'])} evaluations",
              file=sys.stderr)
    print(summary(result, cfg.out_dir))
    return 0


def config_objective(cfg: RunConfig) -> Any:
    """The objective a resolved ``cfg`` searches (space, dataset, data folder, constraint, fidelity)."""
    return get_objective(cfg.search_space, cfg.dataset, cfg.data_dir, **cfg.objective_options())


def run_from_config(cfg: RunConfig, resume: bool = False, callbacks: Sequence[Callable[[Study, Trial], None]] = (),
               objective: Any = None) -> Dict[str, Any]:
    """What ``naslib-optiproxy search`` runs for ``cfg``: its objective (unless given), the settings the
    CLI resolves (preset + ``search:``), journal and result in ``cfg``'s out folder; returns the result."""
    cfg = cfg.resolved()
    objective = config_objective(cfg) if objective is None else objective
    return run_search(objective, cfg.optimizer, cfg.budget, cfg.seed, cfg.search_config(), cfg.out_dir,
                      resume=resume, callbacks=callbacks, max_consecutive_failures=cfg.max_consecutive_failures)


def fresh_folder(folder: Path) -> str:
    """``folder`` if it holds no run yet, else the first free ``folder-2``, ``folder-3``, ..."""
    candidate, number = folder, 1
    while (candidate / JOURNAL_FILE).exists() or (candidate / RESULT_FILE).exists():
        number += 1
        candidate = folder.with_name(f"{folder.name}-{number}")
    return str(candidate)


def resume_command(argv: Sequence[str], cfg: Optional[RunConfig]) -> str:
    """The command line that continues this run: the same flags, ``--out`` and ``--resume``."""
    words = ["naslib-optiproxy", *(argv or ["search"])]
    if cfg is not None and "--out" not in words:
        words += ["--out", str(cfg.out_dir)]
    if "--resume" not in words:
        words.append("--resume")
    return " ".join(shlex.quote(w) for w in words)


def _progress(bar: tqdm) -> Callable[[Study, Trial], None]:
    def update(study: Study, trial: Trial) -> None:
        best = study.best
        if best is not None:
            bar.set_postfix(best=f"{best.value:.3f}", refresh=False)
        bar.update(1)

    return update


def compare_command(args: argparse.Namespace, argv: Sequence[str] = ()) -> int:
    """``naslib-optiproxy compare``: methods x tasks x seeds, tables and plots."""
    return run_compare(args)


def naslib_command(name: str, argv: Sequence[str]) -> int:
    """``naslib-optiproxy naslib|naslib-predictors --config-file CONFIG.yaml [KEY VALUE ...]``: the NASLib
    plugin's runner, loaded only now (``search`` and ``compare`` never load it)."""
    module, _, function = NASLIB_COMMANDS[name].partition(":")
    return getattr(importlib.import_module(module), function)(list(argv))


# subcommand -> handler (each returns the exit code)
COMMANDS = {"search": search_command, "compare": compare_command}
#: Subcommands in NASLib's argument format (argv after the name) -> ``module:function`` handling them:
#: ``naslib`` is NASLib's runner (Trainer, errors.json) with optimizer optiproxy, ``naslib-predictors``
#: NASLib's predictor evaluation with the optiproxy predictors.
NASLIB_COMMANDS = {"naslib": "naslib_optiproxy.integrations.naslib_plugin.runner:main",
                   "naslib-predictors": "naslib_optiproxy.integrations.naslib_plugin.predictor_runner:main"}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
