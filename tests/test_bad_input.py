"""Bad input gets a clear message: the cases of docs/bad-input.md that no other test covers.

Each case names an input users get wrong, feeds it through the entry point they touch
(the command line, ``OptiProxyConfig``, ``get_objective``, ``space.from_string``, an
objective) and checks the important words of the message. ``test_docs_table_*`` keep
docs/bad-input.md and these cases in step: every row names a test that exists, every case
here has a row, and the row's message holds the words the case checks.
"""

from __future__ import annotations

import os
import pickle
import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple, Type

import pytest

from naslib_optiproxy import Architecture, OptiProxyConfig, cli, get_objective
from naslib_optiproxy.objectives.nasbench201 import CSV_FILE, ENV_VAR, LIGHT_FILES
from naslib_optiproxy.cli.run_config import RunConfig
from naslib_optiproxy.spaces import NasBench201, NasBenchGraph

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "bad-input.md"
NB201_STRING = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
GRAPH_STRING = "gcn~0|gat~0|skip~1|sage~2"
NB201_LIGHT = LIGHT_FILES["cifar10"]


# --------------------------------------------------------------------------- command line
def _yaml(text: str) -> Callable[[Path], List[str]]:
    """A case that writes ``run.yaml`` and runs ``search --config run.yaml``."""

    def setup(tmp: Path) -> List[str]:
        (tmp / "run.yaml").write_text(text)
        return ["search", "--config", "run.yaml"]

    return setup


def _flags(*argv: str) -> Callable[[Path], List[str]]:
    return lambda tmp: list(argv)


def _nb201_data(name: str, content: bytes) -> Callable[[Path], List[str]]:
    """A case whose ``data/`` holds one file ``name``; runs NAS-Bench-201 on it."""

    def setup(tmp: Path) -> List[str]:
        (tmp / "data").mkdir()
        (tmp / "data" / name).write_bytes(content)
        return ["--search-space", "nasbench201", "--data-dir", "data"]

    return setup


def _data_dir_is_a_file(tmp: Path) -> List[str]:
    (tmp / "nb201.csv").write_text("arch_str,cifar10_val,cifar10_test\n")
    return ["--search-space", "nasbench201", "--data-dir", "nb201.csv"]


# numpy.core.multiarray.scalar(numpy.dtype('O8') with object flags, 8 raw bytes): numpy would read the
# bytes as an object pointer (a crash); the reader refuses the dtype before numpy sees it.
FORGED_DTYPE = (b"\x80\x03cnumpy.core.multiarray\nscalar\n(cnumpy\ndtype\n(X\x02\x00\x00\x00O8\x89\x88tR"
                b"(K\x03X\x01\x00\x00\x00|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?tbC\x08AAAAAAAAtR.")

