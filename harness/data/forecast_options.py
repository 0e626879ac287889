"""The options of forecast data (`--data-opt`), parsed and checked, and the window's default.

`--data-opt window=24,horizon=3` and `--data-opt window=24 --data-opt horizon=3` mean the same:
pairs may be joined by commas in one option, and a piece without "=" continues the value before
it, so that `inputs=price,volume` names two columns.
"""

import math

from harness.errors import UsageError

SCALINGS = ("last", "train", "none")
OPTIONS = {
    "window": (int, None, "steps in one input window (default: from the series' length)"),
    "horizon": (int, 1, "steps forecast at once, 1 or more"),
    "season": (int, None, "the season's length in steps, for the seasonal naive forecast"),
    "inputs": (str, "all", "extra input columns: all (every numeric one), none, or col1,col2"),
    "date": (str, "auto", "the date column: auto (by name or content), none, or a name"),
    "scaling": (str, "last", "last (each window from its last value), train, none"),
}
# The default window: Hewamalage et al. 2021 (RNNs for forecasting) take 1.25 x max(horizon,
# season); and at least a tenth of the training part, from 8 to 64 steps, which covers short
# cycles when no season is given while leaving most of a small series' steps as training windows.
WINDOW_PER_HORIZON = 1.25
SHORTEST_WINDOW, LONGEST_WINDOW = 8, 64


def parse(options, normalization) -> dict:
    """The options as values, the run's recorded ones (`normalization`) where left out.

    Raises:
        UsageError: an unknown option, a value of the wrong kind, or one that differs from the
            run's recorded value.
    """
    typed = _pieces(options or {})
    unknown = sorted(set(typed) - set(OPTIONS))
    if unknown:
        raise UsageError(
            f"forecast data has no option {', '.join(unknown)}; known: {', '.join(OPTIONS)}"
        )
    chosen = {name: default for name, (_, default, _) in OPTIONS.items()}
    for name, text in typed.items():
        chosen[name] = _value(name, text)
    if normalization:
        recorded = _recorded(normalization)
        for name, value in recorded.items():
            if name in typed and chosen[name] != value:
                raise UsageError(
                    f"option {name}={typed[name]} differs from the run's {name} {value}; leave "
                    "the option out to use the run's"
                )
        chosen.update(recorded)
    return chosen


def _pieces(options: dict) -> dict:
    pairs = {}
    for key, value in options.items():
        last = key
        pairs[key] = ""
        for position, piece in enumerate(str(value).split(",")):
            name, sep, text = piece.partition("=")
            if position and sep:
                last = name.strip()
                pairs[last] = text.strip()
            else:
                joined = pairs[last] + "," if pairs[last] else ""
                pairs[last] = joined + piece.strip()
    return pairs


def _value(name: str, text: str):
    if name in ("window", "horizon", "season"):
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise UsageError(
                f"option {name}={text} for forecast data must be a whole number >= 1 "
                f"(e.g. {name}={ {'window': 24, 'horizon': 1, 'season': 12}[name] })"
            )
        return value
    if name == "scaling" and text not in SCALINGS:
        raise UsageError(f"option scaling={text!r} for forecast data; known: {', '.join(SCALINGS)}")
    if name == "inputs" and text not in ("all", "none"):
        names = [part.strip() for part in text.split(",") if part.strip()]
        if not names:
            raise UsageError("option inputs= needs all, none or column names joined by commas")
        return names
    return text


def _recorded(normalization: dict) -> dict:
    return {
        "window": normalization["window"],
        "horizon": normalization["horizon"],
        "season": normalization.get("season"),
        "inputs": list(normalization["columns"][1:]) or "none",
        "date": normalization.get("date") or "none",
        "scaling": normalization["scaling"],
    }


def default_window(train_steps: int, horizon: int, season) -> int:
    """The window when none is given (see WINDOW_PER_HORIZON)."""
    covering = math.ceil(WINDOW_PER_HORIZON * max(horizon, season or 0))
    share = min(LONGEST_WINDOW, max(SHORTEST_WINDOW, train_steps // 10))
    return max(covering, share)
