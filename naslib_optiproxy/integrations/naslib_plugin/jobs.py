"""One NASLib search from plain values: what ``compare`` runs for a ``naslib:<optimizer>`` method.

``compare`` loads this module by name only when such a method is checked or run
(:data:`naslib_optiproxy.compare.methods.EXTERNAL_RUNNERS`), so neither adapter imports the
other and a comparison without NASLib methods never loads the plugin.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

import yaml

from ..._text import did_you_mean
from . import naslib_missing
from .runner import OPTIMIZER_NAMES, load_config, run


def check_optimizer(name: str, method: str) -> None:
    """ValueError for an optimizer NASLib's runner does not know, or, naming the ``method`` label, when NASLib
    does not import here."""
    if name not in OPTIMIZER_NAMES:
        raise ValueError(f"unknown NASLib optimizer {name!r}{did_you_mean(name, OPTIMIZER_NAMES)}; "
                         f"available: {', '.join(OPTIMIZER_NAMES)}")
    missing = naslib_missing()
    if missing:
        raise ValueError(f"method {method!r} runs through NASLib: {missing}")


#: Lines of NASLib's own printing kept with an error of its run (the rest of it is not shown).
PRINTED_LINES_KEPT = 20


def run_search(search_space: str, dataset: Optional[str], optimizer: str, seed: int, budget: int,
               settings: Mapping[str, Any], data_dir: Optional[str] = None,
               workdir: Optional[str] = None) -> Dict[str, Any]:
    """NASLib's Trainer (lightweight) with ``optimizer`` for ``budget`` epochs (one evaluation each); its summary
    (``valid_acc`` per epoch, ``best_val``, ``final_arch``, ``table_test``, ``search_seconds``).

    NASLib's config and logs go to a scratch folder inside ``workdir`` (the job's folder in ``compare``;
    ``None``: the system's temporary folder), removed at the end. What NASLib prints (its predictors'
    "Finished fitting GP", per evaluation) is held back: it would interleave with ``compare``'s progress
    lines; the last :data:`PRINTED_LINES_KEPT` lines are added to an error of the run.
    """
    with tempfile.TemporaryDirectory(prefix="naslib-", dir=workdir) as scratch:
        values = {"search_space": search_space, "dataset": dataset, "optimizer": optimizer, "seed": seed,
                  "out_dir": scratch, "search": {"epochs": budget, **dict(settings)}}
        path = Path(scratch) / "config.yaml"
        path.write_text(yaml.safe_dump(values), encoding="utf-8")
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                return run(load_config(str(path), []), lightweight=True, data_dir=data_dir, evaluate=True)
        except Exception as error:
            tail = printed.getvalue().splitlines()[-PRINTED_LINES_KEPT:]
            if tail:
                error.add_note("NASLib printed, last lines:\n" + "\n".join(tail))
            raise


__all__ = ["check_optimizer", "run_search"]
