"""The peer optimizers at the command line: help lists them, a missing library is one error line, runs and resume."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List, Tuple

import pytest

from naslib_optiproxy import cli
from naslib_optiproxy.result import RESULT_KEYS
from naslib_optiproxy.strategies import PEERS


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def run(argv: List[str], capsys: pytest.CaptureFixture) -> Tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("columns", ["60", "80", "150"])
@pytest.mark.parametrize("command", ["search", "compare"])
def test_help_lists_every_peer(command: str, columns: str, capsys: pytest.CaptureFixture,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", columns)  # argparse wraps to it; a name is never split at its hyphen
    code, out, _ = run([command, "--help"], capsys)
    text = " ".join(out.split())
    assert code == 0 and all(name in text for name in PEERS)
    assert "naslib-optiproxy[peers]" in text.replace("naslib- optiproxy", "naslib-optiproxy")


@pytest.mark.parametrize("argv", [
    ["search", "--search-space", "nasbench201", "--optimizer", "optuna:tpe", "--budget", "5", "--no-progress"],
    ["compare", "--tasks", "nasbench201/cifar10", "--optimizers", "rs", "optuna:gp", "--seeds", "0", "--budget", "5",
     "--no-plot", "--out", "cmp"],
])
def test_a_missing_library_is_one_error_line_with_the_install_hint(argv, capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "optuna", None)  # as if optuna were not installed
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert "optuna" in err and "pip install 'naslib-optiproxy[peers]'" in err
    assert not Path("cmp").exists() and not Path("runs").exists()


def test_import_and_help_do_not_load_the_peer_libraries() -> None:
    code = textwrap.dedent("""
        import contextlib, io, sys
        import naslib_optiproxy
        from naslib_optiproxy.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            main(["search", "--help"])
        print(sorted(m for m in ("optuna", "smac", "ConfigSpace", "hebo") if m in sys.modules))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_search_runs_a_peer_resumes_it_and_names_its_folder_portably(capsys) -> None:
    pytest.importorskip("optuna", reason="optuna is not installed (pip install 'naslib-optiproxy[peers]')")
    argv = ["search", "--search-space", "nasbench201", "--optimizer", "optuna:tpe", "--budget", "12", "--seed", "1",
            "--no-progress"]
    code, out, err = run(argv, capsys)
    folder = Path("runs/nasbench201-cifar10-optuna-tpe-1")
    assert code == 0 and folder.is_dir(), err
    result = json.loads((folder / "result.json").read_text())
    assert set(result) == set(RESULT_KEYS) and result["optimizer"] == "optuna:tpe"
    assert result["proposals"]["new"] + result["proposals"]["fallbacks"] == 12
    assert result["settings"]["library"].startswith("optuna ")
    longer = [word if word != "12" else "20" for word in argv] + ["--out", str(folder), "--resume"]
    code, out, err = run(longer, capsys)
    assert code == 0, err
    resumed = json.loads((folder / "result.json").read_text())
    assert [e["arch"] for e in resumed["history"][:12]] == [e["arch"] for e in result["history"]]
    assert len(resumed["history"]) == 20
