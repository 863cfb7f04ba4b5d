"""The NASLib compatibility shims (compat.py): on stand-in modules with NASLib's three problem lines
(always), and on the real NASLib when it is importable."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from naslib_optiproxy.integrations.naslib_plugin import naslib_available
from naslib_optiproxy.integrations.naslib_plugin.compat import SHIMS, SOURCE_FIXES, rewrite_source

REPO = Path(__file__).resolve().parents[3]

# The lines of NASLib Develop @ 0b51bc18 that fail on Python 3.11 / numpy 2 (see compat.py), in stand-in files.
STAND_INS = {
    "naslib/__init__.py": "",
    "naslib/utils/__init__.py": """
        import numpy as np


        def count_parameters_in_MB(model):
            return np.sum(np.prod(v.size()) for name, v in model.named_parameters() if "auxiliary" not in name) / 1e6
    """,
    "naslib/optimizers/__init__.py": "from naslib.utils import count_parameters_in_MB\n",
    "naslib/predictors/__init__.py": "",
    "naslib/predictors/gp/__init__.py": "",
    "naslib/predictors/gp/gpwl_utils/__init__.py": "",
    "naslib/predictors/gp/gpwl_utils/vertex_histogram.py": """
        from collections import Iterable

        ITERABLE = Iterable
    """,
    "naslib/predictors/utils/__init__.py": "",
    "naslib/predictors/utils/pruners/__init__.py": "",
    "naslib/predictors/utils/pruners/measures/__init__.py": "",
    "naslib/predictors/utils/pruners/measures/model_stats.py": """
        import tensorwatch as tw


        def get_model_stats(model,
                            input_tensor_shape, clone_model=True)->tw.ModelStats:
            return tw.ModelStats(model, input_tensor_shape, clone_model=clone_model)
    """,
}

CHECK = """
import collections.abc, sys, torch
if {shims}:
    from naslib_optiproxy.integrations.naslib_plugin import compat
    compat.apply()
failures = []
try:
    from naslib.predictors.gp.gpwl_utils.vertex_histogram import ITERABLE
    assert ITERABLE is collections.abc.Iterable
except Exception as error:
    failures.append(f"vertex_histogram: {{error}}")
try:
    from naslib.predictors.utils.pruners.measures import model_stats
    try:
        model_stats.get_model_stats(None, (1, 3))
        failures.append("get_model_stats ran without tensorwatch")
    except ImportError as error:
        assert "tensorwatch" in str(error)
except Exception as error:
    failures.append(f"model_stats: {{error}}")
try:
    from naslib.optimizers import count_parameters_in_MB
    assert count_parameters_in_MB(torch.nn.Linear(3, 4)) == 16 / 1e6
except Exception as error:
    failures.append(f"count_parameters_in_MB: {{error}}")
print(failures)
sys.exit(1 if failures else 0)
"""


@pytest.fixture(scope="module")
def stand_in_naslib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("standin")
    for name, text in STAND_INS.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip())
    return root


def _run(code: str, pythonpath: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": pythonpath, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)


def test_stand_ins_fail_without_the_shims(stand_in_naslib: Path) -> None:
    if _importable("tensorwatch"):
        pytest.skip("tensorwatch is installed here")
    done = _run(CHECK.format(shims=False), f"{stand_in_naslib}{os.pathsep}{REPO}")
    assert done.returncode == 1
    for name in ("vertex_histogram", "model_stats", "count_parameters_in_MB"):
        assert name in done.stdout


def test_shims_make_the_stand_ins_work(stand_in_naslib: Path) -> None:
    if _importable("tensorwatch"):
        pytest.skip("tensorwatch is installed here")
    done = _run(CHECK.format(shims=True), f"{stand_in_naslib}{os.pathsep}{REPO}")
    assert done.returncode == 0, done.stdout + done.stderr


def test_rewrite_touches_only_the_named_lines() -> None:
    source = "import os\nfrom collections import Iterable\nx = 'from collections import Iterable'\n"
    fixed, changed = rewrite_source(source, SOURCE_FIXES["naslib.predictors.gp.gpwl_utils.vertex_histogram"])
    assert changed == 1
    assert fixed == "import os\nfrom collections.abc import Iterable\nx = 'from collections import Iterable'\n"
    assert rewrite_source("import os\n", SOURCE_FIXES["naslib.predictors.gp.gpwl_utils.vertex_histogram"]) == (
        "import os\n", 0)  # a fixed checkout: nothing to do


def test_shims_on_the_real_naslib() -> None:
    if not naslib_available():
        pytest.skip("NASLib is not importable (see docs/naslib.md)")
    code = """
