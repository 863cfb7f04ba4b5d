"""The command line end to end, in process (``main([...])``) plus one ``python -m`` run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest

from naslib_optiproxy import cli
from naslib_optiproxy.objectives.files import ENV_VAR, expected_files
from naslib_optiproxy.result import RESULT_KEYS

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Default output folders land in tmp_path; the user's data variable is not seen."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ENV_VAR, raising=False)


def run(argv: List[str], capsys: pytest.CaptureFixture) -> Tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def check_result(out_dir: Path, budget: int) -> dict:
    result = json.loads((out_dir / "result.json").read_text())
    assert set(result) == set(RESULT_KEYS)
    assert result["budget"] == budget and len(result["history"]) == budget
    vals = [entry["val"] for entry in result["history"]]
    assert all({"arch", "val", "test"} <= set(entry) for entry in result["history"])
    assert result["trajectory"] == [max(vals[: i + 1]) for i in range(budget)]
    assert result["best"]["val"] == max(vals)
    best = next(e for e in result["history"] if e["val"] == max(vals))
    assert result["best"] == {"arch": best["arch"], "val": best["val"], "test": best["test"]}
    lines = (out_dir / "journal.jsonl").read_text().splitlines()
    header, records = json.loads(lines[0]), [json.loads(line) for line in lines[1:]]
    assert header["kind"] == "header"
    identity = ("optimizer", "search_space", "dataset", "seed", "settings")
    assert {k: header["config"][k] for k in identity} == {k: result[k] for k in identity}
    assert [r["arch"] for r in records] == [e["arch"] for e in result["history"]]
    return result


@pytest.mark.parametrize("optimizer", ["rs", "optiproxy"])
def test_graph_search_end_to_end(optimizer: str, tmp_path: Path, capsys: pytest.CaptureFixture, tiny_settings) -> None:
    config = tmp_path / "run.yaml"
    search = f"search: {json.dumps(tiny_settings())}\n" if optimizer == "optiproxy" else ""  # JSON is YAML
    config.write_text(f"optimizer: {optimizer}\nbudget: 99\nseed: 1\n" + search)
    out = tmp_path / "out"
    code, stdout, _ = run(["search", "--config", str(config), "--budget", "12", "--out", str(out),
                           "--no-progress"], capsys)
    assert code == 0
    result = check_result(out, 12)
    assert (result["optimizer"], result["search_space"], result["dataset"], result["seed"]) == (
        optimizer, "nasbench_graph", "cora", 1)
    assert {"latency", "params"} <= set(result["history"][0])
    if optimizer == "optiproxy":
        assert {k: result["settings"][k] for k in tiny_settings()} == tiny_settings()
        assert {"lr_alpha", "op_noise", "proxy"} <= set(result["settings"])  # the full effective settings
    else:
        assert result["settings"] == {}
    assert result["best"]["arch"] in stdout and str(out / "result.json") in stdout
    assert "12 evaluations" in stdout


def test_same_seed_same_history_and_progress_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    runs = []
    for name in ("a", "b"):
        code, stdout, stderr = run(["--optimizer", "rs", "--budget", "12", "--out", name], capsys)
        assert code == 0
        assert "12/12" in stderr and "12/12" not in stdout
        runs.append(json.loads((tmp_path / name / "result.json").read_text())["history"])
    strip = [[{k: v for k, v in e.items() if k != "eval_seconds"} for e in history] for history in runs]
    assert strip[0] == strip[1]


def test_nasbench201_on_the_bundled_data(tmp_path: Path, capsys: pytest.CaptureFixture, tiny_settings) -> None:
    config = tmp_path / "run.yaml"
    config.write_text(f"search: {json.dumps(tiny_settings())}\n")
    code, stdout, stderr = run(["--search-space", "nasbench201", "--budget", "12",
                                "--config", str(config), "--no-progress"], capsys)
    assert code == 0, stderr
    result = check_result(tmp_path / "runs" / "nasbench201-cifar10-optiproxy-0", 12)
    assert result["dataset"] == "cifar10"
    assert all(0 < e["val"] < 100 and 0 < e["test"] < 100 for e in result["history"])


def test_missing_data_dir_is_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, stdout, stderr = run(["--search-space", "nasbench201", "--data-dir", str(tmp_path / "nope"),
                                "--no-progress"], capsys)
    assert code == 2 and stdout == ""
    assert stderr.startswith("error: ") and "Traceback" not in stderr
    assert all(name in stderr for name in expected_files("cifar10")) and "--data-dir" in stderr
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("argv, hint", [
    (["--optimizer", "rss"], "did you mean 'rs'"),
    (["--search-space", "nasbench_grph"], "did you mean 'nasbench_graph'"),
    (["--dataset", "citeseerr"], "did you mean 'citeseer'"),
])
def test_unknown_names_suggest(argv: List[str], hint: str, capsys: pytest.CaptureFixture) -> None:
    code, _, stderr = run(argv, capsys)
    assert code == 2 and stderr.startswith("error: ") and hint in stderr


@pytest.mark.parametrize("text, words", [
    ("budget: '100'\n", ["budget must be an int", "run.yaml"]),
    ("seed: 1.5\n", ["seed must be an int"]),
    ("search: [1]\n", ["search must be a mapping"]),
    ("search:\n  lr_alpha: -1\n", ["search.lr_alpha must be >= 0"]),
    ("optimizer: rs\nsearch:\n  model_epochs: 5\n", ["takes no search settings"]),
    ("budget: 10\nseed: : 1\n", ["invalid YAML", "run.yaml, line 2"]),
])
def test_bad_yaml_is_a_clean_error(text: str, words: List[str], tmp_path: Path,
                                   capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "run.yaml").write_text(text)
    code, _, stderr = run(["search", "--config", "run.yaml"], capsys)
    assert code == 2 and stderr.startswith("error: ") and "Traceback" not in stderr
    assert all(word in stderr for word in words), stderr


def test_no_arguments_runs_the_embedded_default(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture) -> None:
    calls = []

    def fake(objective, optimizer, budget, seed, settings, folder, resume=False, callbacks=(), **options) -> dict:
        calls.append({"objective": objective, "optimizer": optimizer, "budget": budget, "seed": seed,
                      "folder": folder, "resume": resume, "callbacks": callbacks})
        return {"best": {"arch": "gcn~0|gcn~1|gcn~2|gcn~3", "val": 80.0, "test": 79.0}, "history": [{}] * 100,
                "optimizer": optimizer, "search_space": objective.space.name, "dataset": objective.dataset,
                "seed": seed, "seconds": 1.0, "exhausted": False}

    monkeypatch.setattr(cli, "run_search", fake)
    code, stdout, stderr = run([], capsys)
    assert code == 0 and "gcn~0|gcn~1|gcn~2|gcn~3" in stdout
    call = calls[0]
    assert len(call["callbacks"]) == 1 and "0/100" in stderr  # the progress bar is on
    assert (call["objective"].space.name, call["objective"].dataset, call["optimizer"], call["budget"],
            call["seed"], call["resume"]) == ("nasbench_graph", "cora", "optiproxy", 100, 0, False)
    assert Path(call["folder"]) == Path("runs/nasbench_graph-cora-optiproxy-0")


def test_malformed_flag_exits_2(capsys: pytest.CaptureFixture) -> None:
    code, _, stderr = run(["--budget", "many"], capsys)
    assert code == 2 and "invalid int value" in stderr


def test_python_dash_m_help() -> None:
    done = subprocess.run([sys.executable, "-m", "naslib_optiproxy", "--help"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "search" in done.stdout and "naslib-optiproxy" in done.stdout


# ------------------------------------------------------------------ several objectives
def test_objectives_write_the_front_its_hypervolume_and_a_plot(tmp_path: Path, capsys) -> None:
    """The issue's command (a smaller budget): the front, its hypervolume against a stated reference point,
    the share of the true front's, and front.png."""
    pytest.importorskip("matplotlib", reason="front.png needs matplotlib")
    code, out, err = run(["search", "--search-space", "nasbench201", "--dataset", "ImageNet16-120", "--objectives",
                          "val,edgegpu_latency:min", "--budget", "30", "--out", "mo", "--no-progress"], capsys)
    assert code == 0, err
    result = json.loads((tmp_path / "mo" / "result.json").read_text())
    front = result["front"]
    assert set(result) == set(RESULT_KEYS) and len(result["history"]) == 30
    assert front["objectives"] == [{"metric": "val", "direction": "max"},
                                   {"metric": "edgegpu_latency", "direction": "min"}]
    assert front["reference"] == "table" and len(front["reference_point"]) == 2
    assert 0 < front["hypervolume"] <= front["true_hypervolume"] and front["share"] == pytest.approx(
        front["hypervolume"] / front["true_hypervolume"])
    evaluated = [(e["val"], e["edgegpu_latency"]) for e in result["history"] if e["val"] is not None]
    for entry in front["trials"]:  # nothing evaluated dominates a front member
        a, b = entry["val"], entry["edgegpu_latency"]
        assert not any(v >= a and l <= b and (v > a or l < b) for v, l in evaluated)
    assert front["plot"] == "front.png" and (tmp_path / "mo" / "front.png").read_bytes()[:4] == b"\x89PNG"
    assert "hypervolume" in out and "of the true front's" in out


