"""The training paths the bench compares, each timed per epoch by `EpochClock`.

- plain: what a user writes by hand: `create_model`, `compile` with the recipe's optimizer and
  loss (Keras's own `jit_compile="auto"` unless told otherwise), `model.fit` on NumPy arrays with
  no callbacks.
- harness: the real train.py path, `harness.train.prepare.prepare` then `run`, with its tf.data
  pipeline, history.csv, a checkpoint every epoch, retention and the end-of-run files.
"""

import shutil
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import WORK_DIR
from bench.share import EpochClock


def shortened(name: str, epochs: int) -> dict:
    """TrainConfig fields that shorten a model's default run to `epochs` and keep it valid.

    A warm-up longer than the shortened run is cut to `epochs - 1`: the rate's values change,
    the work of an epoch does not.
    """
    from zoo import get_model_spec

    overrides = {"epochs": epochs}
    if get_model_spec(name).recipe.warmup_epochs >= epochs:
        overrides["warmup_epochs"] = max(0, epochs - 1)
    return overrides


def recipe_config(name: str, epochs: int, **overrides):
    """The resolved TrainConfig of a model's default run, shortened to `epochs`."""
    from harness.config import TrainConfig, resolve_config
    from harness.data import dataset_task
    from zoo import get_model_spec

    spec = get_model_spec(name)
    fields = {**shortened(name, epochs), **overrides}
    config = TrainConfig(model=name, dataset=spec.default_dataset, **fields)
    return resolve_config(config, spec.recipe, task=dataset_task(spec.default_dataset))


def default_data(name: str):
    """The model's default data set, split as the harness splits it (seed 0)."""
    from harness.data import load_dataset
    from zoo import get_model_spec

    spec = get_model_spec(name)
    return load_dataset(spec.default_dataset, layout=spec.layout, seed=0)


def plain_model(name: str, data, config, *, jit_compile="auto"):
    """A zoo model compiled as by hand: the recipe's optimizer and loss, Keras defaults otherwise.

    A recipe with augmentation gets the same Keras preprocessing layers in front of the model as
    in the harness, and label smoothing the same smoothed loss: the same model and the same work.
    """
    import keras

    from harness.model.augment import chosen_augmentations, with_augmentation
    from harness.model.factory import loss_and_metrics
    from harness.model.hparams import coerce_hparams
    from harness.model.optimizers import build_optimizer
    from harness.train.pipeline import steps_per_epoch
    from zoo import builder_hparams, create_model, get_model_spec

    keras.utils.set_random_seed(config.seed)
    hparams = coerce_hparams(config.hparams, builder_hparams(name), name)
    model = create_model(
        name, input_shape=data.input_shape, num_outputs=data.num_outputs, task=data.task, **hparams
    )
    layout = get_model_spec(name).layout
    names = chosen_augmentations(
        augment=bool(config.augment), layout=layout, dataset=config.dataset,
        data_options=config.data_options,
    )  # fmt: skip
    model = with_augmentation(model, names, layout=layout, dataset=config.dataset, seed=config.seed)
    loss, metrics = loss_and_metrics(data.task, config.label_smoothing or 0.0)
    optimizer = build_optimizer(config, steps_per_epoch(len(data.x_train), config.batch_size))
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics, jit_compile=jit_compile)
    return model


def plain_epochs(model, data, config, *, validation=True) -> list[float]:
    """Fits `config.epochs` epochs by hand and returns the wall seconds of epochs 2..E.

    The model is reused across rounds: its first call traces, later calls only train, and
    epoch 1 is dropped either way.
    """
    clock = EpochClock()
    y_train, y_val = (_labels(labels, data, config) for labels in (data.y_train, data.y_val))
    validation_data = (data.x_val, y_val) if validation else None
    with clock.capture():
        model.fit(
            data.x_train,
            y_train,
            batch_size=config.batch_size,
            epochs=config.epochs,
            validation_data=validation_data,
            verbose=2,
        )
    return _checked(clock, config.epochs)


def harness_epochs(name: str, epochs: int, **overrides) -> dict:
    """Trains through `harness.train.prepare.prepare` and `run` into a scratch run folder.

    Returns:
        {"walls": full wall seconds of epochs 2..E, "epoch_seconds": history.csv's own figure
        for those epochs, "bookkeeping": their difference, "history": every metric of every
        epoch, to check that an option leaves results unchanged}. The history writer times an epoch
        before it writes its row and before the checkpoint saver (a later callback) runs, so the
        difference is the time of history.csv's write and of the checkpoint, hashing and
        manifest included.
    """
    from harness.config import TrainConfig
    from harness.train.prepare import prepare
    from harness.train.run import run

    run_dir = WORK_DIR / f"run-{name}-{uuid.uuid4().hex[:8]}"
    clock = EpochClock()
    try:
        fields = {**shortened(name, epochs), **overrides}
        prepared = prepare(TrainConfig(model=name, run_dir=str(run_dir), **fields))
        with clock.capture():
            run(prepared, command=["bench"])
        walls = _checked(clock, epochs)
        history = pd.read_csv(Path(run_dir) / "history.csv")
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    epoch_seconds = [float(value) for value in history["epoch_seconds"].iloc[1:]]
    bookkeeping = [wall - own for wall, own in zip(walls, epoch_seconds)]
    metrics = history.drop(columns=["epoch_seconds"]).to_dict("records")
    return {
        "walls": walls,
        "epoch_seconds": epoch_seconds,
        "bookkeeping": bookkeeping,
        "history": metrics,
    }


def _labels(labels, data, config):
    # Label smoothing needs one-hot targets, as the harness's pipeline makes them.
    if config.label_smoothing:
        return np.eye(data.num_outputs, dtype="float32")[labels]
    return labels


def _checked(clock: EpochClock, epochs: int) -> list[float]:
    walls = clock.epoch_walls()
    if len(walls) != epochs - 1:
        raise RuntimeError(
            f"expected {epochs - 1} timed epochs, saw {len(walls)}:\n{clock.text()[-2000:]}"
        )
    return walls
