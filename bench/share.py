"""The share of a default training run spent in checkpointing, measured on the real run.

The harness runs each piece of its bookkeeping inside a named stage of its own timing hook
(`harness.runtime.timing`): the history row an epoch keeps in memory (with the learning rate it
reads), and every call of the checkpoint saver that does work: the held rows appended and
fsynced, a best epoch copied in memory or written, the save itself (TensorFlow's write, SHA-256
and fsync of the files, manifest, retention). Their sum over the run, against the run's wall
time, is the share: `perf_counter` only, no profiler's overhead, and no private name of the
harness wrapped from here.

Epochs are timed beside it by `EpochClock`. Keras's progress logger (verbose=2) is the last
callback of every fit: it writes "Epoch k/E" when epoch k begins and one summary line when the
epoch ends, after every other callback has run. history.csv's `epoch_seconds` stops before the
history row is kept and before the checkpoint saver runs, so (summary line - "Epoch k/E" line) -
epoch_seconds is an epoch's bookkeeping, seen from outside.
"""

import contextlib
import dataclasses
import io
import re
import shutil
import statistics
import time
import uuid

import pandas as pd

from bench.common import WORK_DIR, percentile
from harness.runtime import timing

# The harness's stage names as section 3 labels them, with their nesting depth: "checkpoint save"
# holds the write, the hashes and retention; retention holds the manifest, state file and deletes.
STAGE_LABELS = (
    (timing.HISTORY_ROW, 0, "history row in memory (learning rate)"),
    (timing.CHECKPOINT_CALLBACK, 0, "checkpoint saver (rows written, best held, saves)"),
    (timing.COUNTERS, 1, "counters into variables"),
    (timing.CHECKPOINT_SAVE, 1, "checkpoint save"),
    (timing.SHA256, 2, "SHA-256, sizes and fsync of the files"),
    (timing.RETENTION, 2, "retention"),
    (timing.MANIFEST, 3, "manifest.json"),
    (timing.TF_STATE_FILE, 3, "TensorFlow's checkpoint state file"),
    (timing.DELETE, 3, "deleting the dropped checkpoint"),
    (timing.TENSORFLOW_WRITE, 2, "TensorFlow's write (eager, traced after 8 saves)"),
)


EPOCH_SUMMARY = re.compile(r"\d+/\d+ - ")  # verbose=2's line at an epoch's end


class EpochClock(io.TextIOBase):
    """A stand-in for sys.stdout that timestamps the progress logger's epoch lines.

    Use it as `with clock.capture(): model.fit(..., verbose=2)`. Not a terminal, so the
    harness picks verbose=2 by itself.
    """

    def __init__(self):
        super().__init__()
        self.begins = []  # perf_counter at each "Epoch k/E" line
        self.ends = []  # perf_counter at each epoch's summary line ("20/20 - 0s - ...")
        self.lines = []

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, text):
        now = time.perf_counter()
        if text.startswith("Epoch "):
            self.begins.append(now)
        elif EPOCH_SUMMARY.match(text):
            # The first epoch of a launch is a fit call of its own (harness/train/fit.py), one
            # epoch long, for which Keras prints no "Epoch 1/1": its summary has no begin.
            self.ends.append(now)
        self.lines.append(text)
        return len(text)

    @contextlib.contextmanager
    def capture(self):
        """Redirects sys.stdout here for the block."""
        with contextlib.redirect_stdout(self):
            yield self

    def epoch_walls(self) -> list[float]:
        """Wall seconds of epochs 2..E, each from the end of the previous epoch to its own end.

        Epoch 1 (tracing) has no previous end and is left out.
        """
        return [later - earlier for earlier, later in zip(self.ends, self.ends[1:])]

    def text(self) -> str:
        """Everything written, for error messages."""
        return "".join(self.lines)


