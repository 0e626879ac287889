"""train.py --tensorboard: Keras's own TensorBoard callback, logging into RUN/tensorboard/.

Keras writes one scalar per epoch for every logged metric (train/ and validation/ runs, tags
epoch_loss, epoch_accuracy, ...), the optimizer's learning rate (epoch_learning_rate), and with
--tensorboard N the weights' histograms every N epochs. Steps are epochs from 0,
except for validation/'s evaluation_*_vs_iterations, whose steps are optimizer steps.

A resumed run appends to the same folders. Epochs a killed run logged after its last checkpoint
are trained again, so before training resumes their events are dropped from the event files, as
history.csv drops their rows: each epoch then has exactly one value.
"""

from pathlib import Path

LOG_FOLDER = "tensorboard"


def tensorboard_callback(config, write_dir: Path, state):
    """The TensorBoard callback for `config`, or None without --tensorboard.

    Args:
        config: the run's `TrainConfig`; its `tensorboard` is None (off), 0 (scalars) or N
            (also histograms every N epochs).
        write_dir: the run folder (or a non-chief worker's temporary folder).
        state: the `TrainingState`, restored on resume: events of the epochs and steps after
            it are removed first.
    """
    if config.tensorboard is None:
        return None
    import keras

    log_dir = Path(write_dir) / LOG_FOLDER
    drop_events_after(log_dir, epochs=int(state.epoch.numpy()), steps=int(state.step.numpy()))
    return keras.callbacks.TensorBoard(
        log_dir=str(log_dir),
        histogram_freq=config.tensorboard,
        write_graph=False,  # the graph of a Functional model says less than model.summary()
        update_freq="epoch",
    )


def drop_events_after(log_dir: Path, *, epochs: int, steps: int) -> int:
    """Rewrites every event file under `log_dir` without the summaries of epoch steps at
    `epochs` or later and of optimizer steps after `steps` (events without summaries, such as
    the file-version header, stay). Each file is replaced atomically; a file with nothing to
    drop is left untouched.

    Returns:
        How many events were dropped.
    """
    import tensorflow as tf
    from tensorboard.compat.proto import event_pb2

    dropped = 0
    for path in sorted(Path(log_dir).rglob("events.out.tfevents.*")):
        records = list(tf.data.TFRecordDataset(str(path)).as_numpy_iterator())
        kept = [
            record
            for record in records
            if not _is_late(event_pb2.Event.FromString(record), epochs, steps)
        ]
        if len(kept) == len(records):
            continue
        dropped += len(records) - len(kept)
        temporary = path.with_name(path.name + ".tmp")
        with tf.io.TFRecordWriter(str(temporary)) as writer:
            for record in kept:
                writer.write(record)
        temporary.replace(path)
    return dropped


def _is_late(event, epochs: int, steps: int) -> bool:
    if not event.HasField("summary"):
        return False
    if any(value.tag.endswith("_vs_iterations") for value in event.summary.value):
        return event.step > steps
    return event.step >= epochs
