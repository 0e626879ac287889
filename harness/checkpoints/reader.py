"""Restoring a verified checkpoint, also while a training run is pruning the same folder.

Retention rewrites the manifest first and deletes files after. A reader holds the ckpt/ folder's
shared lock (`lock.checkpoint_files_held`) from verifying a checkpoint to having restored it, and
retention deletes under the exclusive one, so verified files stay until TensorFlow has read
them. Files deleted before the reader took the lock are found missing; the reader then reads the
manifest again: if the entry is no longer recorded as it was, a writer got there first and the
request ("latest", "best", ...) is resolved again on the new manifest; if it is still recorded
as it was, the checkpoint is damaged. The lock is on the folder, so a reader needs no write
permission.
"""

from harness.checkpoints.compat import check_fits, root_for
from harness.checkpoints.integrity import checkpoint_prefix, damage
from harness.checkpoints.lock import checkpoint_files_held
from harness.checkpoints.manifest import CKPT_DIR, TAGS, Manifest, candidates
from harness.checkpoints.manifest_schema import entry_label
from harness.errors import RunDamaged, UsageError, filesystem_error

# Each attempt means a writer changed the manifest while this reader was at it; a training run
# saves at most a few times a second, so twenty in a row would be a writer gone wrong.
_ATTEMPTS = 20


def restore_verified(checkpoint, manifest: Manifest, which: str, policy):
    """Verifies the checkpoint `which` names and restores it into `checkpoint`.

    Args:
        checkpoint: the live root `tf.train.Checkpoint`.
        manifest: the run's manifest as last read.
        which: "result", "latest", "best", "ckpt-N" or a prefix path.
        policy: ranks "best".

    Returns:
        (the run's manifest, read again if it had changed; the entry restored, or None if the
        run has no checkpoint; one line per damaged checkpoint passed over).

    Raises:
        RunDamaged: nothing intact to restore, or TensorFlow cannot read a verified checkpoint.
        UsageError: an unknown name, a checkpoint that does not fit, or one named explicitly
            that a writer deleted meanwhile.
    """
    for _ in range(_ATTEMPTS):
        source, entries = candidates(manifest, which, policy)
        if not entries:
            return manifest, None, []
        with checkpoint_files_held(source.run_dir / CKPT_DIR, exclusive=False):
            chosen, skipped = _first_intact(source.run_dir, entries)
            suspects = [entry for entry, _ in skipped]
            if suspects and _changed(source, suspects, which):
                manifest = _reread(manifest, source)
                continue
            if chosen is None:
                raise RunDamaged(
                    f"no intact checkpoint to restore for {which!r} in {source.describe()}: "
                    + "; ".join(f"{entry['name']}: {problem}" for entry, problem in skipped)
                )
            _restore(checkpoint, source, chosen)
        passed_over = [
            f"damaged checkpoint {entry['name']} ({problem})" for entry, problem in skipped
        ]
        if which in TAGS:  # a malformed entry might have been the one meant
            passed_over += [
                f"{entry_label(position, raw)}, which is malformed ({problem})"
                for position, raw, problem in source.malformed
            ]
        lines = [f"skipping {line}; restoring {chosen['name']} instead" for line in passed_over]
        return manifest, chosen, lines
    raise UsageError(
        f"the checkpoints of {manifest.run_dir} kept changing while being read; try again"
    )


def _first_intact(run_dir, entries: list[dict]) -> tuple[dict | None, list[tuple[dict, str]]]:
    skipped = []
    for entry in entries:
        problem = damage(run_dir, entry)
        if problem is None:
            return entry, skipped
        skipped.append((entry, problem))
    return None, skipped


def _restore(checkpoint, source: Manifest, entry: dict) -> None:
    """Restores a verified `entry` (its files cannot be deleted meanwhile: see the lock)."""
    import tensorflow as tf

    prefix = str(checkpoint_prefix(source.run_dir, entry))
    try:
        checkpoint = root_for(checkpoint, prefix)
        check_fits(checkpoint, prefix, entry["name"])
        status = checkpoint.restore(prefix)
    except tf.errors.OpError as error:
        problem = filesystem_error(error)
        if problem is not None:
            raise problem from None
        raise RunDamaged(
            f"checkpoint {entry['name']} of {source.run_dir} cannot be read "
            f"({error.message.splitlines()[0]}); check it with: "
            f"python -m harness.checkpoints verify {source.run_dir}"
        ) from None
    status.assert_existing_objects_matched()
    status.expect_partial()  # save_counter is restored lazily; no warning at exit for it


def _changed(source: Manifest, entries: list[dict], which: str) -> bool:
    """Whether the manifest on disk no longer records `entries` as `source` does."""
    fresh = Manifest.load(source.run_dir)
    for entry in entries:
        now = fresh.find(entry["name"])
        if now is None and which not in TAGS:
            raise UsageError(
                f"checkpoint {entry['name']} of {source.run_dir} was deleted while it was being "
                "read: a training run there pruned it; ask for latest, best or one it keeps"
            )
        if now != entry:
            return True
    return False


def _reread(manifest: Manifest, source: Manifest) -> Manifest:
    # A prefix path into another run is looked up afresh by `candidates` each time.
    if source.run_dir.resolve() == manifest.run_dir.resolve():
        return Manifest.load(manifest.run_dir)
    return manifest