import torch
from naslib_optiproxy.integrations.naslib_plugin import compat
compat.apply()
import naslib.predictors, naslib.optimizers
from naslib.defaults.trainer import Trainer
from naslib.optimizers.discrete.ls import optimizer as ls
assert ls.count_parameters_in_MB(torch.nn.Linear(3, 4)) == 16 / 1e6
print(sorted(compat.applied))
"""
    done = _run(code, os.environ.get("PYTHONPATH", "") + os.pathsep + str(REPO))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "count_parameters_in_mb" in done.stdout


def test_apply_lists_every_shim_on_the_real_naslib() -> None:
    """apply() names every shim; the import hooks show as installed until NASLib imports their modules."""
    if not naslib_available():
        pytest.skip("NASLib is not importable (see docs/naslib.md)")
    code = """
from naslib_optiproxy.integrations.naslib_plugin import compat
print(compat.apply())
print("--")
from naslib.predictors import Ensemble, ZeroCost  # BANANAS' predictors and the zero-cost measures
import naslib.defaults.predictor_evaluator
print(compat.status())
"""
    done = _run(code, os.environ.get("PYTHONPATH", "") + os.pathsep + str(REPO))
    assert done.returncode == 0, done.stderr[-3000:]
    before, after = [dict(line.split(": ", 1) for line in part.strip().splitlines())
                     for part in done.stdout.split("--")]
    assert list(before) == list(after) == list(SHIMS)
    assert before["count_parameters_in_mb"].startswith("took effect")
    assert before["vertex_histogram_iterable"] == ("installed (an import hook: takes effect when NASLib imports "
                                                   "naslib.predictors.gp.gpwl_utils.vertex_histogram)")
    assert after["vertex_histogram_iterable"].startswith("took effect")
    assert before["lazy_package_inits"].startswith("installed") and after["lazy_package_inits"].startswith("took effect")
    assert after["errors_json_float32"].startswith("took effect")
    assert after["model_stats_tensorwatch"].startswith("not needed" if _importable("tensorwatch") else "took effect")
    assert all(state.split(" (")[0] in ("took effect", "not needed") for state in after.values()), after


def test_status_without_naslib_names_every_shim(monkeypatch) -> None:
    from naslib_optiproxy.integrations.naslib_plugin import compat

    monkeypatch.setattr(compat, "_find", lambda name: False)
    monkeypatch.setattr(compat, "applied", [])
    monkeypatch.delitem(sys.modules, "naslib.utils", raising=False)
    monkeypatch.delitem(sys.modules, "torchvision", raising=False)
    report = compat.status()
    assert list(report) == list(compat.SHIMS) and len(report) == 7
    assert all(state.startswith("not installed") for state in report.values()), report
    assert str(report).splitlines()[0] == "vertex_histogram_iterable: not installed (NASLib is not importable)"


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def test_sklearn_metrics_takes_squared_again() -> None:
    pytest.importorskip("sklearn", reason="scikit-learn comes with NASLib's dependencies")
    from sklearn.metrics import mean_squared_error

    from naslib_optiproxy.integrations.naslib_plugin.compat import sklearn_metrics

    assert sklearn_metrics.mean_squared_error([0.0, 0.0], [3.0, 4.0]) == mean_squared_error([0.0, 0.0], [3.0, 4.0])
    assert sklearn_metrics.mean_squared_error([0.0, 0.0], [3.0, 4.0], squared=False) == pytest.approx(12.5 ** 0.5)
    assert sklearn_metrics.r2_score is not None  # everything else is scikit-learn's


def test_json_default_writes_numpy_values() -> None:
    import json

    import numpy as np

    from naslib_optiproxy.integrations.naslib_plugin.compat import json_default

    assert json.loads(json.dumps([np.float32(0.5), np.arange(2)], default=json_default)) == [0.5, [0, 1]]
    with pytest.raises(TypeError, match="object is not JSON serializable"):
        json.dumps(object(), default=json_default)


def test_sklearn_fix_only_where_needed(monkeypatch) -> None:
    from naslib_optiproxy.integrations.naslib_plugin import compat

    module = "naslib.defaults.predictor_evaluator"
    monkeypatch.setattr(compat, "_takes_squared", lambda: True)
    assert [compat.SHIM_NAMES[old] for old, _ in compat.needed_fixes(module)] == ["errors_json_float32"]
    monkeypatch.setattr(compat, "_takes_squared", lambda: False)
    assert [compat.SHIM_NAMES[old] for old, _ in compat.needed_fixes(module)] == ["sklearn_rmse", "errors_json_float32"]
    assert compat.needed_fixes("naslib.search_spaces") == []


def test_predictor_evaluator_shims_on_the_real_naslib(tmp_path: Path) -> None:
    """NASLib's compare() gives finite metrics and _log_to_json writes float32 predictions."""
    if not naslib_available():
        pytest.skip("NASLib is not importable (see docs/naslib.md)")
    code = f"""
import json, math, types
import numpy as np
from naslib_optiproxy.integrations.naslib_plugin import compat
compat.apply()
from naslib.defaults.predictor_evaluator import PredictorEvaluator
metrics = PredictorEvaluator.compare(None, [1.0, 2.0, 3.0, 4.0], np.array([1.5, 2.0, 3.5, 3.9], dtype=np.float32))
assert math.isfinite(metrics["rmse"]) and metrics["kendalltau"] == 1.0, metrics
PredictorEvaluator._log_to_json(types.SimpleNamespace(config=types.SimpleNamespace(save={str(tmp_path)!r}),
                                                      results=[metrics]))
print(json.load(open({str(tmp_path / "errors.json")!r}))[0]["full_testpred"])
"""
    done = _run(code, os.environ.get("PYTHONPATH", "") + os.pathsep + str(REPO))
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "[1.5, 2.0, 3.5, 3.9000000953674316]"


