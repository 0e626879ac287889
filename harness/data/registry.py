"""Data sets by name: what each one is, which layouts and options it takes, and the dispatch.

A spec is a registered name ("digits", "sine", "mnist", ...) or the user's own files:
"csv:PATH", "series:PATH" or "images:DIR" (dispatched by harness.data.user_data).
"""

import dataclasses
import functools
import math
from collections.abc import Callable

from harness.data import digits, keras_datasets, sine, transform, user_data, waveforms
from harness.data.splits import DataSplits
from harness.errors import UsageError

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
    image_shape: tuple | None = None  # (H, W, C) of an image data set, whatever the layout
    flippable: bool = False  # a mirror image is still an example of its class


def _entry(name, module, normalizations, *, load=None, description=None, **image) -> DatasetEntry:
    return DatasetEntry(
        name=name,
        task=module.TASK,
        layouts=module.LAYOUTS,
        description=description or module.DESCRIPTION,
        options=module.OPTIONS,
        normalizations=normalizations,
        load=load or module.load,
        **image,
    )


def _entries() -> dict:
    entries = [
        _entry("digits", digits, _PIXELS, image_shape=digits.IMAGE_SHAPE),
        _entry("sine", sine, _SIGNAL),
        _entry("waveforms", waveforms, _SIGNAL),
    ]
    for name, source in keras_datasets.SOURCES.items():
        load = functools.partial(keras_datasets.load, name)
        entries.append(
            _entry(
                name,
                keras_datasets,
                _PIXELS,
                load=load,
                description=source.description,
                image_shape=source.image_shape,
                flippable=source.flippable,
            )
        )
    return {entry.name: entry for entry in entries}


DATASETS = _entries()


def get_entry(spec: str) -> DatasetEntry:
    """Returns the entry registered as `spec`.

    Raises:
        UsageError: no data set has that name; the message lists every known one.
    """
    if spec not in DATASETS:
        known = ", ".join(dataset_specs())
        raise UsageError(f"unknown data set {spec!r}; known: {known}")
    return DATASETS[spec]


def load_dataset(
    spec: str,
    *,
    layout: str,
    seed: int = 0,
    target: str | None = None,
    normalization: dict | None = None,
    options: dict | None = None,
    test_data: str | None = None,
    val_fraction: float | None = None,
) -> DataSplits:
    """Loads a data set, split into train, validation and test, shaped for `layout`.

    Args:
        spec: a data set name from `list_datasets()`, "csv:PATH", "series:PATH" or "images:DIR".
        layout: the model's input layout: "image", "flat" or "sequence".
        seed: a whole number >= 0; picks the validation split and generated training draws.
        target: the column to predict, for csv data only.
        normalization: statistics from an earlier load (its `.normalization`) to use instead of
            fitting new ones on this training split.
        options: data-set options as typed on the command line, e.g. {"noise": "0.05"}.
        test_data: a separate test file for csv or series data, in the training file's format.
        val_fraction: the training file's share for validation, for csv or series data.

    Returns:
        float32 x; int64 class indices (n,) for classification, float32 (n, k) for regression.

    Raises:
        UsageError: unknown spec or option, a layout the data set cannot provide, a csv file
            that cannot be used, or a keras.datasets file that is neither cached nor downloadable.
    """
    if not isinstance(seed, int) or seed < 0:
        raise UsageError(f"seed must be a whole number >= 0; got {seed!r}")
    if user_data.is_user_data(spec):
        return user_data.load(
            spec,
            layout=layout,
            seed=seed,
            target=target,
            normalization=normalization,
            options=options,
            test_data=test_data,
            val_fraction=val_fraction,
        )
    if test_data is not None or val_fraction is not None:
        raise UsageError(
            f"data set {spec!r} has its own splits; --test-data and --val-fraction are for "
            "csv:PATH, series:PATH and images:DIR data"
        )
    entry = get_entry(spec)
    if target is not None:
        raise UsageError(f"data set {spec!r} has a fixed target; --target is for csv:PATH data")
    check_layout(spec, layout, entry.layouts)
    chosen = {**_defaults(entry), **parse_options(entry, options or {})}
    check_normalization(spec, normalization, entry.normalizations)
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


