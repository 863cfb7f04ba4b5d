"""Bad input gets a clear message: the cases of docs/bad-input.md that no other test covers.

Each case names an input users get wrong, feeds it through the entry point they touch
(the command line, ``OptiProxyConfig``, ``get_objective``, ``space.from_string``, an
objective) and checks the important words of the message. ``test_docs_table_*`` keep
docs/bad-input.md and these cases in step: every row names a test that exists, every case
here has a row, and the row's message holds the words the case checks.
"""

from __future__ import annotations

import errno
import json
import math
import os
import pickle
import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Tuple, Type

import pytest

from naslib_optiproxy import Architecture, OptiProxyConfig, cli, get_objective
from naslib_optiproxy.compare import executors
from naslib_optiproxy.objectives.hw_nas_bench import HW_METRICS, load_hw_table
from naslib_optiproxy.objectives.low_fidelity import LOWFI_FILE, load_lowfi_table
from naslib_optiproxy.objectives.nasbench201 import NasBench201Objective
from naslib_optiproxy.objectives.files import CSV_FILE, LIGHT_FILES
from naslib_optiproxy.cli.run_config import RunConfig
from naslib_optiproxy.spaces import NasBench201, NasBenchGraph
from naslib_optiproxy.strategies import RandomSearch
from naslib_optiproxy.study import Study
from naslib_optiproxy.threads import ENV_VAR as THREADS_VAR
from naslib_optiproxy.threads import set_torch_threads

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

# 8 levels of 9 aliases: 378 bytes, 72 aliases (under the 100-alias cap), 9**8 = 43 million strings expanded
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))
_ENTRY = {"cifar10-valid": {"eval_acc1es": [90.0, 91.0]}}


