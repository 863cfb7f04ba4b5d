"""Compatibility shims that let an unmodified NASLib checkout (automl/NASLib ``Develop``) import
and run on Python 3.11, numpy 2 and current torch. :func:`apply` installs them; the plugin calls
it before its first NASLib import, so nothing in the NASLib checkout needs editing.

Each shim names what it works around (line numbers: NASLib ``Develop`` @ 0b51bc18):

* ``vertex_histogram_iterable``: ``naslib/predictors/gp/gpwl_utils/vertex_histogram.py`` line 12,
  ``from collections import Iterable`` (the alias was removed in Python 3.10), breaks
  ``import naslib.predictors`` and so BANANAS, NPENAS and the runner. The module's source is
  compiled with ``collections.abc`` in that one import line (nothing else is touched).
* ``model_stats_tensorwatch``: ``naslib/predictors/utils/pruners/measures/model_stats.py`` line 1,
  ``import tensorwatch as tw``; tensorwatch does not install on Python 3.11 and the eager import
  breaks ``import naslib.predictors``. Without tensorwatch that line is compiled as a lazy
  module (imported at first use, in ``get_model_stats``, the only user) and the module's
  annotations as strings, so only that zero-cost measure needs tensorwatch.
* ``count_parameters_in_mb``: ``naslib/utils/__init__.py`` ``count_parameters_in_MB`` (line 416)
  calls ``np.sum`` on a generator, which numpy 2 refuses; RE, LS, BANANAS and NPENAS call it
  from ``get_model_size()`` in ``Trainer.__init__``. Replaced by the same sum over a list.
* ``sklearn_rmse``: ``naslib/defaults/predictor_evaluator.py`` line 437 and
  ``naslib/utils/zerocost.py`` line 90 call ``metrics.mean_squared_error(..., squared=False)``;
  scikit-learn 1.6 removed ``squared``, and ``PredictorEvaluator.compare`` catches the
  ``TypeError`` with a bare ``except`` and reports *every* metric (Kendall tau, Spearman, ...) as
  NaN. Their ``from sklearn import metrics`` line is compiled as an import of
  :data:`sklearn_metrics`: scikit-learn's ``metrics`` whose ``mean_squared_error`` accepts
  ``squared`` again (``squared=False``: the root). Skipped where scikit-learn still takes ``squared``.
* ``errors_json_float32``: ``PredictorEvaluator._log_to_json`` (``predictor_evaluator.py`` line
  540) converts numpy scalars at the top of each result but not inside ``full_testpred``, so a
  predictor that returns float32 (NASLib's own ``mlp``) crashes ``json.dump`` after its whole
  evaluation, without ``errors.json``. The ``json.dump`` line gets a ``default=`` that writes
  numpy values as Python numbers.
* ``torchvision_nms_schema`` (only when importing torchvision fails with
  ``operator torchvision::nms does not exist``): torchvision's ``_meta_registrations.py``
  registers fake kernels for ``nms``/``qnms`` without checking ``extension._has_ops()``, so a
  torchvision whose C extension did not load (PyPI's CUDA build beside a CPU torch) cannot be
  imported at all. The two op schemas are defined (without kernels: calling them raises) and
  torchvision is imported again. NASLib's NAS path never calls them; installing the matching
  CPU torchvision (docs/naslib.md) avoids this shim.

Every shim is skipped where it is not needed (another NASLib version, or a fixed checkout).
"""

from __future__ import annotations

import ast
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

_PLUGIN = "naslib_optiproxy.integrations.naslib_plugin.compat"
_SKLEARN_FIX = ("from sklearn import metrics", f"from {_PLUGIN} import sklearn_metrics as metrics")
_ERRORS_JSON_LINE = '            json.dump(self.results, file, separators=(",", ":"))'
#: module -> [(exact source line, replacement)]: the source rewrites of the shims.
SOURCE_FIXES: Dict[str, List[Tuple[str, str]]] = {
    "naslib.predictors.gp.gpwl_utils.vertex_histogram": [
        ("from collections import Iterable", "from collections.abc import Iterable"),
    ],
    "naslib.predictors.utils.pruners.measures.model_stats": [
        ("import tensorwatch as tw", "from __future__ import annotations; "
                                     f"from {_PLUGIN} import LazyModule; tw = LazyModule('tensorwatch')"),
    ],
    "naslib.defaults.predictor_evaluator": [
        _SKLEARN_FIX,
        (_ERRORS_JSON_LINE, f"            from {_PLUGIN} import json_default; "
                            f"{_ERRORS_JSON_LINE.strip()[:-1]}, default=json_default)"),
    ],
    "naslib.utils.zerocost": [_SKLEARN_FIX],
}
#: NASLib packages whose ``__init__`` imports every optimizer / predictor: made lazy (``lazy_package_inits``).
LAZY_PACKAGES = ("naslib.optimizers", "naslib.predictors")
#: exact source line -> the name of its shim (recorded in :data:`applied`).
SHIM_NAMES = {"from collections import Iterable": "vertex_histogram_iterable",
              "import tensorwatch as tw": "model_stats_tensorwatch", _SKLEARN_FIX[0]: "sklearn_rmse",
              _ERRORS_JSON_LINE: "errors_json_float32"}
