"""Where one CLI run's seconds go: start-up, table loading, proxy fit, gradient search, candidates, selection...

Runs ``naslib-optiproxy search`` in this process (as the CLI does, through ``cli.main``) with a
timer around each phase, and prints the breakdown (``docs/performance.md`` quotes it). Phases
are exclusive where they nest (the selection's proxy predictions count as selection). Start-up
is the interpreter (``python -c pass``, timed separately) plus this process's imports.

Example::

    python -m benchmarks.timing.profile_run -- --search-space nasbench201 --dataset cifar10 --budget 100
"""

from __future__ import annotations

import subprocess
import sys
import time

START = time.perf_counter()

import argparse  # noqa: E402
import functools  # noqa: E402
import tempfile  # noqa: E402
from collections import defaultdict  # noqa: E402
from typing import Callable, Dict, List, Optional  # noqa: E402

from naslib_optiproxy import cli, journal  # noqa: E402
from naslib_optiproxy import objectives as objective_modules  # noqa: E402
from naslib_optiproxy.proxies import fit  # noqa: E402
from naslib_optiproxy.search import GradientSearch  # noqa: E402
from naslib_optiproxy.strategies import optiproxy  # noqa: E402

IMPORTED = time.perf_counter()
SECONDS: Dict[str, float] = defaultdict(float)
CALLS: Dict[str, int] = defaultdict(int)
_stack: List[str] = []


def timed(phase: str, function: Callable) -> Callable:
    """``function`` with its seconds (less those of timed calls inside it) added to ``phase``."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        _stack.append(phase)
        inner_before = SECONDS["_inner:" + phase]
        try:
            return function(*args, **kwargs)
        finally:
            _stack.pop()
            elapsed = time.perf_counter() - start
            own = elapsed - (SECONDS["_inner:" + phase] - inner_before)
            SECONDS[phase] += own
            CALLS[phase] += 1
            if _stack:
                SECONDS["_inner:" + _stack[-1]] += elapsed
    return wrapper


def instrument() -> None:
    patches = [
        (objective_modules, "get_objective", "table loading (objective built)"),
        (fit.ProxyTrainer, "fit", "proxy fit"),
        (GradientSearch, "run", "gradient search"),
        (optiproxy.OptiProxy, "_candidates", "candidates (draw, validity, dedup)"),
        (optiproxy.OptiProxy, "_select", "selection (encode + predict + rank)"),
        (optiproxy.OptiProxy, "_training_data", "training data (encode)"),
        (journal.RunJournal, "_write", "journal I/O"),
    ]
    for owner, name, phase in patches:
        setattr(owner, name, timed(phase, getattr(owner, name)))
    for name in dir(objective_modules):  # every objective class's evaluation
        cls = getattr(objective_modules, name)
        if isinstance(cls, type) and "__call__" in vars(cls):
            cls.__call__ = timed("objective queries", cls.__call__)
    # the CLI imported get_objective by name: time it where it is looked up
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("naslib_optiproxy") and \
                getattr(module, "get_objective", None) is not None and module is not objective_modules:
            module.get_objective = objective_modules.get_objective


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cli_args", nargs=argparse.REMAINDER, help="arguments of `naslib-optiproxy search`")
    args = parser.parse_args(argv)
    interpreter = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    interpreter = time.perf_counter() - interpreter
    instrument()
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        code = cli.main(["search", *[a for a in args.cli_args if a != "--"], "--no-progress", "--out", out])
        run = time.perf_counter() - start
    phases = {k: v for k, v in SECONDS.items() if not k.startswith("_inner:")}
    total = interpreter + (IMPORTED - START) + run
    rows = [("interpreter start (python -c pass)", interpreter, 1), ("imports (naslib_optiproxy, torch, numpy...)",
                                                                      IMPORTED - START, 1)]
    rows += [(phase, seconds, CALLS[phase]) for phase, seconds in sorted(phases.items(), key=lambda kv: -kv[1])]
    rows.append(("the rest (study loop, CLI, result.json, exit)", run - sum(phases.values()), 1))
    print("| phase | seconds | share | calls |\n|---|---|---|---|")
    for phase, seconds, calls in rows:
        print(f"| {phase} | {seconds:.2f} | {100 * seconds / total:.0f}% | {calls} |")
    print(f"| **total** | **{total:.2f}** | 100% | |")
    return code


if __name__ == "__main__":
    sys.exit(main())
