"""Damage exits 1, bad input 2, in every command: a damaged checkpoint asked for by name once
exited 2 from evaluate.py, as if the user had typed something wrong (issue 17, point 4)."""

import shutil

import numpy as np
import pytest

import evaluate
import predict
from harness.checkpoints.cli import main as checkpoints_main
from tests.checkpoint_tools import data_file
from tests.eval_tools import flip_bytes, train_digits_mlp

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A 2-epoch run with ckpt-40 and ckpt-80."""
    run_dir = tmp_path_factory.mktemp("pristine") / "run"
    train_digits_mlp(run_dir, epochs=2)
    return run_dir


def damaged_copy(pristine, tmp_path, *names):
    run_dir = shutil.copytree(pristine, tmp_path / "run")
    for name in names:
        flip_bytes(data_file(run_dir, name))
    return run_dir


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("which", ["ckpt-40", "latest", "result"])
def test_evaluating_a_damaged_checkpoint_exits_1(pristine, tmp_path, capsys, which):
    run_dir = damaged_copy(pristine, tmp_path, "ckpt-40", "ckpt-80")
    assert evaluate.main(["--run-dir", str(run_dir), "--checkpoint", which]) == 1
    assert "no intact checkpoint to restore" in one_line(capsys)


def test_predict_and_export_of_a_damaged_run_exit_1(pristine, tmp_path, capsys):
    run_dir = damaged_copy(pristine, tmp_path, "ckpt-40", "ckpt-80")
    np.save(tmp_path / "x.npy", np.zeros(64))
    assert predict.main(["--run-dir", str(run_dir), str(tmp_path / "x.npy")]) == 1
    assert "no intact checkpoint" in one_line(capsys)
    code = checkpoints_main(["export", str(run_dir), "--out", str(tmp_path / "m.keras")])
    assert code == 1 and "no intact checkpoint" in one_line(capsys)
    assert not (tmp_path / "m.keras").exists()


def test_a_damaged_checkpoint_passed_over_is_a_warning_and_exit_1(pristine, tmp_path, capsys):
    run_dir = damaged_copy(pristine, tmp_path, "ckpt-80")
    assert evaluate.main(["--run-dir", str(run_dir), "--checkpoint", "latest"]) == 1
    captured = capsys.readouterr()
    assert "mlp ckpt-40 (epoch 1)" in captured.out
    assert "warning: skipping damaged checkpoint ckpt-80" in captured.err


def test_bad_input_stays_exit_2(pristine, capsys):
    assert evaluate.main(["--run-dir", str(pristine), "--checkpoint", "ckpt-7"]) == 2
    assert "unknown checkpoint 'ckpt-7'" in one_line(capsys)
