"""The format of manifest.json, checked on load (the format itself is shown in `manifest`).

A top level that is not a manifest's is damage to the run: `RunDamaged` naming the file and the
key. A malformed entry is damage to that entry only: it is set aside, with its problem, and the
run's other checkpoints stay usable. An entry's file names are part of its format: exactly
`ckpt/<name>.index` and the shards `ckpt/<name>.data-0000i-of-0000N` that TensorFlow writes for
it, so no path from the file can point anywhere else.
"""

import re

from harness.checkpoints.retention import RetentionPolicy
from harness.checkpoints.schema import (
    Malformed,
    is_number,
    need,
    need_key,
    need_object,
    need_text,
    need_time,
    need_whole,
)
from harness.errors import RunDamaged, UsageError

FORMAT_VERSION = 1
KINDS = ("epoch", "step")
NAME_PATTERN = r"ckpt-\d{1,18}"
_SHARD = re.compile(r"\.data-(\d{5})-of-(\d{5})")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def check_manifest(data, path) -> tuple[list[dict], list[tuple[int, object, str]]]:
    """Checks a parsed manifest.json.

    Returns:
        (the well-formed entries in file order, [(position, entry, problem)] of the others).
        A second entry of the same name counts as malformed.

    Raises:
        RunDamaged: the top level (format, policy, best, checkpoints) is not a manifest's.
    """
    try:
        need(isinstance(data, dict), "the file", "a JSON object", data)
        version = need_key(data, "format", "format")
        need(version == FORMAT_VERSION, "format", f"{FORMAT_VERSION}", version)
        policy = need_object(data, "policy", "policy", optional=True)
        need_object(data, "best", "best", optional=True)
        entries = need_key(data, "checkpoints", "checkpoints")
        need(isinstance(entries, list), "checkpoints", "a list", entries)
        if policy is not None:
            _check_policy(policy)
    except Malformed as error:
        raise RunDamaged(f"{path} is not a checkpoint manifest: {error}") from None
    good, malformed, names = [], [], set()
    for position, entry in enumerate(entries, start=1):
        try:
            check_entry(entry)
            need(entry["name"] not in names, "name", "unique in the manifest", entry["name"])
        except Malformed as error:
            malformed.append((position, entry, str(error)))
            continue
        names.add(entry["name"])
        good.append(entry)
    return good, malformed


def check_entry(entry) -> None:
    """Raises Malformed naming the first key of a checkpoint entry that does not fit."""
    need(isinstance(entry, dict), "the entry", "an object", entry)
    name = need_text(entry, "name", "name", pattern=NAME_PATTERN)
    prefix = need_key(entry, "prefix", "prefix")
    need(prefix == f"ckpt/{name}", "prefix", f"'ckpt/{name}', after its name", prefix)
    step = need_whole(entry, "step", "step")
    need(name == f"ckpt-{step}", "step", f"{name.removeprefix('ckpt-')}, as its name says", step)
    need_whole(entry, "epoch", "epoch")
    need_text(entry, "kind", "kind", choices=KINDS)
    metrics = need_object(entry, "metrics", "metrics")
    for key, value in metrics.items():
        need(value is None or is_number(value), f"metrics.{key}", "a number or null", value)
    need_time(entry, "time", "time")
    files = need_object(entry, "files", "files")
    check_file_names(name, list(files))
    total = 0
    for file_name, record in files.items():
        key = f"files.{file_name}"
        need(isinstance(record, dict), key, "an object", record)
        total += need_whole(record, "bytes", f"{key}.bytes")
        digest = need_key(record, "sha256", f"{key}.sha256")
        ok = isinstance(digest, str) and _SHA256.fullmatch(digest)
        need(bool(ok), f"{key}.sha256", "64 hex digits", digest)
    if "bytes" in entry:
        need(entry["bytes"] == total, "bytes", f"{total}, the sum of its files", entry["bytes"])


def check_file_names(name: str, file_names: list[str]) -> None:
    """Raises Malformed unless the names are exactly a checkpoint's own files in ckpt/: its
    .index and every shard .data-0000i-of-0000N, i = 0..N-1, of one N."""
    prefix = f"ckpt/{name}"
    index = f"{prefix}.index"
    shards = sorted(file_name for file_name in file_names if file_name != index)
    counts = {
        match[2]
        for file_name in shards
        if file_name.startswith(prefix) and (match := _SHARD.fullmatch(file_name[len(prefix) :]))
    }
    expected = (
        [f"{prefix}.data-{i:05d}-of-{count}" for count in counts for i in range(int(count))]
        if len(counts) == 1
        else None
    )
    need(
        index in file_names and shards == expected,
        "files",
        f"{index} and its .data-0000i-of-0000N shards, all inside ckpt/",
        file_names,
    )


def entry_label(position: int, entry) -> str:
    """ "manifest entry 3 (ckpt-40)", or without the name if it has none."""
    name = entry.get("name") if isinstance(entry, dict) else None
    return f"manifest entry {position}" + (f" ({name})" if isinstance(name, str) else "")


def _check_policy(policy: dict) -> None:
    try:
        RetentionPolicy.from_json(policy)
    except (UsageError, TypeError) as error:
        raise Malformed(f"policy: {error}") from None