TORCHVISION_SCHEMAS = ("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
                       "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")

#: Every shim, in the order of the table in docs/naslib.md.
SHIMS = ("vertex_histogram_iterable", "model_stats_tensorwatch", "count_parameters_in_mb", "sklearn_rmse",
         "errors_json_float32", "torchvision_nms_schema", "lazy_package_inits")
applied: List[str] = []  # names of the shims that took effect in this process
_line_absent: List[str] = []  # source shims whose NASLib line was not there (a fixed checkout)
_torchvision_library: Optional[Any] = None  # keeps the defined schemas alive


def rewrite_source(source: str, fixes: Sequence[Tuple[str, str]]) -> Tuple[str, int]:
    """``source`` with each fix's line replaced (whole lines only); returns (text, lines changed)."""
    lines, changed = source.split("\n"), 0
    for old, new in fixes:
        for index, line in enumerate(lines):
            if line.rstrip() == old:
                lines[index] = new
                changed += 1
    return "\n".join(lines), changed


class _FixingLoader(importlib.machinery.SourceFileLoader):
    """Compiles a NASLib module from its source with its needed :data:`SOURCE_FIXES` applied (no bytecode cache)."""

    def get_code(self, fullname: str) -> types.CodeType:
        source = self.get_data(self.path).decode("utf-8")
        for fix in needed_fixes(fullname):
            source, changed = rewrite_source(source, [fix])
            name = SHIM_NAMES[fix[0]]
            if changed and name not in applied:
                applied.append(name)
            elif not changed and name not in _line_absent:
                _line_absent.append(name)
        return compile(source, self.path, "exec", dont_inherit=True)


def lazy_init_source(source: str) -> Optional[str]:
    """A package ``__init__`` made of ``from .module import Name`` lines only, as a lazy one; else ``None``.

    The lazy ``__init__`` imports nothing; its module ``__getattr__`` (PEP 562) imports ``.module``
    at the first use of ``Name`` (:func:`lazy_attributes`), so ``from package import Name`` and
    ``package.Name`` give the same object as before.
    """
    names: Dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module and \
                all(alias.asname is None and alias.name != "*" for alias in node.names):
            names.update((alias.name, node.module) for alias in node.names)
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):  # a docstring is fine
            return None
    return f"from {_PLUGIN} import lazy_attributes as _lazy\n__getattr__, __dir__ = _lazy(__name__, {names!r})\n"


def lazy_attributes(package: str, names: Mapping[str, str]) -> Tuple[Callable[[str], Any], Callable[[], List[str]]]:
    """``(__getattr__, __dir__)`` of a lazy package: ``names`` maps each name to its relative module."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{names[name]}", package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> List[str]:
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__


class _LazyInitLoader(importlib.machinery.SourceFileLoader):
    """Compiles a package ``__init__`` of :data:`LAZY_PACKAGES` as a lazy one (:func:`lazy_init_source`)."""

    def get_code(self, fullname: str) -> types.CodeType:
        source = self.get_data(self.path).decode("utf-8")
        lazy = lazy_init_source(source)
        if lazy is None:
            if "lazy_package_inits" not in _line_absent:
                _line_absent.append("lazy_package_inits")
            return compile(source, self.path, "exec", dont_inherit=True)
        if "lazy_package_inits" not in applied:
            applied.append("lazy_package_inits")
        return compile(lazy, self.path, "exec", dont_inherit=True)


class _Finder(importlib.abc.MetaPathFinder):
    """Hands the modules of :data:`SOURCE_FIXES` that need a fix to :class:`_FixingLoader`, and the packages of
    :data:`LAZY_PACKAGES` to :class:`_LazyInitLoader`."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname not in SOURCE_FIXES and fullname not in LAZY_PACKAGES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return spec
        if fullname in LAZY_PACKAGES:
            spec.loader = _LazyInitLoader(fullname, spec.origin)
        elif needed_fixes(fullname):
            spec.loader = _FixingLoader(fullname, spec.origin)
        return spec


