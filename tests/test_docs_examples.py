"""Every ```python and ```bash block of README.md and docs/*.md runs, on the bundled data.

Conventions for the documents (an HTML comment on the line right before the opening fence):

- ``<!-- not run: reason -->``: the block is not executed (it installs software, needs NASLib or
  Ray, or runs for hours); the reason is required.
- ``<!-- needs: MODULE -->``: the block runs where ``MODULE`` is importable (an optional library such
  as ``optuna``, from the peers extra) and is left out where it is not.
- ``<!-- file: NAME -->``: the block is written to ``NAME`` in the document's working folder
  before any of its blocks runs (e.g. the YAML config a command reads).

Each document's blocks run in order in one fresh temporary folder, python blocks with this
interpreter and bash blocks with ``bash -e``, ``naslib-optiproxy`` and ``python`` meaning this
checkout. To stay fast, the text of a block is rewritten before it runs (the package itself has
no test-only knob): ``--budget N`` / ``budget=N`` / ``budget: N`` / ``range(N)`` with N >= 20
become the budget ``NASLIB_OPTIPROXY_DOCS_BUDGET`` (default 10, OptiProxy's initial design),
``--seeds A-B`` and ``seed in range(N)`` become one seed, and ``--tasks A B ...`` keeps its first
task. Blocks of other languages (yaml, plain) are never run.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import List, NamedTuple

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BUDGET = int(os.environ.get("NASLIB_OPTIPROXY_DOCS_BUDGET", "10"))
MARKER = re.compile(r"<!--\s*(not run|needs|file):\s*(.*?)\s*-->")
FENCE = re.compile(r"^```(\w*)\s*$")


class Block(NamedTuple):
    language: str
    text: str
    line: int  # of the opening fence, 1-based
    marker: str  # "", "not run", "needs" or "file"
    argument: str


def blocks(path: Path) -> List[Block]:
    """The fenced blocks of ``path`` with the marker on the line before each."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found, index = [], 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
        previous = MARKER.fullmatch(lines[index - 1].strip()) if index else None
        found.append(Block(opening.group(1), "\n".join(lines[index + 1:end]) + "\n", index + 1,
                           previous.group(1) if previous else "", previous.group(2) if previous else ""))
        index = end + 1
    return found


def shrink(text: str) -> str:
    """The block with its budgets and seed ranges made small (see the module docstring)."""
    small = lambda m: f"{m.group(1)}{BUDGET}{m.group(3)}" if int(m.group(2)) >= 20 else m.group(0)  # noqa: E731
    text = re.sub(r"(--budget\s+|budget\s*=\s*|budget:\s*)(\d+)()", small, text)
    text = re.sub(r"(range\()(\d+)(\))", small, text)
    text = re.sub(r"(seed in range\()\d+(\))", r"\g<1>1\2", text)
    text = re.sub(r"(--tasks[ \t]+[^\s\\]+)(?:[ \t]+(?!-)[^\s\\]+)+", r"\1", text)
    return re.sub(r"--seeds\s+\d+-\d+", "--seeds 0", text)


def runnable(path: Path) -> List[Block]:
    """The blocks of ``path`` that run here (a ``needs`` block only where its module is importable)."""
    return [b for b in blocks(path) if b.language in ("python", "bash") and b.marker != "not run"
            and (b.marker != "needs" or importlib.util.find_spec(b.argument) is not None)]


def test_markers_are_well_formed() -> None:
    for path in DOCUMENTS:
        for block in blocks(path):
            where = f"{path.name}:{block.line}"
            if block.marker == "not run":
                assert block.argument, f"{where}: '<!-- not run: reason -->' needs a reason"
            if block.marker == "file":
                assert re.fullmatch(r"[\w.-]+", block.argument), f"{where}: bad file name {block.argument!r}"
            if block.marker == "needs":
                assert re.fullmatch(r"\w+", block.argument), f"{where}: bad module name {block.argument!r}"
    assert any(runnable(path) for path in DOCUMENTS)


def test_shrink_rewrites_budgets_and_seeds_only() -> None:
    text = "x --budget 100 --seeds 0-9 budget=50 budget: 200 range(100) range(3) --budget 12"
    assert shrink(text) == (f"x --budget {BUDGET} --seeds 0 budget={BUDGET} budget: {BUDGET} range({BUDGET}) "
                            "range(3) --budget 12")  # 12 < 20: kept
    assert shrink("for seed in range(3)") == "for seed in range(1)"
    assert shrink("compare --tasks a/b c/d e \\\n  --optimizers rs re") == "compare --tasks a/b \\\n  --optimizers rs re"


@pytest.fixture(scope="module")
def shims(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``naslib-optiproxy`` and ``python`` on PATH, both running this checkout with this interpreter."""
    folder = tmp_path_factory.mktemp("bin")
    for name, command in (("naslib-optiproxy", f'exec "{sys.executable}" -m naslib_optiproxy "$@"'),
                          ("python", f'exec "{sys.executable}" "$@"')):
        (folder / name).write_text(f"#!/bin/sh\n{command}\n")
        (folder / name).chmod(0o755)
    return folder


@pytest.mark.parametrize("path", [p for p in DOCUMENTS if runnable(p)], ids=lambda p: p.relative_to(REPO).as_posix())
def test_document_blocks_run(path: Path, shims: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{shims}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONPATH": str(REPO),
           "OMP_NUM_THREADS": "1"}
    for block in blocks(path):
        if block.marker == "file":
            (tmp_path / block.argument).write_text(shrink(block.text))
    for block in runnable(path):
        command = [sys.executable, "-c"] if block.language == "python" else ["bash", "-e", "-c"]
        done = subprocess.run([*command, shrink(block.text)], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, (f"{path.name}:{block.line} ({block.language}) failed:\n{shrink(block.text)}\n"
                                      f"stdout:\n{done.stdout[-2000:]}\nstderr:\n{done.stderr[-3000:]}")
