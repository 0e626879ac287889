"""The format of run.json, checked each time it is read (`harness.runs.read_run_json`).

run.json is what resume, evaluation, prediction and export rebuild a run from, so it is read as
untrusted: every key they use must be there with the right type and within sane bounds, and the
parts must agree with each other (the model's hyperparameters with the recorded `--set` values
and the builder's defaults, the input shape with the normalisation, the classes with the
outputs). A file that does not fit is damage to the run: `RunDamaged` naming the file and key.
"""

import dataclasses
import json
import math
import re
import types

from harness.checkpoints.schema import (
    Malformed,
    is_number,
    need,
    need_key,
    need_list,
    need_number,
    need_object,
    need_text,
    need_whole,
)
from harness.config import RECIPE_FIELDS, TrainConfig, check_config
from harness.errors import RunDamaged, UsageError

TASKS = ("classification", "regression")
# One example of at most 16M values (a 4096 x 4096 grey image), at most 100000 classes.
MAX_INPUT_VALUES = 1 << 24
MAX_OUTPUTS = 100_000
# The formats of harness/data (transform, csv_table, series); a new one is checked here too.
NORMALIZATIONS = ("pixels", "standardize", "none", "table", "series", "forecast")


def check_run_json(run, path) -> dict:
    """Returns `run` (parsed run.json) if it fits the format.

    Raises:
        RunDamaged: naming `path` and the first key that does not fit.
    """
    try:
        need(isinstance(run, dict), "the file", "a JSON object", run)
        model = need_object(run, "model", "model")
        task = _check_model(model)
        config = _check_config(need_key(run, "config", "config"), task=task)
        need(config.model == model["name"], "config.model", f"{model['name']!r}", config.model)
        _check_hparams(model, config.hparams)
        _check_data(need_object(run, "data", "data"), model)
    except Malformed as error:
        raise RunDamaged(f"{path}: {error}") from None
    return run


# Fields a recorded (resolved) configuration always holds; the others default when missing.
_RECORDED_FIELDS = ("model", "monitor", *(name for name in RECIPE_FIELDS if name != "clip_norm"))


def _check_config(data, *, task: str) -> TrainConfig:
    """The configuration run.json records, checked field by field: types, the bounds of
    `harness.config.FIELD_BOUNDS`, and that it holds together as `check_config` demands of a
    new run (the same checks the flags get, named as keys of the file).

    Args:
        data: run.json's "config" object.
        task: the run's task, from the same file.

    Raises:
        Malformed: naming the key, e.g. "config.epochs must be a positive whole number, got
            1000000000000000 (at most 100000)".
    """
    need(isinstance(data, dict), "config", "an object", data)
    for key in _RECORDED_FIELDS:
        if data.get(key) is None:
            raise Malformed(f"config.{key} is missing")
    for field in dataclasses.fields(TrainConfig):
        value = data.get(field.name)
        if field.name in data and not _is_instance(value, field.type):
            required = field.name in _RECORDED_FIELDS
            need(False, f"config.{field.name}", _type_name(field.type, required), value)
    config = TrainConfig.from_dict(data)
    try:
        check_config(config, task=task)
    except UsageError as error:
        # The message names flags; here they are keys of the file, and its advice is for flags.
        problem = str(error).split("; use ")[0].split("; known")[0]
        problem = re.sub(r"--([a-z-]+)", lambda m: "config." + m[1].replace("-", "_"), problem)
        raise Malformed(problem) from None
    return config


def _is_instance(value, annotation) -> bool:
    allowed = annotation.__args__ if isinstance(annotation, types.UnionType) else (annotation,)
    return any(_is_kind(value, kind) for kind in allowed)


def _is_kind(value, kind) -> bool:
    if kind is type(None):
        return value is None
    if kind in (int, float):
        # JSON has one kind of number: a whole one is a float too, but true is not a number.
        if isinstance(value, bool) or not isinstance(value, int if kind is int else (int, float)):
            return False
        return math.isfinite(value)
    return isinstance(value, kind)


