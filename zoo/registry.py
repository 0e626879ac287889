"""The model registry: every zoo model is a name.

A builder module registers its function with `@register_model(...)`, declaring the task it solves,
the data set it trains on by default, the input layout it expects and a training recipe that
trains it well. Registration imports no Keras, so listing models stays instant; Keras is imported
inside each builder when a model is actually built.
"""

import dataclasses
import importlib
from collections.abc import Callable

from zoo.errors import UsageError

# Modules that register models. Importing them is cheap: they import Keras lazily.
_BUILDER_MODULES = (
    "mlp",
    "cnn",
    "resnet",
    "rnn",
    "lstm",
    "gru",
    "attention",
    "fcn",
    "resnet1d",
    "lenet5",
    "alexnet",
    "vgg",
    "inception",
    "densenet",
)

TASKS = ("classification", "regression")
# How a model wants its examples: `image` (H, W, C), `flat` (F,), `sequence` (T, F).
LAYOUTS = ("image", "flat", "sequence")


@dataclasses.dataclass(frozen=True)
class Recipe:
    """A default training recipe. Every field has the meaning of the train.py flag of that name."""

    optimizer: str = "adam"
    lr: float = 1e-3
    schedule: str = "constant"
    warmup_epochs: int = 0
    epochs: int = 20
    batch_size: int = 64
    early_stopping: int = 0
    clip_norm: float | None = None
    augment: bool = False
    weight_decay: float = 0.0  # used by adamw only
    label_smoothing: float = 0.0  # classification only
    # Above 0, the batch adapts to the training size: this share of the training examples, at
    # most batch_size (dl-4-tsc's min(n / 10, 16) for small time-series sets is 0.1 and 16).
    batch_share: float = 0.0
    # Above 0, the epochs adapt to the training size: enough for this many optimisation steps,
    # at most `epochs`. A recipe tuned on a small set keeps its number of updates on a larger
    # one, where each epoch holds more of them (and more distinct examples).
    step_budget: int = 0
    # The metric early stopping, --keep-best and the plateau schedule watch; None: the task's
    # default (val_accuracy or val_loss). On a validation part of ten series, accuracy moves in
    # steps of 10% and stalls at once, while the loss still tells better weights from worse.
    monitor: str | None = None


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """What the registry knows about one model."""

    name: str
    builder: Callable
    task: str
    default_dataset: str
    layout: str
    recipe: Recipe
    description: str
    # Hyperparameters added after runs were recorded, with the value those runs were built with:
    # a run.json whose model.hparams lacks one rebuilds that value (`recorded_hparams`).
    legacy_hparams: dict = dataclasses.field(default_factory=dict)


_REGISTRY: dict[str, ModelSpec] = {}
_loaded = False


def register_model(
    *, task, default_dataset, layout, recipe=Recipe(), description="", legacy_hparams=None
):
    """Decorator that registers a builder under its function name.

    Args:
        task: "classification" or "regression": the task the model is built for by default.
        default_dataset: the data set `train.py --model NAME` uses when none is given.
        layout: "image", "flat" or "sequence": the input layout the model expects.
        recipe: the default `Recipe`.
        description: one line for `--list-models`.
        legacy_hparams: hyperparameters added after runs were recorded, each with the value
            those runs were built with, so that their checkpoints restore into the same model.

    Raises:
        ValueError: the name is registered already, or an argument is not one of the known values.
    """
    if task not in TASKS:
        raise ValueError(f"task {task!r}; known: {', '.join(TASKS)}")
    if layout not in LAYOUTS:
        raise ValueError(f"layout {layout!r}; known: {', '.join(LAYOUTS)}")

    def decorator(builder):
        name = builder.__name__
        if name in _REGISTRY:
            # timm only warns here; a silent overwrite hides a real mistake.
            raise ValueError(f"model {name!r} is registered already")
        _REGISTRY[name] = ModelSpec(
            name=name,
            builder=builder,
            task=task,
            default_dataset=default_dataset,
            layout=layout,
            recipe=recipe,
            description=description or (builder.__doc__ or "").strip().splitlines()[0],
            legacy_hparams=dict(legacy_hparams or {}),
        )
        return builder

    return decorator


