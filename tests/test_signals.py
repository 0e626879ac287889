"""Ctrl-C, SIGTERM and SIGKILL on real train.py processes, and the best-K checkpoints of a run
that saves rarely.

One chain of launches shares a run folder, each launch ended by a signal where the test says:
at a random moment, inside a save (the test-only stop of harness/runtime/timing.py), a second
SIGINT inside the interrupt's own save, and a SIGKILL at a random moment. The last launch runs
to the end and must be bit-identical to a run never interrupted, with every history row (the
training metrics of the epochs resumed mid-way included) exactly as that run wrote it.
"""

import contextlib
import io
import random
import re
import signal
import subprocess
import sys
import time
import zipfile

import pytest

import train
from harness.checkpoints.integrity import damage
from tests.checkpoint_tools import (
    assert_same_history,
    assert_same_state,
    checkpoint_tensors,
    read_summary,
)
from tests.conftest import REPO_ROOT
from tests.process_tools import RESUMED, Trainer, history_epochs, manifest_entries

pytestmark = pytest.mark.timeout(420)

STEPS = 79  # the digits training split at batch 16
ARGV = [
    "--model",
    "mlp",
    "--set",
    "widths=8",
    "--set",
    "dropout_rate=0.2",
    "--schedule",
    "plateau",
    "--batch-size",
    "16",
    "--epochs",
    "3",
    "--seed",
    "3",
]
INTERRUPTED = re.compile(
    r"^interrupted at epoch (\d+), step (\d+) of (\d+); saved (ckpt-\d+); "
    r"resume: python train.py --run-dir (\S+) --resume$",
    re.MULTILINE,
)


def interrupted_line(trainer, run_dir) -> dict:
    """The one line an interrupted run prints, checked against the checkpoint it names."""
    found = INTERRUPTED.search(trainer.err_path.read_text())
    assert found, trainer.logs()
    epoch, step, steps, name, where = found.groups()
    assert int(steps) == STEPS and where == str(run_dir)
    newest = manifest_entries(run_dir)[-1]
    assert newest["name"] == name and damage(run_dir, newest) is None
    assert newest["step"] == (int(epoch) - 1) * STEPS + int(step)
    assert history_epochs(run_dir) == list(range(1, newest["epoch"] + 1))
    assert not (run_dir / ".lock").exists(), "a clean signal exit removes the lock"
    return newest


def test_signals_at_random_moments_and_inside_saves_resume_bit_identical(tmp_path):
    assert train.main([*ARGV, "--run-dir", str(tmp_path / "straight")]) == 0
    run_dir = tmp_path / "run"
    resume = ["--resume", "--run-dir", run_dir]
    rng = random.Random()

    # 1. Ctrl-C at a random moment of the first epoch (or of its first call, which traces).
    first = Trainer([*ARGV, "--run-dir", run_dir], log_dir=tmp_path, name="1-sigint")
    first.wait_for_output("training: 3 epochs of 79 steps")
    at = time.monotonic() + rng.uniform(0.0, 1.5)  # most often inside the first call's trace
    first.wait_until(lambda: time.monotonic() > at)
    first.resume()
    first.send(signal.SIGINT)
    assert first.wait_exit() == 130, first.logs()
    saved = interrupted_line(first, run_dir)

    # 2. SIGTERM while a save is under way (stopped inside its hashing): the save completes,
    # then the next step boundary saves again, mid-epoch, and the process exits 143.
    second = Trainer(
        [*resume, "--save-every", "10steps"], log_dir=tmp_path, name="2-sigterm", stop_at="sha256#1"
    )
    second.wait_until_stopped()
    recorded = {entry["name"] for entry in manifest_entries(run_dir)}
    (in_save,) = {path.stem for path in run_dir.glob("ckpt/ckpt-*.index")} - recorded
    second.send(signal.SIGTERM)
    second.resume()
    assert second.wait_exit() == 143, second.logs()
    assert second.resumed_from() == saved["name"]
    saved = interrupted_line(second, run_dir)
    assert saved["kind"] == "step" and saved["step"] == int(in_save.split("-")[1]) + 1

    # 3. A second Ctrl-C inside the interrupt's own save (files written, manifest not yet):
    # the process ends at once and the previous checkpoint stays the newest, intact.
    third = Trainer(resume, log_dir=tmp_path, name="3-twice", stop_at="manifest#1")
    third.wait_for_output("resumed from")
    third.send(signal.SIGINT)
    third.wait_until_stopped()
    third.send(signal.SIGINT)
    third.resume()
    assert third.wait_exit() == 130, third.logs()
    assert "second signal: stopped at once" in third.err_path.read_text()
    assert manifest_entries(run_dir)[-1] == saved
    assert all(damage(run_dir, entry) is None for entry in manifest_entries(run_dir))

    # 4. SIGKILL at a random moment, saving every 5 steps: whatever it lands on, the newest
    # recorded checkpoint is intact and the next launch takes it.
    fourth = Trainer([*resume, "--save-every", "5steps"], log_dir=tmp_path, name="4-kill")
    fourth.wait_for_output("resumed from")
    at = time.monotonic() + rng.uniform(0.5, 2.0)
    fourth.wait_until(lambda: time.monotonic() > at)
    fourth.kill()
    newest = manifest_entries(run_dir)[-1]
    assert all(damage(run_dir, entry) is None for entry in manifest_entries(run_dir))
    assert len(history_epochs(run_dir)) - newest["epoch"] in (0, 1)

    # 5. The last launch runs to the end.
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert train.main([*map(str, resume)]) == 0
    assert RESUMED.search(out.getvalue()).group(1) == newest["name"]
    straight = tmp_path / "straight"
    assert_same_state(checkpoint_tensors(straight), checkpoint_tensors(run_dir))
    assert_same_history(run_dir, straight)  # the training metrics of resumed epochs included
    assert read_summary(run_dir)["test"] == read_summary(straight)["test"]