def _light_pickle(val: Any, test: Any) -> bytes:
    """A light NB201 pickle of one architecture with these accuracies."""
    return pickle.dumps({NB201_STRING: {"cifar10-valid": {"eval_acc1es": [val, test]}}})


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
    "ei-selection-for-a-front": (
        _yaml("search_space: nasbench201\nobjectives: [val, edgegpu_latency:min]\nsearch:\n  selection: ei\n"),
        ["search.selection 'ei' ranks by one value's expected improvement",
         "a front search selects by predicted hypervolume improvement", "leave selection at 'proxy'"]),
    "stalled-ei-for-a-front": (
        _yaml("search_space: nasbench201\nobjectives: [val, edgegpu_latency:min]\nsearch:\n  ei_when_stalled: 3\n"),
        ["search.ei_when_stalled switches to one value's expected improvement",
         "a front search selects by predicted hypervolume improvement", "leave ei_when_stalled at 0"]),
    "stalled-ei-with-ei-selection": (
        _yaml("search_space: nasbench201\nsearch:\n  selection: ei\n  ei_when_stalled: 3\n"),
        ["search.ei_when_stalled switches selection 'proxy' to expected improvement",
         "with selection 'ei' set it to 0 (or use selection 'proxy')"]),
    "climbing-for-a-front": (
        _yaml("search_space: nasbench201\nobjectives: [val, edgegpu_latency:min]\nsearch:\n  climb_moves: 3\n"),
        ["search.climb_moves climbs on one value's prediction",
         "a front search selects by predicted hypervolume improvement", "leave climb_moves at 0"]),
    "climbing-with-random-selection": (
        _yaml("search_space: nasbench201\nsearch:\n  selection: random\n  climb_moves: 3\n"),
        ["search.climb_moves climbs on the proxy's prediction, and selection 'random' chooses without it",
         "set climb_moves to 0 (or use selection 'proxy')"]),
    "local-ei-without-neighbours": (
        _yaml("search_space: nasbench201\nsearch:\n  selection: ei\n  ei_scope: local\n"),
        ["search.ei_scope 'local' ranks the one-edit neighbours", "local_candidates is 0",
         "set local_candidates (e.g. 5) or ei_scope 'all'"]),
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
    "nb201-dataset-default-space": (
        _flags("--dataset", "cifar10"),
        ["unknown NAS-Bench-Graph dataset 'cifar10'", "cifar10 is a NAS-Bench-201 dataset",
         "(--search-space nasbench201)"]),
    "seed-too-large": (
        _flags("--seed", str(2**63)),
        ["seed must be < 2**63, got 9223372036854775808"]),
    "setting-nan": (
        _yaml("search:\n  fit_lr: .nan\n"),
        ["run.yaml: search.fit_lr must be a finite number, got nan"]),
    "setting-too-large": (
        _yaml("search:\n  num_init: 1000000000000\n"),
        ["run.yaml: search.num_init must be in (0, 100000], got 1000000000000"]),
    "yaml-alias-bomb": (
        _yaml("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
              "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
              "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
              "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
              "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\nj: &j [*i, *i, *i, *i, *i, *i, *i, *i, *i]\n"
              "k: &k [*j, *j, *j, *j, *j, *j, *j, *j, *j]\nl: &l [*k, *k, *k, *k, *k, *k, *k, *k, *k]\n"
              "m: &m [*l, *l, *l, *l, *l, *l, *l, *l, *l]\n"),  # 9**13 strings once expanded
        ["invalid YAML in run.yaml: more than 100 aliases (*name), line 13; a config needs none of that size"]),
    "yaml-oversized": (
        _yaml("# padding\n" * 120_000 + "budget: 10\n"),
        ["config file run.yaml is larger than 1024 kB; a config holds a few settings"]),
    "yaml-alias-expansion": (
        _yaml(ALIAS_BOMB),  # 378 bytes, 72 aliases: 9**8 strings once expanded
        ["invalid YAML in run.yaml: the document expands to more than 100,000 values once its aliases (*name) "
         "are expanded; a config needs none of that size"]),
    "yaml-alias-expansion-constraint": (
        _yaml("constraint:\n" + "".join("  " + line + "\n" for line in ALIAS_BOMB.splitlines())),
        ["invalid YAML in run.yaml: the document expands to more than 100,000 values"]),
    "batch-size-whole-space": (
        _yaml("search_space: nasbench201\nsearch:\n  batch_size: 15625\n"),
        ["search.batch_size 15625 is not smaller than the nasbench201 space (15,625 architectures)",
         "one step would evaluate every architecture left"]),
    "pickle-accuracy-above-100": (
        _nb201_data(NB201_LIGHT, _light_pickle(250.0, 91.0)),
        [NB201_LIGHT, "250.0 is not an accuracy in percent (a number from 0 to 100)"]),
    "pickle-nan-accuracy": (
        _nb201_data(NB201_LIGHT, _light_pickle(90.0, math.nan)),
        [NB201_LIGHT, "nan is not an accuracy in percent (a number from 0 to 100)"]),
    "pickle-value-too-large": (
        _nb201_data(NB201_LIGHT, _light_pickle(10 ** 400, 91.0)),
        [NB201_LIGHT, "has no usable 'cifar10-valid' -> 'eval_acc1es' (OverflowError: int too large to convert "
                      "to float)"]),
    "pickle-huge-key": (
        lambda tmp: _nb201_data(NB201_LIGHT, pickle.dumps({"x" * (50 << 20): _ENTRY}, protocol=4))(tmp),  # 50 MB
        [NB201_LIGHT, "not a NAS-Bench-201 architecture string: 'xxxx", "… (52428800 characters)"]),
    "pickle-duplicate-architecture": (
        _nb201_data(NB201_LIGHT, pickle.dumps({NB201_STRING: _ENTRY, f" {NB201_STRING} ": _ENTRY})),
        [NB201_LIGHT, "are the same architecture; a table holds each architecture once (which one is right?)"]),
}


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
    assert len(stderr) < 2000  # every echoed value is capped
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
        ["search.selection must be one of proxy, ei, random, got 'best'"]),
    "unknown-proxy": (
        lambda: OptiProxyConfig.from_dict({"proxy": "gcnn"}), ValueError,
        ["search.proxy must be one of gcn, gat, gin, sage, mlp, got 'gcnn'", "did you mean 'gcn'"]),
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
    "setting-inf": (
        lambda: OptiProxyConfig.from_dict({"lr_alpha": math.inf}), ValueError,
        ["search.lr_alpha must be a finite number, got inf"]),
    "setting-huge-epochs": (
        lambda: OptiProxyConfig.from_dict({"model_epochs": 10**9}), ValueError,
        ["search.model_epochs must be in [0, 100000], got 1000000000"]),
    "setting-too-many-candidates": (
        lambda: OptiProxyConfig(num_groups=1000, candidates_per_group=100_000), ValueError,
        ["num_groups x search.candidates_per_group = 100,000,000 candidates per step", "GiB",
         "keep it at most 200,000"]),
    "strategy-seed-too-large": (
        lambda: RandomSearch(NasBench201(), seed=2**63), ValueError,
        ["seed must be an integer in [0, 2**63), got 9223372036854775808"]),
    "journal-record-bad-encoding": (
        lambda: Study(RandomSearch(NasBench201(), seed=0)).replay(
            [{"number": 0, "encoding": "x", "value": 1.0, "info": {}}]), ValueError,
        ["trial record 0 has no valid 'encoding' ([ops, topology]); the journal is corrupt"]),
    "journal-record-bad-value": (
        lambda: Study(RandomSearch(NasBench201(), seed=0)).replay(
            [{"number": 0, "encoding": [[0] * 6, []], "value": "x", "info": {}}]), ValueError,
        ["trial record 0 has a malformed 'info' or 'value'; the journal is corrupt"]),
    "journal-record-wrong-arity": (
        lambda: Study(RandomSearch(NasBench201(), seed=0)).replay(
            [{"number": 0, "encoding": [[0] * 5, []], "value": 1.0, "info": {}}]), ValueError,
        ["trial record 0 has the encoding [[0, 0, 0, 0, 0], []], which is not a nasbench201 architecture",
         "the journal is corrupt"]),
    "journal-record-unknown-op": (
        lambda: Study(RandomSearch(NasBench201(), seed=0)).replay(
            [{"number": 0, "encoding": [[9, 0, 0, 0, 0, 0], []], "value": 1.0, "info": {}}]), ValueError,
        ["trial record 0 has the encoding [[9, 0, 0, 0, 0, 0], []], which is not a nasbench201 architecture "
         "(wrong length or an unknown op index)"]),
    "threads-too-many": (
        lambda: set_torch_threads(100_000), ValueError,
        ["threads must be an integer from 1 to 256 or None, got 100000"]),
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