def summarize_stages(seconds: dict, wall: float) -> dict:
    """Per stage that ran, under its label: its nesting depth, calls, the first call, the median
    of the later ones, the total and its share of the run's wall time.

    Args:
        seconds: what `harness.runtime.timing.listen()` collected.
        wall: the run's wall seconds.
    """
    summary = {}
    for name, depth, label in STAGE_LABELS:
        values = seconds.get(name)
        if not values:
            continue
        later = values[1:] or values
        summary[label] = {
            "depth": depth,
            "calls": len(values),
            "first_s": values[0],
            "later_p50_ms": statistics.median(later) * 1e3,
            "total_s": sum(values),
            "share_of_run": sum(values) / wall,
        }
    return summary


def default_run_share(name: str, *, history_write: float, save_every: str | None = None) -> dict:
    """Runs the model's default recipe once and returns its checkpointing share.

    Args:
        name: a zoo model.
        history_write: the median seconds of one history.csv row (from `history_write_seconds`),
            to split the bookkeeping into history and checkpoint.
        save_every: a --save-every policy instead of the default.

    The bookkeeping is what the harness's own stage timing records: every history row (with the
    learning-rate reader's trace), and every call of the checkpoint saver that does work (the
    held rows appended and fsynced, held best epochs copied or written, the saves). The wall
    time runs from `prepare` to the end of `run` (the summary files included) and leaves out the
    TensorFlow import, which makes the share larger than a user would see. `EpochClock` gives
    the epochs' wall time beside it (epochs 2..E; the first, tracing, has no "Epoch" line).
    """
    from harness.config import TrainConfig
    from harness.train.prepare import prepare
    from harness.train.run import run

    run_dir = WORK_DIR / f"default-{name}-{uuid.uuid4().hex[:8]}"
    clock = EpochClock()
    started = time.perf_counter()
    config = TrainConfig(model=name, run_dir=str(run_dir))
    if save_every:
        config = dataclasses.replace(config, save_every=save_every)
    try:
        prepared = prepare(config)
        with clock.capture(), timing.listen() as stage_seconds:
            run(prepared, command=["bench"])
        wall = time.perf_counter() - started
        own = pd.read_csv(run_dir / "history.csv")["epoch_seconds"].tolist()
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    rows = stage_seconds.get(timing.HISTORY_ROW, [])
    saver = stage_seconds.get(timing.CHECKPOINT_CALLBACK, [])
    total = sum(rows) + sum(saver)
    checkpoint_only = max(0.0, total - history_write * len(own))
    later, ends = (
        own[len(own) - len(clock.begins) :],
        clock.ends[len(clock.ends) - len(clock.begins) :],
    )
    epoch_bookkeeping = [end - begin - s for begin, end, s in zip(clock.begins, ends, later)]
    return {
        "epochs": len(own),
        "saves": len(stage_seconds.get(timing.CHECKPOINT_SAVE, [])),
        "save_every": config.save_every,
        "wall_seconds": wall,
        "bookkeeping_seconds": total,
        "share_of_training_time": total / wall,
        "checkpoint_only_share": checkpoint_only / wall,
        "later_epochs_bookkeeping_p50_s": statistics.median(epoch_bookkeeping or [0.0]),
        "later_epochs_wall_p50_s": statistics.median(
            [end - begin for begin, end in zip(clock.begins, ends)] or [0.0]
        ),
        "stages": summarize_stages(stage_seconds, wall),
    }


def history_write_seconds(model, folder, *, repeats: int) -> dict:
    """Seconds of one history.csv row kept and written (fsynced) by the harness's HistoryWriter.

    Args:
        model: a compiled model (the writer reads its learning rate).
        folder: a scratch folder, removed afterwards.
        repeats: rows timed after the first (which also writes the header).
    """
    from harness.train.callbacks import HistoryWriter

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    writer = HistoryWriter(folder / "history.csv")
    writer.set_model(model)
    writer.on_train_begin()
    logs = {"loss": 0.5, "accuracy": 0.9, "val_loss": 0.4, "val_accuracy": 0.91}
    seconds = []
    try:
        for epoch in range(repeats + 1):
            writer.on_epoch_begin(epoch)
            started = time.perf_counter()
            writer.on_epoch_end(epoch, logs)
            writer.flush()  # one row kept and written: what an epoch with a save pays
            seconds.append(time.perf_counter() - started)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"p50": percentile(seconds[1:], 0.5), "p95": percentile(seconds[1:], 0.95), "n": repeats}