def check_normalization(spec: str, normalization, methods: tuple) -> None:
    """Refuses statistics of a method the data set cannot apply."""
    if normalization is None:
        return
    method = normalization.get("method") if isinstance(normalization, dict) else None
    if method not in methods:
        raise UsageError(
            f"normalization with method {method!r} cannot be applied to {spec!r}; "
            f"it needs method {' or '.join(methods)}"
        )


def list_datasets() -> list:
    """(name, task, one-line description) of every data set, the user's own files last."""
    rows = []
    for name in sorted(DATASETS):
        entry = DATASETS[name]
        options = f"; options: {', '.join(entry.options)}" if entry.options else ""
        rows.append((name, entry.task, entry.description + options))
    return rows + list(user_data.LISTED)


def check_layout(spec: str, layout: str, allowed: tuple) -> None:
    """Raises a UsageError unless `layout` is one the data set `spec` can provide."""
    known = sorted({name for entry in DATASETS.values() for name in entry.layouts})
    if layout not in known:
        raise UsageError(f"unknown layout {layout!r}; known: {', '.join(known)}")
    transform.check_layout(spec, layout, allowed)


def image_traits(spec: str) -> tuple[tuple, bool] | None:
    """(image shape, flippable) of an image data set, whatever layout a model reads it in, so
    that augmentation can shift and turn its examples as images; None for other data."""
    entry = DATASETS.get(spec)
    if entry is None or entry.image_shape is None:
        return None
    return tuple(entry.image_shape), entry.flippable


def dataset_task(spec: str, target=None) -> str | None:
    """The task of `spec` without loading it, or None for csv data (inferred on load).

    Raises:
        UsageError: unknown spec.
    """
    if user_data.is_user_data(spec):
        return user_data.task(spec)
    return get_entry(spec).task


def check_dataset(spec: str, *, layout: str, model: str | None = None) -> str | None:
    """What `load_dataset` would refuse about a spec and a layout, checked without loading;
    returns the data set's task, or None for csv data (its target tells, on load).

    Args:
        spec: the data set spec.
        layout: the model's input layout.
        model: the model's name, so that a refusal can name the model that fits instead.

    Raises:
        UsageError: an unknown name, or a layout the data set cannot provide.
    """
    if user_data.is_user_data(spec):
        return user_data.check(spec, layout, model)
    check_layout(spec, layout, get_entry(spec).layouts)
    return get_entry(spec).task


def dataset_specs() -> list[str]:
    """Every spec --dataset takes: the registered names, then the user's own files."""
    return [*sorted(DATASETS), *(spec for spec, _, _ in user_data.LISTED)]


def prepare_inputs(x_raw, *, spec_name: str, layout: str, normalization: dict):
    """Turns raw examples of a data set into model inputs exactly as in training.

    Args:
        x_raw: images or signals with values in the data set's raw range (for digits 0..16, for
            keras.datasets 0..255; see normalization["raw_range"]), with or without a batch axis;
            for csv data a pandas DataFrame of feature columns (read with dtype=str).
        spec_name: the data set the model was trained on.
        layout: the model's input layout.
        normalization: the training run's `DataSplits.normalization`.

    Returns:
        A float32 array ready for `model.predict`.

    Raises:
        UsageError: the examples do not fit the data set (shape, columns, values).
    """
    if user_data.is_user_data(spec_name):
        return user_data.prepare(
            x_raw, spec_name=spec_name, layout=layout, normalization=normalization
        )
    entry = get_entry(spec_name)
    check_layout(spec_name, layout, entry.layouts)
    check_normalization(spec_name, normalization, entry.normalizations)
    return transform.prepare_array(
        x_raw, spec_name=spec_name, layout=layout, normalization=normalization
    )
