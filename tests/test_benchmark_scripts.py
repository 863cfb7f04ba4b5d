"""The scripts in ``benchmarks/``: modules run with ``python -m``, and every reference to one resolves.

They import the package from the checkout they run in; none edits ``sys.path``. The documents, the
package and the scripts themselves name them as ``python -m benchmarks.<module>`` or by path
(``benchmarks/<folder>/<name>.py``): each name must be a module that exists.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Iterator, Tuple

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = REPO / "benchmarks"
MODULE = re.compile(r"python\s+-m\s+(benchmarks(?:\.\w+)+)")
PATH = re.compile(r"(?<![\w/.])(benchmarks/[\w/]*\w\.py)\b")


def _texts() -> Iterator[Tuple[Path, str]]:
    for pattern in ("README.md", "docs/*.md", "naslib_optiproxy/**/*.py", "naslib_optiproxy/**/*.md",
                    "benchmarks/**/*.py", "benchmarks/**/*.yaml", "tests/**/*.py"):
        for path in sorted(REPO.glob(pattern)):
            yield path, path.read_text(encoding="utf-8")


def _is_module(name: str) -> bool:
    base = REPO.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__main__.py").is_file()


def test_no_script_edits_sys_path() -> None:
    for path in sorted(BENCHMARKS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "path" and getattr(node.value, "id", "") == "sys":
                raise AssertionError(f"{path.relative_to(REPO)}:{node.lineno} uses sys.path; run it with python -m")


def test_every_script_is_in_a_package() -> None:
    for path in sorted(BENCHMARKS.rglob("*.py")):
        assert (path.parent / "__init__.py").is_file(), f"{path.relative_to(REPO)}: no __init__.py beside it"
    assert not [p.name for p in BENCHMARKS.glob("*.py") if p.name != "__init__.py"], "scripts belong in a subfolder"


def test_every_reference_names_an_existing_script() -> None:
    found = 0
    for path, text in _texts():
        where = path.relative_to(REPO)
        for name in MODULE.findall(text):
            found += 1
            assert _is_module(name), f"{where}: python -m {name}: no such module under benchmarks/"
        for name in PATH.findall(text):
            found += 1
            assert (REPO / name).is_file(), f"{where}: {name} does not exist"
    assert found > 20  # the documents do quote the scripts
