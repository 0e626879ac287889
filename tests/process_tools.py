"""Training processes the crash tests start, watch, stop and kill: real train.py subprocesses
and real signals, with kills triggered by what the run has written, never by a timer."""

import json
import os
import re
import signal
import subprocess
import sys
import time

from harness.runtime.timing import STOP_AT_ENV
from tests.conftest import REPO_ROOT

RESUMED = re.compile(r"resumed from (ckpt-\d+) \(epoch (\d+), step (\d+)\)")


class Trainer:
    """One `python train.py ...` subprocess whose stdout and stderr go to files in `log_dir`.

    Args:
        args: train.py's arguments.
        log_dir: where `<name>.out` and `<name>.err` are written.
        name: names the log files.
        stop_at: a ZOO_TEST_STOP_AT value ("STAGE#N"): the process stops itself there
            (harness/runtime/timing.py).
    """

    def __init__(self, args, *, log_dir, name: str, stop_at: str | None = None):
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        env.pop(STOP_AT_ENV, None)
        if stop_at:
            env[STOP_AT_ENV] = stop_at
        self.out_path, self.err_path = log_dir / f"{name}.out", log_dir / f"{name}.err"
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, str(REPO_ROOT / "train.py"), *map(str, args)],
                cwd=REPO_ROOT,
                env=env,
                stdout=out,
                stderr=err,
            )
        self.exit_status = None  # set if waitpid reaped the exit while waiting for a stop

    def logs(self) -> str:
        return self.out_path.read_text() + self.err_path.read_text()

    def resumed_from(self) -> str | None:
        """The checkpoint the process printed that it resumed from, or None."""
        found = RESUMED.search(self.out_path.read_text())
        return found.group(1) if found else None

    def wait_until(self, predicate, timeout: float = 180.0) -> None:
        """Polls `predicate` every millisecond while the process runs, then freezes the process
        with SIGSTOP as soon as it holds, so that what the test reads next is what a kill leaves.

        A predicate that held only for an instant is checked again once the process is frozen;
        if it no longer holds, the process continues and the wait goes on.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (
                f"exited with {self.process.returncode}: {self.logs()}"
            )
            if predicate():
                os.kill(self.process.pid, signal.SIGSTOP)
                self.wait_until_stopped()
                if predicate():
                    return
                os.kill(self.process.pid, signal.SIGCONT)
            time.sleep(0.001)
        raise AssertionError(f"timed out waiting for the run's progress: {self.logs()}")

    def wait_until_stopped(self, timeout: float = 180.0) -> None:
        """Waits for the process to be stopped (by itself through ZOO_TEST_STOP_AT, or by us)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.process.pid, os.WUNTRACED | os.WNOHANG)
            if pid and os.WIFSTOPPED(status):
                return
            if pid:  # it exited: hand the status to Popen, which can no longer reap it
                self.process.returncode = os.waitstatus_to_exitcode(status)
                raise AssertionError(f"exited before stopping: {self.logs()}")
            time.sleep(0.005)
        raise AssertionError(f"timed out waiting for the process to stop: {self.logs()}")

    def send(self, signal_number: int) -> None:
        """Sends a signal (to a stopped process it stays pending until `resume`)."""
        self.process.send_signal(signal_number)

    def resume(self) -> None:
        """SIGCONT to a stopped process."""
        self.process.send_signal(signal.SIGCONT)

    def wait_exit(self, timeout: float = 120.0) -> int:
        """The exit code (negative: killed by that signal), once the process has ended."""
        if self.exit_status is None:
            self.exit_status = self.process.wait(timeout=timeout)
        return self.exit_status

    def wait_for_output(self, text: str, timeout: float = 180.0) -> None:
        """Waits until stdout holds `text` (the process keeps running)."""
        deadline = time.monotonic() + timeout
        while text not in self.out_path.read_text():
            assert time.monotonic() < deadline, f"no {text!r} in time: {self.logs()}"
            code = self.process.poll()
            assert code is None, f"exited with {code}: {self.logs()}"
            time.sleep(0.01)

    def kill(self) -> None:
        """SIGKILL (a stopped process dies too) and reap it."""
        self.process.send_signal(signal.SIGKILL)
        assert self.process.wait(timeout=60) == -signal.SIGKILL


def manifest_entries(run_dir) -> list[dict]:
    """The checkpoints manifest.json records, oldest first ([] before the first save)."""
    path = run_dir / "manifest.json"
    return json.loads(path.read_text())["checkpoints"] if path.exists() else []


def history_epochs(run_dir) -> list[int]:
    """The epochs of history.csv's complete rows ([] before the first row).

    Read as text, not with pandas: while the trainer appends, the last line may be half written.
    """
    path = run_dir / "history.csv"
    lines = path.read_text().splitlines(keepends=True) if path.exists() else []
    return [int(line.split(",", 1)[0]) for line in lines[1:] if line.endswith("\n")]
