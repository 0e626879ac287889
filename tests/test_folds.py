"""N-fold cross-validation (`train.py --folds K`): the fold assignment, the summary's arithmetic,
a SIGKILL inside fold 2 followed by `--resume` on the parent, and bad input."""

import json
import os
import signal

import numpy as np
import pandas as pd
import pytest

import train
from harness.data import load_dataset
from harness.data.folds import REFIT, fold_indices, select_fold
from harness.evaluate.cross_validation import tag_cross_validation
from tests.checkpoint_tools import assert_same_state, checkpoint_tensors
from tests.eval_tools import assert_one_line_usage_error, run_script
from tests.process_tools import Trainer, manifest_entries

pytestmark = pytest.mark.timeout(420)

FOLDS = 3
# A tiny mlp on digits: 3 folds of 3 epochs train in seconds; dropout carries a seed state, and
# a checkpoint every epoch lets a kill land between two of fold 2's.
ARGV = [
    "--model", "mlp", "--set", "widths=8", "--set", "dropout_rate=0.2", "--batch-size", "64",
    "--epochs", "3", "--seed", "4", "--folds", str(FOLDS), "--save-every", "epoch",
]  # fmt: skip


def test_folds_are_stratified_disjoint_and_cover_every_training_example_once():
    data = load_dataset("digits", layout="flat", seed=4)
    pooled_y = np.concatenate([data.y_train, data.y_val])
    folds = fold_indices(data, FOLDS, seed=4)

    together = np.concatenate(folds)
    assert sorted(together) == list(range(len(pooled_y)))  # each example in exactly one fold
    overall = np.bincount(pooled_y) / len(pooled_y)
    for fold, held in enumerate(folds, start=1):
        # Stratified: each class's share in a fold is its share overall, to one example.
        share = np.bincount(pooled_y[held], minlength=10) / len(held)
        assert np.abs(share - overall).max() < 1.5 / len(held) * 10
        view = select_fold(data, folds=FOLDS, fold=fold, seed=4)
        assert len(view.x_train) + len(view.x_val) == len(pooled_y)
        np.testing.assert_array_equal(view.y_val, pooled_y[held])
        # The test split is untouched.
        np.testing.assert_array_equal(view.x_test, data.x_test)
        np.testing.assert_array_equal(view.y_test, data.y_test)
    refit = select_fold(data, folds=FOLDS, fold=REFIT, seed=4)
    assert len(refit.x_train) == len(pooled_y)
    # Another seed assigns other folds; the same seed the same ones.
    assert not np.array_equal(fold_indices(data, FOLDS, seed=5)[0], folds[0])
    np.testing.assert_array_equal(fold_indices(data, FOLDS, seed=4)[0], folds[0])


