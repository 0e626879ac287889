"""Data sets by name: what each one is, which layouts and options it takes, and the dispatch.

A spec is a registered name ("digits", "sine", "mnist", ...) or "csv:PATH" for a user's table.
"""

import dataclasses
import functools
import math
from collections.abc import Callable

from harness.data import digits, keras_datasets, sine, transform, waveforms
from harness.data.splits import DataSplits
from harness.errors import UsageError

CSV_PREFIX = "csv:"
_PIXELS = ("pixels",)
_SIGNAL = ("standardize", "none")


@dataclasses.dataclass(frozen=True)
class DatasetEntry:
    """What the registry knows about one named data set."""

    name: str
    task: str
    layouts: tuple
    description: str
    options: dict  # option name -> (type, default, help)
    normalizations: tuple  # normalization "method"s its loader accepts
    load: Callable  # load(layout=, seed=, normalization=, **every option) -> DataSplits


def _entry(name, module, normalizations, *, load=None, description=None) -> DatasetEntry:
    return DatasetEntry(
        name=name,
        task=module.TASK,
        layouts=module.LAYOUTS,
        description=description or module.DESCRIPTION,
        options=module.OPTIONS,
        normalizations=normalizations,
        load=load or module.load,
    )


def _entries() -> dict:
    entries = [
        _entry("digits", digits, _PIXELS),
        _entry("sine", sine, _SIGNAL),
        _entry("waveforms", waveforms, _SIGNAL),
    ]
    for name, source in keras_datasets.SOURCES.items():
        load = functools.partial(keras_datasets.load, name)
        entries.append(
            _entry(name, keras_datasets, _PIXELS, load=load, description=source.description)
        )
    return {entry.name: entry for entry in entries}


DATASETS = _entries()


def get_entry(spec: str) -> DatasetEntry:
    """Returns the entry registered as `spec`.

    Raises:
        UsageError: no data set has that name; the message lists every known one.
    """
    if spec not in DATASETS:
        known = ", ".join(sorted(DATASETS) + [f"{CSV_PREFIX}PATH"])
        raise UsageError(f"unknown data set {spec!r}; known: {known}")
    return DATASETS[spec]


def load_dataset(spec, *, layout, seed=0, target=None, normalization=None, options=None):
    """Loads a data set by spec; see `harness.data` for the contract."""
    if not isinstance(seed, int) or seed < 0:
        raise UsageError(f"seed must be a whole number >= 0; got {seed!r}")
    if spec.startswith(CSV_PREFIX):
        path = spec[len(CSV_PREFIX) :]
        if not path:
            raise UsageError("csv data needs a file: csv:PATH (e.g. csv:data/iris.csv)")
        if options:
            raise UsageError(f"csv data takes no options; got {', '.join(options)}")
        _check_normalization(spec, normalization, ("table",))
        from harness.data import csv_table

        return csv_table.load(
            path, target=target, layout=layout, seed=seed, normalization=normalization
        )
    entry = get_entry(spec)
    if target is not None:
        raise UsageError(f"data set {spec!r} has a fixed target; --target is for csv:PATH data")
    transform.check_layout(spec, layout, entry.layouts)
    chosen = {**_defaults(entry), **parse_options(entry, options or {})}
    _check_normalization(spec, normalization, entry.normalizations)
    splits: DataSplits = entry.load(layout=layout, seed=seed, normalization=normalization, **chosen)
    splits.info["options"] = chosen
    return splits


def parse_options(entry: DatasetEntry, options: dict) -> dict:
    """Turns {"noise": "0.05"} into {"noise": 0.05}, checking names, types and signs."""
    parsed = {}
    for name, text in options.items():
        if name not in entry.options:
            known = ", ".join(sorted(entry.options)) or "none"
            raise UsageError(f"data set {entry.name!r} has no option {name!r}; known: {known}")
        kind, default, _ = entry.options[name]
        try:
            value = kind(text)
        except (TypeError, ValueError):
            raise UsageError(
                f"option {name}={text!r} for {entry.name} must be a {kind.__name__} "
                f"(e.g. {name}={default})"
            ) from None
        if not math.isfinite(value) or value < 0:
            raise UsageError(f"option {name}={text!r} for {entry.name} must be >= 0")
        parsed[name] = value
    return parsed


def _defaults(entry: DatasetEntry) -> dict:
    return {name: default for name, (_, default, _) in entry.options.items()}


def _check_normalization(spec: str, normalization, methods: tuple) -> None:
    if normalization is None:
        return
    method = normalization.get("method") if isinstance(normalization, dict) else None
    if method not in methods:
        raise UsageError(
            f"normalization with method {method!r} cannot be applied to {spec!r}; "
            f"it needs method {' or '.join(methods)}"
        )


def list_datasets() -> list:
    """(name, task, one-line description) of every data set, csv:PATH last."""
    rows = []
    for name in sorted(DATASETS):
        entry = DATASETS[name]
        options = f"; options: {', '.join(entry.options)}" if entry.options else ""
        rows.append((name, entry.task, entry.description + options))
    rows.append(
        (
            f"{CSV_PREFIX}PATH",
            "inferred",
            "your own CSV table; needs --target COLUMN (task inferred from it); flat models only",
        )
    )
    return rows


def dataset_task(spec: str, target=None):
    """The task of `spec` without loading it, or None when only the data can tell (csv)."""
    if spec.startswith(CSV_PREFIX):
        return None
    return get_entry(spec).task


def prepare_inputs(x_raw, *, spec_name, layout, normalization):
    """Turns raw examples into model inputs as in training; see `harness.data`."""
    if spec_name.startswith(CSV_PREFIX):
        _check_normalization(spec_name, normalization, ("table",))
        from harness.data import csv_table

        csv_table.check_layout(layout)
        return csv_table.prepare(x_raw, normalization, spec_name)
    entry = get_entry(spec_name)
    transform.check_layout(spec_name, layout, entry.layouts)
    _check_normalization(spec_name, normalization, entry.normalizations)
    return transform.prepare_array(
        x_raw, spec_name=spec_name, layout=layout, normalization=normalization
    )
