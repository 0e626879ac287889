"""Bad input to train.py: exit 2, one line on stderr, no traceback, no run folder left behind."""

import itertools
import subprocess
import sys

import pytest

import train
from harness.config import OPTIMIZERS, SCHEDULES, TrainConfig, resolve_config
from harness.errors import UsageError
from tests.conftest import REPO_ROOT
from zoo import Recipe, list_models


def run_in_process(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = train.main(argv)
    err = capsys.readouterr().err
    return code, err


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (
            ["--model", "lstn"],
            f"unknown model 'lstn'; known: {', '.join(list_models())}",
        ),
        (["--model", "mlp", "--dataset", "digitz"], "digitz"),
        (["--model", "mlp", "--optimizer", "adamx"], "unknown --optimizer 'adamx'"),
        (["--model", "mlp", "--schedule", "linear"], "unknown --schedule 'linear'"),
        (["--model", "mlp", "--epochs", "0"], "--epochs must be a positive whole number"),
        (["--model", "mlp", "--batch-size", "0"], "--batch-size must be a positive whole number"),
        (["--model", "mlp", "--lr", "0"], "--lr must be a positive number"),
        (["--model", "mlp", "--lr", "fast"], "expected a number such as 0.001, got 'fast'"),
        (["--model", "mlp", "--dataset", "csv:missing.csv", "--target", "y"], "missing.csv"),
        (["--model", "cnn", "--dataset", "sine"], "sine"),
        (["--model", "mlp", "--set", "colour=red"], "has no hyperparameter colour"),
        (
            ["--model", "mlp", "--batch-size", "64", "--steps-per-execution", "16"],
            "--steps-per-execution 16 must divide the 20 steps of an epoch, "
            "e.g. one of 1, 2, 4, 5, 10, 20",
        ),
        # Bounds (issue 19): values that trained forever, left run.json behind or NaN weights.
        (["--model", "mlp", "--epochs", "1e20"], "--epochs: expected a whole number"),
        (
            ["--model", "mlp", "--epochs", str(10**20)],
            "--epochs must be a positive whole number, got 100000000000000000000 (at most 100000)",
        ),
        (["--model", "mlp", "--epochs", str(10**15)], "(at most 100000)"),
        (["--model", "mlp", "--lr", "inf"], "--lr must be a positive number, got inf"),
        (["--model", "mlp", "--lr", "1e400"], "--lr must be a positive number, got inf"),
        (["--model", "mlp", "--lr", "nan"], "--lr must be a positive number, got nan"),
        (["--model", "mlp", "--batch-size", str(2**40)], "--batch-size must be a positive"),
        (["--model", "mlp", "--seed", "-1"], "--seed must be a whole number, got -1"),
        (["--model", "mlp", "--label-smoothing", "1"], "--label-smoothing must be a number"),
        (["--model", "mlp", "--clip-norm", "inf"], "--clip-norm must be a positive number"),
        (["--model", "mlp", "--keep-every", str(10**9)], "--keep-every must be a positive"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    argv, fragment, tmp_path, monkeypatch, capsys
):
    code, err = run_in_process(argv, tmp_path, monkeypatch, capsys)
    assert code == 2
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_csv_without_the_target_column(tmp_path, monkeypatch, capsys):
    (tmp_path / "table.csv").write_text(
        "a,b,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(30))
    )
    code, err = run_in_process(
        ["--model", "mlp", "--dataset", "csv:table.csv", "--target", "class"],
        tmp_path,
        monkeypatch,
        capsys,
    )
    assert code == 2 and "class" in err and "label" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]