def _load_all():
    global _loaded
    if not _loaded:
        for module in _BUILDER_MODULES:
            importlib.import_module(f"zoo.{module}")
        _loaded = True


def list_models() -> list[str]:
    """Returns the sorted names of every registered model."""
    _load_all()
    return sorted(_REGISTRY)


def get_model_spec(name: str) -> ModelSpec:
    """Returns the `ModelSpec` registered as `name`.

    Raises:
        UsageError: no model has that name; the message lists every known name.
    """
    _load_all()
    if name not in _REGISTRY:
        raise UsageError(f"unknown model {name!r}; known: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def create_model(name, *, input_shape, num_outputs, task=None, **hparams):
    """Builds the model registered as `name`.

    Args:
        name: a registered model name.
        input_shape: the shape of one example, without the batch axis.
        num_outputs: classes for classification, values for regression.
        task: "classification" or "regression"; defaults to the model's own task.
        **hparams: the builder's keyword arguments (widths, dropout_rate, ...).

    Returns:
        A `keras.Model` named `name`.

    Raises:
        UsageError: unknown name, task or hyperparameter.
    """
    spec = get_model_spec(name)
    task = task or spec.task
    if task not in TASKS:
        raise UsageError(f"unknown task {task!r}; known: {', '.join(TASKS)}")
    check_hparams(name, hparams)
    return spec.builder(
        input_shape=tuple(input_shape), num_outputs=int(num_outputs), task=task, **hparams
    )


def check_hparams(name: str, hparams, known=None) -> None:
    """Refuses hyperparameter names that the builder of `name` does not take.

    Args:
        name: a registered model name.
        hparams: the names given (a dict's keys will do).
        known: the builder's hyperparameters, if the caller has them (`builder_hparams(name)`).

    Raises:
        UsageError: an unknown name; the message lists the known ones.
    """
    known = builder_hparams(name) if known is None else known
    unknown = sorted(set(hparams) - set(known))
    if unknown:
        raise UsageError(
            f"model {name!r} has no hyperparameter {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known)) or 'none'}"
        )


def hparam_meanings(name: str) -> dict:
    """One line per hyperparameter of `name`'s builder, read from its docstring's Args section
    (the builder's docstring is where each one is explained); "" for one it does not explain."""
    import inspect

    meanings, current = {}, None
    lines = inspect.getdoc(get_model_spec(name).builder).splitlines()
    for line in lines[lines.index("Args:") + 1 :] if "Args:" in lines else []:
        if not line.strip():
            continue
        if not line.startswith(" "):
            break  # the next section: Returns, Raises
        key, sep, text = line.strip().partition(": ")
        if sep and line.startswith("    ") and not line.startswith("     ") and key.isidentifier():
            current = key
            meanings[current] = text
        elif current:
            meanings[current] += " " + line.strip()
    return {key: meanings.get(key, "") for key in builder_hparams(name)}


def recorded_hparams(name: str, hparams: dict) -> dict:
    """The hyperparameters a recorded run was built with: run.json's `hparams`, and for a key
    added to the builder since (`ModelSpec.legacy_hparams`), the value of the run's time."""
    legacy = get_model_spec(name).legacy_hparams
    return {**{key: value for key, value in legacy.items() if key not in hparams}, **hparams}


def builder_hparams(name: str) -> dict:
    """Returns the builder's hyperparameters and their defaults (everything but the fixed ones)."""
    import inspect

    signature = inspect.signature(get_model_spec(name).builder)
    fixed = {"input_shape", "num_outputs", "task"}
    return {
        key: param.default
        for key, param in signature.parameters.items()
        if key not in fixed and param.kind == param.KEYWORD_ONLY
    }