def test_a_kill_inside_fold_2_resumes_there_and_the_summary_is_the_folds_mean_and_std(tmp_path):
    straight = tmp_path / "straight"
    assert train.main([*ARGV, "--refit", "--run-dir", str(straight)]) == 0

    crashed = tmp_path / "crashed"
    trainer = Trainer([*ARGV, "--refit", "--run-dir", crashed], log_dir=tmp_path, name="first")
    trainer.wait_until(lambda: len(manifest_entries(crashed / "fold-2")) >= 1)
    os.kill(trainer.process.pid, signal.SIGKILL)
    trainer.process.wait()
    fold_1_files = {p.name: p.read_bytes() for p in (crashed / "fold-1").glob("*.json")}
    assert not (crashed / "fold-3").exists()

    resumed = Trainer(["--resume", "--run-dir", crashed], log_dir=tmp_path, name="resumed")
    assert resumed.process.wait() == 0, resumed.logs()
    logs = resumed.logs()
    assert "fold 1 of 3: finished before, kept as it is" in logs
    assert resumed.resumed_from() is not None  # fold 2 continued from its checkpoint
    # Fold 1 untouched; fold 2 bit-identical to the run never killed; fold 3 and the refit ran.
    assert {p.name: p.read_bytes() for p in (crashed / "fold-1").glob("*.json")} == fold_1_files
    for part in ("fold-2", "fold-3", "refit"):
        assert_same_state(checkpoint_tensors(crashed / part), checkpoint_tensors(straight / part))

    # The summary's arithmetic, recomputed with NumPy from each fold's own history.csv.
    table = pd.read_csv(crashed / "cv_summary.csv", index_col=0)
    assert list(table.index) == ["fold-1", "fold-2", "fold-3", "mean", "std"]
    for column in ("val_accuracy", "val_loss"):
        per_fold = []
        for k in range(1, FOLDS + 1):
            history = pd.read_csv(crashed / f"fold-{k}" / "history.csv")
            summary = json.loads((crashed / f"fold-{k}" / "summary.json").read_text())
            per_fold.append(history.set_index("epoch").loc[summary["result_epoch"], column])
        np.testing.assert_allclose(table.loc[["fold-1", "fold-2", "fold-3"], column], per_fold)
        assert table.loc["mean", column] == pytest.approx(np.mean(per_fold))
        assert table.loc["std", column] == pytest.approx(np.std(per_fold, ddof=1))
    summary = json.loads((crashed / "cv_summary.json").read_text())
    assert summary["mean"]["val_accuracy"] == pytest.approx(table.loc["mean", "val_accuracy"])
    refit_run = json.loads((crashed / "refit" / "run.json").read_text())
    assert refit_run["config"]["epochs"] == round(table.loc["mean", "best_epoch"])
    refit_summary = json.loads((crashed / "refit" / "summary.json").read_text())
    assert summary["refit"]["test"] == refit_summary["test"]

    # evaluate.py on the parent evaluates every fold and the refit, with their mean and std.
    code, out, err = run_script("evaluate.py", "--run-dir", crashed)
    assert code == 0, err
    evaluated = pd.read_csv(crashed / "cv_evaluation.csv", index_col=0)
    assert list(evaluated.index) == ["fold-1", "fold-2", "fold-3", "mean", "std", "refit"]
    accuracies = evaluated.loc[["fold-1", "fold-2", "fold-3"], "accuracy"]
    assert evaluated.loc["mean", "accuracy"] == pytest.approx(accuracies.mean())
    assert evaluated.loc["std", "accuracy"] == pytest.approx(np.std(accuracies, ddof=1))
    assert "accuracy" in out and "±" in out
    # In a batch with other runs (evaluate.py --all), a fold's row names its parent.
    rows = tag_cross_validation([{"run": str(crashed / "fold-2")}, {"run": str(tmp_path)}])
    assert [row["cross_validation"] for row in rows] == [str(crashed), ""]


@pytest.mark.parametrize(
    "flags, says",
    [
        (["--folds", "1"], "--folds must be"),
        (["--folds", "200"], "has only"),
        (["--folds", "3", "--strategy", "multiworker"], "--strategy multiworker"),
        (["--refit"], "give --folds K"),
    ],
)
def test_bad_fold_counts_are_one_line_and_leave_no_folder(flags, says, tmp_path):
    parent = tmp_path / "cv"
    code, _, err = run_script(
        "train.py", "--model", "mlp", "--epochs", "1", *flags, "--run-dir", parent
    )
    assert_one_line_usage_error(code, err)
    assert says in err[0]
    assert not parent.exists()


def test_folds_of_a_streamed_image_folder_stream_the_same_examples_as_in_memory(tmp_path):
    import tensorflow as tf

    from harness.data.image_decode import StreamedImages
    from tests.image_tools import write_folder

    root = write_folder(tmp_path / "shapes", per_class=6, size=(8, 8))
    kept = load_dataset(f"images:{root}", layout="image", seed=1)
    streamed = load_dataset(
        f"images:{root}", layout="image", seed=1, options={"memory_mb": "0.001"},
        normalization=kept.normalization,
    )  # fmt: skip
    for fold in (1, 2):
        in_memory = select_fold(kept, folds=2, fold=fold, seed=1)
        on_disk = select_fold(streamed, folds=2, fold=fold, seed=1)
        assert isinstance(on_disk.x_train, StreamedImages)
        np.testing.assert_array_equal(on_disk.y_train, in_memory.y_train)
        every = tf.range(len(on_disk.x_train))
        np.testing.assert_array_equal(on_disk.x_train.gather(every).numpy(), in_memory.x_train)
        np.testing.assert_array_equal(np.asarray(on_disk.x_val), in_memory.x_val)


def test_a_classic_network_cross_validates_on_an_image_folder(tmp_path):
    from tests.image_tools import write_folder

    root = write_folder(tmp_path / "shapes", per_class=8, size=(12, 12))
    parent = tmp_path / "cv"
    argv = ["--model", "lenet5", "--dataset", f"images:{root}", "--epochs", "1", "--folds", "2"]
    assert train.main([*argv, "--run-dir", str(parent)]) == 0
    table = pd.read_csv(parent / "cv_summary.csv", index_col=0)
    assert list(table.index) == ["fold-1", "fold-2", "mean", "std"]
    run = json.loads((parent / "fold-2" / "run.json").read_text())
    assert run["model"]["input_shape"] == [12, 12, 1] and run["config"]["fold"] == 2
    assert run["data"]["class_names"] == ["circle", "square", "triangle"]