def test_run_dir_pointing_at_a_file(tmp_path, monkeypatch, capsys):
    (tmp_path / "taken").write_text("not a folder")
    code, err = run_in_process(
        ["--model", "mlp", "--run-dir", "taken"], tmp_path, monkeypatch, capsys
    )
    assert code == 2 and "is a file" in err
    assert (tmp_path / "taken").read_text() == "not a folder"


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--model", "mlp", "--device", "gpu", "--epochs", "1"], "sees no GPU"),
        (["--model", "lstn"], "unknown model"),
    ],
)
def test_real_process_exits_2_without_traceback(argv, fragment, tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "train.py"), *argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and fragment in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_help_and_list_models_answer_without_tensorflow(tmp_path):
    code = (
        "import sys, runpy; sys.argv=['train.py','--list-models'];\n"
        "try:\n runpy.run_path('train.py', run_name='__main__')\n"
        "except SystemExit: pass\n"
        "print('TF', 'tensorflow' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert "lstm" in result.stdout and "sine" in result.stdout and "regression" in result.stdout
    assert result.stdout.strip().endswith("TF False")


RECIPE_GRID = list(
    itertools.product(
        SCHEDULES, (0, 1), OPTIMIZERS, (0, 3), (0, 1), (0.0, 1e-4)
    )  # schedule, warm-up epochs, optimizer, early stopping, keep-best, weight decay
)


@pytest.mark.parametrize("schedule, warmup, optimizer", sorted({g[:3] for g in RECIPE_GRID}))
def test_every_recipe_is_refused_before_the_run_folder_or_builds(schedule, warmup, optimizer):
    """What resolve_config accepts (it runs before the folder is made) builds without a refusal:
    the optimizer, its schedule, the plateau callback and early stopping."""
    from harness.model.optimizers import build_optimizer, plateau_callback

    for *_, early_stopping, keep_best, weight_decay in (
        g for g in RECIPE_GRID if g[:3] == (schedule, warmup, optimizer)
    ):
        config = TrainConfig(
            model="mlp",
            schedule=schedule,
            warmup_epochs=warmup,
            optimizer=optimizer,
            early_stopping=early_stopping,
            keep_best=keep_best,
            weight_decay=weight_decay,
        )
        try:
            resolved = resolve_config(config, Recipe(epochs=10), task="classification")
        except UsageError as error:
            assert "\n" not in str(error)
            continue
        build_optimizer(resolved, steps_per_epoch=5)
        plateau_callback(resolved)


@pytest.mark.parametrize(
    "flags, fragment",
    [
        (["--schedule", "step", "--warmup-epochs", "2"], "--warmup-epochs works with"),
        (["--schedule", "exponential", "--warmup-epochs", "2"], "--warmup-epochs works with"),
        (["--optimizer", "adam", "--weight-decay", "0.01"], "--weight-decay is applied by adamw"),
        (["--early-stopping", "3", "--keep-best", "0"], "needs --keep-best 1"),
    ],
)
def test_refused_recipes_leave_no_run_folder(flags, fragment, tmp_path, monkeypatch, capsys):
    code, err = run_in_process(["--model", "mlp", *flags], tmp_path, monkeypatch, capsys)
    assert code == 2 and fragment in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "value", ["inf", "1e400", "nan", "0", "-5", "86401", "soon"], ids=lambda value: value
)
def test_collective_timeout_must_be_finite_and_capped(value, tmp_path, monkeypatch, capsys):
    """inf and 1e400 were accepted; the watchdog then died of OverflowError and a lost worker
    hung training for good."""
    monkeypatch.setenv("ZOO_COLLECTIVE_TIMEOUT", value)
    monkeypatch.setenv(
        "TF_CONFIG",
        '{"cluster": {"worker": ["localhost:1", "localhost:2"]}, "task": {"type": "worker", '
        '"index": 0}}',
    )
    code, err = run_in_process(
        ["--model", "mlp", "--strategy", "multiworker", "--run-dir", "run"],
        tmp_path,
        monkeypatch,
        capsys,
    )
    assert code == 2 and err.count("\n") == 1
    assert "ZOO_COLLECTIVE_TIMEOUT must be a number of seconds above 0 and at most 86400" in err
    assert list(tmp_path.iterdir()) == []
