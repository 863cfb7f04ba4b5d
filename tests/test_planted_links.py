"""No command writes through a link planted in its output folder (docs/bad-input.md, "Runs").

For ``search`` and ``compare`` a first run lists every name the command writes; then, in fresh
folders, a symlink and a hard link to a file outside the folder is planted at each name before
the command runs again. Either the command replaces the link with its own file, or it refuses
with one ``error:`` line naming the path; a target outside the folder never changes. The NASLib
runners get the same test in tests/integrations/naslib_plugin/test_outputs.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable, Dict, List

import pytest

from naslib_optiproxy import cli

LINKS = ("symlink", "hardlink")


def search_argv(out: Path) -> List[str]:
    return ["search", "--optimizer", "rs", "--budget", "3", "--no-progress", "--out", str(out)]


def compare_argv(out: Path) -> List[str]:
    pytest.importorskip("matplotlib", reason="best_so_far.png needs matplotlib: pip install 'naslib-optiproxy[plot]'")
    return ["compare", "--tasks", "nasbench_graph/cora", "--optimizers", "rs", "--seeds", "0", "--budget", "3",
            "--executor", "serial", "--out", str(out)]


def names_written(folder: Path) -> Dict[str, bool]:
    """``{relative name: is a folder}`` of everything a run left in ``folder``."""
    return {p.relative_to(folder).as_posix(): p.is_dir() for p in sorted(folder.rglob("*"))}


def plant(out: Path, name: str, kind: str, outside: Path) -> Path:
    """A link at ``out/name`` to a new file (or folder, for a symlinked folder) outside ``out``; returns the target."""
    path = out / name
    path.parent.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    target = outside / f"{kind}-{name.replace('/', '-')}"
    if kind == "symlink-folder":
        target.mkdir(parents=True)
        path.symlink_to(target, target_is_directory=True)
        return target
    target.write_text(f"outside file planted at {name}")
    (path.symlink_to if kind == "symlink" else path.hardlink_to)(target)
    return target


def unchanged(targets: List[Path]) -> None:
    for target in targets:
        if target.is_dir():
            assert list(target.iterdir()) == [], target
        else:
            assert target.read_text().startswith("outside file planted at "), target


def one_error_line(capsys, words: str) -> None:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err, err
    assert words in err, err


# name in the output folder -> (words of the refusal) for the names a command refuses rather than replaces
# (a journal.jsonl that holds one line of text is a torn header: read, then replaced by the new run's journal)
REFUSED = {".lock": "refusing to write the lock"}


@pytest.mark.filterwarnings("ignore:.*dropped a truncated last line:RuntimeWarning")  # a planted one-line journal
@pytest.mark.parametrize("command", [search_argv, compare_argv], ids=["search", "compare"])
def test_no_link_planted_at_a_written_name_is_followed(command: Callable[[Path], List[str]], tmp_path: Path,
                                                       capsys) -> None:
    assert cli.main(command(tmp_path / "reference")) == 0
    written = names_written(tmp_path / "reference")
    files = [name for name, folder in written.items() if not folder]
    assert ".lock" in files and len(files) >= 3
    replaced = [name for name in files if name in ("journal.jsonl", "result.json", "summary.md", "trajectories.csv",
                                                    "best_so_far.png")]
    refused = {name: REFUSED.get(name, "is not the result of a finished job") for name in files
               if name not in replaced}
    refused.update({name: "it is a symlink" for name, folder in written.items() if folder})
    capsys.readouterr()
    for kind in LINKS:  # every replaced name at once: the run completes, the links are replaced
        out = tmp_path / f"all-{kind}"
        targets = [plant(out, name, kind, tmp_path / "outside") for name in replaced]
        assert cli.main(command(out)) == 0
        unchanged(targets)
        for name in replaced:
            assert not (out / name).is_symlink() and (out / name).stat().st_nlink == 1
    for name, words in refused.items():  # one at a time: refused, naming the path, nothing written through
        for kind in (("symlink-folder",) if written[name] else LINKS):
            out = tmp_path / f"{kind}-{name.replace('/', '-')}"
            target = plant(out, name, kind, tmp_path / "outside")
            capsys.readouterr()
            assert cli.main(command(out)) == 2, (name, kind)
            one_error_line(capsys, words)
            unchanged([target])


def test_a_resumed_journal_that_is_a_hard_link_is_not_appended_to(tmp_path: Path, capsys) -> None:
    assert cli.main(search_argv(tmp_path / "run")) == 0
    journal, copy = tmp_path / "run" / "journal.jsonl", tmp_path / "elsewhere.jsonl"
    shutil.copyfile(journal, copy)
    journal.unlink()
    journal.hardlink_to(copy)
    before = copy.read_bytes()
    capsys.readouterr()
    assert cli.main([*search_argv(tmp_path / "run")[:4], "6", "--no-progress", "--out", str(tmp_path / "run"),
                     "--resume"]) == 2
    one_error_line(capsys, "refusing to write the journal")
    assert copy.read_bytes() == before
