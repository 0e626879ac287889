"""The fit itself: compile, restore on resume, callbacks, and `model.fit` over the epoch range."""

import dataclasses
import sys

from harness.config import monitor_mode, parse_save_every
from harness.errors import UsageError
from harness.model.factory import compile_model
from harness.model.optimizers import plateau_callback
from harness.runtime.distribute import single_process
from harness.train.callbacks import HistoryWriter, truncate_history
from harness.train.executions import BoundedExecutions, StepClock, steps_for_budget
from harness.train.pipeline import execution_steps, split_dataset, steps_per_epoch, train_dataset
from harness.train.saver import CheckpointSaver
from harness.train.tensorboard import tensorboard_callback


@dataclasses.dataclass
class FitOutcome:
    """What fit_run leaves for the summary."""

    store: object
    state: object
    initial_epoch: int
    early_stopping: object


def fit_run(prepared, model, *, distribution=None, write_dir=None, stop=None) -> FitOutcome:
    """Trains `model` for the prepared run, resuming from its newest valid checkpoint if asked.

    Args:
        prepared: the `PreparedRun`.
        model: the model, built in `distribution`'s scope.
        distribution: a `harness.runtime.distribute.Distribution`; default: this process alone.
        write_dir: where checkpoints and history.csv go (the run folder, or a non-chief worker's
            temporary folder); default: the run folder.
        stop: the `harness.runtime.interrupts.StopRequest` a signal sets; the saver answers it.
    """
    from harness.checkpoints import CheckpointStore, RetentionPolicy
    from harness.model.state import TrainingState

    config, data = prepared.config, prepared.data
    distribution = distribution or single_process()
    write_dir = write_dir or prepared.run_dir
    steps = steps_per_epoch(len(data.x_train), config.batch_size)
    execution = execution_steps(
        config.steps_per_execution, steps, distributed=distribution.strategy is not None
    )
    with distribution.scope():
        optimizer = compile_model(
            model, config, task=data.task, steps_per_epoch=steps, steps_per_execution=execution or 1
        )
    bounded = BoundedExecutions(model) if execution is None else None
    state = TrainingState(model, optimizer)
    policy = RetentionPolicy(
        keep_last=config.keep_last,
        keep_best=config.keep_best,
        monitor=config.monitor,
        mode=monitor_mode(config.monitor),
        keep_every=config.keep_every,
    )
    store = CheckpointStore(
        write_dir, state.checkpoint, policy, async_save=_async_save(config, distribution)
    )
    start_step = 0
    if not prepared.resume:
        print(f"training: {config.epochs} epochs of {steps} steps", flush=True)
    else:
        start_step = _restore(
            run_store(prepared, store, state, distribution),
            state,
            prepared.run_dir,
            history=write_dir / "history.csv",
            steps=steps,
        )
    early_stopping = _early_stopping(config)
    agree = distribution.agreed_sum if distribution.workers > 1 else None
    rate = bounded.learning_rate if bounded is not None else None
    callbacks = _callbacks(
        prepared, store, state, early_stopping, steps, write_dir, stop, agree, rate=rate
    )
    try:
        _fit_from(model, prepared, callbacks, start_step, steps, distribution, bounded)
    finally:
        store.close()
    return FitOutcome(store, state, start_step // steps, early_stopping)


def run_store(prepared, store, state, distribution):
    """The store that reads the run folder's checkpoints: the chief's own, else a reader.

    Every worker restores the same checkpoint from the chief's run folder, so that folder must be
    on storage all workers can read (see the README, "Beyond one machine").
    """
    if distribution.is_chief:
        return store
    from harness.checkpoints import CheckpointStore

    reader = CheckpointStore(prepared.run_dir, state.checkpoint)
    if not reader.entries():
        raise UsageError(
            f"{distribution.describe()}: the chief's run folder {prepared.run_dir} shows no "
            "checkpoint here; --resume and --early-stopping need it on storage every worker reads"
        )
    return reader


def _async_save(config, distribution) -> bool:
    if config.async_save and distribution.strategy is not None:
        print(
            "note: --async-save is for --strategy none; "
            f"saving synchronously under {distribution.name}",
            flush=True,
        )
        return False
    return config.async_save


def _restore(store, state, run_dir, *, history, steps: int) -> int:
    entry = store.restore("latest")
    if entry is None:
        raise UsageError(
            f"--resume: {run_dir} has no checkpoint yet; train it again with --overwrite"
        )
    epoch, step = int(state.epoch.numpy()), int(state.step.numpy())
    truncate_history(history, epoch)
    in_epoch = step - epoch * steps
    where = f"epoch {epoch + 1}" + (f", step {in_epoch + 1} of {steps}" if in_epoch else "")
    print(f"resumed from {entry['name']} (epoch {epoch}, step {step}); next: {where}", flush=True)
    return step


def _early_stopping(config):
    if not config.early_stopping:
        return None
    import keras

    # Best weights come back from the best checkpoint at the end (see finish.py): unlike
    # Keras's in-memory copy, that survives a resume.
    return keras.callbacks.EarlyStopping(
        monitor=config.monitor,
        mode=monitor_mode(config.monitor),
        patience=config.early_stopping,
        restore_best_weights=False,
    )


def _callbacks(
    prepared, store, state, early_stopping, steps, write_dir, stop, agree, *, rate=None
) -> list:
    config = prepared.config
    plateau = plateau_callback(config)
    history, clock = HistoryWriter(write_dir / "history.csv", learning_rate=rate), StepClock()
    # Order matters: see CheckpointSaver.
    callbacks = [
        clock,
        early_stopping,
        history,
        plateau,
        CheckpointSaver(
            store,
            state,
            history=history,
            save_every=config.save_every,
            steps_per_epoch=steps,
            last_epoch=config.epochs,
            early_stopping=early_stopping,
            plateau=plateau,
            stop=stop,
            resume_hint=f"python train.py --run-dir {prepared.run_dir} --resume",
            step_clock=clock,
            agree=agree,
        ),
        tensorboard_callback(config, write_dir, state),
    ]
    return [callback for callback in callbacks if callback is not None]


def _fit_from(model, prepared, callbacks, start_step, steps, distribution, bounded) -> None:
    """Runs model.fit from `start_step`, in segments: a mid-epoch start first finishes that epoch
    alone, and with bounded executions the launch's first epoch (one step a call) measures the
    step before the rest run as many steps a call as the budget allows."""
    config, data = prepared.config, prepared.data
    one_hot = data.num_outputs if config.label_smoothing else None
    validation = distribution.shard(split_dataset(data, "val", config))
    verbose = 1 if sys.stdout.isatty() else 2
    clock = callbacks[0]

    def fit(first_epoch, last_epoch, skip):
        if bounded is not None:
            measured = clock.step_seconds
            align = parse_save_every(config.save_every).steps
            bounded.set_steps(
                1 if measured is None or skip else steps_for_budget(measured, steps, align=align)
            )
        # Global batches, skipped before they are split, so every worker skips the same steps.
        dataset = distribution.shard(
            train_dataset(
                data.x_train,
                data.y_train,
                batch_size=config.batch_size,
                seed=config.seed,
                start_epoch=first_epoch,
                epochs=last_epoch,
                one_hot_classes=one_hot,
            ).skip(skip)
        )
        model.fit(
            dataset,
            epochs=last_epoch,
            initial_epoch=first_epoch,
            steps_per_epoch=steps - skip,
            validation_data=validation,
            callbacks=callbacks,
            verbose=verbose,
            shuffle=False,
        )  # the pipeline owns the order

    segments = _segments(start_step, steps, config.epochs, measure_first=bounded is not None)
    if not segments:
        epoch = start_step // steps
        print(f"nothing to train: the run has done {epoch} of {config.epochs} epochs", flush=True)
    for first_epoch, last_epoch, skip in segments:
        fit(first_epoch, last_epoch, skip)
        if any(getattr(c, "stopped_epoch", 0) for c in callbacks) or model.stop_training:
            return


def _segments(start_step: int, steps: int, epochs: int, *, measure_first: bool) -> list:
    """(first epoch, end epoch, steps to skip) of each model.fit call of this launch."""
    epoch, done_in_epoch = divmod(start_step, steps)
    segments = []
    if done_in_epoch:
        # A step checkpoint: the rest of its epoch, in the same order, then the following ones.
        segments.append((epoch, epoch + 1, done_in_epoch))
        epoch += 1
    elif measure_first and epoch + 1 < epochs:
        segments.append((epoch, epoch + 1, 0))
        epoch += 1
    if epoch < epochs:
        segments.append((epoch, epochs, 0))
    return segments
