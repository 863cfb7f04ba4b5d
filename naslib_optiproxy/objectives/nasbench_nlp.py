"""NAS-Bench-NLP (PTB) as an objective, from the user's NASLib data.

``nb_nlp.pickle`` (NASLib's ``naslib/data/``) maps NASLib NLP compacts ``(edges, ops,
hiddens)`` to per-epoch ``train_losses``, ``val_losses``, ``test_losses`` and ``wall_times``.
NASLib reports ``100 - val_losses[-1]`` as the validation accuracy; so does this objective
(``test``: ``100 - test_losses[-1]``). The pickle is read through
:func:`~naslib_optiproxy.objectives.safe_pickle.safe_load` and indexed by the codec's
canonical key, so any node numbering of a cell finds it.

Cells not in the table go, as in NASLib's ``NasBenchNLPSearchSpace.query``, to the NB-X11
surrogate ``nbnlp_v01/`` (loaded with the ``nasbench301`` package's ``load_ensemble``), fed
NASLib's 12-node ``ADJACENCY_MIX`` vector of the canonical compact; its learning curve's
last value is ``100 - val loss``. ``info["source"]`` says which one produced each number.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .._text import ARCH_LIMIT, clip, shorten
from ..types import Evaluation
from ..spaces import Architecture
from ..spaces.nasbench_nlp import NasBenchNLP
from .errors import BenchmarkDataError, check_architecture
from ..data.bundled import file_source
from .files import ENV_VAR, PathLike, resolve_data_dir
from .safe_pickle import safe_load

TABLE_FILE = "nb_nlp.pickle"
SURROGATE_DIR = "nbnlp_v01"
SURROGATE_MAX_NODES = 12  # NASLib queries the surrogate with encode_nlp(..., max_nodes=12)
DOWNLOAD = ("https://drive.google.com/drive/folders/1rwmkqyij3I24zn5GSO6fGv2mzdEfPIEa "
            "(the link in NASLib's get_nlp_api)")
Record = Tuple[float, float]  # (100 - final val loss, 100 - final test loss)


def find_table_file(data_dir: Optional[PathLike] = None) -> Path:
    """``nb_nlp.pickle`` in the resolved data directory, or a BenchmarkDataError saying how to get it."""
    directory = resolve_data_dir(data_dir)
    path = directory / TABLE_FILE
    if path.is_file():
        return path
    raise BenchmarkDataError(
        f"no NAS-Bench-NLP table {TABLE_FILE} in {directory.resolve()}; download {TABLE_FILE} (and, for "
        f"cells outside it, the NB-X11 surrogate folder {SURROGATE_DIR}/) from {DOWNLOAD}, as NASLib's "
        f"naslib/data/ holds them. Then pass --data-dir DIR (CLI) or data_dir=DIR (API), or set {ENV_VAR}=DIR."
    )


@functools.lru_cache(maxsize=None)
def _load_table(path: str, max_nodes: int, mtime_ns: int = 0) -> Tuple[Dict[Any, Record], int]:
    """``({canonical key: (val, test)}, number of entries outside the codec's space)``; ``mtime_ns`` keys the cache."""
    data = safe_load(path)
    if not isinstance(data, dict) or not data:
        raise BenchmarkDataError(f"{path} is not a NAS-Bench-NLP table (expected a dict of compacts); "
                                 f"re-download it from {DOWNLOAD}")
    space = NasBenchNLP(max_nodes)
    table: Dict[Any, Record] = {}
    skipped = 0
    for compact, record in data.items():
        try:
            arch = space.from_naslib_compact(compact)
        except ValueError:
            skipped += 1  # more nodes than max_nodes, or a hidden tuple other than (h, c)
            continue
        try:
            values = (100.0 - float(record["val_losses"][-1]), 100.0 - float(record["test_losses"][-1]))
            if not all(math.isfinite(v) for v in values):
                raise ValueError(f"a loss is not a finite number: {values}")
        except (KeyError, IndexError, TypeError, ValueError, OverflowError) as error:
            raise BenchmarkDataError(
                f"{path}: entry {shorten(compact, ARCH_LIMIT)} has no usable 'val_losses'/'test_losses' lists "
                f"({type(error).__name__}: {clip(error)}); is it NASLib's {TABLE_FILE}?") from None
        table[space.key(arch)] = values
    return table, skipped


def adjacency_mix(compact: Sequence, max_nodes: int = SURROGATE_MAX_NODES) -> List[int]:
    """NASLib's ``ADJACENCY_MIX`` vector of a compact, the NB-X11 surrogate's input.

    The flattened ``(max_nodes+1)^2`` adjacency with the last node moved to index
    ``max_nodes``, the op ids padded with zeros before the last one, and the hidden-state
    indices padded with zeros to 3.
    """
    edges, ops, hiddens = compact
    last = len(ops) - 1
    if last > max_nodes:
        raise ValueError(f"a compact of {len(ops)} nodes does not fit the surrogate's {max_nodes + 1}")

    def place(index: int) -> int:
        return max_nodes if index == last else index

    adj = np.zeros((max_nodes + 1, max_nodes + 1), dtype=int)
    for source, dest in edges:
        adj[place(source), place(dest)] = 1
    op_ids = [*ops[:-1], *[0] * (max_nodes - last), ops[-1]]
    return [*adj.flatten().tolist(), *op_ids, *hiddens, *[0] * (3 - len(hiddens))]


def load_surrogate(data_dir: Optional[PathLike] = None) -> Optional[Any]:
    """The NB-X11 surrogate from ``DIR/nbnlp_v01`` when it and the ``nasbench301`` package exist, else None."""
    path = resolve_data_dir(data_dir) / SURROGATE_DIR
    if not path.is_dir():
        return None
    try:
        import nasbench301  # type: ignore[import-not-found]
    except ImportError:
        return None
    return nasbench301.load_ensemble(str(path))


class NasBenchNLPObjective:
    """NAS-Bench-NLP objective: ``100 - final validation loss`` (NASLib's VAL_ACCURACY for NLP).

    Args:
        data_dir: Folder with ``nb_nlp.pickle`` (and optionally ``nbnlp_v01/``); defaults to
            ``$NASLIB_OPTIPROXY_DATA``, then ``./data``.
        surrogate: The NB-X11 model for cells outside the table (anything with NASLib's
            ``predict(config=..., representation="compact", search_space="nlp")``); ``None``
            loads ``nbnlp_v01/`` when present; ``False`` uses the table only.
        max_nodes: The codec's computing-node limit (NASLib: 8).

    Attributes:
        space: The :class:`NasBenchNLP` codec.
        source: Path of the table read.
        skipped: Table entries outside the codec's space (not queryable by key).
    """

    dataset: Optional[str] = None  # PTB only: NAS-Bench-NLP names no dataset

    def __init__(self, data_dir: Optional[PathLike] = None, surrogate: Any = None, max_nodes: int = 8) -> None:
        self.space = NasBenchNLP(max_nodes)
        self.source = find_table_file(data_dir)
        self.data_source = file_source(self.source)
        self._table, self.skipped = _load_table(str(self.source.resolve()), max_nodes, self.source.stat().st_mtime_ns)
        self.surrogate = load_surrogate(data_dir) if surrogate is None else surrogate or None

    def __call__(self, arch: Architecture) -> Evaluation:
        check_architecture(self.space, arch, "NAS-Bench-NLP", f" ({self.space.rules()})")
        key = self.space.key(arch)
        if key in self._table:
            val, test = self._table[key]
            return Evaluation(value=val, info={"val": val, "test": test, "source": "table"})
        if self.surrogate is None:
            raise KeyError(f"{self.space.to_string(arch)} is not in {self.source}, and no NB-X11 surrogate is "
                           f"loaded: put {SURROGATE_DIR}/ next to it and pip install nasbench301 "
                           "(github.com/crwhite14/nasbench301), or pass surrogate=...")
        curve = self.surrogate.predict(config=adjacency_mix(key), representation="compact", search_space="nlp")
        val = float(curve[-1])
        if not math.isfinite(val):
            raise ValueError(f"the NB-X11 surrogate returned {val} for {self.space.to_string(arch)}")
        return Evaluation(value=val, info={"val": val, "source": "surrogate"})

    def __len__(self) -> int:
        return len(self._table)

    def __repr__(self) -> str:
        return f"NasBenchNLPObjective(source={str(self.source)!r}, surrogate={self.surrogate is not None})"


__all__ = ["NasBenchNLPObjective", "SURROGATE_DIR", "TABLE_FILE", "adjacency_mix", "find_table_file",
           "load_surrogate"]
