"""Wall time of the named bookkeeping stages of a training epoch, for whoever listens.

The harness runs each stage of an epoch's bookkeeping inside `with stage(NAME):`. A caller that
wants those figures on a real run wraps the run in `listen()`:

    with timing.listen() as seconds:
        run(prepared, command=["bench"])
    seconds[timing.CHECKPOINT_SAVE]  # [seconds of each save], in call order

This exists for bench/: it splits a default run's checkpoint and history time into its stages,
measured on the code path train.py runs, without wrapping private functions by name (wrappers
that a rename or a moved call silently made measure nothing, or the wrong thing).

Stages nest; a stage's figure includes those inside it:

    HISTORY_ROW           the history.csv row: learning rate, CSV append, fsync
    CHECKPOINT_CALLBACK   the checkpoint callback at an epoch's end
      COUNTERS            callback counters and progress copied into variables
      CHECKPOINT_SAVE     `CheckpointStore.save`, mid-epoch saves included
        TENSORFLOW_WRITE  the traced `Checkpoint.write` (synchronous saves only)
        SHA256            hashes and sizes of the checkpoint's files
        RETENTION         `apply_retention`, from the store or `checkpoints prune`
          MANIFEST        `Manifest.save`, from anywhere
          TF_STATE_FILE   TensorFlow's `checkpoint` state file
          DELETE          deleting the files of the dropped checkpoints

While nobody listens, `stage` checks one list and returns a shared do-nothing context manager:
no clock read and no allocation, since it sits in every epoch. Listening is process-wide: a
stage on any thread is recorded by every active listener.
"""

import contextlib
import time

HISTORY_ROW = "history row"
CHECKPOINT_CALLBACK = "checkpoint callback"
COUNTERS = "counters"
CHECKPOINT_SAVE = "checkpoint save"
TENSORFLOW_WRITE = "tensorflow write"
SHA256 = "sha256"
RETENTION = "retention"
MANIFEST = "manifest"
TF_STATE_FILE = "tf state file"
DELETE = "delete"
STAGES = (
    HISTORY_ROW,
    CHECKPOINT_CALLBACK,
    COUNTERS,
    CHECKPOINT_SAVE,
    TENSORFLOW_WRITE,
    SHA256,
    RETENTION,
    MANIFEST,
    TF_STATE_FILE,
    DELETE,
)

_listeners: list[dict] = []  # the dicts of the active `listen()` blocks


class _Idle:
    __slots__ = ()

    def __enter__(self):
        return None

    def __exit__(self, *exc_info):
        return False


class _Timed:
    __slots__ = ("name", "started")

    def __init__(self, name: str):
        self.name = name
        self.started = 0.0

    def __enter__(self):
        self.started = time.perf_counter()

    def __exit__(self, *exc_info):
        seconds = time.perf_counter() - self.started
        for seconds_by_stage in _listeners:
            seconds_by_stage.setdefault(self.name, []).append(seconds)
        return False  # an exception goes on, its stage's time recorded


_IDLE = _Idle()


def stage(name: str):
    """A context manager that times its block as the stage `name` if anyone listens.

    Args:
        name: one of `STAGES`.

    The block's exceptions propagate; its time is recorded either way.
    """
    if not _listeners:
        return _IDLE
    return _Timed(name)


@contextlib.contextmanager
def listen():
    """Collects the stages that finish inside the block.

    Yields:
        {stage name: [wall seconds of each call, in order]}, filled as stages finish; a stage
        that did not run has no key. Nested listeners each get every figure.
    """
    seconds_by_stage: dict[str, list[float]] = {}
    _listeners.append(seconds_by_stage)
    try:
        yield seconds_by_stage
    finally:
        # By identity: two listeners that saw nothing yet are equal dicts.
        _listeners[:] = [other for other in _listeners if other is not seconds_by_stage]
