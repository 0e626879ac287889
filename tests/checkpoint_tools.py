"""Reading run folders back in tests: every tensor of a checkpoint, history rows."""

import json

import numpy as np
import pandas as pd
import tensorflow as tf

# Bookkeeping that differs between a straight run and a resumed one by design.
NOT_STATE = ("save_counter", "_CHECKPOINTABLE_OBJECT_GRAPH")


def checkpoint_tensors(run_dir, name: str | None = None) -> dict:
    """Every tensor of the run's checkpoint `name` (default: TensorFlow's latest), by key."""
    prefix = (
        str(run_dir / "ckpt" / name) if name else tf.train.latest_checkpoint(str(run_dir / "ckpt"))
    )
    reader = tf.train.load_checkpoint(prefix)
    return {
        key: reader.get_tensor(key)
        for key in reader.get_variable_to_shape_map()
        if not key.startswith(NOT_STATE)
    }


def assert_same_state(left: dict, right: dict) -> None:
    """Bit-identical tensors under identical keys."""
    assert sorted(left) == sorted(right)
    for key in left:
        np.testing.assert_array_equal(left[key], right[key], err_msg=key)


def assert_same_history(run_dir, reference_dir, *, partial_epochs=()) -> None:
    """history.csv equal to the reference run's, row by row and column by column, but for the
    wall time of each epoch.

    Args:
        partial_epochs: epochs a launch resumed in the middle of. Their training loss and
            metrics are Keras's running means over the steps after the resume only (the
            checkpoint does not hold the metrics' accumulators), so for those rows only the
            validation figures and the learning rate are compared.
    """
    history = pd.read_csv(run_dir / "history.csv").drop(columns="epoch_seconds")
    reference = pd.read_csv(reference_dir / "history.csv").drop(columns="epoch_seconds")
    assert list(history.columns) == list(reference.columns)
    assert history["epoch"].tolist() == reference["epoch"].tolist()
    training = [c for c in history.columns if c not in ("epoch", "learning_rate")]
    training = [c for c in training if not c.startswith("val_")]
    partial = history["epoch"].isin(list(partial_epochs))
    pd.testing.assert_frame_equal(history.drop(columns=training), reference.drop(columns=training))
    pd.testing.assert_frame_equal(history[~partial], reference[~partial])


def restored_outputs(run_dir, which: str, x):
    """The outputs of the run's model with checkpoint `which` restored, on normalised `x`."""
    from harness.checkpoints.restore import restore_run_model

    return restore_run_model(run_dir, which, warn=False).model.predict(x, verbose=0)


def assert_model_holds_checkpoint(model_path, run_dir, name: str) -> None:
    """The trainable weights of the .keras file equal those checkpoint `name` holds, bit for
    bit (the optimizer tracks them in the model's order)."""
    import keras

    import zoo  # noqa: F401  (registers the custom layers for load_model)

    weights = keras.saving.load_model(model_path).trainable_weights
    reader = tf.train.load_checkpoint(str(run_dir / "ckpt" / name))
    for index, weight in enumerate(weights):
        key = f"optimizer/_trainable_variables/{index}/.ATTRIBUTES/VARIABLE_VALUE"
        np.testing.assert_array_equal(weight.numpy(), reader.get_tensor(key), err_msg=weight.path)
    assert not reader.has_tensor(
        f"optimizer/_trainable_variables/{len(weights)}/.ATTRIBUTES/VARIABLE_VALUE"
    )


def read_summary(run_dir) -> dict:
    """The run's summary.json."""
    return json.loads((run_dir / "summary.json").read_text())


def data_file(run_dir, name: str):
    """The largest .data shard of checkpoint `name` (the one holding the weights)."""
    shards = list((run_dir / "ckpt").glob(f"{name}.data-*"))
    assert shards, f"no data file for {name}"
    return max(shards, key=lambda path: path.stat().st_size)


def kill_resume_and_compare(argv, tmp_path, *, epochs: int):
    """Trains `argv` straight, then again killed with SIGKILL once two history rows are written
    and resumed in a new process; asserts the resumed run ends bit-identical to the straight one,
    with every history row once. Returns the killed run's folder."""
    import train
    from tests.process_tools import Trainer, history_epochs

    assert train.main([*argv, "--run-dir", str(tmp_path / "straight")]) == 0
    run_dir = tmp_path / "killed"
    first = Trainer([*argv, "--run-dir", run_dir], log_dir=tmp_path, name="first")
    first.wait_until(lambda: len(history_epochs(run_dir)) >= 2)
    first.kill()
    assert len(history_epochs(run_dir)) < epochs
    second = Trainer(["--resume", "--run-dir", run_dir], log_dir=tmp_path, name="second")
    assert second.process.wait(timeout=240) == 0, second.logs()

    assert second.resumed_from() is not None
    assert_same_state(checkpoint_tensors(tmp_path / "straight"), checkpoint_tensors(run_dir))
    assert_same_history(run_dir, tmp_path / "straight")
    return run_dir
