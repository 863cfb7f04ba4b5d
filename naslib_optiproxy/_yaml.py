"""Reading small YAML config files safely: size cap, alias cap, messages that name the file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Union

import yaml

PathLike = Union[str, "os.PathLike[str]"]

#: Config files are a few kB; anything larger is refused before it is parsed.
MAX_BYTES = 1 << 20
#: YAML aliases (``*name``) allowed in one file: enough for anchors in a suite, never a "billion laughs".
MAX_ALIASES = 100


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


__all__ = ["MAX_ALIASES", "MAX_BYTES", "load_yaml"]