def test_out_naming_a_file_is_a_clean_error(in_tmp: Path, capsys: pytest.CaptureFixture) -> None:
    (in_tmp / "notes.txt").write_text("keep me")
    assert cli.main(["search", "--optimizer", "rs", "--budget", "3", "--no-progress", "--out", "notes.txt"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "error: cannot use notes.txt: File exists\n" and captured.out == ""
    assert (in_tmp / "notes.txt").read_text() == "keep me"


# ---------------------------------------------------------------- compare --suite files
SUITE_TAIL = "tasks: [nasbench_graph/cora]\nmethods: [rs]\n"

# id -> (suite.yaml text, words the message must hold)
SUITE_CASES: Dict[str, Tuple[str, Sequence[str]]] = {
    "suite-not-a-mapping": ("- nasbench_graph/cora\n", ["suite.yaml must hold a mapping of config keys, got a list"]),
    "suite-tasks-not-a-list": ("tasks: nasbench_graph/cora\nmethods: [rs]\n",
                               ["suite.yaml: tasks must be a list, got str 'nasbench_graph/cora'"]),
    "suite-methods-not-a-list": ("tasks: [nasbench_graph/cora]\nmethods: rs\n",
                                 ["suite.yaml: methods must be a list, got str 'rs'"]),
    "suite-task-entry-a-number": ("tasks: [3]\nmethods: [rs]\n",
                                  ["suite.yaml: tasks[0] must be a task name like nasbench201/cifar10 or a mapping",
                                   "got int 3"]),
    "suite-task-entry-without-task": ("tasks: [{budget: 10}]\nmethods: [rs]\n",
                                      ["suite.yaml: tasks[0] must be a task name", "got dict {'budget': 10}"]),
    "suite-task-entry-unknown-key": ("tasks: [{task: nasbench_graph/cora, budgte: 10}]\nmethods: [rs]\n",
                                     ["suite.yaml: tasks[0]: unknown key 'budgte' (did you mean 'budget'?)"]),
    "suite-budget-not-a-number": ("budget: many\n" + SUITE_TAIL,
                                  ["suite.yaml: budget must be a positive whole number, got str 'many'"]),
    "suite-task-budget-zero": ("tasks: [{task: nasbench_graph/cora, budget: 0}]\nmethods: [rs]\n",
                               ["suite.yaml: tasks[0].budget must be a positive whole number, got int 0"]),
    "suite-checkpoint-above-budget": ("budget: 10\ncheckpoints: [5, 20]\n" + SUITE_TAIL,
                                      ["suite.yaml: checkpoints: [20] exceed the budget 10"]),
    "suite-seeds-not-numbers": ("seeds: a-b\n" + SUITE_TAIL,
                                ["suite.yaml: seeds: bad seeds 'a-b': expected a range like 0-9"]),
    "suite-seeds-backwards": ("seeds: 5-1\n" + SUITE_TAIL,
                              ["suite.yaml: seeds: bad seeds '5-1': the range runs backwards; write 1-5"]),
    "suite-seed-negative": ("seeds: [-1]\n" + SUITE_TAIL,
                            ["suite.yaml: seeds: bad seeds [-1]: seed -1 is out of range"]),
    "suite-seeds-huge-range": ("seeds: 0-99999999\n" + SUITE_TAIL,
                               ["suite.yaml: seeds: bad seeds '0-99999999': 100000000 seeds",
                                "at most 10,000"]),
    "suite-method-a-number": ("tasks: [nasbench_graph/cora]\nmethods: [3]\n",
                              ["suite.yaml: methods[0] must be an optimizer name like rs or a mapping", "got int 3"]),
    "suite-method-settings-not-a-mapping": (
        "tasks: [nasbench_graph/cora]\nmethods: [{optimizer: optiproxy, settings: [num_groups, 1]}]\n",
        ["suite.yaml: methods[0].settings must be a mapping of settings, got list"]),
    "suite-notes-not-a-mapping": ("notes: [a]\n" + SUITE_TAIL, ["suite.yaml: notes must be a mapping, got list"]),
    "suite-data-dir-not-text": ("data_dir: {nasbench201: [a]}\n" + SUITE_TAIL,
                                ["suite.yaml: data_dir must be a folder or a mapping {search space: folder}"]),
    "suite-task-data-dir-option": ("tasks: ['nasbench201/cifar10:data_dir=data']\nmethods: [rs]\n",
                                   ["suite.yaml: tasks[0]: bad task 'nasbench201/cifar10:data_dir=data': data_dir is "
                                    "not a task option; give it with --data-dir"]),
}


@pytest.mark.parametrize("case", list(SUITE_CASES))
def test_compare_suite_refuses(case: str, in_tmp: Path, capsys: pytest.CaptureFixture) -> None:
    text, words = SUITE_CASES[case]
    (in_tmp / "suite.yaml").write_text(text)
    code = cli.main(["compare", "--suite", "suite.yaml", "--executor", "serial", "--out", "out"])
    assert_refused(code, *capsys.readouterr(), words, in_tmp)


@pytest.mark.parametrize("flags, named", [(["--optimizers", "optiproxy"], "--optimizers would be ignored; drop it"),
                                           (["--seeds", "0", "--budget", "5"], "--seeds --budget would be ignored; "
                                                                             "drop them")])
def test_compare_refuses_run_flags_beside_a_suite(flags, named, in_tmp: Path, capsys: pytest.CaptureFixture) -> None:
    # the suite file's tasks, methods, seeds and budget used to win silently over these flags
    (in_tmp / "suite.yaml").write_text(SUITE_TAIL)
    code = cli.main(["compare", "--suite", "suite.yaml", *flags, "--executor", "serial", "--out", "out"])
    assert_refused(code, *capsys.readouterr(), ["--suite takes the tasks, methods, seeds, budgets and checkpoints "
                                                "from suite.yaml", named, "or edit the suite file"], in_tmp)


def test_compare_ctrl_c_keeps_finished_jobs_and_says_how_to_complete(in_tmp: Path, monkeypatch, capsys) -> None:
    calls = []
    real = executors.run_and_save

    def interrupted_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(executors, "run_and_save", interrupted_second)
    out = in_tmp / "out"
    argv = ["compare", "--optimizers", "rs", "--seeds", "0-1", "--budget", "3", "--executor", "serial",
            "--no-plot", "--out", str(out)]
    assert cli.main(argv) == 130
    error = capsys.readouterr().err.strip().splitlines()
    assert error[-1] == (f"interrupted; the finished jobs are kept in {out}; rerun the same command to complete "
                         "the comparison (finished jobs are not run again)")
    assert not any("Traceback" in line for line in error)
    assert len(list((in_tmp / "out").rglob("seed-*.json"))) == 1
    monkeypatch.undo()
    assert cli.main(argv) == 0
    assert "[1/1]" in capsys.readouterr().err  # only the missing job ran
    assert len(list((in_tmp / "out").rglob("seed-*.json"))) == 2


def test_thread_counts_are_bounded(in_tmp: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv(THREADS_VAR, "100000")
    assert_refused(*run_cli(["--optimizer", "rs", "--budget", "3"], capsys),
                   ["NASLIB_OPTIPROXY_THREADS must be an integer from 1 to 256, got '100000'"], in_tmp)


def test_a_deeply_nested_journal_is_refused(in_tmp: Path, capsys) -> None:
    argv = ["--search-space", "nasbench201", "--optimizer", "rs", "--budget", "3", "--no-progress", "--out", "run"]
    assert cli.main(argv) == 0
    journal = in_tmp / "run" / "journal.jsonl"
    header = journal.read_text().splitlines()[0]
    journal.write_text(header + "\n" + '{"kind":"trial","number":0,"encoding":' + "[" * 100_000 + "]" * 100_000
                       + "}\n" + '{"kind":"trial"}\n')
    before = journal.read_bytes()
    capsys.readouterr()
    assert cli.main([*argv, "--resume"]) == 2
    err = capsys.readouterr().err
    assert err == (f"error: {Path('run', 'journal.jsonl')}, line 2: values nested too deeply to read (a journal "
                   f"record nests a few levels); the journal is corrupt\n"), err
    assert journal.read_bytes() == before


def test_every_evaluation_failing_is_one_error_line_and_a_result(in_tmp: Path, monkeypatch, capsys) -> None:
    real = cli.get_objective

    class Broken:
        def __init__(self, inner: Any) -> None:
            self.space, self.dataset, self.data_source = inner.space, inner.dataset, inner.data_source

        def __call__(self, arch: Architecture) -> float:
            raise KeyError("not in the table")

    monkeypatch.setattr(cli, "get_objective", lambda *args, **kwargs: Broken(real(*args, **kwargs)))
    assert cli.main(["--optimizer", "rs", "--budget", "5", "--no-progress", "--out", "run"]) == 1
    err = capsys.readouterr().err
    assert err == (f"error: every evaluation failed (5 of 5); last error: KeyError: 'not in the table'; each "
                   f"failure's reason is in {Path('run', 'result.json')}\n")
    result = json.loads((in_tmp / "run" / "result.json").read_text())
    assert result["best"] is None and [e["error"] for e in result["history"]] == ["KeyError: 'not in the table'"] * 5


def _compare(out: str, *extra: str) -> List[str]:
    return ["compare", "--tasks", "nasbench_graph/cora", "--optimizers", "rs", "--seeds", "0", "--budget", "3",
            "--executor", "serial", "--no-plot", "--out", out, *extra]


@pytest.mark.parametrize("content, words", [(b"", "(empty)"), (b'{"task": "x"', "(not JSON: "),
                                            (b'{"task": "x"}', "(it lacks method, seed, budget, trajectory")])
def test_compare_refuses_a_malformed_job_file_naming_it(in_tmp: Path, capsys, content: bytes, words: str) -> None:
    assert cli.main(_compare("out")) == 0
    (job_file,) = (in_tmp / "out").rglob("seed-0-*.json")
    job_file.write_bytes(content)
    capsys.readouterr()
    assert cli.main(_compare("out")) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {Path('out') / job_file.relative_to(in_tmp / 'out')} is not the result of a "
                          f"finished job {words}") and err.count("\n") == 1, err
    assert err.rstrip().endswith("; delete it to run the job again") and job_file.read_bytes() == content


def test_compare_naslib_method_without_naslib_is_one_line(in_tmp: Path, monkeypatch, capsys) -> None:
    from naslib_optiproxy.integrations.naslib_plugin import optimizer

    monkeypatch.setattr(optimizer, "NASLIB_IMPORT_ERROR", ImportError("No module named 'naslib'"))
    code = cli.main(["compare", "--tasks", "nasbench201/cifar10", "--optimizers", "naslib:re", "--seeds", "0",
                     "--budget", "3", "--out", "out"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("error: method 'naslib:re' runs through NASLib: NASLib is not importable. Install it from "
                          "a git checkout") and "(import failed: No module named 'naslib')" in err
    assert not (in_tmp / "out").exists()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to tell the files apart")
@pytest.mark.parametrize("name", ["seed-0-", "trajectories.csv", "summary.md"])
def test_a_full_disk_during_compare_names_the_file(name: str, in_tmp: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(os, "fsync", _no_space(name, os.fsync))
    assert cli.main(_compare(str(in_tmp / "out"))) == 2
    err = capsys.readouterr().err.splitlines()[-1]  # after the progress lines of the finished jobs
    assert re.fullmatch(f"error: cannot use {re.escape(str(in_tmp / 'out'))}/\\S*{re.escape(name)}\\S*: "
                        f"No space left on device", err), err
    monkeypatch.undo()
    assert cli.main(_compare(str(in_tmp / "out"))) == 0  # space again: the comparison completes


# ------------------------------------------------------------------ CSV tables
ARCH = NasBench201().to_string(Architecture((0,) * 6))
ARCH2 = NasBench201().to_string(Architecture((1,) * 6))
NB201_HEADER = b"arch_str,cifar10_val,cifar10_test\n"
HW_HEADER = ",".join(("net", *HW_METRICS)).encode() + b"\n"


def _nb201_csv(content: bytes) -> Callable[[Path], Callable[[], Any]]:
    def setup(tmp: Path) -> Callable[[], Any]:
        (tmp / "data").mkdir()
        (tmp / "data" / CSV_FILE).write_bytes(content)
        return lambda: NasBench201Objective("cifar10", tmp / "data")

    return setup


def _hw_csv(net: str, **metrics: str) -> Callable[[Path], Callable[[], Any]]:
    row = [net] + [metrics.get(m, "1.0") for m in HW_METRICS]  # net: a CSV field, quoted where it holds commas

    def setup(tmp: Path) -> Callable[[], Any]:
        (tmp / "hw").mkdir()
        (tmp / "hw" / "hw_cifar10.csv").write_bytes(HW_HEADER + ",".join(row).encode() + b"\n")
        return lambda: load_hw_table("cifar10", hw_dir=tmp / "hw")

    return setup


def _lowfi_csv(val: str) -> Callable[[Path], Callable[[], Any]]:
    def setup(tmp: Path) -> Callable[[], Any]:
        (tmp / "lowfi").mkdir()
        (tmp / "lowfi" / LOWFI_FILE).write_text(f"cellstr,cifar10-val,cifar10-test\n{ARCH},{val},50.0\n")
        return lambda: load_lowfi_table("cifar10", lowfi_dir=tmp / "lowfi")

    return setup


NET = '"(0, 1, 2, 3, 4, 0)"'
# id -> (setup(tmp_path) -> call, words the message must hold)
CSV_CASES: Dict[str, Tuple[Callable[[Path], Callable[[], Any]], Sequence[str]]] = {
    "csv-not-utf8": (
        _nb201_csv(NB201_HEADER + ARCH.encode() + b",90.0,\xff91.0\n"),
        [CSV_FILE, "line 2: not UTF-8 text (byte 0xff at offset", "save the table as UTF-8 CSV"]),
    "csv-oversized-field": (
        _nb201_csv(NB201_HEADER + ARCH.encode() + b",90.0," + b"9" * 200_000 + b"\n"),
        [CSV_FILE, "line 2: not a CSV table (field larger than field limit (131072))",
         "the file is truncated or corrupt"]),
    "csv-duplicate-architecture": (
        _nb201_csv(NB201_HEADER + f"{ARCH},90.0,91.0\n{ARCH},10.0,11.0\n".encode()),
        [CSV_FILE, "line 3: the same architecture as line 2; a table holds each architecture once"]),
    "csv-nan-accuracy": (
        _nb201_csv(NB201_HEADER + f"{ARCH},nan,91.0\n".encode()),
        [CSV_FILE, "line 2: column cifar10_val: nan is not an accuracy in percent (a number from 0 to 100)"]),
    "csv-inf-accuracy": (
        _nb201_csv(NB201_HEADER + f"{ARCH},90.0,inf\n".encode()),
        [CSV_FILE, "line 2: column cifar10_test: inf is not an accuracy in percent"]),
    "csv-negative-accuracy": (
        _nb201_csv(NB201_HEADER + f"{ARCH},-5.0,91.0\n".encode()),
        [CSV_FILE, "line 2: column cifar10_val: -5.0 is not an accuracy in percent"]),
    "csv-accuracy-above-100": (
        _nb201_csv(NB201_HEADER + f"{ARCH},0.9,9137.0\n".encode()),
        [CSV_FILE, "line 2: column cifar10_test: 9137.0 is not an accuracy in percent"]),
    "csv-long-text-value": (
        _nb201_csv(NB201_HEADER + f"{ARCH},{'x' * 5000},91.0\n".encode()),
        [CSV_FILE, "line 2: bad accuracy (could not convert string to float: 'xxxx", "… (5000 characters)",
         "in column cifar10_val"]),
    "lowfi-accuracy-above-100": (
        _lowfi_csv("130.5"),
        [LOWFI_FILE, "line 2: column cifar10-val: 130.5 is not an accuracy in percent"]),
    "hw-negative-latency": (
        _hw_csv(NET, edgegpu_latency="-1"),
        ["hw_cifar10.csv, line 2: column edgegpu_latency: -1.0 is not a measurement (a finite number >= 0)"]),
    "hw-edgetpu-below-minus-one": (
        _hw_csv(NET, edgetpu_latency="-2"),
        ["hw_cifar10.csv, line 2: column edgetpu_latency: -2.0 is not a measurement",
         "or -1 for not measured"]),
    "hw-nan-energy": (
        _hw_csv(NET, fpga_energy="nan"),
        ["hw_cifar10.csv, line 2: column fpga_energy: nan is not a measurement"]),
    "hw-net-expression": (
        _hw_csv("__import__('os').system('touch pwned')"),
        ["hw_cifar10.csv, line 2", "net \"__import__('os').system('touch pwned')\" is not a tuple of 6 "
         "NAS-Bench-201 op indices (0..4)"]),
    "hw-net-huge": (
        _hw_csv('"(' + "1, " * 40_000 + ')"'),
        ["hw_cifar10.csv, line 2", "… (120002 characters) is not a tuple of 6 NAS-Bench-201 op indices"]),
    "hw-net-op-out-of-range": (
        _hw_csv('"(0, 1, 2, 3, 4, 9)"'),
        ["hw_cifar10.csv, line 2", "net '(0, 1, 2, 3, 4, 9)' is not a tuple of 6 NAS-Bench-201 op indices (0..4)"]),
}


@pytest.mark.parametrize("case", list(CSV_CASES))
def test_csv_refuses(case: str, in_tmp: Path) -> None:
    setup, words = CSV_CASES[case]
    call = setup(in_tmp)
    with pytest.raises(ValueError) as info:  # a BenchmarkDataError
        call()
    missing = [word for word in words if word not in str(info.value)]
    assert not missing, f"{missing} not in: {info.value}"
    assert len(str(info.value)) < 600
    assert not (in_tmp / "pwned").exists()


def test_csv_with_a_byte_order_mark_is_read(in_tmp: Path) -> None:
    call = _nb201_csv(b"\xef\xbb\xbf" + NB201_HEADER + f"{ARCH},90.0,91.0\n{ARCH2},80.0,81.0\n".encode())(in_tmp)
    objective = call()
    assert len(objective) == 2
    assert objective(Architecture((0,) * 6)).value == 90.0


# ------------------------------------------------------------------ a full disk
def _no_space(path_part: str, real: Callable[..., Any]) -> Callable[..., Any]:
    """``os.fsync`` that fails with ENOSPC for files whose name holds ``path_part``."""

    def fsync(fd: int) -> None:
        try:
            name = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            name = ""
        if path_part in name:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd)

    return fsync


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to tell the files apart")
@pytest.mark.parametrize("name", ["journal.jsonl", "result.json"])
def test_a_full_disk_names_the_file(name: str, in_tmp: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(os, "fsync", _no_space(name, os.fsync))
    argv = ["search", "--optimizer", "rs", "--budget", "3", "--no-progress", "--out", str(in_tmp / "run")]
    assert cli.main(argv) == 2
    error = capsys.readouterr().err
    assert error == f"error: cannot use {in_tmp / 'run' / name}: No space left on device\n", error
    monkeypatch.undo()
    assert cli.main([*argv, "--resume"]) == 0  # space again: the run completes from what was kept
    assert len(json.loads((in_tmp / "run" / "result.json").read_text())["history"]) == 3


# ----------------------------------------------------------------------- the docs table
CASE_TABLES: Dict[str, Dict[str, Any]] = {"test_cli_refuses": CLI_CASES, "test_api_refuses": API_CASES,
                                          "test_compare_suite_refuses": SUITE_CASES, "test_csv_refuses": CSV_CASES}
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
                assert path == "tests/test_bad_input.py" and case in CASE_TABLES[name], case


def test_docs_table_lists_every_case_with_its_words() -> None:
    documented: Dict[Tuple[str, str], str] = {}
    for row in doc_rows():
        for path, name, case in _REF.findall(row["test"]):
            documented[(name, case)] = row["message"]
    for name, cases in CASE_TABLES.items():
        for case, spec in cases.items():
            assert (name, case) in documented, f"{name}[{case}] has no row in {DOC.name}"
            message = documented[(name, case)]
            missing = [word for word in spec[-1] if word not in message]
            assert not missing, f"the row of {name}[{case}] lacks {missing}"
    assert ("test_cli_refuses_code_running_pickle_without_running_it", "") in documented