def needed_fixes(module: str) -> List[Tuple[str, str]]:
    """The fixes of :data:`SOURCE_FIXES` for ``module`` that this environment needs."""
    skip = {"model_stats_tensorwatch": lambda: _find("tensorwatch"),  # NASLib's own import works here
            "sklearn_rmse": _takes_squared}  # an older scikit-learn: NASLib's call works
    return [fix for fix in SOURCE_FIXES.get(module, []) if not skip.get(SHIM_NAMES[fix[0]], bool)()]


def json_default(value: Any) -> Any:
    """``json.dump``'s fallback for numpy scalars and arrays (the ``errors_json_float32`` shim)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class LazyModule(types.ModuleType):
    """A module imported at its first attribute access (ImportError then, not at import time)."""

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attribute)


def _takes_squared() -> bool:
    """Whether scikit-learn's ``mean_squared_error`` still has the ``squared`` argument (before 1.6)."""
    import inspect

    from sklearn.metrics import mean_squared_error

    return "squared" in inspect.signature(mean_squared_error).parameters


class _SklearnMetrics(types.ModuleType):
    """``sklearn.metrics`` with a ``mean_squared_error`` that takes ``squared`` (the ``sklearn_rmse`` shim)."""

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module("sklearn.metrics"), attribute)

    @staticmethod
    def mean_squared_error(y_true: Any, y_pred: Any, *args: Any, squared: bool = True, **kwargs: Any) -> Any:
        import numpy as np
        from sklearn.metrics import mean_squared_error

        error = mean_squared_error(y_true, y_pred, *args, **kwargs)
        return error if squared else np.sqrt(error)


sklearn_metrics = _SklearnMetrics("sklearn.metrics")


def count_parameters_in_MB(model: Any) -> float:  # noqa: N802 - NASLib's name
    """Parameters (outside ``auxiliary`` heads) in millions: NASLib's function without ``np.sum(generator)``."""
    return sum(int(v.numel()) for name, v in model.named_parameters() if "auxiliary" not in name) / 1e6


def _patch_count_parameters() -> None:
    utils = sys.modules.get("naslib.utils")
    original = getattr(utils, "count_parameters_in_MB", None)
    if utils is None or original is None or original is count_parameters_in_MB:
        return
    for name, module in list(sys.modules.items()):  # modules that already did `from naslib.utils import ...`
        if (name == "naslib" or name.startswith("naslib.")) and getattr(module, "count_parameters_in_MB", None) is original:
            module.count_parameters_in_MB = count_parameters_in_MB
    applied.append("count_parameters_in_mb")


def import_torchvision() -> Any:
    """``import torchvision``, with the ``torchvision_nms_schema`` shim if its C extension did not load.

    Raises:
        ImportError: torchvision is missing or cannot be imported even with the shim (with what to install).
    """
    global _torchvision_library
    try:
        return importlib.import_module("torchvision")
    except ImportError as error:
        raise ImportError(f"NASLib needs torchvision ({error}); {TORCHVISION_HINT}") from error
    except RuntimeError as error:
        if "torchvision::nms" not in str(error):
            raise ImportError(f"torchvision does not import beside this torch ({error}); {TORCHVISION_HINT}") from error
    for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
        del sys.modules[name]
    import torch

    library = torch.library.Library("torchvision", "DEF")
    for schema in TORCHVISION_SCHEMAS:
        library.define(schema)
    _torchvision_library = library
    try:
        module = importlib.import_module("torchvision")
    except Exception as error:  # noqa: BLE001 - reported with the fix
        raise ImportError(f"torchvision does not import beside this torch ({error}); {TORCHVISION_HINT}") from error
    applied.append("torchvision_nms_schema")
    return module


TORCHVISION_HINT = ("install the torchvision build that matches your torch, e.g. for a CPU torch: "
                    "pip install torch==<your version> torchvision --index-url https://download.pytorch.org/whl/cpu "
                    "(see docs/naslib.md)")
