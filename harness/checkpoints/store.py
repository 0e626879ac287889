"""`CheckpointStore`: saves a run's root tf.train.Checkpoint, records it, prunes it, restores it.

A synchronous save runs `tf.train.Checkpoint.write` compiled once into a tf.function (see
`_compiled_write`); an asynchronous one goes through `tf.train.CheckpointManager`, made afresh
for every save from the state file the store last wrote, so it never brings back a checkpoint
retention has deleted. Either way the files are `<run>/ckpt/ckpt-<step>.*`; the store hashes
them into `<run>/manifest.json` once they are complete, the manifest drives retention, and
retention rewrites TensorFlow's own `checkpoint` state file to list what is kept.
"""

import contextlib
import copy
import math
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

from harness.checkpoints.integrity import record_files
from harness.checkpoints.manifest import CKPT_DIR, CKPT_NAME, Manifest
from harness.checkpoints.manifest_schema import KINDS
from harness.checkpoints.pruning import apply_retention, remove_unrecorded
from harness.checkpoints.reader import restore_verified
from harness.checkpoints.retention import RetentionPolicy, rank_best
from harness.errors import FileSystemError, UsageError, filesystem_error
from harness.runtime.timing import CHECKPOINT_SAVE, SHA256, TENSORFLOW_WRITE, stage

# Saves written eagerly before the store traces its write: an eager write costs a few tens of
# ms more than a traced one, the trace once some hundreds (BENCHMARKS.md, section 3).
EAGER_SAVES = 8


