"""Atomic writes for small files: write a temporary file beside the target, fsync, `os.replace`.

A crash leaves either the old file or the new one, never a truncated one (the habit timm and Orbax
follow for their checkpoints).
"""

import json
import os
import secrets
from pathlib import Path


def write_bytes_atomic(path, data: bytes, *, durable: bool = True) -> None:
    """Writes `data` to `path` so that readers see the old or the new content, never a mix.

    Args:
        path: the target file.
        data: the new content.
        durable: fsync before the rename, so the new content also survives a power loss (a
            killed process never loses it either way: the page cache outlives the process).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not tempfile.mkstemp: it creates the file with mode 0600 whatever the umask, so every
    # report, manifest and run.json was readable by its owner only. Mode 0666 here is cut by
    # the umask as for any file a program creates (0644 with the usual 022).
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
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
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp.keras")
    try:
        model.save(temporary)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def _jsonable(value):
    # NumPy scalars and arrays turn up in metrics and normalisation statistics.
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
