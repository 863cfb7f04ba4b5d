"""Import cost stays off the fast paths: ``torch_geometric`` is imported by the graph proxies and
``naslib_optiproxy.pyg`` only, and ``torch._dynamo`` (2.4 s here, which PyG would import) by nothing
a run needs."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

CHECK = "import sys; print('torch_geometric' in sys.modules, 'torch._dynamo' in sys.modules)"


def _loaded_after(code: str) -> str:
    script = textwrap.dedent(code) + "\n" + CHECK
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_import_does_not_load_pyg() -> None:
    assert _loaded_after("import naslib_optiproxy") == "False False"


@pytest.mark.parametrize("argv", [["--help"], ["search", "--help"], ["compare", "--help"], ["naslib", "--help"],
                                  ["naslib-predictors", "--help"]])
def test_help_does_not_load_pyg(argv) -> None:
    code = f"""
    import contextlib, io
    from naslib_optiproxy.cli import main
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            main({argv!r})
        except SystemExit:
            pass
    """
    assert _loaded_after(code) == "False False"


@pytest.mark.parametrize("method", ["rs", "re", "ls"])
def test_baseline_cli_runs_do_not_load_pyg(method: str, tmp_path) -> None:
    out = tmp_path / method
    code = f"""
    import contextlib, io
    from naslib_optiproxy.cli import main
    with contextlib.redirect_stdout(io.StringIO()):
        main(["search", "--search-space", "nasbench201", "--optimizer", {method!r}, "--budget", "30",
              "--no-progress", "--out", {str(out)!r}])
    """
    assert _loaded_after(code) == "False False"
    assert (out / "result.json").is_file()


def test_an_optiproxy_run_loads_pyg_but_not_dynamo() -> None:
    # The checks above can fail: building the proxy does import PyG.
    code = """
    from naslib_optiproxy import OptiProxy, Study, get_objective
    objective = get_objective("nasbench201", "cifar10")
    Study(OptiProxy(objective.space, seed=0)).optimize(objective, budget=15)
    """
    assert _loaded_after(code) == "True False"


def test_dynamo_still_imports_on_first_use_after_pyg() -> None:
    code = """
    import torch
    from naslib_optiproxy.pyg import import_pyg
    pyg = import_pyg()
    assert "torch._dynamo" not in sys.modules
    model = torch.nn.Linear(2, 2)
    assert pyg.is_torch_instance(torch.compile(model), torch.nn.Linear)   # unwraps the compiled module
    assert type(sys.modules["torch._dynamo"]).__name__ == "module"       # the real one, not the stand-in
    """
    assert _loaded_after("import sys\n" + textwrap.dedent(code)) == "True True"


def test_the_cli_and_compare_load_no_naslib_runner_until_a_naslib_command_runs() -> None:
    """The CLI loads NASLib's commands, and ``compare`` its ``naslib:`` methods, by name when they run."""
    script = ("import sys, naslib_optiproxy.cli, naslib_optiproxy.compare.suite, naslib_optiproxy.compare.jobs; "
              "print(sorted(m for m in sys.modules if m.startswith('naslib_optiproxy.integrations')))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_modules_loaded_by_name_are_optional_dependency_adapters() -> None:
    from naslib_optiproxy.cli import NASLIB_COMMANDS
    from naslib_optiproxy.compare.methods import EXTERNAL_RUNNERS

    for target in [*NASLIB_COMMANDS.values(), *EXTERNAL_RUNNERS.values()]:
        module, _, function = target.partition(":")
        assert module.startswith("naslib_optiproxy.integrations.naslib_plugin."), target
        loaded = __import__(module, fromlist=["_"])
        for name in [function] if function else ["check_optimizer", "run_search"]:
            assert callable(getattr(loaded, name)), target
