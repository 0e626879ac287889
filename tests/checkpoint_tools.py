"""Reading run folders back in tests: every tensor of a checkpoint, history rows."""

import numpy as np
import tensorflow as tf

# Bookkeeping that differs between a straight run and a resumed one by design.
NOT_STATE = ("save_counter", "_CHECKPOINTABLE_OBJECT_GRAPH")


def checkpoint_tensors(run_dir) -> dict:
    """Every tensor of the run's latest checkpoint, by key."""
    prefix = tf.train.latest_checkpoint(str(run_dir / "ckpt"))
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


def data_file(run_dir, name: str):
    """The largest .data shard of checkpoint `name` (the one holding the weights)."""
    shards = list((run_dir / "ckpt").glob(f"{name}.data-*"))
    assert shards, f"no data file for {name}"
    return max(shards, key=lambda path: path.stat().st_size)
