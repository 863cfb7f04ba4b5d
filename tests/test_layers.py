"""The package's import graph, read from the source: no cycle, and the core never imports an adapter.

The adapters at the edge (:data:`ADAPTERS`: the CLI and its run config, ``compare``, the NASLib
plugin, Ray) may import the core; nothing in the core may import them, and they import neither
each other (the CLI's ``compare`` command apart) nor anything but the public names (``__all__``)
of our modules: ``compare`` and the CLI load the NASLib plugin by name when a NASLib method or
command runs. The benchmarks (``objectives/``) stand on the ground floor (value types, codecs,
datasets, bundled data) and never import the method. Imports inside functions are allowed only
for optional third-party software (NASLib, Ray, onnxruntime, ...): an import of one of our own
modules inside a function is reported, except in the NASLib plugin, whose modules import NASLib
at their top and so are imported only when NASLib is wanted.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set, Tuple

PACKAGE = Path(__file__).resolve().parents[1] / "naslib_optiproxy"
ROOT = "naslib_optiproxy"
ADAPTERS = ("naslib_optiproxy.cli", "naslib_optiproxy.compare", "naslib_optiproxy.integrations",
            "naslib_optiproxy.__main__")
LAZY_OWN_IMPORTS_ALLOWED = ("naslib_optiproxy.integrations.naslib_plugin",)
#: The adapters' groups; an adapter imports no module of another group (but the CLI may import ``compare``).
ADAPTER_GROUPS = ("naslib_optiproxy.cli", "naslib_optiproxy.compare", "naslib_optiproxy.integrations.naslib_plugin",
                  "naslib_optiproxy.integrations.ray")
ALLOWED_BETWEEN_ADAPTERS = {("naslib_optiproxy.cli", "naslib_optiproxy.compare")}
#: What the benchmarks may import: the ground floor (value types, codecs, datasets, bundled data, text and files).
OBJECTIVES_MAY_IMPORT = ("naslib_optiproxy._text", "naslib_optiproxy._files", "naslib_optiproxy.types",
                         "naslib_optiproxy.data", "naslib_optiproxy.datasets", "naslib_optiproxy.spaces",
                         "naslib_optiproxy.objectives",
                         "naslib_optiproxy.pareto")  # criteria and indicators: on _text and types only


def _modules() -> Dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _targets(module: str, node: ast.AST) -> List[str]:
    """Our modules that one import statement of ``module`` names."""
    found = []
    if isinstance(node, ast.Import):
        found = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            package = module if _is_package(module) else module.rpartition(".")[0]
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        submodules = [f"{prefix}.{alias.name}" for alias in node.names]
        # "from . import x" names the package only for what is not a submodule of it
        names_package = node.module or any(name not in MODULES for name in submodules)
        found = ([prefix] if names_package else []) + submodules
    return [name for name in found if name in MODULES]


def _graph() -> Tuple[Dict[str, Set[str]], List[Tuple[str, str]]]:
    """``(module -> modules it imports, [(module, lazily imported own module)])``."""
    edges: Dict[str, Set[str]] = {name: set() for name in MODULES}
    lazy: List[Tuple[str, str]] = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = set(map(id, tree.body))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            targets = [t for t in _targets(name, node) if t != name]
            edges[name].update(targets)
            nested_in_function = id(node) not in top and _inside_function(tree, node)
            if nested_in_function:
                lazy.extend((name, t) for t in targets)
    return edges, lazy


def _inside_function(tree: ast.Module, target: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(n is target for n in ast.walk(node)):
            return True
    return False


def _is_adapter(name: str) -> bool:
    return any(name == a or name.startswith(a + ".") for a in ADAPTERS)


def test_the_walk_sees_the_package() -> None:
    edges, _ = _graph()
    assert {"naslib_optiproxy.study", "naslib_optiproxy.cli", "naslib_optiproxy.strategies.optiproxy"} <= set(edges)
    assert "naslib_optiproxy.study" in edges["naslib_optiproxy.run"]  # relative imports are resolved
    assert "naslib_optiproxy.types" in edges["naslib_optiproxy.strategies.base"]


def test_no_import_cycle() -> None:
    edges, _ = _graph()
    state: Dict[str, int] = {}
    cycles: List[List[str]] = []

    def visit(node: str, stack: List[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for name in sorted(edges):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_core_never_imports_an_adapter() -> None:
    edges, _ = _graph()
    wrong = sorted((a, b) for a, targets in edges.items() for b in targets if not _is_adapter(a) and _is_adapter(b))
    assert not wrong, f"core modules importing adapters: {wrong}"


def test_no_function_level_import_of_our_own_modules() -> None:
    _, lazy = _graph()
    wrong = sorted((a, b) for a, b in lazy if not a.startswith(LAZY_OWN_IMPORTS_ALLOWED))
    assert not wrong, f"imports of our own modules inside functions: {wrong}"


def _within(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _group(name: str) -> str:
    return next((g for g in ADAPTER_GROUPS if _within(name, (g,))), "")


def test_adapters_import_no_other_adapter() -> None:
    """``compare`` runs NASLib methods, and the CLI NASLib's commands, through a module loaded by name."""
    edges, _ = _graph()
    wrong = sorted((a, b) for a, targets in edges.items() for b in targets
                   if _group(a) and _group(b) and _group(a) != _group(b)
                   and (_group(a), _group(b)) not in ALLOWED_BETWEEN_ADAPTERS)
    assert not wrong, f"adapters importing another adapter: {wrong}"


