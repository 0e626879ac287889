"""SHA-256 records of checkpoint files and their verification against the manifest."""

import hashlib
from pathlib import Path

_CHUNK_BYTES = 1 << 20


def sha256_of(path) -> str:
    """Hex SHA-256 of a file, read in chunks so large shards do not fill memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def record_files(run_dir, prefix: str) -> dict:
    """{relative filename: {"bytes", "sha256"}} for a just-written checkpoint's files.

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
    return {
        path.relative_to(run_dir).as_posix(): {
            "bytes": path.stat().st_size,
            "sha256": sha256_of(path),
        }
        for path in paths
    }


def damage(run_dir, entry: dict) -> str | None:
    """What is wrong with an entry's files, or None if every file matches its record.

    Returns:
        A short description naming the first damaged file, e.g.
        "ckpt/ckpt-40.data-00000-of-00001 is truncated (100 of 2048 bytes)".
    """
    run_dir = Path(run_dir)
    if not entry.get("files"):
        return "no files are recorded for it"
    for name, record in entry["files"].items():
        path = run_dir / name
        if not path.exists():
            return f"{name} is missing"
        size = path.stat().st_size
        if size != record["bytes"]:
            return f"{name} has {size} bytes, {record['bytes']} were written"
        if sha256_of(path) != record["sha256"]:
            return f"{name} does not match its SHA-256 checksum"
    return None
