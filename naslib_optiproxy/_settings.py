"""Declaring hyperparameters once: default, flat config key, bounds and allowed values.

A settings dataclass declares each field with :func:`setting`; :func:`validate` checks the
type and bounds of every field from that declaration, so a setting is written in one place.
Messages name the flat key users write in YAML (``search.<key>``) and, where the class names its
section of :class:`~naslib_optiproxy.config.OptiProxyConfig` (``section = "loop"``), where the
setting lives in Python (``config.loop.num_groups``).

Example:
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Demo:
    ...     epochs: int = setting(300, "model_epochs", low=0)
    ...     def __post_init__(self): validate(self)
    >>> Demo(epochs=-1)
    Traceback (most recent call last):
    ValueError: search.model_epochs must be >= 0, got -1
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import re
import typing
from typing import Any, Optional, Sequence

import numpy as np

from ._text import did_you_mean, shorten


def setting(default: Any, key: Optional[str] = None, *, low: Optional[float] = None, above: Optional[float] = None,
            high: Optional[float] = None, choices: Optional[Sequence[str]] = None, doc: str = "") -> Any:
    """A dataclass field for one hyperparameter.

    Args:
        default: Default value (the paper's, unless a docstring says otherwise).
        key: The flat name in a config's ``search:`` section (default: the field name).
        low: Inclusive lower bound. above: Exclusive lower bound. high: Inclusive upper bound.
        choices: The allowed values of a text setting.
        doc: One line for docs and ``--help``.
    """
    return dataclasses.field(default=default, metadata={"key": key, "low": low, "above": above, "high": high,
                                                        "choices": tuple(choices) if choices else None, "doc": doc})


def key_of(field: dataclasses.Field) -> str:
    """The flat config key of a :func:`setting` field."""
    return field.metadata.get("key") or field.name


def validate(settings: Any) -> None:
    """Coerce and check every field of a settings dataclass against its :func:`setting` declaration."""
    hints = typing.get_type_hints(type(settings))
    section = getattr(type(settings), "section", None)
    for field in dataclasses.fields(settings):
        try:
            _check(settings, field, hints[field.name])
        except (TypeError, ValueError) as error:
            if section is None:
                raise
            raise type(error)(f"{error} (in Python: config.{section}.{field.name})") from None


def _check(settings: Any, field: dataclasses.Field, hint: Any) -> None:
    """Coerce and check one field (the messages name its flat key)."""
    key = key_of(field)
    value = coerce(key, getattr(settings, field.name), hint)
    object.__setattr__(settings, field.name, value)
    if value is None or isinstance(value, (bool, str)):
        if isinstance(value, str) and field.metadata.get("choices") and value not in field.metadata["choices"]:
            allowed = field.metadata["choices"]
            raise ValueError(f"search.{key} must be one of {', '.join(allowed)}, got {shorten(value)}"
                             f"{did_you_mean(value, allowed)}")
        return
    meta = field.metadata
    if not math.isfinite(value):
        raise ValueError(f"search.{key} must be a finite number, got {value}")
    above, low, high = meta.get("above"), meta.get("low"), meta.get("high")
    if high is not None:  # a range: one message naming both ends
        opening, start = ("(", above) if above is not None else ("[", low)
        if not (value > start if above is not None else value >= start) or value > high:
            raise ValueError(f"search.{key} must be in {opening}{start:g}, {high:g}], got {value}")
    elif above is not None and not value > above:
        raise ValueError(f"search.{key} must be > {above:g}, got {value}")
    elif low is not None and value < low:
        raise ValueError(f"search.{key} must be >= {low:g}, got {value}")


def number_string_hint(value: Any) -> str:
    """A hint when a number arrived as a string (quoted, or ``1e-3`` in YAML), else ''.

    YAML 1.1 (PyYAML) reads ``1e-3`` and ``1.0e3`` as strings: a float needs a dot and a
    signed exponent (``1.0e-3``), or plain notation (``0.001``).
    """
    if not isinstance(value, str) or len(value) > 40:
        return ""
    try:
        number = float(value)
    except ValueError:
        return ""
    if not math.isfinite(number):
        return ""
    plain = str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
    if "e" in plain:
        plain = f"{number:e}"  # 1.000000e-08: a dot and a signed exponent, which YAML reads as a float
    if "e" in value.lower() and not re.fullmatch(r"[-+]?[0-9]*\.[0-9]*[eE][-+][0-9]+", value.strip()):
        return f" (YAML reads {value!r} as text; write {plain})"
    return f" (a number given as text: write {plain} without quotes)"


def coerce(key: str, value: Any, hint: Any) -> Any:
    """Check a value against the field's type (ints accepted for floats, numpy scalars for Python's)."""
    optional = typing.get_origin(hint) is typing.Union and type(None) in typing.get_args(hint)
    if optional:
        if value is None:
            return None
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    is_bool = isinstance(value, (bool, np.bool_))
    ok = {
        bool: is_bool,
        int: isinstance(value, numbers.Integral) and not is_bool,
        float: isinstance(value, numbers.Real) and not is_bool,
        str: isinstance(value, str),
    }.get(hint, True)
    if not ok:
        got = "null (a key without a value in YAML)" if value is None else f"{type(value).__name__} {shorten(value)}"
        raise TypeError(f"search.{key} must be {'null or ' if optional else ''}{hint.__name__}, "
                        f"got {got}{number_string_hint(value)}")
    if hint is float:
        return float(value)
    if hint in (bool, int):
        return hint(value)
    return value


__all__ = ["coerce", "key_of", "number_string_hint", "setting", "validate"]