class CheckpointStore:
    """The checkpoints of one run folder.

    Args:
        run_dir: The run folder; `ckpt/` and `manifest.json` are made inside it. An existing
            manifest is loaded, so a store reopened after a restart carries on where it was.
        checkpoint: The root `tf.train.Checkpoint` to save and restore.
        policy: Which checkpoints to keep.
        async_save: Write checkpoint files in the background. A save is then recorded in the
            manifest (hashed, retention applied) only when it is complete: at the next `save`,
            `restore`, `wait` or `close`.

    The store does not lock the run folder; hold a `RunLock` while training.
    """

    def __init__(
        self, run_dir, checkpoint, policy: RetentionPolicy | None = None, *, async_save=False
    ):
        self.run_dir = Path(run_dir)
        self.checkpoint = checkpoint
        self.async_save = async_save
        self._manifest = Manifest.load(self.run_dir)
        # A reader (evaluate, export) passes no policy: "best" must mean what the run recorded.
        self.policy = policy or self._manifest.retention_policy()
        self._manager = None
        self._writer = None
        self._saves = 0
        self._pending = None
        self.skipped: list[str] = []  # what the last restore passed over, and why

    def save(self, *, epoch: int, step: int, metrics: dict, kind: str = "epoch") -> dict:
        """Writes a checkpoint named ckpt-<step>, records it and applies the retention policy.

        Saving again at a step already recorded replaces that checkpoint.

        Args:
            epoch: Epochs completed when the checkpoint was taken.
            step: The global step (optimizer iterations); it names the checkpoint.
            metrics: The metrics of the epoch (or {} mid-epoch); numbers only.
            kind: "epoch" for an epoch-end checkpoint, "step" for a mid-epoch one.

        Returns:
            The manifest entry. With `async_save` it has "pending": True and no "files" yet; the
            entry is recorded once the files are complete (see the class docstring).

        Raises:
            FileSystemError: the disk is full, read-only or refuses the write. What this save
                wrote is removed and the checkpoints recorded before stay as they were.
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        with stage(CHECKPOINT_SAVE), self._file_system_errors_reported(int(step)):
            self._wait()
            return self._save(epoch=epoch, step=step, metrics=metrics, kind=kind)

    @contextlib.contextmanager
    def _file_system_errors_reported(self, step: int):
        """A failed write becomes a FileSystemError that names ckpt/ and the checkpoint a
        --resume would continue from; the half-written files of the save are removed first."""
        try:
            yield
        except Exception as error:
            problem = filesystem_error(error)
            if problem is None:
                raise
            pending, self._pending = self._pending, None
            for name in {f"{CKPT_NAME}-{step}", *([pending["name"]] if pending else [])}:
                remove_unrecorded(self.run_dir, name)
            try:
                intact = Manifest.load(self.run_dir).latest()
            except UsageError:
                intact = None  # a manifest that cannot be read names no checkpoint to resume
            then = "run the command again"
            if intact is not None:
                then = (
                    f"continue with python train.py --run-dir {self.run_dir} --resume "
                    f"({intact['name']}, epoch {intact['epoch']}, is intact)"
                )
            raise FileSystemError(problem.errno, self.run_dir / CKPT_DIR, then) from None

    def _save(self, *, epoch: int, step: int, metrics: dict, kind: str) -> dict:
        import tensorflow as tf

        (self.run_dir / CKPT_DIR).mkdir(parents=True, exist_ok=True)
        prefix = self.run_dir / CKPT_DIR / f"{CKPT_NAME}-{int(step)}"
        if self.async_save:
            self._manager = tf.train.CheckpointManager(
                self.checkpoint,
                directory=str(self.run_dir / CKPT_DIR),
                max_to_keep=None,
                checkpoint_name=CKPT_NAME,
            )
            with _functions_run_eagerly(True):
                self._manager.save(
                    checkpoint_number=int(step),
                    options=tf.train.CheckpointOptions(enable_async=True),
                )
        else:
            with stage(TENSORFLOW_WRITE):
                self._write(tf, prefix)
        entry = {
            "name": f"{CKPT_NAME}-{int(step)}",
            "prefix": f"{CKPT_DIR}/{CKPT_NAME}-{int(step)}",
            "epoch": int(epoch),
            "step": int(step),
            "kind": kind,
            "metrics": _clean(metrics),
            "time": datetime.now(timezone.utc).isoformat(),
        }
        if self.async_save:
            self._pending = entry
            return {**entry, "pending": True}
        return self._record(entry)

    def _write(self, tf, prefix) -> None:
        """The first EAGER_SAVES saves of a store write eagerly, the later ones traced: a run
        that saves a few times does not pay the trace (BENCHMARKS.md, section 3)."""
        self._saves += 1
        if self._saves <= EAGER_SAVES:
            _ = self.checkpoint.save_counter  # see _compiled_write
            try:
                self.checkpoint.write(str(prefix))
            except tf.errors.OpError as error:
                # An eager op's message ends in " [Op:SaveV2]"; without it, it reads as the
                # traced write's does, which `harness.errors.filesystem_error` understands.
                message = re.sub(r"\s*\[Op:\w+\]\s*$", "", error.message)
                raise type(error)(error.node_def, error.op, message) from None
        else:
            self._compiled_write(tf)(tf.constant(str(prefix)))

    def _compiled_write(self, tf):
        """`checkpoint.write` traced once into a tf.function.

        Eager `Checkpoint.write` walks the object graph and reads every variable through Python
        on each call; traced once, the same save ops (TensorFlow's sharded write, then merge) run
        as one graph call (BENCHMARKS.md has the figures). Graph mode shards the data by
        variable device, so there may be two .data files where an eager write makes one: the
        standard format, which every TensorFlow reader handles. TensorFlow's `checkpoint` state
        file is written by retention right after.
        """
        if self._writer is None:
            # `save` would create the save counter; `write` does not, yet `restore` expects one.
            _ = self.checkpoint.save_counter
            self._writer = tf.function(lambda prefix: self.checkpoint.write(prefix))
        return self._writer

    def wait(self) -> dict | None:
        """Waits for a background save to finish and records it.

        Returns:
            The entry recorded now, or None if no save was outstanding.
        """
        if self._pending is None:
            return None
        with self._file_system_errors_reported(self._pending["step"]):
            return self._wait()

    def _wait(self) -> dict | None:
        if self._pending is None:
            return None
        self._manager.sync()
        entry, self._pending = self._pending, None
        return self._record(entry)

    def close(self) -> None:
        """Finishes and records any background save. The store may still be used afterwards."""
        self.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _record(self, entry: dict) -> dict:
        with stage(SHA256):
            entry["files"] = record_files(self.run_dir, entry["prefix"])
        entry["bytes"] = sum(record["bytes"] for record in entry["files"].values())
        # A re-save at a recorded step overwrote that checkpoint's files; the old entry goes.
        self._manifest.checkpoints = [
            old for old in self._manifest.checkpoints if old["name"] != entry["name"]
        ]
        self._manifest.checkpoints.append(entry)
        apply_retention(self._manifest, self.policy)
        return dict(entry)

    def prune(self, policy: RetentionPolicy | None = None) -> list[dict]:
        """Applies `policy` (default: the store's) now and returns the dropped entries."""
        self.wait()
        if not self._manifest.checkpoints:
            return []
        return apply_retention(self._manifest, policy or self.policy)

    def entries(self) -> list[dict]:
        """The recorded entries, oldest first (copies)."""
        return copy.deepcopy(self._manifest.checkpoints)

    def latest(self) -> dict | None:
        """The newest recorded entry, or None."""
        entry = self._manifest.latest()
        return dict(entry) if entry else None

    def ranked_best(self) -> list[dict]:
        """The recorded epoch entries that have the monitor value, best first (not copies: read
        them, do not change them)."""
        return rank_best(self._manifest.checkpoints, self.policy)

    def best(self) -> dict | None:
        """The best entry by the store's policy, or None if none has the monitor value."""
        ranked = rank_best(self._manifest.checkpoints, self.policy)
        return dict(ranked[0]) if ranked else None

    def restore(self, which: str = "latest", *, warn: bool = True) -> dict | None:
        """Verifies a checkpoint's files and restores it into the root checkpoint.

        Build the model and the optimizer's variables (`optimizer.build(...)`) first: a
        checkpoint whose variables are not all matched does not fit.

        Args:
            which: "latest", "best", "ckpt-N" or a checkpoint prefix path (this run or another
                run with a manifest). For "latest" and "best" a damaged checkpoint is skipped
                with one warning line on stderr and the next newest (next best) is used; a
                checkpoint named explicitly is used or refused, never replaced.
            warn: print each skipped checkpoint as a warning line on stderr. Either way they
                are listed in `self.skipped` afterwards.

        Returns:
            The entry restored, or None if `which` is "latest" and the run has no checkpoints.

        Raises:
            RunDamaged: Nothing intact to restore, or a verified checkpoint TensorFlow cannot
                read.
            UsageError: Unknown name, or a checkpoint that does not fit the model (the message
                names the mismatched variables).
        """
        self.wait()
        self._manifest, entry, self.skipped = restore_verified(
            self.checkpoint, self._manifest, which, self.policy
        )
        if warn:
            for line in self.skipped:
                print(f"warning: {line}", file=sys.stderr)
        return None if entry is None else dict(entry)


@contextlib.contextmanager
def _functions_run_eagerly(enabled: bool):
    """Runs tf.functions eagerly for the duration, if `enabled`.

    TensorFlow's async checkpointing copies every variable to the host in a tf.function, and
    Keras 3 variables make a new tf.Variable there on every save. TensorFlow allows that on the
    first trace only, so the second async save fails; run eagerly, the copy is fine. The setting
    is global, but the training loop waits for `save` to return, so nothing else runs meanwhile.
    """
    import tensorflow as tf

    before = tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(enabled or before)
    try:
        yield
    finally:
        tf.config.run_functions_eagerly(before)


def _clean(metrics: dict) -> dict:
    # JSON has no NaN or infinity; a non-finite metric is recorded as null (it cannot be best).
    cleaned = {}
    for key, value in (metrics or {}).items():
        number = float(value)
        cleaned[str(key)] = number if math.isfinite(number) else None
    return cleaned
