"""README promises that no other test exercised, each on a real run: a schedule recomputed when
--resume extends --epochs, --async-save bit-identical to synchronous saves, --clip-norm bounding
every update, and --mixed-precision on the CPU path."""

import contextlib
import io
import json
import math

import keras
import numpy as np
import pandas as pd
import pytest

import train
from harness.checkpoints.integrity import damage
from tests.checkpoint_tools import (
    assert_same_history,
    assert_same_state,
    checkpoint_tensors,
    read_summary,
)
from tests.process_tools import manifest_entries

STEPS = 20  # the digits training split (1257 examples) at batch 64
TINY = ["--model", "mlp", "--set", "widths=8", "--batch-size", "64", "--seed", "2"]
LR = 0.01


def fit(run_dir, *flags) -> str:
    """train.main with TINY and `flags`; returns what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert train.main([*TINY, *map(str, flags), "--run-dir", str(run_dir)]) == 0
    return out.getvalue()


def cosine_rate(step: int, epochs: int) -> float:
    return 0.5 * LR * (1 + math.cos(math.pi * min(step, epochs * STEPS) / (epochs * STEPS)))


def step_rate(step: int, epochs: int) -> float:
    """Tenfold drops after 50% and 75% of the run (PiecewiseConstantDecay: a boundary step still
    has the rate before it)."""
    boundaries = (epochs * STEPS * 0.5, epochs * STEPS * 0.75)
    return LR * 0.1 ** sum(step > boundary for boundary in boundaries)


@pytest.mark.parametrize("schedule, rate", [("cosine", cosine_rate), ("step", step_rate)])
def test_extending_epochs_on_resume_recomputes_the_schedule_over_the_new_length(
    schedule, rate, tmp_path
):
    run_dir = tmp_path / "run"
    fit(run_dir, "--schedule", schedule, "--lr", LR, "--epochs", 2)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert train.main(["--resume", "--run-dir", str(run_dir), "--epochs", "4"]) == 0
    assert f"the {schedule} schedule is recomputed over 4 epochs" in out.getvalue()
    # Each row holds the rate at its epoch's last step: epochs 1-2 under the 2-epoch schedule,
    # epochs 3-4 under the 4-epoch one, which differs from where the 2-epoch one would be.
    expected = [rate(STEPS, 2), rate(2 * STEPS, 2), rate(3 * STEPS, 4), rate(4 * STEPS, 4)]
    history = pd.read_csv(run_dir / "history.csv")
    np.testing.assert_allclose(history["learning_rate"], expected, rtol=1e-6, atol=1e-12)
    assert rate(3 * STEPS, 2) != pytest.approx(expected[2])
    assert json.loads((run_dir / "run.json").read_text())["config"]["epochs"] == 4


def test_async_save_through_train_py_is_bit_identical_to_synchronous_saves(tmp_path):
    flags = ["--set", "dropout_rate=0.2", "--epochs", 2, "--save-every-steps", 7]
    fit(tmp_path / "sync", *flags)
    fit(tmp_path / "async", *flags, "--async-save")
    sync, background = manifest_entries(tmp_path / "sync"), manifest_entries(tmp_path / "async")
    fields = ("name", "epoch", "step", "kind", "metrics")
    assert [{f: e[f] for f in fields} for e in background] == [
        {f: e[f] for f in fields} for e in sync
    ]
    for entry in background:  # every kept checkpoint, recorded once complete, and intact
        assert damage(tmp_path / "async", entry) is None, entry["name"]
        assert_same_state(
            checkpoint_tensors(tmp_path / "sync", entry["name"]),
            checkpoint_tensors(tmp_path / "async", entry["name"]),
        )
    assert_same_history(tmp_path / "async", tmp_path / "sync")
    assert read_summary(tmp_path / "async")["test"] == read_summary(tmp_path / "sync")["test"]


def test_clip_norm_bounds_the_global_norm_of_every_update(tmp_path):
    """With plain SGD an update is -lr times the clipped gradient; at a batch larger than the
    training split every epoch is one step, so consecutive epoch checkpoints hold one update
    each. A bound far below the gradient's norm makes every update's global norm exactly
    lr * clip_norm: clipped, and clipped globally rather than variable by variable."""
    run_dir, lr, clip_norm, epochs = tmp_path / "run", 0.5, 0.01, 5
    fit(
        run_dir,
        *("--batch-size", 4096, "--optimizer", "sgd", "--schedule", "constant", "--lr", lr),
        *("--clip-norm", clip_norm, "--epochs", epochs, "--keep-last", epochs),
        *("--save-every", "epoch"),
    )
    names = [entry["name"] for entry in manifest_entries(run_dir)]
    assert names == [f"ckpt-{epoch}" for epoch in range(1, epochs + 1)]
    weights = [trainable(checkpoint_tensors(run_dir, name)) for name in names]
    norms = [
        math.sqrt(sum(float(np.sum((new - old) ** 2)) for old, new in zip(before, after)))
        for before, after in zip(weights, weights[1:])
    ]
    np.testing.assert_allclose(norms, lr * clip_norm, rtol=1e-3)


def trainable(tensors: dict) -> list:
    """The trainable variables of a checkpoint, in the optimizer's order, as float64."""
    prefix, suffix = "optimizer/_trainable_variables/", "/.ATTRIBUTES/VARIABLE_VALUE"
    count = sum(key.startswith(prefix) for key in tensors)
    return [tensors[f"{prefix}{index}{suffix}"].astype(np.float64) for index in range(count)]


def test_mixed_precision_on_a_cpu_computes_in_bfloat16_and_keeps_float32_weights(tmp_path):
    run_dir = tmp_path / "run"
    try:
        printed = fit(run_dir, "--mixed-precision", "--device", "cpu", "--epochs", 2)
    finally:
        keras.mixed_precision.set_global_policy("float32")  # process-wide: leave it as found
    assert "precision: mixed_bfloat16" in printed
    inner = keras.saving.load_model(run_dir / "model.keras").get_layer("mlp")
    hidden = [layer for layer in inner.layers[1:] if layer.name != "head"]
    assert {layer.dtype_policy.name for layer in hidden} == {"mixed_bfloat16"}
    assert hidden[0](np.zeros((1, 64), np.float32)).dtype == "bfloat16"  # computes in bfloat16
    # The head stays float32, so the softmax and the loss are computed in full precision.
    assert inner.get_layer("head").dtype_policy.name == "float32"
    assert inner(np.zeros((1, 64), np.float32)).dtype == "float32"
    # The variables stay float32 (bfloat16 is for the computation only), optimizer slots too.
    tensors = checkpoint_tensors(run_dir)
    assert trainable(tensors)
    assert {t.dtype.name for t in tensors.values() if t.ndim and t.dtype.kind not in "iub"} == {
        "float32"
    }
    history = pd.read_csv(run_dir / "history.csv")
    assert np.isfinite(history[["loss", "val_loss"]].to_numpy()).all()
    assert history["loss"].iloc[-1] < history["loss"].iloc[0]  # it learns
