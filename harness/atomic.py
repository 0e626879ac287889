"""Atomic writes for small files: write a temporary file beside the target, fsync, `os.replace`.

A crash leaves either the old file or the new one, never a truncated one (the habit timm and Orbax
follow for their checkpoints). A full disk, a read-only folder or a refused permission raises
`FileSystemError` naming the target, with no temporary file left behind.
"""

import contextlib
import glob
import json
import os
import re
import secrets
import socket
from pathlib import Path

from harness.errors import filesystem_error


def write_bytes_atomic(path, data: bytes, *, durable: bool = True) -> None:
    """Writes `data` to `path` so that readers see the old or the new content, never a mix.

    Args:
        path: the target file.
        data: the new content.
        durable: fsync before the rename, so the new content also survives a power loss (a
            killed process never loses it either way: the page cache outlives the process).
    """
    path = Path(path)
    # Not tempfile.mkstemp: it creates the file with mode 0600 whatever the umask, so every
    # report, manifest and run.json was readable by its owner only. Mode 0666 here is cut by
    # the umask as for any file a program creates (0644 with the usual 022).
    tmp = _temporary_path(path)
    with _file_system_errors_name(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        # The open is inside the try: an interrupt raised as it returns (a Ctrl-C that arrived
        # while it waited on the disk) would otherwise leave the new temporary behind.
        try:
            fd = os.open(tmp, flags, 0o666)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                if durable:
                    os.fsync(handle.fileno())
            os.replace(tmp, path)
            remove_stale_temporaries(path)
        except BaseException as error:
            # FileExistsError: the name is another writer's (its pid and random token).
            if not isinstance(error, FileExistsError) and os.path.exists(tmp):
                os.unlink(tmp)
            raise


def write_text_atomic(path, text: str, *, durable: bool = True) -> None:
    """Writes `text` (UTF-8) to `path` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"), durable=durable)


def write_json_atomic(path, obj, *, durable: bool = True) -> None:
    """Writes `obj` as indented JSON to `path` atomically."""
    text = json.dumps(obj, indent=2, sort_keys=False, default=_jsonable) + "\n"
    write_text_atomic(path, text, durable=durable)


def save_model_atomic(model, path: Path) -> None:
    """model.save to a temporary .keras file beside `path`, then os.replace onto it.

    Keras writes the zip itself, so the temporary file is its own, not `write_bytes_atomic`'s.
    """
    temporary = _temporary_path(path, suffix=MODEL_SUFFIX)
    with _file_system_errors_name(path):
        try:
            model.save(temporary)
            os.replace(temporary, path)
            remove_stale_temporaries(path, suffix=MODEL_SUFFIX)
        finally:
            if temporary.exists():
                temporary.unlink()


@contextlib.contextmanager
def _file_system_errors_name(path: Path):
    """Raises a full disk or a refused write as `FileSystemError` naming `path`: the OSError
    itself often names a temporary file, or nothing (zipfile's writes inside model.save)."""
    try:
        yield
    except OSError as error:
        problem = filesystem_error(error, path)
        if problem is None or problem is error:
            raise
        raise problem from error


# A temporary file is named .<target name>.<pid>@<host>.<random>.tmp beside its target (Keras
# needs model files to end in .keras, hence MODEL_SUFFIX): hidden, never mistaken for the target,
# and naming the process that writes it, so that a later write can tell a temporary whose
# writer was killed (SIGKILL, OOM, power loss: no `finally` runs) from one still being written.
TEMPORARY_SUFFIX = ".tmp"
MODEL_SUFFIX = ".tmp.keras"
_HOST = re.sub(r"[^A-Za-z0-9_.-]", "_", socket.gethostname()) or "host"


def _temporary_path(path: Path, *, suffix: str = TEMPORARY_SUFFIX) -> Path:
    token = secrets.token_hex(4)
    return path.parent / f".{path.name}.{os.getpid()}@{_HOST}.{token}{suffix}"


def temporaries_of(path, *, suffix: str = TEMPORARY_SUFFIX) -> list[tuple[Path, int, str]]:
    """The temporary files of `path`'s atomic writes that exist now, as (file, pid, host)."""
    path = Path(path)
    prefix = f".{path.name}."
    found = []
    for candidate in path.parent.glob(f"{glob.escape(prefix)}*@*{suffix}"):
        writer, _, token = candidate.name[len(prefix) : -len(suffix)].rpartition(".")
        pid, _, host = writer.partition("@")
        if pid.isdigit() and host and token:
            found.append((candidate, int(pid), host))
    return found


def remove_stale_temporaries(path, *, suffix: str = TEMPORARY_SUFFIX) -> list[Path]:
    """Deletes the temporaries of `path` whose writer died on this host before its rename.

    A killed writer cannot delete its own temporary, so every successful write of a target
    removes those its dead predecessors left: at most the temporaries of writers killed since the
    last successful write exist at any time. A temporary of a live process, or of another host
    (a run folder on shared storage), is left alone. Not on Windows, where there is no harmless
    way to ask whether a process is alive.

    Returns:
        The files deleted.
    """
    if os.name == "nt":
        return []
    removed = []
    for candidate, pid, host in temporaries_of(path, suffix=suffix):
        if host == _HOST and pid != os.getpid() and not _process_alive(pid):
            try:
                candidate.unlink()
            except OSError:
                continue  # removed by another writer first, or not ours to remove
            removed.append(candidate)
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: no signal, only the check
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _jsonable(value):
    # NumPy scalars and arrays turn up in metrics and normalisation statistics.
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
