"""Typing `--set KEY=VALUE` model hyperparameters (the pairs are split by `harness.cli`).

Values arrive as strings; a model hyperparameter takes the type of the builder's default, so
`--set units=64` is an int, `--set widths=256,128` a tuple and `--set batch_norm=true` a bool.
"""

from harness.errors import UsageError
from zoo import check_hparams

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def run_hparams(model: str, raw: dict, *, recorded: dict | None = None) -> dict:
    """The hyperparameters a run builds: the builder's defaults with the `--set` values over them.

    Args:
        model: the zoo model's name.
        raw: the `--set` values, as strings.
        recorded: a recorded run's model.hparams (run.json), on resume and in checks: a key it
            lacks was added to the builder since, and takes the value of the run's time.

    Raises:
        UsageError: an unknown key, or a value that does not parse as the default's type.
    """
    from zoo import builder_hparams, recorded_hparams

    defaults = builder_hparams(model)
    if recorded is not None:
        legacy = recorded_hparams(model, recorded)
        defaults = {**defaults, **{key: legacy[key] for key in legacy.keys() - recorded.keys()}}
    return {**defaults, **coerce_hparams(raw, defaults, model)}


def coerce_hparams(raw: dict, defaults: dict, model: str) -> dict:
    """Converts string values to the type of each hyperparameter's default.

    Raises:
        UsageError: an unknown key, or a value that does not parse as the default's type.
    """
    check_hparams(model, raw, known=defaults)
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
