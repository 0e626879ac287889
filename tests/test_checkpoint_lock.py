"""RunLock against real processes: a live holder is refused, a SIGKILLed one is taken over."""

import json
import os
import signal
import subprocess
import sys

import pytest

from harness.checkpoints.lock import RunLock
from harness.errors import UsageError
from tests.conftest import REPO_ROOT

HOLDER = """
import sys, time
from harness.checkpoints.lock import RunLock
lock = RunLock(sys.argv[1])
lock.acquire()
print("locked", flush=True)
time.sleep(120)
"""


def start_holder(run_dir):
    """A separate Python process that takes the lock on `run_dir` and sleeps holding it."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(run_dir)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "locked"
    return process


@pytest.fixture
def holder(tmp_path):
    process = start_holder(tmp_path)
    yield process
    if process.poll() is None:
        process.kill()
    process.wait()
    process.stdout.close()


def test_live_holder_is_named_in_the_refusal(tmp_path, holder):
    with pytest.raises(UsageError) as error:
        RunLock(tmp_path).acquire()
    message = str(error.value)
    assert f"run folder {tmp_path} is in use by process {holder.pid} (started " in message
    assert message.endswith("wait for it to finish or stop it")
    # The refusal leaves the holder's lock file as it was.
    assert json.loads((tmp_path / ".lock").read_text())["pid"] == holder.pid


def test_lock_of_a_killed_process_is_taken_over(tmp_path, holder, capfd):
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    capfd.readouterr()
    with RunLock(tmp_path):
        with pytest.raises(UsageError, match=f"in use by process {os.getpid()}"):
            RunLock(tmp_path).acquire()  # the taken-over lock is really held
        assert json.loads((tmp_path / ".lock").read_text())["pid"] == os.getpid()
        lines = capfd.readouterr().err.strip().splitlines()
        assert (
            len(lines) == 1
            and f"left by process {holder.pid}" in lines[0]
            and "taking over" in lines[0]
        )
    assert not (tmp_path / ".lock").exists()


def test_release_removes_only_its_own_lock_file(tmp_path):
    (tmp_path / "notes.txt").write_text("keep")
    lock = RunLock(tmp_path)
    lock.acquire()
    with pytest.raises(UsageError, match=f"in use by process {os.getpid()}"):
        RunLock(tmp_path).acquire()  # a second lock, even in the same process, is refused
    # Someone replaced the lock file (e.g. removed it by hand and another run started): not ours.
    (tmp_path / ".lock").unlink()
    (tmp_path / ".lock").write_text('{"pid": 1}')
    lock.release()
    assert (tmp_path / ".lock").read_text() == '{"pid": 1}'
    assert (tmp_path / "notes.txt").read_text() == "keep"