def test_objectives_never_import_the_method() -> None:
    edges, _ = _graph()
    wrong = sorted((a, b) for a, targets in edges.items() if _within(a, ("naslib_optiproxy.objectives",))
                   for b in targets if not _within(b, OBJECTIVES_MAY_IMPORT))
    assert not wrong, f"benchmarks importing beyond the ground floor: {wrong}"


def _public_names(module: str):
    """``module``'s ``__all__`` (``None`` when it declares none)."""
    for node in ast.parse(MODULES[module].read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    return None


def _internal_names() -> List[Tuple[str, str, str]]:
    """``(importer, module, name)`` of every name taken from our module that its ``__all__`` does not list, where
    the importer is an adapter or the module a benchmark's (their internals stay theirs)."""
    found = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            source = _targets(name, ast.ImportFrom(module=node.module, names=[], level=node.level))
            source = source[0] if source else None
            if source is None or not (_is_adapter(name) or _within(source, ("naslib_optiproxy.objectives",))):
                continue
            public = _public_names(source)
            found += [(name, source, alias.name) for alias in node.names
                      if public is not None and alias.name not in public and f"{source}.{alias.name}" not in MODULES]
    return found


def test_adapters_and_benchmarks_take_only_public_names() -> None:
    """E.g. the CLI and the NASLib plugin spell datasets with :mod:`naslib_optiproxy.datasets`, and find files with
    :mod:`naslib_optiproxy.objectives.files`, not with NAS-Bench-201's internals."""
    wrong = sorted(_internal_names())
    assert not wrong, f"internal names imported: {wrong}"


def test_each_dataset_is_spelt_in_one_place() -> None:
    """``canonical_dataset`` is defined once (:mod:`naslib_optiproxy.datasets`), and so are the default datasets."""
    definers = sorted(name for name, path in MODULES.items()
                      for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                      if isinstance(node, ast.FunctionDef) and node.name == "canonical_dataset")
    assert definers == ["naslib_optiproxy.datasets"]


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """The cycle finder reports a planted cycle (so a green run means something)."""
    module = "naslib_optiproxy.types"
    tree = ast.parse("from .study import Study")
    assert "naslib_optiproxy.study" in _targets(module, tree.body[0])
    tree = ast.parse("from . import run")
    assert "naslib_optiproxy.run" in _targets("naslib_optiproxy.study", tree.body[0])
    tree = ast.parse("from .objectives.nasbench201 import DS_KEYS")
    assert _targets("naslib_optiproxy.run", tree.body[0])[0] == "naslib_optiproxy.objectives.nasbench201"
    assert "DS_KEYS" not in _public_names("naslib_optiproxy.objectives.nasbench201")
