"""Job records of ``compare`` runs, from their output folders or from compact archives that outlive them.

A ``compare`` output folder holds every evaluation of every job (``history``: about 130 kB for one
200-evaluation job) and lives under the ignored ``runs/``; the tables need only each job's best-so-far
``trajectory``, budget, optimum, seconds, proposals and versions. :func:`write_archive` keeps every job
record less :data:`DROPPED`, as gzip-compressed JSON lines sorted by task, method and seed (the same
records give the same bytes), and :func:`read_archive` reads one back, bounded and checked.
``benchmarks.report.peers_table`` takes such a file wherever it takes a folder, so a later table can add
a method to a task without rerunning the others. Example::

    python -m benchmarks.report.job_records runs/peers/hw-smac benchmarks/records/peers_hw_smac.jsonl.gz
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

Record = Dict[str, Any]

#: What an archive leaves out of a job record: the per-evaluation detail (architectures, values, times).
DROPPED = ("history", "search_trajectory")
#: What every archived record must hold: the keys the tables read.
REQUIRED = ("task", "method", "seed", "budget", "trajectory", "seconds")
#: Decompressed size an archive may not exceed (ten thousand 280-evaluation records take about 60 MB).
MAX_BYTES = 256 * 2**20
SUFFIX = ".jsonl.gz"


def is_archive(path: Path) -> bool:
    """Whether ``path`` names an archive (by its suffix) rather than a ``compare`` output folder."""
    return Path(path).name.endswith(SUFFIX)


def compact(record: Record) -> Record:
    """``record`` without :data:`DROPPED`."""
    return {key: value for key, value in record.items() if key not in DROPPED}


def identity(record: Record) -> tuple:
    """What names one job: task, method and seed."""
    return record["task"], record["method"], record["seed"]


def check_once(records: Sequence[Record]) -> None:
    """One ``error:`` line if a job (:func:`identity`) occurs twice: two sources holding the same runs."""
    twice = sorted(job for job, count in Counter(identity(r) for r in records).items() if count > 1)
    if twice:
        task, method, seed = twice[0]
        raise SystemExit(f"error: {len(twice)} jobs occur twice in the records (first: {task}, {method}, seed {seed}); "
                         f"give each run's folder or archive once")


def read_folder(folder: Path) -> List[Record]:
    """Every job record under a ``compare`` output folder (``<task>/<method>/seed-*.json``)."""
    paths = sorted(Path(folder).glob("*/*/seed-*.json"))
    if not paths:
        raise SystemExit(f"error: no job records (<task>/<method>/seed-*.json) under {folder}")
    return [json.loads(path.read_text(encoding="utf-8")) for path in paths]


def read_records(source: Path) -> List[Record]:
    """The job records of a ``compare`` output folder or of an archive (a name ending in :data:`SUFFIX`)."""
    return read_archive(source) if is_archive(source) else read_folder(source)


def write_archive(records: Iterable[Record], path: Path) -> int:
    """Write the compacted ``records``, sorted by :func:`identity`, to ``path``; return how many.

    The file is gzip-compressed without a timestamp, so the same records always give the same bytes.
    """
    kept = sorted((compact(r) for r in records), key=identity)
    check_once(kept)
    lines = "".join(json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n" for r in kept)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(lines.encode("utf-8"))
    return len(kept)


def read_archive(path: Path, max_bytes: int = MAX_BYTES) -> List[Record]:
    """The records of an archive written by :func:`write_archive`; one ``error:`` line if it is not one."""
    try:
        with gzip.open(path, "rb") as stream:
            data = stream.read(max_bytes + 1)
    except (OSError, EOFError) as exc:
        raise SystemExit(f"error: cannot read the archive {path}: {exc}") from None
    if len(data) > max_bytes:
        raise SystemExit(f"error: the archive {path} holds more than {max_bytes // 2**20} MiB of records; "
                         f"split it into several archives")
    records = []
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            record = None
        missing = [key for key in REQUIRED if key not in record] if isinstance(record, dict) else REQUIRED
        if missing:
            raise SystemExit(f"error: line {number} of {path} is not a job record (missing {', '.join(missing)}); "
                             f"write archives with python -m benchmarks.report.job_records")
        records.append(record)
    if not records:
        raise SystemExit(f"error: the archive {path} holds no job records")
    return records


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report.job_records", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, metavar="FOLDER", help="compare output folders")
    parser.add_argument("archive", type=Path, help=f"the archive to write (a name ending in {SUFFIX})")
    args = parser.parse_args(argv)
    if not is_archive(args.archive):
        parser.error(f"the archive's name must end in {SUFFIX}: {args.archive}")
    count = write_archive([r for folder in args.folders for r in read_folder(folder)], args.archive)
    print(f"wrote {count} job records to {args.archive} ({args.archive.stat().st_size // 1024} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
