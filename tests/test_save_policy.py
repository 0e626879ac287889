"""--save-every: its grammar, what the default saves, and best-K checkpoints that are exact when
a run saves rarely (the best epoch is held in memory and written at the next save)."""

import json
import re

import pandas as pd
import pytest

import train
from harness.config import DEFAULT_SAVE_EVERY, SaveEvery, parse_save_every
from harness.errors import UsageError
from harness.train.executions import steps_for_budget
from tests.checkpoint_tools import assert_same_state, checkpoint_tensors, read_summary


@pytest.mark.parametrize(
    "text, policy",
    [
        ("epoch", SaveEvery(epochs=1)),
        ("5", SaveEvery(epochs=5)),
        ("30s", SaveEvery(seconds=30.0)),
        ("5m", SaveEvery(seconds=300.0)),
        ("1.5h", SaveEvery(seconds=5400.0)),
        ("500steps", SaveEvery(steps=500)),
    ],
)
def test_save_every_reads_each_form(text, policy):
    assert parse_save_every(text) == policy
    assert parse_save_every(DEFAULT_SAVE_EVERY) == SaveEvery(seconds=30.0)


@pytest.mark.parametrize("text", ["0", "-3", "0s", "often", "5x", "steps", "infs", "nanm", ""])
def test_a_bad_save_every_is_one_line_naming_the_forms(text, tmp_path, capsys):
    with pytest.raises(UsageError, match="--save-every takes epoch, a number of epochs"):
        parse_save_every(text)
    argv = ["--model", "mlp", "--save-every", text, "--run-dir", str(tmp_path / "run")]
    assert train.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--save-every takes" in err
    assert not (tmp_path / "run").exists()


def test_save_every_steps_is_the_old_spelling_of_nsteps(tmp_path, capsys):
    argv = ["--model", "mlp", "--save-every-steps", "7", "--show-config"]
    assert train.main([*argv, "--run-dir", str(tmp_path / "run")]) == 0
    assert re.search(r"--save-every +7steps\n", capsys.readouterr().out)
    both = ["--model", "mlp", "--save-every-steps", "7", "--save-every", "epoch"]
    assert train.main(both) == 2
    assert "give one of them" in capsys.readouterr().err


def test_executions_fit_the_budget_and_divide_the_epoch_and_the_step_interval():
    assert steps_for_budget(0.004, 20) == 20  # a whole short epoch in one call
    assert steps_for_budget(0.1, 20) == 5  # 0.5 s a call at most
    assert steps_for_budget(2.0, 20) == 1  # a step longer than the budget: one a call
    assert steps_for_budget(0.001, 20, align=6) == 2  # saves at 6, 12, 18 end a call


# SGD at rate 3 on a tiny mlp: validation accuracy rises, peaks and falls within six epochs, so
# the best epochs are neither the last nor each other's neighbours.
UNSTABLE = ["--model", "mlp", "--set", "widths=8", "--lr", "3", "--optimizer", "sgd"]
UNSTABLE += ["--schedule", "constant", "--epochs", "6", "--seed", "0", "--keep-best", "2"]


def test_best_k_of_a_rarely_saving_run_equals_an_every_epoch_run_bit_for_bit(tmp_path):
    every, rare = tmp_path / "every", tmp_path / "rare"
    assert train.main([*UNSTABLE, "--save-every", "epoch", "--run-dir", str(every)]) == 0
    # The default policy saves this short run only after its last epoch.
    assert train.main([*UNSTABLE, "--run-dir", str(rare)]) == 0
    manifest = {run: json.loads((run / "manifest.json").read_text()) for run in (every, rare)}
    history = pd.read_csv(every / "history.csv")
    best_epochs = history.sort_values("val_accuracy", ascending=False, kind="stable")["epoch"]
    assert set(best_epochs[:2]) - {6}, "the test needs a best epoch before the last"
    by_epoch = {
        run: {e["epoch"]: e["name"] for e in manifest[run]["checkpoints"]} for run in manifest
    }
    for epoch in best_epochs[:2]:
        name = by_epoch[every][epoch]
        assert by_epoch[rare].get(epoch) == name, (epoch, by_epoch[rare])
        assert_same_state(checkpoint_tensors(every, name), checkpoint_tensors(rare, name))
    assert manifest[rare]["best"] == manifest[every]["best"]
    assert read_summary(rare)["best_checkpoint"] == read_summary(every)["best_checkpoint"]
    pd.testing.assert_frame_equal(
        pd.read_csv(rare / "history.csv").drop(columns="epoch_seconds"),
        history.drop(columns="epoch_seconds"),
    )
