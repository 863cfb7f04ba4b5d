"""HW-NAS-Bench (Li et al., 2021): latency and energy of every NAS-Bench-201 cell on six devices.

``hw_{cifar10,cifar100,ImageNet16-120}.csv``: one row per NB201 architecture; column ``net``
is the op-index tuple in NASLib's order (as :class:`~naslib_optiproxy.spaces.NasBench201`),
then one column per metric (:data:`HW_METRICS`; latency in ms, energy in mJ).

:func:`hw_nas_bench_objective` joins them with the NB201 accuracies: NB201 validation
accuracy subject to ``metric <= max`` (paper Sec. 3.2, Table 3).

Example:
    >>> objective = hw_nas_bench_objective("ImageNet16-120", "edgegpu_latency<=2", data_dir)  # doctest: +SKIP
    >>> objective(arch).info["feasible"]  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Dict, Mapping, Optional, Sequence, Tuple

from .._text import shorten
from ..data import bundled
from ..datasets import canonical_dataset
from ..spaces import Architecture
from .constrained import ConstrainedObjective, ConstraintLike, check_metric, parse_constraint
from .errors import BenchmarkDataError
from .files import PathLike, companion_folders, first_file
from .nasbench201 import NasBench201Objective
from .tables import measurement, read_csv_table

Metrics = Dict[str, float]

HW_METRICS = ("edgegpu_latency", "edgegpu_energy", "raspi4_latency", "edgetpu_latency", "pixel3_latency",
              "eyeriss_latency", "eyeriss_energy", "eyeriss_arithmetic_intensity", "fpga_latency", "fpga_energy")
ENV_VAR = "NASLIB_OPTIPROXY_HW_DATA"
FOLDER = "hw-nas-bench"


#: HW-NAS-Bench's value for a metric it could not measure (edgetpu: 4,699 architectures per dataset).
NOT_MEASURED = {"edgetpu_latency": -1.0}
#: A ``net`` field is a tuple of 6 op indices, e.g. ``(0, 1, 4, 2, 3, 3)``: a few dozen characters.
NET_LIMIT = 64
_NET = re.compile(r"^\s*[(\[]\s*([0-9])\s*,\s*([0-9])\s*,\s*([0-9])\s*,\s*([0-9])\s*,\s*([0-9])\s*,\s*([0-9])\s*,?\s*[)\]]\s*$")


def parse_net(text: Optional[str]) -> Tuple[int, ...]:
    """The op-index tuple of a ``net`` field, read as plain text (never evaluated).

    Raises:
        ValueError: Not a literal tuple of 6 op indices in 0..4 (the text is echoed, shortened).
    """
    match = _NET.match(text) if isinstance(text, str) and len(text) <= NET_LIMIT else None
    ops = tuple(int(digit) for digit in match.groups()) if match else ()
    if not ops or max(ops) > 4:
        raise ValueError(f"net {shorten(text)} is not a tuple of 6 NAS-Bench-201 op indices (0..4), "
                         f"like (0, 1, 4, 2, 3, 3)")
    return ops


def hw_file_name(dataset: str) -> str:
    return f"hw_{canonical_dataset('nasbench201', dataset)}.csv"


def find_hw_file(dataset: str, hw_dir: Optional[PathLike] = None, data_dir: Optional[PathLike] = None) -> Path:
    """The HW-NAS-Bench CSV of ``dataset``.

    Looked for in ``hw_dir``, else ``$NASLIB_OPTIPROXY_HW_DATA``, else the NB201 data folder,
    its ``hw-nas-bench/`` subfolder and a ``hw-nas-bench/`` folder beside it.
    """
    name = hw_file_name(dataset)
    folders = companion_folders(hw_dir, ENV_VAR, data_dir, FOLDER)
    found = first_file(folders, name)
    if found is not None:
        return found
    raise BenchmarkDataError(
        f"no HW-NAS-Bench table {name} in {', '.join(str(f.resolve()) for f in folders)}. Export it from "
        "HW-NAS-Bench's HW-NAS-Bench-v1_0.pickle (github.com/GATECH-EIC/HW-NAS-Bench) as a CSV with a "
        f"'net' column (NASLib op-index tuple) and the columns {', '.join(HW_METRICS)}, one row per "
        f"NB201 index; put it in a {FOLDER}/ folder beside the NB201 tables, or pass hw_dir=DIR "
        f"or set {ENV_VAR}=DIR.")


def locate_hw_file(dataset: str, hw_dir: Optional[PathLike] = None,
                   data_dir: Optional[PathLike] = None) -> Optional[Path]:
    """The user's HW-NAS-Bench CSV of ``dataset``, or ``None`` for the bundled table.

    ``hw_dir`` or ``$NASLIB_OPTIPROXY_HW_DATA``, when set, must hold it (else BenchmarkDataError);
    otherwise it is used when found beside the NB201 data folder (:func:`find_hw_file`).
    """
    if hw_dir is not None or os.environ.get(ENV_VAR):
        return find_hw_file(dataset, hw_dir, data_dir)
    return first_file(companion_folders(None, ENV_VAR, data_dir, FOLDER), hw_file_name(dataset))


def hw_source(dataset: str, hw_dir: Optional[PathLike] = None,
              data_dir: Optional[PathLike] = None) -> Dict[str, str]:
    """The ``data_source`` of the HW-NAS-Bench table :func:`load_hw_table` reads."""
    path = locate_hw_file(dataset, hw_dir, data_dir)
    return bundled.bundled_source(f"hw_nas_bench_{canonical_dataset('nasbench201', dataset)}", bundled.HW_FILE) if path is None \
        else bundled.file_source(path)


def load_hw_table(dataset: str, hw_dir: Optional[PathLike] = None,
                  data_dir: Optional[PathLike] = None) -> Mapping[Tuple[int, ...], Metrics]:
    """``{op-index tuple: {metric: value}}`` for every NB201 architecture, in NB201 index order (cached)."""
    path = locate_hw_file(dataset, hw_dir, data_dir)
    if path is None:
        return bundled.hw_table(canonical_dataset("nasbench201", dataset))
    stat = path.stat()
    return _parse(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


def load_hw_rows(dataset: str, hw_dir: Optional[PathLike] = None,
                 data_dir: Optional[PathLike] = None) -> Sequence[Tuple[Tuple[int, ...], Metrics]]:
    """The table's rows in file order (row i = NB201 index i): ``(ops, metrics)``."""
    return list(load_hw_table(dataset, hw_dir, data_dir).items())


