"""Checking the JSON a run folder holds (manifest.json, run.json) against its format, by rule.

The files are read as untrusted: a hand edit, a half-restored backup or a hostile copy must give
one line that names the file and the key, never a KeyError later on. Each `need_*` helper takes
the parent object, the key and the dotted path that names it, and raises `Malformed`; the callers
turn that into `RunDamaged` (for the file as a whole) or into damage to one entry.
"""

import math
import re
from datetime import datetime


class Malformed(ValueError):
    """A JSON value that does not fit the format; the message names its key."""


def need(condition: bool, key: str, expected: str, value) -> None:
    """Raises Malformed("<key> must be <expected>, got <value>") unless `condition` holds."""
    if not condition:
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise Malformed(f"{key} must be {expected}, got {shown}")


def need_key(parent: dict, key: str, path: str):
    """parent[key]; Malformed naming `path` if it is missing."""
    if key not in parent:
        raise Malformed(f"{path} is missing")
    return parent[key]


def need_object(parent: dict, key: str, path: str, *, optional=False) -> dict | None:
    """A JSON object under `key` (None allowed if `optional`)."""
    value = parent.get(key) if optional else need_key(parent, key, path)
    if optional and value is None:
        return None
    need(isinstance(value, dict), path, "an object", value)
    return value


def need_text(parent: dict, key: str, path: str, *, pattern=None, choices=None) -> str:
    """A non-empty string under `key`, optionally matching `pattern` or one of `choices`."""
    value = need_key(parent, key, path)
    need(isinstance(value, str) and value != "", path, "text", value)
    if pattern is not None:
        need(re.fullmatch(pattern, value) is not None, path, f"text like {pattern}", value)
    if choices is not None:
        need(value in choices, path, "one of " + ", ".join(choices), value)
    return value


def need_whole(parent: dict, key: str, path: str, *, low=0, high=2**63 - 1) -> int:
    """A whole number (not a bool) in low..high under `key`."""
    value = need_key(parent, key, path)
    ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    need(ok, path, f"a whole number from {low} to {high}", value)
    return value


def is_number(value) -> bool:
    """a finite number"""  # also the message for a list item that is not one
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def need_number(parent: dict, key: str, path: str, *, positive=False) -> float:
    """A finite number under `key` (above 0 if `positive`)."""
    value = need_key(parent, key, path)
    need(is_number(value) and (value > 0 or not positive), path, _kind(positive), value)
    return value


def need_list(parent: dict, key: str, path: str, *, item, low=0, high=1_000_000) -> list:
    """A list of `low`..`high` items under `key`, each passing `item(value) -> bool`; the
    docstring of `item` says what an item must be, for the message."""
    value = need_key(parent, key, path)
    ok = isinstance(value, list) and low <= len(value) <= high
    need(ok, path, f"a list of {low} to {high} items", value)
    for position, element in enumerate(value):
        need(item(element), f"{path}[{position}]", item.__doc__ or "of the right kind", element)
    return value


def need_time(parent: dict, key: str, path: str) -> str:
    """An ISO 8601 time under `key`, as `datetime.isoformat` writes it."""
    value = need_key(parent, key, path)
    try:
        datetime.fromisoformat(value)
    except (TypeError, ValueError):
        need(False, path, "an ISO time such as 2025-01-01T12:00:00+00:00", value)
    return value


def _kind(positive: bool) -> str:
    return "a positive finite number" if positive else "a finite number"