_finder = _Finder()


def _find(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a parent that is not a package (e.g. a stand-in module)
        return False


class ShimReport(Dict[str, str]):
    """Every shim's state by name (:data:`SHIMS` order); printed as one ``name: state`` line per shim."""

    def __str__(self) -> str:
        return "\n".join(f"{name}: {state}" for name, state in self.items())


def _source_shim_state(name: str) -> str:
    """The state of an import-time (source) shim: took effect, waiting for its module, or not needed."""
    modules = [m for m, fixes in SOURCE_FIXES.items() if any(SHIM_NAMES[old] == name for old, _ in fixes)]
    if name in applied:
        return "took effect (" + ", ".join(m for m in modules if m in sys.modules) + " compiled with the fix)"
    if name in _line_absent:
        return "not needed (NASLib's line is already fixed)"
    if name == "model_stats_tensorwatch" and _find("tensorwatch"):
        return "not needed (tensorwatch is installed)"
    if name == "sklearn_rmse" and _find("sklearn") and _takes_squared():
        return "not needed (scikit-learn still takes squared)"
    if not _find("naslib"):
        return "not installed (NASLib is not importable)"
    return "installed (an import hook: takes effect when NASLib imports " + " / ".join(modules) + ")"


def status() -> ShimReport:
    """Every shim of :data:`SHIMS` with its state in this process (installs nothing)."""
    report = ShimReport((name, _source_shim_state(name)) for name in SHIMS if name in SHIM_NAMES.values())
    if "count_parameters_in_mb" in applied:
        report["count_parameters_in_mb"] = "took effect (naslib.utils.count_parameters_in_MB replaced)"
    elif "naslib.utils" in sys.modules:
        report["count_parameters_in_mb"] = "not needed (naslib.utils has no count_parameters_in_MB to replace)"
    elif not _find("naslib"):
        report["count_parameters_in_mb"] = "not installed (NASLib is not importable)"
    else:
        report["count_parameters_in_mb"] = "not installed (NASLib's utils are not imported yet: call apply())"
    if "torchvision_nms_schema" in applied:
        report["torchvision_nms_schema"] = "took effect (torchvision's C ops did not load; nms/qnms schemas defined)"
    elif "torchvision" in sys.modules:
        report["torchvision_nms_schema"] = "not needed (torchvision imports with its own C ops)"
    else:
        report["torchvision_nms_schema"] = "not installed (torchvision is not imported yet)"
    packages = " and ".join(LAZY_PACKAGES)
    if "lazy_package_inits" in applied:
        report["lazy_package_inits"] = f"took effect ({packages} import each optimizer / predictor at its first use)"
    elif "lazy_package_inits" in _line_absent:
        report["lazy_package_inits"] = "not needed (NASLib's package __init__ holds more than imports: kept as it is)"
    elif not _find("naslib"):
        report["lazy_package_inits"] = "not installed (NASLib is not importable)"
    else:
        report["lazy_package_inits"] = f"installed (an import hook: takes effect when NASLib imports {packages})"
    return ShimReport((name, report[name]) for name in SHIMS)


def apply() -> ShimReport:
    """Install the shims (idempotent); returns every shim's state (:func:`status`): ``took effect``,
    ``installed`` (an import hook, waiting for its NASLib module), ``not needed`` or ``not installed``.

    Where NASLib's ``naslib.utils`` is importable it is imported here (after torchvision), so
    that ``count_parameters_in_MB`` is replaced before NASLib's optimizers import it.
    ``print(apply())`` prints one line per shim.

    Raises:
        ImportError: NASLib is there but one of its dependencies cannot be imported (the message says which).
    """
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    if "naslib.utils" not in sys.modules and _find("naslib.utils"):
        if "torchvision" not in sys.modules and _find("torchvision"):
            import_torchvision()  # NASLib's utils import it; a missing one fails there, by name
        importlib.import_module("naslib.utils")
    _patch_count_parameters()
    return status()


__all__ = ["LazyModule", "SHIMS", "SOURCE_FIXES", "ShimReport", "TORCHVISION_HINT", "applied", "apply",
           "count_parameters_in_MB", "import_torchvision", "json_default", "needed_fixes", "rewrite_source",
           "sklearn_metrics", "status"]
