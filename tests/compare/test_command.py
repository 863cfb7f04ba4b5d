from naslib_optiproxy.cli import main


def test_compare_command_writes_table_csv_and_plot(tmp_path, capsys):
    code = main(["compare", "--tasks", "nasbench_graph/cora", "--optimizers", "rs", "re", "--seeds", "0-1",
                 "--budget", "6", "--checkpoints", "3,6", "--executor", "serial", "--out", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "## nasbench_graph/cora (global optimum val 81.933), budget 6" in out
    assert "| rs | 2 |" in out and "| re | 2 |" in out and "@3 | @6" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".lock", "best_so_far.png", "nasbench_graph-cora", "summary.md", "trajectories.csv"]


def test_compare_command_bad_input_exits_2_with_reason(tmp_path, capsys):
    assert main(["compare", "--tasks", "nasbench201/cifar10", "--optimizers", "bananas",
                 "--out", str(tmp_path)]) == 2
    assert "unknown optimizer 'bananas'" in capsys.readouterr().err
    assert main(["compare", "--seeds", "x", "--out", str(tmp_path)]) == 2
    assert "bad seeds" in capsys.readouterr().err


def test_compare_suite_file(tmp_path, capsys):
    suite = tmp_path / "suite.yaml"
    suite.write_text("seeds: 0\nbudget: 5\ntasks: [nasbench_graph/cora]\nmethods: [rs]\n")
    assert main(["compare", "--suite", str(suite), "--executor", "serial", "--no-plot",
                 "--out", str(tmp_path / "o")]) == 0
    assert "| rs | 1 |" in capsys.readouterr().out
    assert not (tmp_path / "o" / "best_so_far.png").exists()


def test_data_dir_flag_forms():
    import pytest

    from naslib_optiproxy.compare.command import parse_data_dir

    assert parse_data_dir(None) is None
    assert parse_data_dir(["data"]) == "data"
    assert parse_data_dir(["nasbench201=a", "nasbench301=b"]) == {"nasbench201": "a", "nasbench301": "b"}
    with pytest.raises(ValueError, match="SPACE=DIR"):
        parse_data_dir(["a", "b"])


def test_compare_without_matplotlib_skips_the_plot_with_a_note(tmp_path, capsys, monkeypatch):
    from naslib_optiproxy.compare import command

    monkeypatch.setattr(command, "can_plot", lambda: False)  # as on an install without the [plot] extra
    assert main(["compare", "--tasks", "nasbench_graph/cora", "--optimizers", "rs", "--seeds", "0", "--budget", "5",
                 "--executor", "serial", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "| rs | 1 |" in captured.out and "note: matplotlib is not installed" in captured.err
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == [".lock", "nasbench_graph-cora", "summary.md", "trajectories.csv"]  # no best_so_far.png


def test_compare_with_objectives_tabulates_hypervolume_share_and_igd(tmp_path, capsys, optuna_installed):
    # NSGA-II where Optuna is installed (the peers extra), else OptiProxy's front search: both are front methods
    second = "nsga2[population_size=4]" if optuna_installed else "optiproxy"
    code = main(["compare", "--tasks", "nasbench_graph/cora", "--objectives", "val,params:min", "--optimizers",
                 "rs", second, "--seeds", "0-1", "--budget", "12", "--checkpoints", "6,12",
                 "--executor", "serial", "--no-plot", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "## nasbench_graph/cora:objectives=val:max;params:min, budget 12" in out
    assert "| method | seeds | HV share @6 | HV share @12 | IGD @6 | IGD @12 | front size | s/run |" in out
    rows = [line for line in out.splitlines() if line.startswith(("| rs |", f"| {second} |"))]
    assert len(rows) == 2 and all(line.count("±") == 4 for line in rows)


def test_compare_with_objectives_refuses_single_objective_methods_and_unknown_metrics(tmp_path, capsys):
    assert main(["compare", "--tasks", "nasbench_graph/cora", "--objectives", "val,params:min", "--optimizers", "re",
                 "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "method 're' on a task with objectives" in err
    assert main(["compare", "--tasks", "nasbench_graph/cora:objectives=val;parms:min", "--optimizers", "rs",
                 "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "did you mean 'params'" in err
