"""How a CLI run stops: Ctrl-C with the exact resume command, a rerun of the default job, compare's cache."""

from __future__ import annotations

import json
from pathlib import Path

import naslib_optiproxy.cli as cli
from naslib_optiproxy import Architecture, get_objective
from naslib_optiproxy.compare import Job, Method, Task, run_jobs


class _Interrupting:
    """The cora objective, interrupted (as by Ctrl-C) at its fourth evaluation."""

    def __init__(self) -> None:
        self.inner = get_objective("nasbench_graph", "cora")
        self.space, self.dataset, self.calls = self.inner.space, self.inner.dataset, 0
        self.data_source = self.inner.data_source

    def __call__(self, arch):
        self.calls += 1
        if self.calls == 4:
            raise KeyboardInterrupt
        return self.inner(arch)


def test_ctrl_c_ends_with_one_line_and_the_exact_resume_command(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(cli, "get_objective", lambda *args, **kwargs: _Interrupting())
    out = tmp_path / "run"
    argv = ["search", "--optimizer", "rs", "--budget", "6", "--no-progress", "--out", str(out)]
    assert cli.main(argv) == 130
    error = capsys.readouterr().err.strip()
    assert "Traceback" not in error and len(error.splitlines()) == 1
    assert error.endswith(f"continue with: naslib-optiproxy search --optimizer rs --budget 6 --no-progress "
                          f"--out {out} --resume")
    assert len((out / "journal.jsonl").read_text().splitlines()) == 1 + 3  # header + the three told trials
    monkeypatch.undo()
    assert cli.main([*argv, "--resume"]) == 0
    assert len(json.loads((out / "result.json").read_text())["history"]) == 6


def test_rerunning_the_default_job_succeeds_in_a_fresh_folder(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ["--optimizer", "rs", "--budget", "3", "--no-progress"]
    assert cli.main(argv) == 0 and cli.main(argv) == 0
    first, second = (tmp_path / "runs" / "nasbench_graph-cora-rs-0"), (tmp_path / "runs" / "nasbench_graph-cora-rs-0-2")
    assert (first / "result.json").exists() and (second / "result.json").exists()
    assert "result: runs/nasbench_graph-cora-rs-0-2/result.json" in capsys.readouterr().out


def test_compare_reruns_jobs_whose_budget_changed(tmp_path: Path) -> None:
    task, method = Task.parse("nasbench_graph/cora"), Method.parse("rs")
    short = run_jobs([Job(task, method, 0, 3)], str(tmp_path), "serial")
    longer = run_jobs([Job(task, method, 0, 5)], str(tmp_path), "serial")
    assert len(short[0]["trajectory"]) == 3 and len(longer[0]["trajectory"]) == 5
    assert Job(task, method, 0, 3).key != Job(task, method, 0, 5).key
    assert Job(task, Method.parse("optiproxy[batch_size=2]"), 0, 3).key != Job(task, Method.parse("optiproxy"), 0, 3).key
    assert len(list(tmp_path.rglob("*.json"))) == 2  # both kept, neither reused for the other


def test_compare_reruns_jobs_whose_data_changed(tmp_path: Path) -> None:
    from naslib_optiproxy.data import bundled
    from naslib_optiproxy.spaces import NasBench201

    space, table = NasBench201(), bundled.nb201_table("cifar10")
    data = tmp_path / "data"
    data.mkdir()

    def write(shift: float) -> None:
        rows = [f"{space.to_string(Architecture(ops))},{table[ops][0] - shift},{table[ops][1]}" for ops in table]
        (data / "nb201_val_test.csv").write_text("arch_str,cifar10_val,cifar10_test\n" + "\n".join(rows) + "\n")

    jobs = [Job(Task.parse("nasbench201/cifar10"), Method.parse("rs"), 0, 3)]
    write(0.0)
    first = run_jobs(jobs, str(tmp_path / "out"), "serial", data_dir=str(data))
    again = run_jobs(jobs, str(tmp_path / "out"), "serial", data_dir=str(data))
    assert again == first and len(list((tmp_path / "out").rglob("seed-*.json"))) == 1  # same data: cached
    write(1.0)  # the same file, other numbers: the job runs again into a new file, the old one is kept
    changed = run_jobs(jobs, str(tmp_path / "out"), "serial", data_dir=str(data))
    assert [h["val"] for h in changed[0]["history"]] == [h["val"] - 1.0 for h in first[0]["history"]]
    assert len(list((tmp_path / "out").rglob("seed-*.json"))) == 2
    bundled_run = run_jobs(jobs, str(tmp_path / "out"), "serial")  # the bundled table: another digest, another job
    assert bundled_run[0]["trajectory"] == first[0]["trajectory"]
    assert len(list((tmp_path / "out").rglob("seed-*.json"))) == 3
