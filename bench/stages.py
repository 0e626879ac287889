"""Where a default run's per-epoch bookkeeping goes: wall time of each stage, measured on the run.

A probe, not a profiler: while it is active, the harness functions that make up an epoch's
history row and checkpoint are wrapped with `time.perf_counter` (restored afterwards), so the
figures carry no profiler overhead. cProfile (bench/profiles.py) says which Python functions are
hot; this says how many milliseconds each stage of the real run costs, and what the first save
(tracing TensorFlow's write) costs against the later ones.
"""

import contextlib
import functools
import statistics
import time

# (label, module path, attribute path) of each wrapped callable. Stages nest: "checkpoint save"
# holds the write, the hashes and retention; retention holds the manifest, state file and deletes.
STAGES = (
    (
        "history row (learning rate, CSV append, fsync)",
        "harness.train.callbacks",
        "HistoryWriter.on_epoch_end",
    ),
    (
        "checkpoint callback (counters + save)",
        "harness.train.callbacks",
        "CheckpointSaver.on_epoch_end",
    ),
    ("  counters into variables", "harness.model.state", "TrainingState.capture"),
    ("  checkpoint save", "harness.checkpoints.store", "CheckpointStore.save"),
    ("    SHA-256 and sizes of the files", "harness.checkpoints.store", "record_files"),
    ("    retention", "harness.checkpoints.store", "apply_retention"),
    ("      manifest.json", "harness.checkpoints.manifest", "Manifest.save"),
    ("      TensorFlow's checkpoint state file", "harness.checkpoints.pruning", "write_tf_state"),
    ("      deleting the dropped checkpoint", "harness.checkpoints.pruning", "delete_entry_files"),
)
TF_WRITE = "    TensorFlow's write (traced Checkpoint.write)"


@contextlib.contextmanager
def stage_probe():
    """Wraps every stage for the block; yields {label: [seconds of each call]}."""
    import importlib

    seconds = {label: [] for label, _, _ in STAGES}
    seconds[TF_WRITE] = []
    undo = []
    for label, module_name, attribute in STAGES:
        owner = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        undo.append(_wrap(owner, name, seconds[label]))
    undo.append(_wrap_compiled_write(seconds[TF_WRITE]))
    try:
        yield seconds
    finally:
        for restore in reversed(undo):
            restore()


def summarize_stages(seconds: dict, wall: float) -> dict:
    """Per stage: its nesting depth, calls, the first call, the median of the later ones, the
    total and its share of the run's wall time."""
    summary = {}
    for label, values in seconds.items():
        if not values:
            continue
        later = values[1:] or values
        summary[label.strip()] = {
            "depth": (len(label) - len(label.lstrip())) // 2,
            "calls": len(values),
            "first_s": values[0],
            "later_p50_ms": statistics.median(later) * 1e3,
            "total_s": sum(values),
            "share_of_run": sum(values) / wall,
        }
    return summary


def _wrap(owner, name: str, sink: list):
    original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)

    @functools.wraps(original)
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            sink.append(time.perf_counter() - started)

    setattr(owner, name, timed)
    return lambda: setattr(owner, name, original)


def _wrap_compiled_write(sink: list):
    # The traced write is made inside the store; time the function it returns, not its making.
    from harness.checkpoints.store import CheckpointStore

    original = CheckpointStore._compiled_write

    def compiled_write(self, tf):
        write = original(self, tf)

        def timed(prefix):
            started = time.perf_counter()
            try:
                return write(prefix)
            finally:
                sink.append(time.perf_counter() - started)

        return timed

    CheckpointStore._compiled_write = compiled_write
    return lambda: setattr(CheckpointStore, "_compiled_write", original)
