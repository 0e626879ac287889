"""Exact resume, history without duplicates, and the rules for an existing run folder."""

import contextlib
import io
import json
import shutil

import numpy as np
import pandas as pd
import pytest

import train
from tests.checkpoint_tools import (
    assert_same_history,
    assert_same_state,
    checkpoint_tensors,
    read_summary,
)
from tests.process_tools import Trainer, manifest_entries

MLP = [
    "--model",
    "mlp",
    "--set",
    "widths=16",
    "--set",
    "dropout_rate=0.3",
    "--schedule",
    "plateau",
    "--early-stopping",
    "5",
    "--lr",
    "0.003",
    "--seed",
    "5",
]
GRU = [
    "--model",
    "gru",
    "--set",
    "units=8",
    "--set",
    "dropout_rate=0.2",
    "--schedule",
    "constant",
    "--data-opt",
    "n_train=256",
    "--data-opt",
    "n_val=64",
    "--data-opt",
    "n_test=64",
    "--seed",
    "2",
]


def fit(argv, run_dir, *extra):
    assert train.main([*argv, "--run-dir", str(run_dir), *extra]) == 0


@pytest.mark.parametrize(
    "argv, total, first", [(MLP, 6, 3), (GRU, 3, 1)], ids=["mlp-dropout", "gru"]
)
def test_resumed_run_is_bit_identical_to_a_straight_run(argv, total, first, tmp_path):
    fit(argv, tmp_path / "straight", "--epochs", str(total))
    fit(argv, tmp_path / "split", "--epochs", str(first))
    fit(["--resume"], tmp_path / "split", "--epochs", str(total))
    straight, split = (
        checkpoint_tensors(tmp_path / "straight"),
        checkpoint_tensors(tmp_path / "split"),
    )
    # Weights, optimizer slots and step, seed-generator state, early-stopping and plateau counters.
    assert any(key.startswith("rng/") for key in straight)
    assert any(key.startswith("callbacks/") for key in straight)
    assert_same_state(straight, split)
    history = pd.read_csv(tmp_path / "split" / "history.csv")
    assert history["epoch"].tolist() == list(range(1, total + 1))
    reference = pd.read_csv(tmp_path / "straight" / "history.csv")
    pd.testing.assert_frame_equal(
        history.drop(columns="epoch_seconds"), reference.drop(columns="epoch_seconds")
    )


# Rate 3 with plain SGD: validation accuracy peaks at epoch 2 and falls at epoch 3, so after
# epoch 3 early stopping holds wait 1 and a best value, and the plateau schedule a wait of 1:
# counters that reset to 0 and "no best yet" would change when the run stops or the rate drops.
UNSTABLE = ["--model", "mlp", "--set", "widths=8", "--lr", "3", "--optimizer", "sgd", "--seed", "0"]


@pytest.mark.parametrize(
    "recipe, epochs, counters",
    [
        (
            ["--schedule", "constant", "--early-stopping", "3"],
            8,
            ("early_stopping_wait", "early_stopping_best", "early_stopping_best_epoch"),
        ),
        (["--schedule", "plateau"], 6, ("plateau_wait", "plateau_best")),
    ],
    ids=["early-stopping", "plateau"],
)
def test_a_resume_carries_the_callback_counters_that_decide_the_run(
    recipe, epochs, counters, tmp_path
):
    """Stopping epoch, the rate of every epoch and the final weights equal an uninterrupted
    run's when the resume falls where the counters are not at their reset values."""
    argv = [*UNSTABLE, *recipe]
    fit(argv, tmp_path / "straight", "--epochs", str(epochs))
    fit(argv, tmp_path / "split", "--epochs", "3")
    at_resume = checkpoint_tensors(tmp_path / "split")
    values = {name: at_resume[f"callbacks/{name}/.ATTRIBUTES/VARIABLE_VALUE"] for name in counters}
    wait = next(value for name, value in values.items() if name.endswith("_wait"))
    assert wait >= 1 and not np.isnan(list(values.values())).any(), values
    fit(["--resume"], tmp_path / "split", "--epochs", str(epochs))

    straight, split = read_summary(tmp_path / "straight"), read_summary(tmp_path / "split")
    for key in ("epochs_run", "stopped_early", "best_epoch", "best_checkpoint", "test"):
        assert split[key] == straight[key], key
    if "--early-stopping" in recipe:
        assert straight["stopped_early"] and straight["epochs_run"] < epochs
    else:  # the plateau halved the rate within the run
        rates = pd.read_csv(tmp_path / "straight" / "history.csv")["learning_rate"]
        assert rates.iloc[-1] < rates.iloc[0]
    assert_same_history(tmp_path / "split", tmp_path / "straight")  # rates per epoch included
    assert_same_state(
        checkpoint_tensors(tmp_path / "straight"), checkpoint_tensors(tmp_path / "split")
    )