@pytest.mark.parametrize("flags, message", [
    (["--objectives", "val,edgegpu_latncy:min"], "did you mean 'edgegpu_latency'"),
    (["--objectives", "val"], "at least two objectives"),
    (["--objectives", "val,edgegpu_latency:lowest"], "direction must be max or min"),
    (["--objectives", "val,edgegpu_latency:min", "--optimizer", "re"], "searches one objective"),
    (["--optimizer", "nsga2"], "searches a front"),
    (["--objectives", "val,edgegpu_latency:min", "--fidelity", "low"], "cannot be combined"),
])
def test_bad_objectives_get_one_error_line(flags, message, capsys) -> None:
    code, out, err = run(["search", "--search-space", "nasbench201", "--budget", "12", *flags], capsys)
    assert code == 2 and err.count("error:") == 1 and message in err, err


def test_objectives_with_a_constraint_report_a_feasible_front(tmp_path: Path, capsys) -> None:
    code, _, err = run(["search", "--search-space", "nasbench201", "--objectives", "val,edgegpu_energy:min",
                        "--constraint", "edgegpu_latency<=3", "--optimizer", "rs", "--budget", "25", "--out", "c",
                        "--no-progress"], capsys)
    assert code == 0, err
    result = json.loads((tmp_path / "c" / "result.json").read_text())
    feasible = {e["arch"] for e in result["history"] if e["feasible"]}
    assert result["front"]["trials"] and {t["arch"] for t in result["front"]["trials"]} <= feasible
    assert result["constraint"] == {"metric": "edgegpu_latency", "max": 3.0}