def _type_name(annotation, required: bool) -> str:
    allowed = annotation.__args__ if isinstance(annotation, types.UnionType) else (annotation,)
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}
    names.update({dict: "an object", type(None): "null"})
    return " or ".join(names[kind] for kind in allowed if not (required and kind is type(None)))


def _check_model(model: dict) -> str:
    from zoo import get_model_spec

    name = need_text(model, "name", "model.name")
    try:
        spec = get_model_spec(name)
    except UsageError as error:
        raise Malformed(f"model.name: {error}") from None
    task = need_text(model, "task", "model.task", choices=TASKS)
    need_text(model, "layout", "model.layout", choices=(spec.layout,))
    shape = need_list(model, "input_shape", "model.input_shape", item=_is_size, low=1, high=3)
    values = math.prod(shape)
    need(
        values <= MAX_INPUT_VALUES, "model.input_shape", f"at most {MAX_INPUT_VALUES} values", shape
    )
    need_whole(model, "num_outputs", "model.num_outputs", low=1, high=MAX_OUTPUTS)
    need_object(model, "hparams", "model.hparams")
    return task


def _check_hparams(model: dict, typed: dict) -> None:
    """model.hparams must be what resume builds: the builder's defaults with config.hparams (the
    recorded --set values) over them, so that resume and evaluation build the same model. A key
    added to the builder since the run was recorded is absent and takes the value of its time."""
    from harness.model.hparams import run_hparams
    from zoo import recorded_hparams

    for key, value in typed.items():
        need(isinstance(value, str), f"config.hparams.{key}", "text, as --set gave it", value)
    try:
        expected = run_hparams(model["name"], typed, recorded=model["hparams"])
    except UsageError as error:
        raise Malformed(f"config.hparams: {error}") from None
    expected = json.loads(json.dumps(expected))  # tuples become the lists JSON holds
    found_hparams = recorded_hparams(model["name"], model["hparams"])
    for key in sorted(set(expected) | set(found_hparams)):
        found = found_hparams.get(key, "(missing)")
        need(
            found == expected.get(key, "(not a hyperparameter)"),
            f"model.hparams.{key}",
            f"{expected.get(key, 'absent')!r} as {model['name']}'s defaults and config.hparams "
            "give (what resume builds)",
            found,
        )


def _check_data(data: dict, model: dict) -> None:
    need_text(data, "spec", "data.spec")
    need_text(data, "task", "data.task", choices=(model["task"],))
    classes = data.get("class_names")
    if model["task"] == "classification":
        need_list(data, "class_names", "data.class_names", item=_is_text, low=2, high=MAX_OUTPUTS)
        need(len(set(classes)) == len(classes), "data.class_names", "unique names", classes)
        outputs = model["num_outputs"]
        need(
            len(classes) == outputs, "data.class_names", f"{outputs} names, one per output", classes
        )
    else:
        need(classes is None, "data.class_names", "null for regression", classes)
    normalization = need_object(data, "normalization", "data.normalization")
    values = _check_normalization(normalization, data)
    shape = model["input_shape"]
    need(
        values == math.prod(shape),
        "data.normalization",
        f"{math.prod(shape)} values per example, as model.input_shape {shape} says",
        values,
    )


def _check_normalization(normalization: dict, data: dict) -> int:
    """Checks one normalisation format and returns how many input values one example has."""
    key = "data.normalization"
    method = need_text(normalization, "method", f"{key}.method", choices=NORMALIZATIONS)
    if method == "table":
        return _check_table(normalization, data)
    if method == "series":
        return _check_series(normalization, data)
    if method == "forecast":
        return _check_forecast(normalization, data)
    if method == "pixels":
        shape = need_list(normalization, "image_shape", f"{key}.image_shape", item=_is_size)
        need(len(shape) == 3 and shape[2] in (1, 3), f"{key}.image_shape", "[H, W, 1 or 3]", shape)
        raw_range = need_list(normalization, "raw_range", f"{key}.raw_range", item=is_number)
        ok = len(raw_range) == 2 and raw_range[1] > 0
        need(ok, f"{key}.raw_range", "[low, a positive high]", raw_range)
        values = math.prod(shape)
    else:
        values = need_whole(normalization, "steps", f"{key}.steps", low=1, high=MAX_INPUT_VALUES)
    if method != "none":
        need_number(normalization, "mean", f"{key}.mean")
        need_number(normalization, "std", f"{key}.std", positive=True)
    return values