# id -> (setup(tmp_path) -> argv, words the message must hold)
CLI_CASES: Dict[str, Tuple[Callable[[Path], List[str]], Sequence[str]]] = {
    "nb201-unknown-dataset": (
        _flags("--search-space", "nasbench201", "--dataset", "cifar1000"),
        ["unknown NAS-Bench-201 dataset 'cifar1000'", "did you mean 'cifar100'", "cifar10, cifar100, ImageNet16-120"]),
    "config-key-typo": (
        _yaml("budgte: 10\n"),
        ["run.yaml: unknown config key 'budgte'", "did you mean 'budget'", "known keys:"]),
    "top-level-key-under-search": (
        _yaml("search:\n  budget: 50\n"),
        ["unknown OptiProxy setting search.budget", "budget is a top-level config key: move it out of search:"]),
    "naslib-search-epochs": (
        _yaml("search:\n  epochs: 100\n"),
        ["unknown OptiProxy setting search.epochs", "NASLib's search.epochs", "top-level budget"]),
    "budget-zero": (
        _flags("--budget", "0"),
        ["budget must be a positive number of evaluations, got 0"]),
    "seed-negative": (
        _flags("--seed", "-1"),
        ["seed must be >= 0, got -1"]),
    "failures-zero": (
        _yaml("max_consecutive_failures: 0\n"),
        ["max_consecutive_failures must be >= 1", "null for no limit", "got 0"]),
    "yaml-scientific-notation": (
        _yaml("search:\n  fit_lr: 1e-3\n"),
        ["search.fit_lr must be float, got str '1e-3'", "YAML reads '1e-3' as text", "write 0.001"]),
    "yaml-null-setting": (
        _yaml("search:\n  num_init:\n"),
        ["search.num_init must be int, got null"]),
    "data-dir-is-a-file": (
        _data_dir_is_a_file,
        ["no NAS-Bench-201 table for cifar10", "(not a directory)", "expected one of", "--data-dir DIR"]),
    "empty-pickle": (
        _nb201_data(NB201_LIGHT, b""),
        [NB201_LIGHT, "is truncated or corrupt (EOFError", "re-download it"]),
    "pickle-not-a-table": (
        _nb201_data(NB201_LIGHT, pickle.dumps([1, 2, 3])),
        [NB201_LIGHT, "is not a NAS-Bench-201 table (a list, not a dict)"]),
    "csv-without-rows": (
        _nb201_data(CSV_FILE, b"arch_str,cifar10_val,cifar10_test\n"),
        [CSV_FILE, "holds no architectures; re-download it"]),
    "pickle-object-dtype": (
        _nb201_data(NB201_LIGHT, FORGED_DTYPE),
        ["refusing to load", NB201_LIGHT, "makes the numpy dtype 'O8', which is not a numeric dtype",
         "Use a trusted copy of the benchmark file"]),
    "pickle-deep-nesting": (
        _nb201_data(NB201_LIGHT, b"\x80\x02" + b"]" * 1000 + b"a" * 999 + b"."),
        ["refusing to load", NB201_LIGHT, "containers nest more than 100 levels deep"]),
    "pickle-too-many-containers": (
        _nb201_data(NB201_LIGHT, b"\x80\x02" + b"}" * 300_000 + b"."),
        ["refusing to load", NB201_LIGHT, "it makes more than 47500 containers for a file of 300003 bytes"]),
    "pickle-huge-length-claim": (
        _nb201_data(NB201_LIGHT, b"\x80\x04\x8e" + (2**63).to_bytes(8, "little") + b"."),
        [NB201_LIGHT, "is truncated or corrupt", "BINBYTES8 claims 9223372036854775808 bytes, 1 remain",
         "re-download it"]),
    "pickle-unknown-codec": (
        _nb201_data(NB201_LIGHT, b"\x80\x02c_codecs\nencode\nX\x03\x00\x00\x00abcX\x05\x00\x00\x00rot13\x86R."),
        ["refusing to load", NB201_LIGHT, "_codecs.encode with the encoding 'rot13' (only latin1 is read)"]),
}


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in tmp_path, without the user's data variable."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ENV_VAR, raising=False)
    return tmp_path


