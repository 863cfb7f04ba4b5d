"""NAS-Bench-301 as an objective: a surrogate model's predicted validation accuracy (CIFAR-10).

Two surrogates are accepted; the first one found in the data directory (or its
``nasbench301/`` subfolder) is used, and every :class:`Evaluation` names it in
``info["surrogate"]``. Without data of the user's own (no ``data_dir``, no
``$NASLIB_OPTIPROXY_DATA``, no surrogate in ``./data``) the YAHPO ONNX surrogate bundled with
the package is used (still needs ``onnxruntime``):

1. YAHPO Gym's NB301 surrogate as ONNX (``new_model.onnx`` + ``encoding.json``; needs
   ``onnxruntime``: ``pip install naslib-optiproxy[nb301]``). Inputs: ``x_cat`` int32
   ``[1, 34]`` = ``edge_{normal,reduce}_0..13`` (op of each DARTS edge, ``#na#`` where the edge
   is unused) and ``inputs_node_{normal,reduce}_3..5`` (input pair ``'0_1'``, ...), each mapped
   through ``encoding.json``; ``x_cont`` float32 ``[1, 1]`` = epoch, 98 here (fully trained).
   Outputs: ``[val_accuracy (%), runtime (s)]``, deterministic.
2. The original NB301 v0.9 XGB ensemble (folder ``xgb_v0.9``) through the ``nasbench301``
   package (github.com/automl/nasbench301), queried without noise; it predicts accuracy only.

NB301 has no known global optimum: :meth:`NasBench301Objective.optimum` raises
``NotImplementedError``.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..data import bundled
from ..types import Evaluation
from ..spaces import Architecture, NasBench301
from ..spaces.nasbench301 import CELLS, EDGES_PER_CELL, NUM_INTERMEDIATE, OP_NAMES, Compact, edge_slot
from .errors import BenchmarkDataError, check_architecture
from ..datasets import canonical_dataset
from .files import ENV_VAR, PathLike, resolve_data_dir, user_chose_data

ONNX_FILE = "new_model.onnx"
ENCODING_FILE = "encoding.json"
V09_FOLDER = "xgb_v0.9"
EPOCH = 98
YAHPO_SURROGATE = f"yahpo-nb301-onnx-v1 epoch {EPOCH}"
V09_SURROGATE = "nb301-v0.9-xgb (no noise)"
_PREFIX = "NetworkSelectorDatasetInfo_COLON_darts_COLON_"
#: ``x_cat`` columns in the order of YAHPO Gym's nb301 ``cat_names``.
CAT_NAMES = tuple(
    [f"{_PREFIX}edge_{cell}_{i}" for cell in CELLS for i in range(EDGES_PER_CELL)]
    + [f"{_PREFIX}inputs_node_{cell}_{node + 2}" for cell in CELLS for node in range(1, NUM_INTERMEDIATE)]
)
_INSTALL_HINT = "pip install 'naslib-optiproxy[nb301]' (or pip install onnxruntime)"


def find_surrogate(data_dir: Optional[PathLike] = None) -> Tuple[str, Path]:
    """``("yahpo", folder)`` or ``("v0.9", folder)``: the first surrogate found.

    A folder the user named (``data_dir``, ``$NASLIB_OPTIPROXY_DATA``) must hold one (else
    BenchmarkDataError); ``./data`` is used when it holds one, else the bundled ONNX surrogate.
    """
    if user_chose_data(data_dir):
        return find_user_surrogate(data_dir)
    try:
        return find_user_surrogate()
    except BenchmarkDataError:
        return "yahpo", bundled.nb301_dir()


def find_user_surrogate(data_dir: Optional[PathLike] = None) -> Tuple[str, Path]:
    """The first surrogate in the resolved data directory (or its ``nasbench301/``), else BenchmarkDataError."""
    directory = resolve_data_dir(data_dir)
    for folder in (directory, directory / "nasbench301"):
        if (folder / ONNX_FILE).is_file() and (folder / ENCODING_FILE).is_file():
            return "yahpo", folder
        for v09 in (folder / V09_FOLDER, folder / "nb_models" / V09_FOLDER):
            if v09.is_dir():
                return "v0.9", v09
    raise BenchmarkDataError(
        f"no NAS-Bench-301 surrogate in {directory.resolve()} (or its nasbench301/ subfolder): expected "
        f"{ONNX_FILE} and {ENCODING_FILE} (YAHPO Gym's nb301 surrogate, from the yahpo_data repository "
        f"github.com/slds-lmu/yahpo_data, folder nb301/), or NB301's v0.9 models folder {V09_FOLDER}/ "
        "(github.com/automl/nasbench301, with its nasbench301 package installed). Then pass --data-dir DIR "
        f"(CLI) or data_dir=DIR (API), or set {ENV_VAR}=DIR."
    )


def yahpo_features(compacts: Sequence[Compact], encoding: Dict[str, Dict[str, int]]) -> np.ndarray:
    """``x_cat`` rows ``[B, 34]`` (int32) of compact genotypes, encoded through ``encoding.json``."""
    rows = np.zeros((len(compacts), len(CAT_NAMES)), dtype=np.int32)
    column = {name: i for i, name in enumerate(CAT_NAMES)}
    for row, compact in enumerate(compacts):
        for cell, entries in enumerate(compact):
            for slot in range(EDGES_PER_CELL):
                rows[row, slot + cell * EDGES_PER_CELL] = encoding[CAT_NAMES[slot + cell * EDGES_PER_CELL]]["#na#"]
            for node in range(NUM_INTERMEDIATE):
                (a, op_a), (b, op_b) = entries[2 * node], entries[2 * node + 1]
                for source, op in ((a, op_a), (b, op_b)):
                    name = CAT_NAMES[edge_slot(cell, node, source)]
                    rows[row, column[name]] = encoding[name][OP_NAMES[op]]
                if node:
                    name = f"{_PREFIX}inputs_node_{CELLS[cell]}_{node + 2}"
                    rows[row, column[name]] = encoding[name][f"{min(a, b)}_{max(a, b)}"]
    return rows


class YahpoSurrogate:
    """YAHPO Gym's NB301 ONNX model: ``predict(compacts) -> [B, 2]`` (val accuracy %, runtime s)."""

    name = YAHPO_SURROGATE

    def __init__(self, folder: Path) -> None:
        try:
            ort = importlib.import_module("onnxruntime")
        except ImportError:
            raise ImportError(f"the NAS-Bench-301 ONNX surrogate needs onnxruntime: {_INSTALL_HINT}") from None
        encoding_path = folder / ENCODING_FILE
        try:
            self.encoding: Dict[str, Dict[str, int]] = json.loads(encoding_path.read_text())
        except (OSError, ValueError) as error:
            raise BenchmarkDataError(f"{encoding_path} is unreadable ({error}); re-download it") from error
        missing = [n for n in CAT_NAMES if n not in self.encoding or "#na#" not in self.encoding[n]]
        if missing:
            raise BenchmarkDataError(f"{encoding_path} lacks {missing[0]} (and {len(missing) - 1} more): "
                                     "is it YAHPO Gym's nb301 encoding.json?")
        try:
            self.session = ort.InferenceSession(str(folder / ONNX_FILE), providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own exception types
            raise BenchmarkDataError(f"{folder / ONNX_FILE} cannot be loaded ({error}); re-download it") from error
        batch = self.session.get_inputs()[0].shape[0]
        self.batch = batch if isinstance(batch, int) and batch > 0 else None  # None: any batch size

    def predict(self, compacts: Sequence[Compact]) -> np.ndarray:
        x_cat = yahpo_features(compacts, self.encoding)
        x_cont = np.full((len(compacts), 1), EPOCH, dtype=np.float32)
        step = self.batch or max(1, len(compacts))
        out = [self.session.run(None, {"x_cat": x_cat[i: i + step], "x_cont": x_cont[i: i + step]})[0]
               for i in range(0, len(compacts), step)]
        return np.concatenate(out).astype(np.float64)


class V09Surrogate:
    """NB301 v0.9 XGB ensemble via the ``nasbench301`` package: ``predict -> [B, 2]`` (runtime NaN)."""

    name = V09_SURROGATE

    def __init__(self, folder: Path) -> None:
        try:
            nb301 = importlib.import_module("nasbench301")
        except ImportError:
            raise ImportError("the NB301 v0.9 surrogate needs the nasbench301 package "
                              "(pip install git+https://github.com/automl/nasbench301@no_gin)") from None
        self.model = nb301.load_ensemble(str(folder))

    def predict(self, compacts: Sequence[Compact]) -> np.ndarray:
        return np.array([[float(self.model.predict(config=darts_genotype(c), representation="genotype",
                                                   with_noise=False)), np.nan] for c in compacts])


def darts_genotype(compact: Compact) -> Any:
    """The DARTS ``Genotype(normal, normal_concat, reduce, reduce_concat)`` of a compact genotype."""
    from collections import namedtuple

    genotype = namedtuple("Genotype", "normal normal_concat reduce reduce_concat")
    cells = [[(OP_NAMES[op], source) for source, op in cell] for cell in compact]
    return genotype(cells[0], [2, 3, 4, 5], cells[1], [2, 3, 4, 5])


class NasBench301Objective:
    """NAS-Bench-301 objective: surrogate validation accuracy (%) on CIFAR-10.

    Returns ``Evaluation(val, {"val", "runtime", "surrogate"})``; there is no test accuracy.

    Args:
        dataset: ``cifar10`` (the only NB301 dataset).
        data_dir: Folder (or parent of ``nasbench301/``) holding a surrogate (module docstring);
            defaults to ``$NASLIB_OPTIPROXY_DATA``, then ``./data``, then the bundled surrogate.

    Attributes:
        space: The :class:`NasBench301` codec.
        surrogate: The model queried; ``surrogate.name`` is recorded with every number.
        source: The surrogate's folder.
        data_source: ``{"kind": "bundled", "name": "nb301_yahpo_onnx"}`` or ``{"kind": "file", "path": ...}``.
    """

    def __init__(self, dataset: Optional[str] = None, data_dir: Optional[PathLike] = None) -> None:
        self.dataset = canonical_dataset("nasbench301", dataset)
        self.space = NasBench301()
        kind, self.source = find_surrogate(data_dir)
        self.data_source = (bundled.bundled_source("nb301_yahpo_onnx", *bundled.nb301_files())
                            if self.source == bundled.nb301_dir() else bundled.file_source(self.source))
        self.surrogate = YahpoSurrogate(self.source) if kind == "yahpo" else V09Surrogate(self.source)

    def __call__(self, arch: Architecture) -> Evaluation:
        return self.evaluate_batch([arch])[0]

    def evaluate_batch(self, archs: Sequence[Architecture]) -> List[Evaluation]:
        """Evaluations of several architectures in one surrogate call."""
        for arch in archs:
            check_architecture(self.space, arch, "NAS-Bench-301",
                               f" (topology: input-pair index per node, < {self.space.topology.num_candidates})")
        predictions = self.surrogate.predict([self.space.compact(a) for a in archs])
        return [Evaluation(value=float(val), info={"val": float(val), "runtime": float(runtime),
                                                   "surrogate": self.surrogate.name})
                for val, runtime in predictions]

    def optimum(self) -> Tuple[Architecture, float, float]:
        """Not known for a surrogate benchmark: raises ``NotImplementedError``."""
        raise NotImplementedError("NAS-Bench-301 is a surrogate benchmark: its global optimum is unknown")

    def __repr__(self) -> str:
        return f"NasBench301Objective(surrogate={self.surrogate.name!r}, source={str(self.source)!r})"


__all__ = ["CAT_NAMES", "NasBench301Objective", "YAHPO_SURROGATE", "find_surrogate", "find_user_surrogate", "yahpo_features"]
