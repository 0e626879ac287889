"""SHA-256 records of checkpoint files and their verification against the manifest.

Verification opens only what an entry's name allows (`checkpoint_files`): the entry's own files
in `<run>/ckpt/`, each a regular file there once symbolic links are resolved. A manifest that
names /dev/zero, a FIFO or another run's files gets a damage report, never a read.
"""

import hashlib
import os
import stat
from pathlib import Path

from harness.checkpoints.manifest_schema import check_file_names
from harness.checkpoints.schema import Malformed

_CHUNK_BYTES = 1 << 20


def sha256_of(path) -> str:
    """Hex SHA-256 of a file, read in chunks so large shards do not fill memory."""
    with open(path, "rb") as handle:
        return _sha256_of_handle(handle)


def _sha256_of_handle(handle) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(_CHUNK_BYTES):
        digest.update(chunk)
    return digest.hexdigest()


def checkpoint_prefix(run_dir, entry: dict) -> Path:
    """Where a checkpoint's files are: `<run>/ckpt/<name>`, from the entry's name alone (the
    manifest's "prefix" field is never used as a path)."""
    return Path(run_dir) / "ckpt" / entry["name"]


def record_files(run_dir, prefix: str) -> dict:
    """{relative filename: {"bytes", "sha256"}} for a just-written checkpoint's files, each
    fsynced with its folder (a checkpoint is durable once recorded).

    Args:
        run_dir: The run folder the names are relative to.
        prefix: The checkpoint prefix relative to `run_dir`, e.g. "ckpt/ckpt-40".

    Raises:
        FileNotFoundError: The checkpoint has no .index file (it was not written).
    """
    run_dir = Path(run_dir)
    base = run_dir / prefix
    index = base.with_name(base.name + ".index")
    if not index.exists():
        raise FileNotFoundError(f"checkpoint {base} has no .index file")
    # TensorFlow names shards "<prefix>.data-00000-of-00002"; the pattern cannot match ckpt-40's
    # files when asked for ckpt-4.
    paths = [index, *sorted(base.parent.glob(base.name + ".data-?????-of-?????"))]
    records = {}
    for path in paths:
        with open(path, "rb") as handle:
            digest = _sha256_of_handle(handle)
            # On disk before the manifest names it: a power cut cannot keep a recorded
            # checkpoint whose files were still in the page cache.
            os.fsync(handle.fileno())
        records[path.relative_to(run_dir).as_posix()] = {
            "bytes": path.stat().st_size,
            "sha256": digest,
        }
    _fsync_folder(base.parent)
    return records


def _fsync_folder(folder: Path) -> None:
    """The folder's entries (the new files' names) on disk too."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def damage(run_dir, entry: dict) -> str | None:
    """What is wrong with an entry's files, or None if every file matches its record.

    Returns:
        A short description naming the first damaged file, e.g.
        "ckpt/ckpt-40.data-00000-of-00001 is truncated (100 of 2048 bytes)".
    """
    run_dir = Path(run_dir)
    if not entry.get("files"):
        return "no files are recorded for it"
    try:
        check_file_names(entry["name"], list(entry["files"]))
    except Malformed as error:
        return f"its manifest entry is malformed: {error}"
    ckpt_dir = (run_dir / "ckpt").resolve()
    for name, record in entry["files"].items():
        problem = _file_damage(run_dir / name, ckpt_dir, record)
        if problem:
            return f"{name} {problem}"
    return None


def _file_damage(path: Path, ckpt_dir: Path, record: dict) -> str | None:
    if not path.exists():
        return "is missing"
    if path.resolve().parent != ckpt_dir:
        return f"leads out of {ckpt_dir} (to {path.resolve()})"
    # Non-blocking, so that a FIFO put in its place cannot stall the open; checked on the
    # descriptor itself, so that nothing swapped in after the check is read either.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return "is not a regular file"
        if info.st_size != record["bytes"]:
            return f"has {info.st_size} bytes, {record['bytes']} were written"
        if _sha256_of_handle(handle) != record["sha256"]:
            return "does not match its SHA-256 checksum"
    return None
