"""benchmarks/report/peers_table.py: tables, standing and plots of docs/peers.md from compare output folders."""

from __future__ import annotations

import json
import math
import re
import shlex
from pathlib import Path

import pytest

from benchmarks.report import job_records, peers_table


def record(task: str, method: str, seed: int, trajectory, budget: int, seconds: float = 2.0, proposals=None):
    return {"task": task, "method": method, "seed": seed, "budget": budget, "trajectory": trajectory,
            "optimum_val": 10.0, "seconds": seconds, "proposals": proposals, "package_version": "0.2.0",
            "settings": {"library": "optuna 5.1.0"} if proposals else {}, "torch_version": "2.13.0+cpu"}


def write(folder: Path, records) -> Path:
    for r in records:
        path = folder / r["task"].replace("/", "-") / r["method"].replace(":", "-") / f"seed-{r['seed']}-abc.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(r))
    return folder


def curve(value_at_50: float, value_at_100: float) -> list:
    return [value_at_50] * 50 + [value_at_100] * 50


@pytest.fixture
def folders(tmp_path: Path):
    counts = {"asked": 110, "new": 100, "repeats": 10, "invalid": 0, "fallbacks": 0}
    nb201 = [record("nasbench201/cifar10", "optiproxy", s, curve(8.0 + s, 10.0), 100, 4.0) for s in range(3)]
    nb201 += [record("nasbench201/cifar10", "optuna:gp", s, curve(9.5, 9.0 + 0.5 * s), 100, 8.0, counts)
              for s in range(3)]
    graph = [record("nasbench_graph/cora", "optiproxy", s, curve(5.0, 5.0), 100) for s in range(2)]
    graph += [record("nasbench_graph/cora", "optuna:tpe", s, curve(7.0, 7.0 + s), 100) for s in range(2)]
    return write(tmp_path / "nb201", nb201), write(tmp_path / "graph", graph)


def test_tables_standing_and_plots_go_between_the_markers(folders, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="plots need matplotlib: pip install 'naslib-optiproxy[plot]'")
    doc = tmp_path / "docs" / "peers.md"
    doc.parent.mkdir()
    doc.write_text(f"# Peers\n\nhand-written\n\n{peers_table.START}\nold\n{peers_table.END}\n\ntail\n")
    figures = tmp_path / "docs" / "figures" / "peers"
    assert peers_table.main([f"Table 1={folders[0]}", str(folders[1]), "--yardstick-seconds", "2",
                             "--doc", str(doc), "--figures", str(figures)]) == 0
    text = doc.read_text()
    assert text.startswith("# Peers\n\nhand-written\n\n<!-- peers-tables:start -->") and text.endswith("-->\n\ntail\n")
    assert "\nold\n" not in text and "### Table 1" in text and "### graph" in text
    se = 1.0 / math.sqrt(3)  # optiproxy @50: 8, 9, 10
    assert f"| optiproxy | 3 | 9.000 ± {se:.3f} | 10.000 ± 0.000 | 3/3 | 51 | 4.0 | 2.00 | - |" in text
    assert "| optuna:gp | 3 | 9.500 ± 0.000 | 9.500 ± 0.289 | 1/3 | 51 | 8.0 | 4.00 | 10.0 / 0.0 |" in text
    assert "| nasbench201/cifar10 | -0.500 (optuna:gp) | +0.500 (optuna:gp) |" in text  # within one SE: no flag
    assert "| nasbench_graph/cora | -2.000 (optuna:tpe) **behind** | -2.500 (optuna:tpe) **behind** |" in text
    assert "Made with: naslib-optiproxy 0.2.0, optuna 5.1.0, torch 2.13.0+cpu." in text
    assert sorted(p.name for p in figures.iterdir()) == ["nasbench201-cifar10.png", "nasbench_graph-cora.png"]
    assert "![nasbench201/cifar10](figures/peers/nasbench201-cifar10.png)" in text
    again = text
    peers_table.main([f"Table 1={folders[0]}", str(folders[1]), "--yardstick-seconds", "2", "--doc", str(doc),
                      "--figures", str(figures)])
    assert doc.read_text().replace(str(tmp_path), "") == again.replace(str(tmp_path), "")  # rerun: same file


def test_a_folder_without_records_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no job records"):
        peers_table.read_records(tmp_path)


def test_checkpoints_follow_the_budget() -> None:
    assert peers_table.checkpoints_of({"m": [{"budget": 280}]}) == [50, 100, 200, 280]
    assert peers_table.checkpoints_of({"m": [{"budget": 200}]}) == [50, 100, 200]
    assert peers_table.checkpoints_of({"m": [{"budget": 30}]}) == [30]


