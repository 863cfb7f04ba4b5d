"""naslib_optiproxy/_startup.py: the exit code of ``python -m naslib_optiproxy`` after Ctrl-C."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from naslib_optiproxy import _startup

# a KeyboardInterrupt raised in code run from a string (as a dataclass is made), caught and reported
COMMAND = '''import sys
from naslib_optiproxy import _startup
try:
    exec("raise KeyboardInterrupt")
except KeyboardInterrupt:
    print("interrupted", file=sys.stderr)
    code = 130
else:
    code = 0
print("out", flush=False)
{ending}
'''


def _run_module(tmp_path: Path, ending: str) -> subprocess.CompletedProcess:
    package = tmp_path / "interrupted_command"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(COMMAND.format(ending=ending))
    return subprocess.run([sys.executable, "-m", "interrupted_command"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.skipif(_startup.caught_interrupt_flag() is None,
                    reason="CPython keeps its caught-interrupt flag out of reach in this version")
def test_an_interrupted_command_run_as_a_module_exits_with_130(tmp_path: Path) -> None:
    """With ``sys.exit(code)`` in place of ``_startup.end(code)`` CPython 3.11 ends this process by SIGINT (-2)."""
    done = _run_module(tmp_path, "_startup.end(code)")
    assert done.returncode == 130 and done.stderr == "interrupted\n" and done.stdout == "out\n"


def test_other_codes_exit_as_usual(tmp_path: Path) -> None:
    package = tmp_path / "finished_command"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text("from naslib_optiproxy import _startup\nprint('out')\n_startup.end(2)\n")
    done = subprocess.run([sys.executable, "-m", "finished_command"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and done.stdout == "out\n"
