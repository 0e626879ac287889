"""The share of a default training run spent in checkpointing, measured on the real run.

A run of the model's full default recipe goes through `harness.train.prepare.prepare` and `run`,
timed by `EpochClock`. For every epoch, history.csv's `epoch_seconds` stops before the history
row is written and before the checkpoint saver (a later callback) runs; the progress logger's
epoch line comes after both. So per epoch

    bookkeeping = (summary line - "Epoch k/E" line) - epoch_seconds

is the time of the history write and of the checkpoint (TensorFlow's write, SHA-256, manifest,
retention). The first epoch is included: its save also traces TensorFlow's save functions.
`stages` splits that time into its parts, measured on the same run (bench/stages.py).
"""

import shutil
import statistics
import time
import uuid

import pandas as pd

from bench.clock import EpochClock
from bench.common import WORK_DIR, percentile
from bench.stages import stage_probe, summarize_stages


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
        with clock.capture(), stage_probe() as stage_seconds:
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
