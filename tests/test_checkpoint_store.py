"""CheckpointStore and retention on real tf.train.Checkpoint files in a temporary run folder."""

import json
import math
import signal
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from harness.checkpoints import CheckpointStore, RetentionPolicy
from harness.checkpoints.integrity import damage
from harness.checkpoints.retention import select_kept
from harness.errors import UsageError
from tests.checkpoint_tools import data_file
from tests.conftest import REPO_ROOT

# Epoch -> val_loss for the 12-epoch runs: epochs 4 (0.5) and 2 (1.0) are the best two.
LOSSES = [5.0, 1.0, 4.0, 0.5, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0]


def make_root(units=8, extra_layer=False):
    """The trainer's root checkpoint around a tiny functional model with a built optimizer."""
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(units)(inputs)
    if extra_layer:
        hidden = keras.layers.Dense(units)(hidden)
    model = keras.Model(inputs, keras.layers.Dense(2)(hidden))
    optimizer = keras.optimizers.Adam(0.01)
    optimizer.build(model.trainable_variables)
    return tf.train.Checkpoint(
        model=model,
        optimizer=optimizer,
        epoch=tf.Variable(0, dtype=tf.int64),
        step=tf.Variable(0, dtype=tf.int64),
        callbacks=tf.train.Checkpoint(best=tf.Variable(math.nan, dtype=tf.float64)),
        rng=[keras.random.SeedGenerator(1).state],
    )


def fill(root, value):
    """Sets every model weight and the counters to values derived from `value`."""
    for weight in root.model.weights:
        weight.assign(np.full(weight.shape, value, dtype="float32"))
    root.epoch.assign(int(value))


def save_epochs(store, root, epochs, losses=None):
    for epoch in epochs:
        fill(root, epoch)
        loss = (losses or LOSSES)[epoch - 1]
        store.save(epoch=epoch, step=epoch * 10, metrics={"loss": loss + 1, "val_loss": loss})


def names_on_disk(run_dir):
    """Checkpoint names with an .index file in <run>/ckpt, by step."""
    names = [path.name[: -len(".index")] for path in (run_dir / "ckpt").glob("ckpt-*.index")]
    return sorted(names, key=lambda name: int(name.split("-")[1]))


def holds(root, value):
    """Whether every model weight of `root` equals `value` exactly."""
    return all(
        np.array_equal(weight.numpy(), np.full(weight.shape, value))
        for weight in root.model.weights
    )


def entry(name, epoch, kind="epoch", **metrics):
    return {"name": name, "epoch": epoch, "kind": kind, "metrics": metrics}


def test_select_kept_rules():
    policy = RetentionPolicy(keep_last=1, keep_best=1, monitor="val_loss", mode="max", keep_every=3)
    entries = [
        entry("a", 1, val_loss=0.9),
        entry("b", 2, val_loss=0.9),
        entry("c", 3),
        entry("d", 4, val_loss=float("nan")),
        entry("e", 5, val_loss=0.1),
        entry("s", 5, kind="step"),
    ]
    # best (max, tie -> earlier): a; every 3rd: c; last epoch-end: e; newest: s. NaN is not best.
    assert select_kept(entries, policy) == ["a", "c", "e", "s"]
    # Once a newer checkpoint exists, the step checkpoint is dropped.
    assert "s" not in select_kept(entries + [entry("f", 6, val_loss=0.2)], policy)
    with pytest.raises(UsageError, match="mode"):
        RetentionPolicy(mode="lowest")


def test_retention_after_many_saves(tmp_path):
    root = make_root()
    store = CheckpointStore(tmp_path, root, RetentionPolicy(keep_last=3, keep_best=2))
    save_epochs(store, root, range(1, 13))

    kept = ["ckpt-20", "ckpt-40", "ckpt-100", "ckpt-110", "ckpt-120"]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [item["name"] for item in manifest["checkpoints"]] == kept
    assert names_on_disk(tmp_path) == kept
    assert manifest["best"]["name"] == "ckpt-40" and manifest["policy"]["keep_best"] == 2
    state = tf.train.get_checkpoint_state(str(tmp_path / "ckpt"))
    assert [path.rsplit("/", 1)[-1] for path in state.all_model_checkpoint_paths] == kept
    assert tf.train.latest_checkpoint(str(tmp_path / "ckpt")).endswith("ckpt-120")
    # A manager opened later manages exactly the kept checkpoints, none of the deleted ones.
    reopened = tf.train.CheckpointManager(root, str(tmp_path / "ckpt"), max_to_keep=None)
    assert [path.rsplit("/", 1)[-1] for path in reopened.checkpoints] == kept
    assert store.best()["name"] == "ckpt-40" and store.latest()["name"] == "ckpt-120"
    fresh = make_root()
    assert CheckpointStore(tmp_path, fresh).restore("best")["name"] == "ckpt-40"
    assert holds(fresh, 4.0) and int(fresh.epoch.numpy()) == 4


