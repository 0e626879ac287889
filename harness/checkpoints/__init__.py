"""A run's checkpoints: saving, recording, retention, verified restore, the run lock and the CLI.

Modules: retention (policy, pure choice), manifest (<run>/manifest.json, checkpoint names),
integrity (SHA-256), pruning (manifest, TF state file, deletions), compat (does a checkpoint fit
this model), store (CheckpointStore), restore (a run's model from run.json and a checkpoint),
export (.keras and SavedModel), lock (RunLock), table and cli (`python -m harness.checkpoints`).
A library: it imports nothing from train/ or evaluate/. `CheckpointStore` imports TensorFlow's
pieces only when it
is first used, and this package imports nothing heavy, so `python -m harness.checkpoints --help`
is fast.
"""

from harness.checkpoints.lock import RunLock
from harness.checkpoints.retention import RetentionPolicy
from harness.checkpoints.store import CheckpointStore

__all__ = ["CheckpointStore", "RetentionPolicy", "RunLock"]
