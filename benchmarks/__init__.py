"""The scripts behind every number in ``docs/``, run as modules from the repository root.

Each imports the package from the checkout it runs in (``python -m`` puts the working directory
first on the path) and caches its runs under ``benchmarks/results/`` (not in git)::

    python -m benchmarks.report --jobs 2                       # regenerate docs/results.md
    python -m benchmarks.studies.proxy_tau --help

* :mod:`benchmarks.data`: the package's bundled tables, built from the original files.
* :mod:`benchmarks.report`: ``docs/results.md`` and its figures; what regenerating it costs; a
  comparison's trajectories checked against the published ones.
* :mod:`benchmarks.timing`: the speed goals, the doors, table loading, one run's profile, the fit's cost.
* :mod:`benchmarks.studies`: the measurements behind the presets and the design choices.
* ``benchmarks/suites/``: the ``naslib-optiproxy compare`` suites the report runs.
"""

from __future__ import annotations

from pathlib import Path

#: The repository root (the checkout these scripts belong to).
ROOT = Path(__file__).resolve().parents[1]
#: Cached runs and measurements of every script.
RESULTS = ROOT / "benchmarks" / "results"
#: The suites of ``naslib-optiproxy compare`` behind ``docs/results.md``.
SUITES = ROOT / "benchmarks" / "suites"