def test_sigterm_to_one_of_two_workers_saves_on_both_at_one_step_and_resume_continues(tmp_path):
    from tests.test_distribute import ARGV as CLUSTER_ARGV
    from tests.test_distribute import launch, read, wait_all

    run_dir = tmp_path / "run"
    workers, _ = launch([*CLUSTER_ARGV, "--epochs", "3"], run_dir, tmp_path / "first")
    out = tmp_path / "first" / "out-0.txt"
    deadline = time.monotonic() + 240
    while "Epoch 2/" not in out.read_text():
        assert time.monotonic() < deadline and workers[0].poll() is None, read(
            tmp_path / "first", "err-0.txt"
        )
        time.sleep(0.01)
    time.sleep(random.uniform(0.0, 0.3))
    workers[1].send_signal(signal.SIGTERM)  # the worker that is not the chief
    codes = wait_all(workers, timeout=120)
    errors = [read(tmp_path / "first", f"err-{index}.txt") for index in (0, 1)]
    assert codes == [143, 143], (codes, errors[0][-2000:], errors[1][-2000:])
    lines = [INTERRUPTED.search(error) for error in errors]
    assert all(lines), errors
    # Both saved at the same step: the chief's checkpoint and the worker's line name it.
    assert lines[0].group(4) == lines[1].group(4) == manifest_entries(run_dir)[-1]["name"]
    assert not (run_dir / ".lock").exists()

    workers, _ = launch(["--resume"], run_dir, tmp_path / "second")
    assert wait_all(workers) == [0, 0], read(tmp_path / "second", "err-0.txt")[-2000:]
    assert f"resumed from {lines[0].group(4)}" in read(tmp_path / "second", "out-0.txt")
    assert history_epochs(run_dir) == [1, 2, 3]


def test_sigterm_to_an_export_leaves_the_old_file_or_the_whole_new_one(tmp_path):
    """Whenever SIGTERM lands (TensorFlow's import, the restore, the write), the command exits
    143 with one line, or 0 if it was done, and --out holds the old bytes or a whole .keras."""
    run_dir = tmp_path / "run"
    assert train.main([*ARGV[:-4], "--epochs", "1", "--run-dir", str(run_dir)]) == 0
    target = tmp_path / "model.keras"
    target.write_bytes(b"the old file")
    command = [sys.executable, "-m", "harness.checkpoints", "export", str(run_dir)]
    export = subprocess.Popen(
        [*command, "--out", str(target)],
        cwd=REPO_ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    time.sleep(random.uniform(2.0, 8.0))  # after start-up, which the default handler ends
    export.send_signal(signal.SIGTERM)
    code, err = export.wait(timeout=120), export.stderr.read()
    assert code in (0, 143), err
    if code == 143:
        assert err.strip().splitlines() == ["interrupted; nothing is left half-written"], err
    assert target.read_bytes() == b"the old file" or zipfile.is_zipfile(target)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["model.keras", "run"]
