import csv
import math

import pytest

from naslib_optiproxy.compare.summary import (
    load_results, markdown_table, mean_and_stderr, mean_std, plot_trajectories, queries_to, value_at,
    write_trajectories_csv,
)


def record(method, seed, trajectory, optimum=10.0, task="t/a"):
    return {"task": task, "method": method, "seed": seed, "budget": len(trajectory), "trajectory": trajectory,
            "best": {"arch": "x", "val": trajectory[-1], "test": 1.0}, "optimum_val": optimum, "seconds": 2.0,
            "peak_rss_mb": 100.0}


RECORDS = [record("a", 1, [1.0, 5.0, 10.0, 10.0]), record("a", 0, [2.0, 2.0, 3.0, 4.0]),
           record("b", 0, [None, 3.0, 3.0, 9.0]), record("b", 1, [None, None, 6.0, 6.0])]


def test_load_results_groups_and_sorts_by_seed():
    grouped = load_results(RECORDS)
    assert list(grouped["t/a"]) == ["a", "b"]
    assert [r["seed"] for r in grouped["t/a"]["a"]] == [0, 1]


def test_queries_to_and_value_at():
    assert queries_to([1.0, 5.0, 10.0], 10.0) == 3
    assert queries_to([None, 1.0], 10.0) is None
    assert value_at(RECORDS[0], 2) == 5.0 and value_at(RECORDS[0], 99) == 10.0


def test_mean_std_marks_seeds_without_a_value():
    assert mean_std([1.0, 3.0]) == "2.000 ± 1.000"
    assert mean_std([None, 3.0]) == "3.000 ± 0.000 (1/2 seeds)"
    assert mean_std([None]) == "n/a"


def test_mean_std_can_give_the_standard_error_instead():
    assert mean_std([1.0, 3.0], spread="se") == "2.000 ± 1.000"  # sample std sqrt(2) / sqrt(2)
    assert mean_std([1.0, 2.0, 6.0], spread="se") == f"3.000 ± {math.sqrt(7) / math.sqrt(3):.3f}"
    assert mean_std([4.0], spread="se") == "4.000 ± 0.000"
    with pytest.raises(ValueError, match="unknown spread"):
        mean_std([1.0], spread="iqr")
    row = markdown_table(load_results(RECORDS)["t/a"], (2, 4), spread="se")[2].split(" | ")
    assert row[2] == "3.500 ± 1.500" and row[3] == "7.000 ± 3.000"  # two seeds: se equals the population std


def test_markdown_table_rows():
    lines = markdown_table(load_results(RECORDS)["t/a"], (2, 4))
    assert lines[0].startswith("| method | seeds | @2 | @4 | test of best | optimum hits")
    row_a = lines[2].split(" | ")
    assert row_a[2] == "3.500 ± 1.500" and row_a[3] == "7.000 ± 3.000"
    assert "1/2" in lines[2] and "| 3 |" in lines[2]  # one hit, at evaluation 3
    assert "(1/2 seeds)" in lines[3]


def test_markdown_table_without_known_optimum_has_no_hit_columns():
    records = [record("a", 0, [1.0, 2.0], optimum=None)]
    assert "optimum" not in markdown_table(load_results(records)["t/a"], (2,))[0]


def test_mean_and_stderr():
    means, errors = mean_and_stderr(load_results(RECORDS)["t/a"]["b"])
    assert math.isnan(means[1])  # only one of the two seeds has a value at evaluation 2
    assert means[2] == 4.5 and means[3] == 7.5 and errors[3] == pytest.approx(1.5)


def test_csv_has_one_row_per_evaluation(tmp_path):
    path = tmp_path / "t.csv"
    write_trajectories_csv(RECORDS, path)
    rows = list(csv.DictReader(open(path)))
    assert len(rows) == 16
    assert rows[0] == {"task": "t/a", "method": "a", "seed": "1", "evaluation": "1", "best_so_far": "1.0000"}
    assert rows[8]["best_so_far"] == ""  # nothing found yet (e.g. no feasible architecture)


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib", reason="plots need matplotlib: pip install 'naslib-optiproxy[plot]'")
    records = RECORDS + [record("a", 0, [1.0, 2.0, 3.0, 3.0], task="t/b")]
    path = plot_trajectories(load_results(records), tmp_path / "p.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_nan_counts_as_nothing_found_yet():
    nan = float("nan")
    assert mean_std([nan, 3.0]) == "3.000 ± 0.000 (1/2 seeds)"
    assert queries_to([nan, 10.0], 10.0) == 2
    means, _ = mean_and_stderr([record("a", 0, [nan, 2.0]), record("a", 1, [1.0, 4.0])])
    assert math.isnan(means[0]) and means[1] == 3.0
