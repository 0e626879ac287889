"""Parsing `--set KEY=VALUE` and `--data-opt KEY=VALUE` pairs.

Values arrive as strings; a model hyperparameter takes the type of the builder's default, so
`--set units=64` is an int, `--set widths=256,128` a tuple and `--set batch_norm=true` a bool.
"""

from harness.errors import UsageError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def split_pairs(pairs, flag: str) -> dict:
    """Turns ["a=1", "b=x"] into {"a": "1", "b": "x"}.

    Raises:
        UsageError: a pair has no "=" or an empty key.
    """
    result = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{flag} takes KEY=VALUE, got {pair!r}")
        result[key.strip()] = value.strip()
    return result


def coerce_hparams(raw: dict, defaults: dict, model: str) -> dict:
    """Converts string values to the type of each hyperparameter's default.

    Raises:
        UsageError: an unknown key, or a value that does not parse as the default's type.
    """
    unknown = sorted(set(raw) - set(defaults))
    if unknown:
        raise UsageError(
            f"model {model!r} has no hyperparameter {', '.join(unknown)}; "
            f"known: {', '.join(sorted(defaults)) or 'none'}"
        )
    return {key: _coerce(key, value, defaults[key]) for key, value in raw.items()}


def _coerce(key: str, text: str, default):
    try:
        if isinstance(default, bool):
            return _parse_bool(text)
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
        if isinstance(default, (tuple, list)):
            item_type = type(default[0]) if default else int
            return tuple(item_type(part) for part in text.strip("()[] ").split(",") if part.strip())
        if default is None:
            return _guess(text)
        return text
    except ValueError:
        kind = type(default).__name__ if default is not None else "value"
        example = (
            ",".join(str(v) for v in default) if isinstance(default, (tuple, list)) else default
        )
        raise UsageError(
            f"--set {key}={text!r} is not a valid {kind}; the default is {example}"
        ) from None


def _parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(text)


def _guess(text: str):
    for parse in (int, float):
        try:
            return parse(text)
        except ValueError:
            pass
    return text
