"""`RunLock`: one process at a time may write to a run folder; `checkpoint_files_held`: readers
and retention take turns on the checkpoint files.

The lock is `fcntl.flock` on an open descriptor of `<run>/.lock`, so the operating system
releases it when the owner exits in any way, SIGKILL included; no stale-PID guessing decides who
owns the folder. The file's JSON (pid, host, start time) only serves the messages. flock is
per host: two machines sharing the folder over NFS are not kept apart.
"""

import contextlib
import errno
import fcntl
import json
import os
import socket
import stat
import sys
from datetime import datetime, timezone
from pathlib import Path

from harness.errors import RunDamaged, UsageError

LOCK_NAME = ".lock"
# Another owner may remove the lock file between our open and our flock; we then try again.
_ATTEMPTS = 10


class RunLock:
    """Exclusive use of a run folder for as long as the context (or `acquire`..`release`) lasts.

    Args:
        run_dir: The run folder; it is created if missing.

    Raises on entering:
        UsageError: Another live process holds the lock; the message names its PID.
    """

    def __init__(self, run_dir):
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / LOCK_NAME
        self._fd = None

    def acquire(self) -> None:
        """Takes the lock, or raises UsageError naming the process that holds it."""
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already held by this RunLock")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for _ in range(_ATTEMPTS):
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = _read_owner(fd)
                os.close(fd)
                raise UsageError(
                    f"run folder {self.run_dir} is in use by {_describe(owner)}; "
                    "wait for it to finish or stop it"
                ) from None
            if _same_file(fd, self.path):
                self._take(fd)
                return
            os.close(fd)  # we locked a file its owner had just removed
        raise UsageError(f"could not lock {self.path}: it keeps being replaced by other processes")

    def _open(self) -> int:
        # The lock file is truncated and written, so it must be the run's own plain file: never
        # a symbolic link planted to make this process overwrite something elsewhere.
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as error:
            if error.errno != errno.ELOOP:
                raise
            raise RunDamaged(
                f"{self.path} is a symbolic link, not a run's lock file; remove it"
            ) from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise RunDamaged(f"{self.path} is not a regular file, not a run's lock file; remove it")
        return fd

    def _take(self, fd: int) -> None:
        previous = _read_owner(fd)
        if previous:
            # The lock was free, so whoever wrote this is gone without releasing it.
            print(
                f"taking over run folder {self.run_dir}: "
                f"its lock was left by {_describe(previous)}, "
                "which is no longer running",
                file=sys.stderr,
            )
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(record) + "\n").encode("utf-8"), 0)
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        """Removes the lock file if it is still the one we locked, then unlocks."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            if _same_file(fd, self.path):
                self.path.unlink()
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc_info):
        self.release()


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def _read_owner(fd: int) -> dict:
    # The owner writes its record just after locking, so it may be empty for a moment.
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _describe(owner: dict) -> str:
    if not owner.get("pid"):
        return "another process"
    where = f" on {owner['host']}" if owner.get("host") not in (None, socket.gethostname()) else ""
    return f"process {owner['pid']}{where} (started {owner.get('started', 'at an unknown time')})"


@contextlib.contextmanager
def checkpoint_files_held(ckpt_dir, *, exclusive: bool):
    """Holds `fcntl.flock` on the ckpt/ folder itself for the duration.

    Readers hold it shared while they verify a checkpoint and restore it; retention holds it
    alone while it deletes files. So a checkpoint a reader has verified cannot vanish before
    TensorFlow has read it (TensorFlow opens files by name, and a restore that fails half-way
    leaves restorations pending on a path that is gone). Locking the folder, not a file in it,
    needs no write permission: a reader of a read-only run folder takes it too. A missing folder
    holds no files, so there is nothing to lock.
    """
    try:
        fd = os.open(ckpt_dir, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock
