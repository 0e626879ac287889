"""A run's checkpoints: saving, recording, retention, verified restore, the run lock and the CLI.

Modules: retention (policy, pure choice), manifest (<run>/manifest.json, name lookup), integrity
(SHA-256), pruning (manifest, TF state file, deletions), fit (architecture check), store
(CheckpointStore), lock (RunLock), cli. `CheckpointStore` imports TensorFlow's pieces only when it
is first used, and this package imports nothing heavy, so `python -m harness.checkpoints --help`
is fast.
"""

from harness.checkpoints.lock import RunLock
from harness.checkpoints.retention import RetentionPolicy
from harness.checkpoints.store import CheckpointStore

__all__ = ["CheckpointStore", "RetentionPolicy", "RunLock"]