def test_lazy_init_only_for_an_init_of_relative_imports() -> None:
    from naslib_optiproxy.integrations.naslib_plugin.compat import lazy_init_source

    lazy = lazy_init_source('"""doc"""\nfrom .discrete.re.optimizer import RegularizedEvolution\nfrom .bo import A, B\n')
    assert lazy is not None and "'RegularizedEvolution': 'discrete.re.optimizer'" in lazy and "'B': 'bo'" in lazy
    for source in ("from .a import A\nTABLE = {'a': A}\n", "from .a import A as B\n", "from .a import *\n",
                   "import os\n", "from naslib.utils import f\n"):
        assert lazy_init_source(source) is None, source


def test_a_lazy_package_imports_a_module_at_the_first_use_of_its_name(tmp_path: Path) -> None:
    """The stand-in package's __init__ imports two modules; made lazy, only the one used is imported."""
    package = tmp_path / "standin_lazy"
    package.mkdir()
    (package / "__init__.py").write_text("from .light import Light\nfrom .heavy import Heavy\n")
    (package / "light.py").write_text("class Light:\n    pass\n")
    (package / "heavy.py").write_text("raise SystemExit('heavy was imported')\n")
    code = """
import sys
from naslib_optiproxy.integrations.naslib_plugin import compat
compat.LAZY_PACKAGES = ("standin_lazy",)
compat.apply()
import standin_lazy
from standin_lazy import Light
assert Light.__module__ == "standin_lazy.light" and standin_lazy.Light is Light
assert "standin_lazy.heavy" not in sys.modules and "Heavy" in dir(standin_lazy)
try:
    standin_lazy.Missing
except AttributeError as error:
    print(error)
print(compat.status()["lazy_package_inits"])
"""
    done = _run(code, f"{tmp_path}{os.pathsep}{REPO}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[0] == "module 'standin_lazy' has no attribute 'Missing'"
    assert done.stdout.splitlines()[1].startswith("took effect")