def _check_table(normalization: dict, data: dict) -> int:
    key = "data.normalization"
    need_text(normalization, "target", f"{key}.target")
    need_text(normalization, "task", f"{key}.task", choices=(data["task"],))
    classes = normalization.get("class_names")
    need(classes == data.get("class_names"), f"{key}.class_names", "data.class_names", classes)
    features = need_list(normalization, "features", f"{key}.features", item=_is_object, low=1)
    values, names = 0, set()
    for position, feature in enumerate(features):
        where = f"{key}.features[{position}]"
        name = need_text(feature, "name", f"{where}.name")
        need(name not in names, f"{where}.name", "unique", name)
        names.add(name)
        kind = need_text(feature, "kind", f"{where}.kind", choices=("numeric", "categorical"))
        if kind == "numeric":
            need_number(feature, "mean", f"{where}.mean")
            need_number(feature, "std", f"{where}.std", positive=True)
            values += 1
        else:
            values += len(need_list(feature, "categories", f"{where}.categories", item=_is_text))
    return values


def _check_series(normalization: dict, data: dict) -> int:
    key = "data.normalization"
    steps = need_whole(normalization, "steps", f"{key}.steps", low=1, high=MAX_INPUT_VALUES)
    channels = need_whole(normalization, "channels", f"{key}.channels", low=1, high=4096)
    scaling = need_text(
        normalization, "scaling", f"{key}.scaling", choices=("zscore", "train", "none")
    )
    classes = normalization.get("class_names")
    need(classes == data.get("class_names"), f"{key}.class_names", "data.class_names", classes)
    if scaling == "train":
        for name, item in (("mean", is_number), ("std", _is_positive)):
            values = need_list(normalization, name, f"{key}.{name}", item=item)
            need(len(values) == channels, f"{key}.{name}", f"{channels} values", values)
    return steps * channels


def _check_forecast(normalization: dict, data: dict) -> int:
    """harness.data.forecast's format: one input column or more (the target first), a mean and a
    positive deviation each, and a window and horizon that fit the model's inputs and outputs."""
    key = "data.normalization"
    need(data.get("task") == "regression", "data.task", "regression for a forecast", data["task"])
    need_text(normalization, "scaling", f"{key}.scaling", choices=("last", "train", "none"))
    columns = need_list(normalization, "columns", f"{key}.columns", item=_is_text, low=1)
    need(len(set(columns)) == len(columns), f"{key}.columns", "unique names", columns)
    target = need_text(normalization, "target", f"{key}.target")
    need(target == columns[0], f"{key}.target", f"the first column {columns[0]!r}", target)
    for name, item in (("mean", is_number), ("std", _is_positive)):
        values = need_list(normalization, name, f"{key}.{name}", item=item)
        need(len(values) == len(columns), f"{key}.{name}", f"{len(columns)} values", values)
    window = need_whole(normalization, "window", f"{key}.window", low=1, high=MAX_INPUT_VALUES)
    need_whole(normalization, "horizon", f"{key}.horizon", low=1, high=MAX_OUTPUTS)
    if normalization.get("season") is not None:
        need_whole(normalization, "season", f"{key}.season", low=1, high=window)
    for name in ("date", "frequency"):
        value = normalization.get(name)
        need(value is None or isinstance(value, str), f"{key}.{name}", "text or null", value)
    for name in ("val_fraction", "test_fraction"):
        share = need_number(normalization, name, f"{key}.{name}")
        need(0 < share < 1, f"{key}.{name}", "a share above 0 and below 1", share)
    return window * len(columns)


# Item checks for need_list; each docstring is what the message says an item must be.
def _is_size(value) -> bool:
    """a whole number from 1 to 16777216"""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_INPUT_VALUES


def _is_positive(value) -> bool:
    """a positive finite number"""
    return is_number(value) and value > 0


def _is_text(value) -> bool:
    """text"""
    return isinstance(value, str)


def _is_object(value) -> bool:
    """an object"""
    return isinstance(value, dict)