def run_cli(argv: List[str], capsys: pytest.CaptureFixture) -> Tuple[int, str, str]:
    code = cli.main([*argv, "--out", "out", "--no-progress"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_refused(code: int, stdout: str, stderr: str, words: Sequence[str], tmp: Path) -> None:
    """Exit code 2, one ``error: ...`` on stderr holding ``words``, nothing on stdout, nothing written."""
    assert code == 2, stderr
    assert stdout == "" and stderr.startswith("error: ") and "Traceback" not in stderr, stderr
    missing = [word for word in words if word not in stderr]
    assert not missing, f"{missing} not in: {stderr}"
    assert not (tmp / "out").exists()


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_cli_refuses(case: str, in_tmp: Path, capsys: pytest.CaptureFixture) -> None:
    setup, words = CLI_CASES[case]
    assert_refused(*run_cli(setup(in_tmp), capsys), words, in_tmp)


class _RunsCommand:
    """Unpickling this with plain pickle runs a shell command."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> Tuple[Any, ...]:
        return (os.system, (self.command,))


def test_cli_refuses_code_running_pickle_without_running_it(in_tmp: Path, capsys: pytest.CaptureFixture) -> None:
    marker = in_tmp / "pwned"
    argv = _nb201_data(NB201_LIGHT, pickle.dumps({"table": _RunsCommand(f"touch {marker}")}))(in_tmp)
    words = ["error: refusing to load", str(Path("data", NB201_LIGHT)), f"references {os.system.__module__}.system",
             "pickles can run arbitrary code, so the file is refused", "trusted copy"]
    assert_refused(*run_cli(argv, capsys), words, in_tmp)
    assert not marker.exists()


# ---------------------------------------------------------------------------------- API
def _graph_objective():
    return get_objective("nasbench_graph", "cora")


# id -> (call, exception type, words the message must hold)
API_CASES: Dict[str, Tuple[Callable[[], Any], Type[Exception], Sequence[str]]] = {
    "budget-below-num-init": (
        lambda: OptiProxyConfig.from_dict({"num_init": 10}).check_budget(5), ValueError,
        ["budget 5 is smaller than search.num_init 10", "raise the budget above 10 or lower search.num_init"]),
    "fit-lr-zero": (
        lambda: OptiProxyConfig.from_dict({"fit_lr": 0}), ValueError,
        ["search.fit_lr must be > 0, got 0.0"]),
    "gamma-above-one": (
        lambda: OptiProxyConfig.from_dict({"lr_gamma": 1.5}), ValueError,
        ["search.lr_gamma must be in (0, 1], got 1.5"]),
    "min-temp-above-base-temp": (
        lambda: OptiProxyConfig.from_dict({"min_temp": 0.9, "base_temp": 0.5}), ValueError,
        ["search.min_temp (0.9) must not exceed base_temp (0.5)"]),
    "bad-selection": (
        lambda: OptiProxyConfig.from_dict({"selection": "best"}), ValueError,
        ["search.selection must be one of proxy, random, got 'best'"]),
    "unknown-proxy": (
        lambda: OptiProxyConfig.from_dict({"proxy": "gnc"}), ValueError,
        ["search.proxy must be one of gcn, mlp, gat, got 'gnc'", "did you mean 'gcn'"]),
    "constructor-wrong-type": (
        lambda: OptiProxyConfig(num_init="10"), TypeError,
        ["search.num_init must be int, got str '10'"]),
    "objective-unknown-space": (
        lambda: get_objective("nb201"), ValueError,
        ["no benchmark for search space 'nb201'", "did you mean 'nasbench201'", "nasbench201, nasbench_graph"]),
    "graph-space-nb201-dataset": (
        lambda: get_objective("nasbench_graph", "cifar10"), ValueError,
        ["unknown NAS-Bench-Graph dataset 'cifar10'", "cifar10 is a NAS-Bench-201 dataset",
         "set search_space: nasbench201"]),
    "graph-proteins": (
        lambda: get_objective("nasbench_graph", "proteins"), ValueError,
        ["unknown NAS-Bench-Graph dataset 'proteins'", "proteins is not supported"]),
    "nb201-string-given-graph": (
        lambda: NasBenchGraph().from_string(NB201_STRING), ValueError,
        ["not a NAS-Bench-Graph architecture string", "expected 4 'op~input' tokens like"]),
    "graph-string-given-nb201": (
        lambda: NasBench201().from_string(GRAPH_STRING), ValueError,
        ["not a NAS-Bench-201 architecture string", "expected an NB201 string like"]),
    "nb201-unknown-op": (
        lambda: NasBench201().from_string(NB201_STRING.replace("nor_conv_1x1", "conv_1x1")), ValueError,
        ["bad token 'conv_1x1~2'", "op must be one of ('skip_connect', 'none', 'nor_conv_3x3'"]),
    "from-string-not-a-string": (
        lambda: NasBench201().from_string(None), TypeError,
        ["from_string takes a NAS-Bench-201 string", "got NoneType None"]),
    "objective-given-string": (
        lambda: _graph_objective()(GRAPH_STRING), TypeError,
        ["objective takes an Architecture, got the string", "objective(objective.space.from_string(text))"]),
    "objective-given-tuple": (
        lambda: _graph_objective()((1, 1, 0, 4)), TypeError,
        ["objective takes an Architecture, got tuple (1, 1, 0, 4)", "Architecture(ops, topology)"]),
    "objective-arch-of-other-space": (
        lambda: _graph_objective()(Architecture((2, 2, 0, 2, 2, 3))), ValueError,
        ["not a NAS-Bench-Graph architecture: Architecture(ops=(2, 2, 0, 2, 2, 3), topology=())",
         "expected 4 op indices in 0..8", "and 4 topology entries"]),
    "objective-op-names-not-indices": (
        lambda: _graph_objective()(Architecture(("gcn", "gat", "skip", "sage"), (0, 0, 1, 2))), TypeError,
        ["not a NAS-Bench-Graph architecture", "expected 4 op indices in 0..8 (into gat, gcn,"]),
}


@pytest.mark.parametrize("case", list(API_CASES))
def test_api_refuses(case: str) -> None:
    call, error, words = API_CASES[case]
    with pytest.raises(error) as info:
        call()
    missing = [word for word in words if word not in str(info.value)]
    assert not missing, f"{missing} not in: {info.value}"


def test_run_config_refuses_budget_below_num_init() -> None:
    with pytest.raises(ValueError, match="budget 5 is smaller than search.num_init 10"):
        RunConfig.from_dict({"budget": 5})


def test_budget_check_accepts_budgets_from_num_init_on() -> None:
    config = OptiProxyConfig.from_dict({"num_init": 10})
    config.check_budget(10)
    config.check_budget(11)


def test_constructor_accepts_numpy_scalars_as_from_dict_does() -> None:
    import numpy as np

    config = OptiProxyConfig(num_init=np.int64(4), fit_lr=np.float32(0.5), warm_start=np.bool_(False))
    assert (config.num_init, config.fit_lr, config.warm_start) == (4, 0.5, False)
    assert (type(config.num_init), type(config.fit_lr), type(config.warm_start)) == (int, float, bool)


# ----------------------------------------------------------------------- the docs table
_REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+)(?:\[([\w-]+)\])?`")


def doc_rows() -> List[Dict[str, str]]:
    """The rows of every ``input | example | message | test`` table in docs/bad-input.md."""
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) != 4 or cells[0] == "input" or set(cells[0]) <= {"-", ":"}:
            continue
        rows.append(dict(zip(("input", "example", "message", "test"), (c.replace("\\|", "|") for c in cells))))
    return rows


def test_docs_table_rows_name_existing_tests() -> None:
    rows = doc_rows()
    assert len(rows) >= 18
    for row in rows:
        refs = _REF.findall(row["test"])
        assert refs, f"row {row['input']!r} names no test"
        for path, name, case in refs:
            source = (REPO / path).read_text(encoding="utf-8")
            assert re.search(rf"^def {name}\(", source, re.M), f"{path}::{name} (row {row['input']!r}) not found"
            if case:
                assert path == "tests/test_bad_input.py" and case in {"test_cli_refuses": CLI_CASES,
                                                                       "test_api_refuses": API_CASES}[name], case


def test_docs_table_lists_every_case_with_its_words() -> None:
    documented: Dict[Tuple[str, str], str] = {}
    for row in doc_rows():
        for path, name, case in _REF.findall(row["test"]):
            documented[(name, case)] = row["message"]
    for name, cases in (("test_cli_refuses", CLI_CASES), ("test_api_refuses", API_CASES)):
        for case, spec in cases.items():
            assert (name, case) in documented, f"{name}[{case}] has no row in {DOC.name}"
            message = documented[(name, case)]
            missing = [word for word in spec[-1] if word not in message]
            assert not missing, f"the row of {name}[{case}] lacks {missing}"
    assert ("test_cli_refuses_code_running_pickle_without_running_it", "") in documented
