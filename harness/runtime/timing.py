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

    HISTORY_ROW           the history.csv row kept in memory, with its learning rate
    CHECKPOINT_CALLBACK   the checkpoint saver at an epoch's end and at a mid-epoch save: the
                          held rows appended and fsynced, held best epochs, the save
      COUNTERS            callback counters and progress copied into variables
      CHECKPOINT_SAVE     `CheckpointStore.save`
        TENSORFLOW_WRITE  TensorFlow's write (eager for a store's first saves, then traced)
        SHA256            hashes and sizes of the checkpoint's files
        RETENTION         `apply_retention`, from the store or `checkpoints prune`
          MANIFEST        `Manifest.save`, from anywhere
          TF_STATE_FILE   TensorFlow's `checkpoint` state file
          DELETE          deleting the files of the dropped checkpoints

While nobody listens, `stage` checks one list and returns a shared do-nothing context manager:
no clock read and no allocation, since it sits in every epoch. Listening is process-wide: a
stage on any thread is recorded by every active listener.

Test-only: a stop inside a save. With the environment variable ZOO_TEST_STOP_AT set to
"STAGE" or "STAGE#N" (a name of `STAGES`; N counts from 1, default 1), the process prints one
line to stderr and stops itself with SIGSTOP on entering that stage for the N-th time, e.g.
ZOO_TEST_STOP_AT="manifest#3": the third save's files are written and hashed, its manifest not
yet. A crash test then SIGKILLs the stopped process, so the kill lands exactly there instead of
wherever a timer happens to fall. The variable is read once, at import; unset (always, outside
tests), `stage` is the plain function above and costs nothing more. POSIX only (SIGSTOP).
"""

import contextlib
import os
import signal
import sys
import threading
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


STOP_AT_ENV = "ZOO_TEST_STOP_AT"  # test-only: see the module docstring


def parse_stop_at(text: str) -> tuple[str, int]:
    """("manifest", 3) from "manifest#3": the stage and which of its entries to stop at.

    Raises:
        ValueError: an unknown stage or a count that is not a whole number >= 1; a typo in a
            test's stop point must fail the run, not let it pass without stopping.
    """
    name, _, count = text.partition("#")
    if name not in STAGES:
        raise ValueError(f"{STOP_AT_ENV}={text!r}: unknown stage {name!r}; known: {STAGES}")
    if count and not (count.isdigit() and int(count) >= 1):
        raise ValueError(f"{STOP_AT_ENV}={text!r}: the count after # must be a whole number >= 1")
    return name, int(count or 1)


def _stopping(timed_stage, name: str, count: int):
    """`timed_stage`, but the process SIGSTOPs itself on entering stage `name` the `count`-th
    time (any thread), after one line on stderr saying where."""
    entered = 0
    lock = threading.Lock()

    def stopping_stage(stage_name: str):
        nonlocal entered
        if stage_name == name:
            with lock:
                entered += 1
                due = entered == count
            if due:
                print(
                    f"{STOP_AT_ENV}: process {os.getpid()} stopped on entering stage "
                    f"{name!r} (entry {count})",
                    file=sys.stderr,
                    flush=True,
                )
                os.kill(os.getpid(), signal.SIGSTOP)
        return timed_stage(stage_name)

    stopping_stage.__doc__ = timed_stage.__doc__
    return stopping_stage


if os.environ.get(STOP_AT_ENV):
    stage = _stopping(stage, *parse_stop_at(os.environ[STOP_AT_ENV]))
