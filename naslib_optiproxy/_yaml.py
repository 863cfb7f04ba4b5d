"""Reading small YAML config files safely: size, alias and expansion caps, messages that name the file.

PyYAML builds an alias (``*name``) as a reference to its anchor's object, so a few hundred bytes
can describe billions of values that only appear when something walks the result (a check, a
copy, a hash of the run's identity). Besides the file size and the number of aliases, the
document is therefore measured as it would be once every alias is expanded: at most
:data:`MAX_NODES` values and :data:`MAX_TEXT` characters of scalars, counted on the composed
node graph (each anchor once, memoised), before any Python object is built.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Tuple, Union

import yaml

PathLike = Union[str, "os.PathLike[str]"]

#: Config files are a few kB; anything larger is refused before it is parsed.
MAX_BYTES = 1 << 20
#: YAML aliases (``*name``) allowed in one file: enough for anchors in a suite, never a "billion laughs".
MAX_ALIASES = 100
#: Values (scalars, lists, mappings; a mapping's keys count) in a document once its aliases are expanded.
MAX_NODES = 100_000
#: Characters of scalar text in a document once its aliases are expanded.
MAX_TEXT = 4 << 20


def _expanded(root: Any) -> Tuple[int, int]:
    """``(values, characters)`` of the node graph ``root`` with every alias expanded, each capped just
    above its limit (a node is measured once however often it is aliased; a recursive alias counts as
    too large)."""
    sizes: Dict[int, Tuple[int, int]] = {}
    open_nodes: set = set()
    stack = [root]
    while stack:
        node = stack[-1]
        if id(node) in sizes:
            stack.pop()
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = (1, len(node.value))
            stack.pop()
            continue
        children = [c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode) else node.value
        if id(node) not in open_nodes:
            open_nodes.add(id(node))
            for child in children:
                if id(child) in open_nodes:  # an alias inside its own anchor: infinite once expanded
                    return MAX_NODES + 1, MAX_TEXT + 1
                if id(child) not in sizes:
                    stack.append(child)
            continue
        values, text = 1, 0
        for child in children:
            values, text = values + sizes[id(child)][0], text + sizes[id(child)][1]
        sizes[id(node)] = (min(values, MAX_NODES + 1), min(text, MAX_TEXT + 1))
        open_nodes.discard(id(node))
        stack.pop()
    return sizes[id(root)]


class _BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses files with more than :data:`MAX_ALIASES` aliases."""

    aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise yaml.YAMLError(f"more than {MAX_ALIASES} aliases (*name), line {mark.line + 1}; "
                                     f"a config needs none of that size")
        return super().compose_node(parent, index)

    def compose_document(self) -> Any:
        node = super().compose_document()
        if node is not None:
            values, text = _expanded(node)
            if values > MAX_NODES or text > MAX_TEXT:
                what = (f"more than {MAX_NODES:,} values" if values > MAX_NODES
                        else f"more than {MAX_TEXT // 1024:,} kB of text")
                raise yaml.YAMLError(f"the document expands to {what} once its aliases (*name) are expanded; "
                                     f"a config needs none of that size")
        return node


def load_yaml(path: PathLike) -> Dict[str, Any]:
    """The mapping in a YAML file (``{}`` when empty); ValueError naming the file otherwise."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise ValueError(f"cannot read config file {path}: {error.strerror or error}") from None
    if len(raw) > MAX_BYTES:
        raise ValueError(f"config file {path} is larger than {MAX_BYTES // 1024} kB; a config holds a few settings")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"cannot read config file {path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    try:
        data = yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        context, start = getattr(error, "context", None), getattr(error, "context_mark", None)
        if context and start is not None and (mark is None or start.line != mark.line):
            problem += f" ({context} that starts on line {start.line + 1})"
        raise ValueError(f"invalid YAML in {path}{where}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a mapping of config keys, got a {type(data).__name__}")
    return data


__all__ = ["MAX_ALIASES", "MAX_BYTES", "MAX_NODES", "MAX_TEXT", "load_yaml"]
