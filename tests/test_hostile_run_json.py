"""A hand-edited or hostile run.json: one line naming the file and the key, exit 1 (damage), the
same answer from resume, evaluate and predict, and nothing in the run folder changed."""

import copy
import json
import os
import shutil

import numpy as np
import pytest

import evaluate
import predict
import train
from tests.eval_tools import train_digits_mlp

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runjson") / "run"
    train_digits_mlp(run_dir, epochs=1)
    return run_dir


@pytest.fixture
def run_dir(pristine, tmp_path):
    return shutil.copytree(pristine, tmp_path / "run")


def edited(run_dir, change):
    path = run_dir / "run.json"
    data = json.loads(path.read_text())
    result = change(data)
    path.write_text(json.dumps(data if result is None else result))
    return path.read_text()


def snapshot(run_dir) -> dict:
    return {
        path.relative_to(run_dir).as_posix(): path.read_bytes()
        for path in sorted(run_dir.rglob("*"))
        if path.is_file()
    }


def commands(run_dir, tmp_path):
    np.save(tmp_path / "one.npy", np.zeros(64))
    return {
        "resume": lambda: train.main(["--run-dir", str(run_dir), "--resume", "--epochs", "2"]),
        "evaluate": lambda: evaluate.main(["--run-dir", str(run_dir)]),
        "predict": lambda: predict.main(["--run-dir", str(run_dir), str(tmp_path / "one.npy")]),
    }


CASES = [
    (lambda run: run.__delitem__("config"), "run.json: config is missing"),
    (lambda run: [1, 2], "run.json: the file must be a JSON object, got [1, 2]"),
    (lambda run: run["config"].update(epochs="many"), "config.epochs must be a whole number"),
    (lambda run: run["config"].update(lr="fast"), "config.lr must be a number, got 'fast'"),
    (lambda run: run["data"].update(class_names=None), "data.class_names must be a list"),
    (
        lambda run: run["config"].update(epochs=10**15),
        "config.epochs must be a positive whole number, got 1000000000000000 (at most 100000)",
    ),
    (lambda run: run["config"].update(batch_size=-4), "config.batch_size must be a positive"),
    (lambda run: run["config"].update(lr=float("inf")), "config.lr must be a number, got inf"),
    (lambda run: run["config"].update(warmup_epochs=5), "config.warmup_epochs must be 0 or fewer"),
    (lambda run: run["model"].update(input_shape=[10**9]), "model.input_shape[0] must be"),
    (lambda run: run["model"].update(name="lstn"), "model.name: unknown model 'lstn'"),
    (lambda run: run["data"]["normalization"].update(std=0), "data.normalization.std must be"),
    (lambda run: run["model"].update(num_outputs=3), "data.class_names must be 3 names"),
    (
        lambda run: run["model"]["hparams"].update(widths=[64]),
        "model.hparams.widths must be [16] as mlp's defaults and config.hparams give",
    ),
]


@pytest.mark.parametrize("change, fragment", CASES)
def test_resume_evaluate_and_predict_refuse_a_damaged_run_json_alike(
    run_dir, tmp_path, capsys, change, fragment
):
    """Tracebacks before (KeyError, TypeError, AttributeError), a flag named for a value of
    the file, 10^15 epochs accepted, and edited hyperparameters used by evaluate only."""
    edited(run_dir, change)
    before = snapshot(run_dir)
    for name, command in commands(run_dir, tmp_path).items():
        capsys.readouterr()
        code = command()
        err = capsys.readouterr().err
        assert code == 1, (name, err)
        assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
        assert f"{run_dir / 'run.json'}" in err and fragment in err, (name, err)
        assert "--" not in err.split(": ", 2)[-1], err  # a key of the file, not a flag
    assert snapshot(run_dir) == before


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "huge"])
def test_a_run_json_that_is_no_file_or_too_big_is_refused_without_reading(run_dir, capsys, kind):
    path = run_dir / "run.json"
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    else:
        with open(path, "wb") as handle:
            handle.truncate(17 << 20)  # sparse: no disk used
    assert evaluate.main(["--run-dir", str(run_dir)]) == 1
    err = capsys.readouterr().err
    expected = "is larger than" if kind == "huge" else "is not a regular file"
    assert err.count("\n") == 1 and expected in err


def test_the_recorded_hyperparameters_are_what_resume_and_evaluate_both_use(run_dir, capsys):
    """One place: run.json's model.hparams must equal what its --set values and the builder's
    defaults give, so resume and evaluate build the same model or both refuse."""
    run = json.loads((run_dir / "run.json").read_text())
    assert run["model"]["hparams"]["widths"] == [16] and run["config"]["hparams"] == {
        "widths": "16"
    }
    original = copy.deepcopy(run)
    edited(run_dir, lambda data: data["model"]["hparams"].update(dropout_rate=0.5))
    for command in (
        lambda: evaluate.main(["--run-dir", str(run_dir)]),
        lambda: train.main(["--run-dir", str(run_dir), "--resume", "--epochs", "2"]),
    ):
        assert command() == 1
        assert "model.hparams.dropout_rate must be 0.1" in capsys.readouterr().err
    (run_dir / "run.json").write_text(json.dumps(original))
    assert evaluate.main(["--run-dir", str(run_dir)]) == 0