@functools.lru_cache(maxsize=None)
def _parse(path: str, mtime_ns: int, size: int) -> Dict[Tuple[int, ...], Metrics]:
    table = read_csv_table(
        path, ("net", *HW_METRICS),
        lambda row: (parse_net(row["net"]), {m: measurement(row, m, NOT_MEASURED.get(m)) for m in HW_METRICS}),
        hint="; is it an HW-NAS-Bench export?")
    if len(table) != 15625:
        raise BenchmarkDataError(f"{path} holds {len(table)} distinct architectures, not NB201's 15625; re-export it")
    return table


def hw_nas_bench_objective(dataset: Optional[str] = None, constraint: ConstraintLike = "edgegpu_latency<=2",
                           data_dir: Optional[PathLike] = None,
                           hw_dir: Optional[PathLike] = None) -> ConstrainedObjective:
    """NB201 validation accuracy on ``dataset`` subject to an HW-NAS-Bench ``constraint``.

    Every evaluation's info holds all :data:`HW_METRICS` of the architecture, ``feasible``
    and ``constraint`` (see :class:`~naslib_optiproxy.objectives.constrained.ConstrainedObjective`).
    Its ``data_source`` is ``{"kind": "combined", "tables": {"accuracy": ..., "hardware": ...}}``.

    Raises:
        ValueError: Unknown dataset, malformed constraint or unknown metric.
        BenchmarkDataError: A table is missing or malformed.
    """
    parsed = parse_constraint(constraint)
    check_metric(parsed, HW_METRICS, "HW-NAS-Bench")
    base = NasBench201Objective(canonical_dataset("hw_nas_bench", dataset), data_dir)
    table = load_hw_table(base.dataset, hw_dir, data_dir)

    def metrics(arch: Architecture) -> Metrics:
        return table[tuple(int(o) for o in arch.ops)]

    objective = ConstrainedObjective(base, parsed, metrics)
    objective.data_source = bundled.combined_source(accuracy=base.data_source,
                                            hardware=hw_source(base.dataset, hw_dir, data_dir))
    return objective


__all__ = ["ENV_VAR", "HW_METRICS", "NOT_MEASURED", "find_hw_file", "hw_file_name", "hw_nas_bench_objective",
           "hw_source", "load_hw_rows", "load_hw_table", "locate_hw_file"]
