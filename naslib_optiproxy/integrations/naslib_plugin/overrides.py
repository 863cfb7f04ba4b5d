"""The ``KEY VALUE`` overrides of the NASLib runners, checked against the keys NASLib will read.

NASLib's ``get_config_from_args`` sets an unknown top-level key without a word (``epochs 15``
becomes ``config.epochs = 15``; the budget is ``search.epochs``, so the run takes 100 epochs)
and fails on an unknown ``search.KEY`` with a bare ``KeyError``. :func:`check_overrides` refuses
both before NASLib sees them, with a did-you-mean hint: a key is known if the completed config
(the user's file with the runner's defaults filled in) has it, or if it is one of
:data:`TOP_LEVEL_KEYS`. No NASLib needed.
"""

from __future__ import annotations

import difflib
from typing import Any, Iterable, List, Mapping, Optional, Sequence

#: Top-level keys NASLib's runners read or set even when a config file does not carry them.
TOP_LEVEL_KEYS = frozenset(("seed", "optimizer", "search_space", "dataset", "out_dir", "gpu"))


def known_keys(values: Mapping[str, Any], extra: Iterable[str] = TOP_LEVEL_KEYS) -> List[str]:
    """Every override key of the completed config ``values``: ``KEY``, and ``SECTION.KEY`` for its sections."""
    keys = set(extra)
    for key, value in values.items():
        if isinstance(value, Mapping):  # a section: its keys, not the section as one value
            keys.update(f"{key}.{inner}" for inner in value)
        else:
            keys.add(str(key))
    return sorted(keys)


def suggestion(key: str, known: Sequence[str]) -> Optional[str]:
    """The known key ``key`` most likely meant: the one whose last part is ``key``, else the closest spelling."""
    tail = key.rsplit(".", 1)[-1]
    same_tail = [k for k in known if k.rsplit(".", 1)[-1] == tail and k != key]
    if same_tail:
        return same_tail[0]
    close = difflib.get_close_matches(key, known, n=1)
    if close:
        return close[0]
    by_tail = {k.rsplit(".", 1)[-1]: k for k in known}
    close = difflib.get_close_matches(tail, list(by_tail), n=1)
    return by_tail[close[0]] if close else None


def check_overrides(values: Mapping[str, Any], opts: Sequence[str], extra: Iterable[str] = TOP_LEVEL_KEYS) -> None:
    """Refuse an override (``opts``: NASLib's ``KEY VALUE`` words) whose key NASLib would not read.

    Raises:
        ValueError: The first unknown key, with the key it most likely meant and how overrides are spelt.
    """
    known = known_keys(values, extra)
    for key in list(opts)[::2]:
        if key in known:
            continue
        meant = suggestion(key, known) if key.count(".") <= 1 else None
        hint = f" (did you mean {meant!r}?)" if meant else ""
        raise ValueError(f"unknown override {key!r}{hint}: neither the config nor NASLib has this key, so nothing "
                         f"was run (overrides are KEY VALUE or SECTION.KEY VALUE, e.g. 'search.epochs 50')")


__all__ = ["TOP_LEVEL_KEYS", "check_overrides", "known_keys", "suggestion"]
