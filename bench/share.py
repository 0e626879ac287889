"""The share of a default training run spent in checkpointing, measured on the real run.

Epochs are timed by `EpochClock`. Keras's progress logger (verbose=2) is the last callback of
every fit: it writes "Epoch k/E" when epoch k begins and one summary line when the epoch ends,
after every other callback (the harness's history writer and checkpoint saver included) has run.
history.csv's `epoch_seconds` stops before the history row is written and before the checkpoint
saver (a later callback) runs. So per epoch

    bookkeeping = (summary line - "Epoch k/E" line) - epoch_seconds

is the time of the history write and of the checkpoint (TensorFlow's write, SHA-256, manifest,
retention). The first epoch is included: its save also traces TensorFlow's save functions.
The same run is split into its stages by the harness's own timing hook
(`harness.runtime.timing`), which the harness wraps around each stage: `perf_counter` only, no
profiler's overhead, and no private name of the harness wrapped from here.
"""

import contextlib
import io
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
    (timing.HISTORY_ROW, 0, "history row (learning rate, CSV append, fsync)"),
    (timing.CHECKPOINT_CALLBACK, 0, "checkpoint callback (counters + save)"),
    (timing.COUNTERS, 1, "counters into variables"),
    (timing.CHECKPOINT_SAVE, 1, "checkpoint save"),
    (timing.SHA256, 2, "SHA-256 and sizes of the files"),
    (timing.RETENTION, 2, "retention"),
    (timing.MANIFEST, 3, "manifest.json"),
    (timing.TF_STATE_FILE, 3, "TensorFlow's checkpoint state file"),
    (timing.DELETE, 3, "deleting the dropped checkpoint"),
    (timing.TENSORFLOW_WRITE, 2, "TensorFlow's write (traced Checkpoint.write)"),
)


class EpochClock(io.TextIOBase):
    """A stand-in for sys.stdout that timestamps the progress logger's epoch lines.

    Use it as `with clock.capture(): model.fit(..., verbose=2)`. Not a terminal, so the
    harness picks verbose=2 by itself.
    """

    def __init__(self):
        super().__init__()
        self.begins = []  # perf_counter at each "Epoch k/E" line
        self.ends = []  # perf_counter at the first write after each of them: the epoch summary
        self.lines = []

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, text):
        now = time.perf_counter()
        if text.startswith("Epoch "):
            self.begins.append(now)
        elif text.strip() and len(self.ends) < len(self.begins):
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


def default_run_share(name: str, *, history_write: float) -> dict:
    """Runs the model's default recipe once and returns its checkpointing share.

    Args:
        name: a zoo model.
        history_write: the median seconds of one history.csv row (from `history_write_seconds`),
            to split the bookkeeping into history and checkpoint.

    The wall time runs from `prepare` to the end of `run` (the summary files included) and
    leaves out the TensorFlow import, which makes the share larger than a user would see.
    """
    from harness.config import TrainConfig
    from harness.train.prepare import prepare
    from harness.train.run import run

    run_dir = WORK_DIR / f"default-{name}-{uuid.uuid4().hex[:8]}"
    clock = EpochClock()
    started = time.perf_counter()
    try:
        prepared = prepare(TrainConfig(model=name, run_dir=str(run_dir)))
        with clock.capture(), timing.listen() as stage_seconds:
            run(prepared, command=["bench"])
        wall = time.perf_counter() - started
        own = pd.read_csv(run_dir / "history.csv")["epoch_seconds"].tolist()
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    bookkeeping = [
        end - begin - seconds for begin, end, seconds in zip(clock.begins, clock.ends, own)
    ]
    total = sum(bookkeeping)
    checkpoint_only = max(0.0, total - history_write * len(own))
    return {
        "epochs": len(own),
        "wall_seconds": wall,
        "bookkeeping_seconds": total,
        "share_of_training_time": total / wall,
        "checkpoint_only_share": checkpoint_only / wall,
        "first_epoch_bookkeeping_seconds": bookkeeping[0],
        "later_epochs_bookkeeping_p50_s": statistics.median(bookkeeping[1:]),
        "later_epochs_wall_p50_s": statistics.median(
            [end - begin for begin, end in zip(clock.begins[1:], clock.ends[1:])]
        ),
        "stages": summarize_stages(stage_seconds, wall),
    }


def history_write_seconds(model, folder, *, repeats: int) -> dict:
    """Seconds of the harness's HistoryWriter.on_epoch_end: one history.csv row, fsynced.

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
    logs = {"loss": 0.5, "accuracy": 0.9, "val_loss": 0.4, "val_accuracy": 0.91}
    seconds = []
    try:
        for epoch in range(repeats + 1):
            writer.on_epoch_begin(epoch)
            started = time.perf_counter()
            writer.on_epoch_end(epoch, logs)
            seconds.append(time.perf_counter() - started)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"p50": percentile(seconds[1:], 0.5), "p95": percentile(seconds[1:], 0.95), "n": repeats}
