"""Building and compiling a run's model, the same way in training, resume, evaluation and export."""

from harness.errors import UsageError
from harness.model.augment import recorded_augmentations, with_augmentation
from harness.model.optimizers import build_optimizer


def build_model(model_info: dict, *, augment: bool, dataset: str, seed: int):
    """Builds the architecture described by run.json's "model" section.

    Args:
        model_info: name, task, layout, input_shape, num_outputs and hparams (a key added to
            the builder after the run was recorded takes the value of its time).
        augment: the run's --augment; with model_info's "augmentations" (the names run.json
            records), which augmentation layers wrap the model (`augment.recorded_augmentations`).
        dataset: the training data set (the image shape when a model reads images flat).
        seed: the run's seed (seeds the augmentation layers).

    Raises:
        UsageError: the hyperparameters cannot build a model (Keras's reason is quoted).
    """
    from zoo import create_model, recorded_hparams

    try:
        model = create_model(
            model_info["name"],
            input_shape=model_info["input_shape"],
            num_outputs=model_info["num_outputs"],
            task=model_info["task"],
            **recorded_hparams(model_info["name"], model_info["hparams"]),
        )
    except (ValueError, TypeError) as error:
        raise UsageError(
            f"model {model_info['name']!r} cannot be built with {model_info['hparams']}: {error}"
        ) from None
    names = recorded_augmentations(model_info, augment=augment, dataset=dataset)
    return with_augmentation(model, names, layout=model_info["layout"], dataset=dataset, seed=seed)


def inference_model(model):
    """The model without its training-only augmentation wrapper, sharing the same weights.

    Keras 3 preprocessing layers default to `training=True` when called without the flag, so a
    wrapped model called as `model(x)` (or served from a SavedModel) would augment its inputs.
    `model.keras` and exports therefore hold the zoo model itself.
    """
    import keras

    inner = model.layers[-1] if model.layers else None
    if isinstance(inner, keras.Model) and inner.name == model.name:
        return inner
    return model


def loss_and_metrics(task: str, label_smoothing: float = 0.0):
    """The loss and metrics for a task; metric names are what history.csv and summaries show."""
    import keras

    if task == "regression":
        return keras.losses.MeanSquaredError(), [keras.metrics.MeanAbsoluteError(name="mae")]
    if label_smoothing:
        return (
            keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
            [keras.metrics.CategoricalAccuracy(name="accuracy")],
        )
    return (
        keras.losses.SparseCategoricalCrossentropy(),
        [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )


def compile_model(model, config, *, task: str, steps_per_epoch: int, steps_per_execution: int = 1):
    """Compiles `model` with the recipe's optimizer, loss and metrics; returns the optimizer.

    The optimizer is built right away so that its slot variables exist before a checkpoint is
    restored into them.
    """
    optimizer = build_optimizer(config, steps_per_epoch)
    loss, metrics = loss_and_metrics(task, config.label_smoothing or 0.0)
    model.compile(
        optimizer=optimizer,
        loss=loss,
        metrics=metrics,
        jit_compile=bool(config.xla),
        steps_per_execution=steps_per_execution,
    )
    optimizer.build(model.trainable_variables)
    return optimizer