MID_EPOCH = [
    "--model",
    "mlp",
    "--set",
    "widths=8",
    "--set",
    "dropout_rate=0.2",
    "--batch-size",
    "64",  # 20 steps an epoch
    "--save-every-steps",
    "6",  # saves at steps 6, 12, 18, 20 (epoch 1), 24, 30, 36, 40 (epoch 2)
    "--epochs",
    "2",
    "--seed",
    "4",
]


@pytest.fixture(scope="module")
def mid_epoch_resume(tmp_path_factory):
    """A straight run, and the same run SIGKILLed on entering its sixth save (step 30, in epoch
    2) and resumed: the newest recorded checkpoint is then the step checkpoint ckpt-24."""
    root = tmp_path_factory.mktemp("mid-epoch")
    fit(MID_EPOCH, root / "straight")
    killed = Trainer(
        [*MID_EPOCH, "--run-dir", root / "split"],
        log_dir=root,
        name="killed",
        stop_at="checkpoint save#6",
    )
    killed.wait_until_stopped()
    killed.kill()
    newest = manifest_entries(root / "split")[-1]
    assert (newest["name"], newest["kind"], newest["epoch"]) == ("ckpt-24", "step", 1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        fit(["--resume"], root / "split", "--epochs", "2")
    assert "resumed from ckpt-24 (epoch 1, step 24)" in out.getvalue()
    return root / "straight", root / "split"


def test_a_run_killed_after_a_step_checkpoint_resumes_mid_epoch_bit_identical(mid_epoch_resume):
    straight, split = mid_epoch_resume
    # Every tensor: weights, optimizer slots and step, seed-generator states, counters.
    assert_same_state(checkpoint_tensors(straight), checkpoint_tensors(split))
    assert_same_history(split, straight, partial_epochs=[2])
    assert read_summary(split)["test"] == read_summary(straight)["test"]


def test_a_mid_epoch_resume_reports_the_whole_epochs_training_metrics(mid_epoch_resume):
    straight, split = mid_epoch_resume
    assert_same_history(split, straight)


def test_history_drops_rows_a_crash_left_beyond_the_checkpoint(tmp_path):
    run_dir = tmp_path / "run"
    fit(MLP, run_dir, "--epochs", "2")
    history_path = run_dir / "history.csv"
    # As if the process died after writing epoch 3's row but before its checkpoint.
    lines = history_path.read_text().splitlines()
    history_path.write_text("\n".join(lines + [lines[-1].replace("2,", "3,", 1)]) + "\n")
    fit(["--resume"], run_dir, "--epochs", "4")
    history = pd.read_csv(history_path)
    assert history["epoch"].tolist() == [1, 2, 3, 4]
    assert history_path.read_text().count("epoch,") == 1


def test_best_checkpoint_and_value_carry_over_a_resume(tmp_path):
    run_dir = tmp_path / "run"
    fit(MLP, run_dir, "--epochs", "3", "--keep-last", "1", "--keep-best", "1")
    fit(["--resume"], run_dir, "--epochs", "5")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    history = pd.read_csv(run_dir / "history.csv")
    # The best over all five epochs, not just over the two after the resume.
    assert manifest["best"]["value"] == pytest.approx(history["val_accuracy"].max())
    best = next(e for e in manifest["checkpoints"] if e["name"] == manifest["best"]["name"])
    assert history.loc[history["epoch"] == best["epoch"], "val_accuracy"].item() == pytest.approx(
        history["val_accuracy"].max()
    )
    assert len(manifest["checkpoints"]) <= 2  # keep-last 1 plus keep-best 1


def test_training_into_an_existing_run_without_resume_is_refused_and_touches_nothing(
    tmp_path, capsys
):
    run_dir = tmp_path / "run"
    fit(MLP, run_dir, "--epochs", "1")
    before = {p.name: p.stat().st_mtime_ns for p in run_dir.rglob("*")}
    capsys.readouterr()
    assert train.main([*MLP, "--epochs", "1", "--run-dir", str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert "already holds a run" in err and "--resume" in err and "--overwrite" in err
    assert {p.name: p.stat().st_mtime_ns for p in run_dir.rglob("*")} == before


def test_resume_without_a_checkpoint_exits_2(tmp_path, capsys):
    fit(MLP, tmp_path / "done", "--epochs", "1")
    empty = tmp_path / "empty"
    empty.mkdir()
    shutil.copy(tmp_path / "done" / "run.json", empty / "run.json")
    capsys.readouterr()
    assert train.main(["--resume", "--run-dir", str(empty)]) == 2
    assert "no checkpoint" in capsys.readouterr().err
    assert train.main(["--resume", "--run-dir", str(tmp_path / "nowhere")]) == 2
    assert not (tmp_path / "nowhere").exists()


def test_a_second_trainer_on_a_run_in_use_exits_2_and_leaves_it_alone(tmp_path, capsys):
    from tests.test_checkpoint_lock import start_holder

    run_dir = tmp_path / "run"
    fit(MLP, run_dir, "--epochs", "1")
    before = (run_dir / "history.csv").read_text()
    holder = start_holder(run_dir)  # a real process holding the run's lock, as a trainer does
    try:
        capsys.readouterr()
        assert train.main(["--resume", "--run-dir", str(run_dir), "--epochs", "2"]) == 2
        err = capsys.readouterr().err
        assert f"in use by process {holder.pid}" in err and err.count("\n") == 1
        assert (run_dir / "history.csv").read_text() == before
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    # Once the holder is gone (killed, so its lock file stays behind), the lock is taken over.
    assert train.main(["--resume", "--run-dir", str(run_dir), "--epochs", "2"]) == 0
    assert pd.read_csv(run_dir / "history.csv")["epoch"].tolist() == [1, 2]


def test_resume_refuses_a_flag_that_differs_from_the_recorded_run(tmp_path, capsys):
    run_dir = tmp_path / "run"
    fit(MLP, run_dir, "--epochs", "1")
    recorded = (run_dir / "run.json").read_text()
    for flags, shown in (
        (["--lr", "0.1"], "--lr 0.1: the run in"),
        (["--batch-size", "8"], "--batch-size 8: the run in"),
        (["--set", "widths=32"], "--set widths=32: the run in"),
        (["--seed", "0"], "--seed 0: the run in"),  # typed, though it is the default
    ):
        capsys.readouterr()
        assert train.main(["--resume", "--run-dir", str(run_dir), "--epochs", "2", *flags]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and shown in err and "--overwrite" in err
        assert (run_dir / "run.json").read_text() == recorded
    # Typed with the recorded value, a flag is no change; --epochs extends the run.
    fit(["--resume", "--lr", "0.003", "--seed", "5"], run_dir, "--epochs", "2")
    assert pd.read_csv(run_dir / "history.csv")["epoch"].tolist() == [1, 2]
