"""harness.runtime.timing on a real training run: each bookkeeping stage once per epoch, nested
stages inside the ones that hold them, nothing kept while nobody listens."""

import pytest

import train
from harness.checkpoints.manifest import Manifest
from harness.runtime import timing
from harness.runtime.timing import listen, stage

EPOCHS = 2
# (outer, inner): the inner stage runs inside the outer one, once per epoch.
NESTED = (
    (timing.CHECKPOINT_CALLBACK, timing.COUNTERS),
    (timing.CHECKPOINT_CALLBACK, timing.CHECKPOINT_SAVE),
    (timing.CHECKPOINT_SAVE, timing.TENSORFLOW_WRITE),
    (timing.CHECKPOINT_SAVE, timing.SHA256),
    (timing.CHECKPOINT_SAVE, timing.RETENTION),
    (timing.RETENTION, timing.MANIFEST),
    (timing.RETENTION, timing.TF_STATE_FILE),
    (timing.RETENTION, timing.DELETE),
)


def train_tiny(run_dir) -> None:
    args = ["--model", "mlp", "--epochs", str(EPOCHS), "--set", "widths=8", "--save-every", "epoch"]
    assert train.main([*args, "--batch-size", "256", "--run-dir", str(run_dir)]) == 0


def test_a_real_run_records_every_stage_once_per_epoch(tmp_path):
    with listen() as seconds:
        train_tiny(tmp_path / "run")
    assert sorted(seconds) == sorted(timing.STAGES)
    for name in timing.STAGES:
        # No stage has a call of its own: the learning rate a row holds comes from the train
        # call (BoundedExecutions.learning_rate), with no reader to trace as training begins.
        assert len(seconds[name]) == EPOCHS, name
        assert all(value > 0 for value in seconds[name]), name
    for outer, inner in NESTED:
        for epoch in range(EPOCHS):
            assert seconds[inner][epoch] <= seconds[outer][epoch], (outer, inner, epoch)
    # The first save traces TensorFlow's write; the second only runs it.
    assert seconds[timing.TENSORFLOW_WRITE][0] > seconds[timing.TENSORFLOW_WRITE][1]


def test_nothing_is_recorded_without_a_listener(tmp_path):
    import tensorflow as tf

    from harness.checkpoints import CheckpointStore, RetentionPolicy

    root = tf.train.Checkpoint(weights=tf.Variable([1.0, 2.0]))
    store = CheckpointStore(tmp_path / "run", root, RetentionPolicy(keep_last=1))
    with listen() as closed:
        pass
    assert stage(timing.CHECKPOINT_SAVE) is stage(timing.DELETE)  # one shared no-op, no clock
    store.save(epoch=1, step=1, metrics={})
    store.save(epoch=2, step=2, metrics={})
    assert closed == {}
    with listen() as outer:
        with listen() as inner:
            store.save(epoch=3, step=3, metrics={})
        Manifest.load(tmp_path / "run").save()
    saved = set(timing.STAGES) - {timing.HISTORY_ROW, timing.CHECKPOINT_CALLBACK, timing.COUNTERS}
    assert {name: len(values) for name, values in inner.items()} == dict.fromkeys(saved, 1)
    assert len(outer[timing.MANIFEST]) == 2 and len(outer[timing.CHECKPOINT_SAVE]) == 1
    assert stage(timing.MANIFEST) is stage(timing.SHA256)  # every listener gone again


def test_a_stage_that_raises_records_its_time_and_raises(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    with listen() as seconds:
        with pytest.raises(FileExistsError):
            Manifest(not_a_folder).save()
    assert list(seconds) == [timing.MANIFEST] and len(seconds[timing.MANIFEST]) == 1
    assert seconds[timing.MANIFEST][0] > 0
