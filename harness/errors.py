"""The errors an entry point expects, and their exit codes.

Every command (train.py, evaluate.py, predict.py, `python -m harness.checkpoints`) exits with:

- 0: done;
- 1: damage (`RunDamaged`: a checkpoint, manifest.json or run.json is damaged or malformed), a
  lost worker (`WorkerLost`), or an evaluation row that failed;
- 2: bad input (`UsageError`);
- 3: the file system refused (`FileSystemError`: a full disk, no permission, read-only).

`UsageError` is defined in `zoo.errors`, so that the models can raise it without importing the
harness, and re-exported here. Each of these errors is printed as one line; anything else is a
bug and is allowed to raise with its traceback.
"""

import errno
import os
import re

from zoo.errors import UsageError

EXIT_DAMAGED = 1
EXIT_USAGE = 2
EXIT_WORKER_LOST = 1
EXIT_FILESYSTEM = 3
# What a full, read-only or forbidden file system answers; any other OSError is a bug.
FILESYSTEM_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)
_REMEDIES = {
    errno.ENOSPC: "free some space",
    errno.EDQUOT: "free some space within your quota",
    errno.EROFS: "remount it read-write or use a folder on a writable disk",
    errno.EACCES: "give this user write permission there or use another folder",
    errno.EPERM: "give this user write permission there or use another folder",
}
# TensorFlow's file errors end their first line in "<path>; <strerror>".
_TENSORFLOW_FILE_ERROR = re.compile(r"(?:\}\} )?(?P<path>[^;{}]+); (?P<reason>[^;\n]+?)\s*$")


class RunDamaged(UsageError):
    """A run folder's files are damaged: a checksum that does not match, a manifest.json or
    run.json that is malformed, a manifest entry that points outside the run's ckpt/ folder.

    Exit 1, not 2: the input named a real run, and the run is what is wrong. It is a UsageError
    so that whatever turns an expected failure into one line (or into a failed row of a batch)
    treats it the same way; only the exit code differs.
    """


class WorkerLost(RuntimeError):
    """Another worker of a multi-worker run stopped answering, so this one cannot go on.

    Not bad input (exit 1, not 2), but expected on a cluster: the entry point prints the message,
    which names the lost worker and says to relaunch every worker with --resume.
    """


class FileSystemError(OSError):
    """The file system refused a write (or an open): full, read-only, or not permitted (exit 3).

    Args:
        code: the errno, one of FILESYSTEM_ERRNOS.
        path: the file or folder that could not be written.
        then: what to do once the remedy for `code` is applied; default: run the command again.
    """

    def __init__(self, code: int, path=None, then: str = "run the command again"):
        super().__init__(code, os.strerror(code), None if path is None else str(path))
        self.advice = f"{_REMEDIES.get(code, 'check the file system')}, then {then}"

    def __str__(self) -> str:
        verb = "access" if self.errno in (errno.EACCES, errno.EPERM) else "write"
        where = f" {self.filename}" if self.filename else ""
        return f"cannot {verb}{where}: {self.strerror}; {self.advice}"


def filesystem_error(error: BaseException, path=None) -> FileSystemError | None:
    """The `FileSystemError` that `error` stands for, or None if it is something else.

    Understands OSErrors with an errno of FILESYSTEM_ERRNOS and TensorFlow's errors for file
    writes (ResourceExhaustedError "No space left on device", PermissionDeniedError "Read-only
    file system", ...), whose message names the path and the reason.

    Args:
        error: the exception caught.
        path: what to name in the message instead of the file the error names.
    """
    if isinstance(error, FileSystemError):
        return error
    if isinstance(error, OSError):
        if error.errno not in FILESYSTEM_ERRNOS:
            return None
        return FileSystemError(error.errno, path or error.filename)
    if not type(error).__module__.startswith("tensorflow"):
        return None
    first_line = (str(getattr(error, "message", error)) or " ").splitlines()[0]
    found = _TENSORFLOW_FILE_ERROR.search(first_line)
    reasons = {os.strerror(code): code for code in FILESYSTEM_ERRNOS}
    if found is None or found["reason"] not in reasons:
        return None
    return FileSystemError(reasons[found["reason"]], path or found["path"].strip())


__all__ = [
    "EXIT_DAMAGED",
    "EXIT_FILESYSTEM",
    "EXIT_USAGE",
    "EXIT_WORKER_LOST",
    "FILESYSTEM_ERRNOS",
    "FileSystemError",
    "RunDamaged",
    "UsageError",
    "WorkerLost",
    "filesystem_error",
]