def test_retention_never_deletes_foreign_files(tmp_path):
    foreign = [
        tmp_path / "ckpt" / "notes.txt",
        tmp_path / "ckpt" / "ckpt-999.index",
        tmp_path / "ckpt" / "ckpt-10.data-00000-of-00001.bak",
        tmp_path / "other.txt",
    ]
    for path in foreign:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("not ours")
    root = make_root()
    store = CheckpointStore(tmp_path, root, RetentionPolicy(keep_last=1, keep_best=0))
    save_epochs(store, root, range(1, 5))
    assert all(path.read_text() == "not ours" for path in foreign)
    assert names_on_disk(tmp_path) == ["ckpt-40", "ckpt-999"]


def test_manifest_survives_reopening(tmp_path):
    policy = RetentionPolicy(keep_last=2, keep_best=0)
    root = make_root()
    save_epochs(CheckpointStore(tmp_path, root, policy), root, [1, 2])
    reopened = CheckpointStore(tmp_path, root, policy)
    assert [item["name"] for item in reopened.entries()] == ["ckpt-10", "ckpt-20"]
    save_epochs(reopened, root, [3])
    assert names_on_disk(tmp_path) == ["ckpt-20", "ckpt-30"]


def test_step_checkpoint_is_dropped_and_replaced(tmp_path):
    root = make_root()
    store = CheckpointStore(tmp_path, root, RetentionPolicy(keep_last=5, keep_best=0))
    store.save(epoch=0, step=5, metrics={}, kind="step")
    store.save(epoch=1, step=10, metrics={"val_loss": 1.0}, kind="step")
    assert [item["name"] for item in store.entries()] == ["ckpt-10"]
    # The epoch-end save at the same step replaces the step checkpoint.
    store.save(epoch=1, step=10, metrics={"val_loss": 1.0})
    assert [(item["name"], item["kind"]) for item in store.entries()] == [("ckpt-10", "epoch")]
    assert names_on_disk(tmp_path) == ["ckpt-10"] and damage(tmp_path, store.latest()) is None


def corrupt(path, how):
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    else:
        flipped = bytearray(data)
        flipped[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(flipped))


@pytest.mark.parametrize("how", ["truncate", "flip"])
def test_damaged_latest_falls_back_with_one_warning(tmp_path, capfd, how):
    root = make_root()
    store = CheckpointStore(tmp_path, root, RetentionPolicy(keep_last=3, keep_best=0))
    save_epochs(store, root, [1, 2, 3])
    corrupt(data_file(tmp_path, "ckpt-30"), how)
    capfd.readouterr()
    fresh = make_root()
    assert CheckpointStore(tmp_path, fresh).restore()["name"] == "ckpt-20"
    lines = capfd.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "ckpt-30" in lines[0] and "restoring ckpt-20" in lines[0]
    assert holds(fresh, 2.0)


def test_nothing_intact_or_unknown_name_is_a_usage_error(tmp_path):
    root = make_root()
    store = CheckpointStore(tmp_path, root)
    assert store.restore() is None  # no checkpoints yet: the trainer starts fresh
    save_epochs(store, root, [1, 2])
    with pytest.raises(UsageError, match=r"unknown checkpoint 'ckpt-7'.*ckpt-10, ckpt-20"):
        store.restore("ckpt-7")
    for path in (tmp_path / "ckpt").glob("*.data-*"):
        corrupt(path, "flip")
    with pytest.raises(UsageError, match="no intact checkpoint.*ckpt-20.*ckpt-10"):
        store.restore("latest")
    with pytest.raises(UsageError, match="no intact checkpoint.*ckpt-10"):
        store.restore(str(tmp_path / "ckpt" / "ckpt-10"))


def test_architecture_mismatch_names_variables_and_changes_nothing(tmp_path):
    root = make_root(units=8)
    CheckpointStore(tmp_path, root).save(epoch=1, step=10, metrics={"val_loss": 1.0})
    wider = make_root(units=16)
    fill(wider, 7)
    with pytest.raises(UsageError) as error:
        CheckpointStore(tmp_path, wider).restore()
    message = str(error.value)
    assert message.startswith("checkpoint ckpt-10 does not fit this model: ")
    assert (
        "model/_operations/1/_kernel has shape (4, 8) in the checkpoint, (4, 16) in the model"
        in message
    )
    assert message.endswith("more")
    assert holds(wider, 7.0)
    with pytest.raises(UsageError, match="is in the model, not in the checkpoint"):
        CheckpointStore(tmp_path, make_root(extra_layer=True)).restore()


def test_plain_tensorflow_reads_the_checkpoints(tmp_path):
    root = make_root()
    save_epochs(CheckpointStore(tmp_path, root), root, [1, 2])
    latest = tf.train.latest_checkpoint(str(tmp_path / "ckpt"))
    assert latest.endswith("ckpt-20")
    keys = [key for key, _ in tf.train.list_variables(latest)]
    assert tf.train.load_checkpoint(latest).has_tensor("epoch/.ATTRIBUTES/VARIABLE_VALUE")
    assert any(key.startswith("optimizer/_variables/") for key in keys)
    # TensorFlow keys each weight by its shortest path, optimizer/_trainable_variables/N; the
    # object graph still holds it under "model", so a model alone restores by that name.
    fresh = make_root()
    tf.train.Checkpoint(model=fresh.model).read(latest).assert_existing_objects_matched()
    assert holds(fresh, 2.0)


def test_async_save_records_complete_verified_entries(tmp_path):
    root = make_root()
    with CheckpointStore(
        tmp_path, root, RetentionPolicy(keep_last=2, keep_best=0), async_save=True
    ) as store:
        fill(root, 1)
        pending = store.save(epoch=1, step=10, metrics={"val_loss": 1.0})
        assert pending["pending"] and "files" not in pending
        assert not (tmp_path / "manifest.json").exists()
        save_epochs(store, root, [2, 3])
    entries = json.loads((tmp_path / "manifest.json").read_text())["checkpoints"]
    assert [item["name"] for item in entries] == ["ckpt-20", "ckpt-30"]
    assert all(damage(tmp_path, item) is None and item["bytes"] > 0 for item in entries)
    assert names_on_disk(tmp_path) == ["ckpt-20", "ckpt-30"]
    # Each file holds the values of its own save, not those of a later one.
    for name, value in (("ckpt-20", 2.0), ("ckpt-30", 3.0)):
        fresh = make_root()
        CheckpointStore(tmp_path, fresh).restore(name)
        assert holds(fresh, value)


SAVER = """
import sys
from harness.checkpoints import CheckpointStore, RetentionPolicy
from tests.test_checkpoint_store import fill, make_root
root = make_root()
store = CheckpointStore(sys.argv[1], root, RetentionPolicy(keep_last=1, keep_best=0))
for epoch in range(1, 100000):
    fill(root, epoch)
    store.save(epoch=epoch, step=epoch, metrics={"val_loss": 1.0})
    print(epoch, flush=True)
"""


def test_sigkill_during_saves_leaves_a_consistent_run(tmp_path):
    # Saves back to back with deletions each time; the kill lands wherever it lands.
    saver = subprocess.Popen(
        [sys.executable, "-c", SAVER, str(tmp_path)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    while int(saver.stdout.readline()) < 3:
        pass
    saver.send_signal(signal.SIGKILL)
    saver.wait()
    saver.stdout.close()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["checkpoints"] and all(
        damage(tmp_path, item) is None for item in manifest["checkpoints"]
    )
    state = tf.train.get_checkpoint_state(str(tmp_path / "ckpt"))
    assert all(tf.io.gfile.exists(path + ".index") for path in state.all_model_checkpoint_paths)
    fresh = make_root()
    store = CheckpointStore(tmp_path, fresh, RetentionPolicy(keep_last=1, keep_best=0))
    epoch = store.restore()["epoch"]
    assert holds(fresh, epoch)
    store.save(epoch=epoch + 1, step=epoch + 1, metrics={})
    assert [item["name"] for item in store.entries()] == [f"ckpt-{epoch + 1}"]