def test_an_archive_gives_the_tables_of_its_folder(folders, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="plots need matplotlib: pip install 'naslib-optiproxy[plot]'")
    archive = tmp_path / "records" / "nb201.jsonl.gz"
    job_records.write_archive(job_records.read_folder(folders[0]), archive)
    texts = []
    for source in (folders[0], archive):
        doc = tmp_path / f"{source.name}.md"
        peers_table.main([f"Table 1={source}", "--doc", str(doc), "--figures", str(tmp_path / "figures")])
        texts.append(doc.read_text().split("`; do not edit by hand.", 1)[1])  # after the command line
    assert texts[0] == texts[1] and "| optiproxy | 3 |" in texts[1]


def test_a_source_given_twice_is_refused(folders, tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="error: 6 jobs occur twice"):
        peers_table.main([str(folders[0]), str(folders[0]), "--doc", str(tmp_path / "peers.md")])
    assert not (tmp_path / "peers.md").exists()


def test_a_named_block_leaves_the_main_tables_and_their_plots_alone(folders, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="plots need matplotlib: pip install 'naslib-optiproxy[plot]'")
    doc, figures = tmp_path / "peers.md", tmp_path / "figures"
    peers_table.main([str(folders[0]), str(folders[1]), "--doc", str(doc), "--figures", str(figures)])
    main_block = doc.read_text()
    peers_table.main([f"Added later={folders[1]}", "--block", "added-1", "--doc", str(doc), "--figures", str(figures)])
    text = doc.read_text()
    assert text.startswith(main_block.rstrip("\n")) and "<!-- peers-tables:added-1:start -->" in text
    added = text.split("<!-- peers-tables:added-1:start -->", 1)[1]
    assert "### Added later" in added and "nasbench201/cifar10" not in added
    assert "![nasbench_graph/cora](figures/added-1/nasbench_graph-cora.png)" in added
    assert sorted(p.name for p in figures.iterdir()) == ["added-1", "nasbench201-cifar10.png", "nasbench_graph-cora.png"]
    peers_table.main([str(folders[0]), "--doc", str(doc), "--figures", str(figures)])  # the main block again
    assert doc.read_text().count("### Added later") == 1 and "nasbench_graph/cora" not in doc.read_text().split(
        "<!-- peers-tables:added-1:start -->")[0]


@pytest.mark.parametrize("name", ["Added", "a b", "-x", "x" * 41])
def test_a_bad_block_name_is_refused(folders, tmp_path: Path, name: str, capsys) -> None:
    with pytest.raises(SystemExit):
        peers_table.main([str(folders[0]), f"--block={name}", "--doc", str(tmp_path / "peers.md")])
    assert f"error: bad --block {name!r}" in capsys.readouterr().err


def blocks_of(text: str) -> dict:
    """``{name: text between the markers}`` of the named blocks of a document."""
    found = re.findall(r"<!-- peers-tables:([a-z0-9-]+):start -->(.*?)<!-- peers-tables:\1:end -->", text, re.S)
    return dict(found)


def test_docs_named_tables_are_what_their_committed_archives_give(tmp_path: Path, monkeypatch) -> None:
    """docs/peers.md's tables run apart from the main ones come from archives under benchmarks/records/:
    rerunning each block's own command on them gives the block as committed (nothing edited by hand)."""
    pytest.importorskip("matplotlib", reason="plots need matplotlib: pip install 'naslib-optiproxy[plot]'")
    text = peers_table.DOC.read_text(encoding="utf-8")
    blocks = blocks_of(text)
    assert blocks, "docs/peers.md has no named block of tables"
    doc = tmp_path / "docs" / "peers.md"
    doc.parent.mkdir()
    doc.write_text(text, encoding="utf-8")
    monkeypatch.chdir(peers_table.ROOT)  # the commands name the archives from the repository's root
    for name, committed in blocks.items():
        command = re.search(r"Generated by `python -m benchmarks\.report\.peers_table (.*?)`;", committed)[1]
        argv = shlex.split(command)
        sources = [Path(a.rpartition("=")[2]) for a in argv if "=" in a and not a.startswith("--")]
        assert sources and all(job_records.is_archive(s) for s in sources), f"block {name}: {command}"
        peers_table.main(argv + ["--doc", str(doc), "--figures", str(doc.parent / "figures" / "peers")])
        again = blocks_of(doc.read_text(encoding="utf-8"))[name]
        assert again.split("\n", 3)[3] == committed.split("\n", 3)[3], f"block {name} differs from its archives"
