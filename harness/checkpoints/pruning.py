"""Applying a retention policy to a run: manifest first, then TF's state file, then deletions.

That order means a crash part-way leaves orphan files at worst, never a manifest or a
`checkpoint` state file that names deleted files.
"""

import math
import shutil
import sys
from datetime import datetime
from pathlib import Path

from harness.checkpoints.lock import checkpoint_files_held
from harness.checkpoints.manifest import CKPT_DIR, Manifest
from harness.checkpoints.retention import RetentionPolicy, monitor_value, rank_best, select_kept
from harness.errors import UsageError
from harness.runtime.timing import DELETE, RETENTION, TF_STATE_FILE, stage


def apply_retention(manifest: Manifest, policy: RetentionPolicy) -> list[dict]:
    """Keeps what `policy` keeps of `manifest`'s entries and deletes the files of the rest.

    Records the policy and the best entry in the manifest, saves it, rewrites TensorFlow's
    `checkpoint` state file to list exactly the kept checkpoints, and only then deletes the
    files the manifest recorded for the dropped entries.

    Returns:
        The dropped entries.
    """
    with stage(RETENTION):
        kept_names = set(select_kept(manifest.checkpoints, policy))
        dropped = [entry for entry in manifest.checkpoints if entry["name"] not in kept_names]
        manifest.checkpoints = [
            entry for entry in manifest.checkpoints if entry["name"] in kept_names
        ]
        manifest.policy = policy.to_json()
        manifest.best = best_record(manifest.checkpoints, policy)
        manifest.save()
        with stage(TF_STATE_FILE):
            write_tf_state(manifest.run_dir, manifest.checkpoints)
        with stage(DELETE):
            delete_entry_files(manifest.run_dir, dropped, keep=manifest.checkpoints)
    return dropped


def best_record(entries: list[dict], policy: RetentionPolicy) -> dict | None:
    """The manifest's "best" field: the best entry's name and monitor value, or None."""
    ranked = rank_best(entries, policy)
    if not ranked:
        return None
    return {
        "name": ranked[0]["name"],
        "monitor": policy.monitor,
        "mode": policy.mode,
        "value": monitor_value(ranked[0], policy.monitor),
    }


def write_tf_state(run_dir, entries: list[dict]) -> None:
    """Rewrites `<run>/ckpt/checkpoint` so that it lists `entries` (oldest first), newest last.

    This is the writer `tf.train.CheckpointManager` itself uses (atomic, relative paths). Every
    timestamp is recorded and `last_preserved_timestamp` lies before them all, so a
    CheckpointManager opened on the folder later manages exactly these checkpoints.
    """
    if not entries:
        return
    import tensorflow as tf

    names = [entry["name"] for entry in entries]
    timestamps = [datetime.fromisoformat(entry["time"]).timestamp() for entry in entries]
    tf.__internal__.train.update_checkpoint_state(
        # Absolute: with a relative folder TensorFlow rewrites each name relative to it again,
        # and `train.py --run-dir run` recorded "../../ckpt-40", which latest_checkpoint misread.
        save_dir=str(Path(run_dir).resolve() / CKPT_DIR),
        model_checkpoint_path=names[-1],
        all_model_checkpoint_paths=names,
        save_relative_paths=True,
        all_model_checkpoint_timestamps=timestamps,
        last_preserved_timestamp=math.floor(min(timestamps)) - 1.0,
    )


def delete_entry_files(run_dir, dropped: list[dict], *, keep: list[dict]) -> None:
    """Deletes the files recorded for `dropped`, except any file a kept entry also records.

    Only a file directly inside `<run>/ckpt/` whose name starts with its entry's name is
    deleted, so a damaged or hand-edited manifest cannot point the deletion elsewhere.
    """
    run_dir = Path(run_dir)
    ckpt_dir = (run_dir / CKPT_DIR).resolve()
    still_needed = {name for entry in keep for name in entry.get("files", {})}
    if dropped:
        with checkpoint_files_held(ckpt_dir, exclusive=True):  # readers finish restoring first
            _delete(run_dir, ckpt_dir, dropped, still_needed)


def _delete(run_dir: Path, ckpt_dir: Path, dropped: list[dict], still_needed: set) -> None:
    for entry in dropped:
        for name in entry.get("files", {}):
            path = (run_dir / name).resolve()
            if (
                name in still_needed
                or path.parent != ckpt_dir
                or not path.name.startswith(entry["name"] + ".")
            ):
                continue
            try:
                path.unlink()
            except FileNotFoundError:
                pass  # already gone: a crash after an earlier, partial deletion
            except OSError as error:
                print(f"warning: could not delete {path}: {error}", file=sys.stderr)


def remove_unrecorded(run_dir, name: str) -> None:
    """Removes what a failed save of checkpoint `name` left in ckpt/ (its files and TensorFlow's
    `<name>_temp` folder), so that a full disk gets its space back; nothing is removed if the
    manifest on disk records `name`, or cannot be read."""
    try:
        if Manifest.load(run_dir).find(name) is not None:
            return
    except UsageError:
        return
    ckpt = Path(run_dir) / CKPT_DIR
    for path in [*ckpt.glob(f"{name}.index"), *ckpt.glob(f"{name}.data-?????-of-?????")]:
        try:
            path.unlink()
        except OSError:
            pass  # a read-only folder keeps them; the manifest does not list them either way
    temporary = ckpt / f"{name}_temp"
    if temporary.is_dir() and not temporary.is_symlink():
        shutil.rmtree(temporary, ignore_errors=True)
