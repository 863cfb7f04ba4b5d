"""The NASLib runners' output folder: one writer, a finished run kept, nothing written through a planted link."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Dict, List

import pytest

from naslib_optiproxy._files import UnsafeFileError
from naslib_optiproxy._lock import FolderLock, RunLockedError
from naslib_optiproxy.integrations.naslib_plugin import predictor_runner, runner
from naslib_optiproxy.integrations.naslib_plugin.outputs import (PRIVATE_PREFIX, FinishedRunError, output_folder,
                                                                  publish)

REPO = Path(__file__).resolve().parents[3]
NAS_CONFIG = REPO / "naslib_configs" / "nasbench201" / "cifar10" / "optiproxy.yaml"
PREDICTOR_CONFIG = REPO / "naslib_configs" / "predictors" / "nasbench201" / "cifar10.yaml"


# --------------------------------------------------------------------------- without NASLib
def test_publish_moves_files_into_place_replacing_planted_links(tmp_path: Path, monkeypatch) -> None:
    private, folder = tmp_path / "out" / ".naslib-x", tmp_path / "out"
    (private / "search").mkdir(parents=True)
    (private / "errors.json").write_text(f'[{{"save": "{private}"}}]')
    (private / "search" / "model_final.pth").write_bytes(b"\0weights")
    (private / "summary.json").write_text("{}")
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    (folder / "errors.json").symlink_to(outside)
    (folder / "search").mkdir()
    (folder / "search" / "model_final.pth").hardlink_to(outside)
    moved: List[str] = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: (moved.append(Path(dst).name), real(src, dst))[1])
    publish(private, folder, last="summary.json")
    monkeypatch.undo()
    assert outside.read_text() == "precious" and not private.exists()
    assert (folder / "errors.json").read_text() == f'[{{"save": "{folder}"}}]'  # the private path is not kept
    assert (folder / "search" / "model_final.pth").read_bytes() == b"\0weights"
    assert moved[-1] == "summary.json"  # the finished marker comes last


def _config(tmp_path: Path) -> SimpleNamespace:
    return SimpleNamespace(save=str(tmp_path / "run" / "nasbench201" / "cifar10" / "re" / "0"))


def test_output_folder_locks_writes_privately_and_restores_the_path(tmp_path: Path) -> None:
    config = _config(tmp_path)
    folder = Path(config.save)
    (folder / (PRIVATE_PREFIX + "killed")).mkdir(parents=True)  # left by a run that was killed
    with output_folder(config, "summary.json") as output:
        private = Path(config.save)
        assert private.parent == folder and private.name.startswith(PRIVATE_PREFIX)
        assert not (folder / (PRIVATE_PREFIX + "killed")).exists()
        with pytest.raises(RunLockedError, match=f"PID {os.getpid()}\\) is writing a NASLib run in .*0; wait for "
                                                 f"it to finish, or choose another out_dir or seed"):
            with output_folder(_config(tmp_path), "summary.json"):
                pass
        (private / "summary.json").write_text("{}")
        assert output.public(f"{private}/errors.json") == f"{folder}/errors.json"
    assert config.save == str(folder) and (folder / "summary.json").is_file()
    with pytest.raises(FinishedRunError, match="already holds a finished run \\(summary.json\\); its results are "
                                               "kept: choose another out_dir or seed"):
        with output_folder(config, "summary.json"):
            pass


def test_output_folder_refuses_a_symlinked_subfolder_before_the_run(tmp_path: Path) -> None:
    config = _config(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    Path(config.save).mkdir(parents=True)
    (Path(config.save) / "search").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UnsafeFileError, match="search: it is a symlink"):
        with output_folder(config, "summary.json"):
            pytest.fail("the run must not start")
    assert list(elsewhere.iterdir()) == []


# ------------------------------------------------------------------------------ with NASLib
def nas_argv(out: Path) -> List[str]:
    return ["--config-file", str(NAS_CONFIG), "search.epochs", "12", "out_dir", str(out)]


def predictor_argv(out: Path) -> List[str]:
    return ["--config-file", str(PREDICTOR_CONFIG), "predictor", "rf", "test_size", "30",
            "train_size_list", "[10,20]", "out_dir", str(out)]


def run_folder(out: Path) -> Path:
    """The one folder a NASLib run wrote its files in (``config.save``)."""
    (lock,) = out.rglob(".lock")
    return lock.parent


def _plant(path: Path, kind: str, outside: Path) -> Path:
    outside.mkdir(parents=True, exist_ok=True)
    target = outside / f"{kind}-{path.name}-{len(list(outside.iterdir()))}"
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "symlink-folder":
        target.mkdir()
        path.symlink_to(target, target_is_directory=True)
    else:
        target.write_text("outside")
        (path.symlink_to if kind == "symlink" else path.hardlink_to)(target)
    return target


def _kept(target: Path) -> bool:
    return list(target.iterdir()) == [] if target.is_dir() else target.read_text() == "outside"


# runner -> (argv, its finished marker)
RUNNERS: Dict[str, tuple] = {"naslib": (runner.main, nas_argv, runner.SUMMARY_FILE),
                             "naslib-predictors": (predictor_runner.main, predictor_argv, predictor_runner.ERRORS_FILE)}


@pytest.mark.parametrize("name", list(RUNNERS))
def test_no_link_planted_at_a_written_name_is_followed(naslib, name: str, tmp_path: Path, capsys) -> None:
    main, argv, finished = RUNNERS[name]
    assert main(argv(tmp_path / "reference")) == 0
    reference = run_folder(tmp_path / "reference")
    relative = run_folder(tmp_path / "reference").relative_to(tmp_path / "reference")
    written = {p.relative_to(reference).as_posix(): p.is_dir() for p in sorted(reference.rglob("*"))}
    assert finished in written and "log.log" in written
    refused = {".lock": "refusing to write the lock", finished: "already holds a finished run"}
    replaced = [n for n, folder in written.items() if not folder and n not in refused]
    capsys.readouterr()
    assert main(argv(tmp_path / "reference")) == 2  # a finished run is kept
    assert "already holds a finished run" in capsys.readouterr().err
    for kind in ("symlink", "hardlink"):
        out = tmp_path / f"all-{kind}"
        targets = [_plant(out / relative / n, kind, tmp_path / "outside") for n in replaced]
        assert main(argv(out)) == 0
        assert all(_kept(t) for t in targets)
        assert all((out / relative / n).stat().st_nlink == 1 and not (out / relative / n).is_symlink()
                   for n in replaced)
    cases = [(n, kind, words) for n, words in refused.items() for kind in ("symlink", "hardlink")]
    cases += [(n, "symlink-folder", "it is a symlink") for n, folder in written.items() if folder]
    for n, kind, words in cases:
        out = tmp_path / f"{kind}-{n.replace('/', '-')}"
        target = _plant(out / relative / n, kind, tmp_path / "outside")
        capsys.readouterr()
        assert main(argv(out)) == 2, (n, kind)
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and words in err and "Traceback" not in err, err
        assert _kept(target)


def test_a_runner_in_use_is_refused_naming_its_pid(naslib, tmp_path: Path, capsys) -> None:
    config = runner.load_config(str(NAS_CONFIG), ["search.epochs", "12", "out_dir", str(tmp_path)])
    with FolderLock(config.save):
        assert runner.main(nas_argv(tmp_path)) == 2
    assert f"another process (PID {os.getpid()}) is writing a NASLib run in {config.save}" in capsys.readouterr().err
    assert not (Path(config.save) / runner.SUMMARY_FILE).exists()
