"""Section 3: checkpoint save and restore, the harness's store against raw TensorFlow and Keras.

For each model, every repeat saves once by each method in turn (interleaved):
- store: `CheckpointStore.save`, the harness's path: `Checkpoint.write` writes the files (eager
  for a store's first 8 saves, then traced once), then SHA-256 and fsync of each file and of the
  folder, the manifest (atomic, fsynced), TensorFlow's `checkpoint` state file and retention
  (keep_last=3).
- store_async: the same with `async_save=True`; "blocking" is what the training loop waits for,
  "durable" adds `wait()` until the files are complete and recorded.
- raw_tf: `tf.train.Checkpoint.write` of the same checkpoint object (model, optimizer slots,
  counters), eager: no hashing, no manifest.
- keras_h5: `model.save_weights(*.weights.h5)`: weights only, no optimizer slots.
Restores: `CheckpointStore.restore("latest")` (checksums verified first), `Checkpoint.read`,
`model.load_weights`. MB/s is each method's own bytes over its median seconds.
"""

import shutil
import time
from pathlib import Path

from bench.common import WORK_DIR, log, percentile
from bench.share import default_run_share, history_write_seconds

ZOO = ("mlp", "cnn", "resnet", "rnn", "lstm", "gru", "attention")
# An mlp of 6.1M parameters: with Adam's two slots about 73 MB on disk, the large case.
LARGE = ("mlp", {"widths": "2000,2000,1000"})  # as typed after --set
# The share is measured on the default run of every zoo model (mlp's are the cheapest epochs, so
# the largest share); --quick measures mlp's. The cost of --save-every epoch is mlp's too.
FULL = {"models": ZOO, "repeats": 8, "large_repeats": 6, "default_runs": ZOO}
QUICK = {"models": ("mlp",), "repeats": 6, "large_repeats": 4, "default_runs": ("mlp",)}
EVERY_EPOCH_RUN = "mlp"


def run_checkpoint(quick: bool) -> dict:
    """Section 3; returns results["checkpoint"] (share_of_training_time is filled by run.py)."""
    plan = QUICK if quick else FULL
    per_model = {}
    for name in plan["models"]:
        log(f"checkpoint: {name}")
        per_model[name] = measure_checkpoints(name, {}, repeats=plan["repeats"])
    log("checkpoint: mlp of 6.1M parameters")
    per_model["mlp_6m"] = measure_checkpoints(*LARGE, repeats=plan["large_repeats"])
    subject = build_subject("mlp", {})
    history = history_write_seconds(
        subject["model"], WORK_DIR / "history-bench", repeats=plan["repeats"]
    )
    default_runs = {}
    for name in plan["default_runs"]:
        log(f"checkpoint: share of a default {name} run")
        default_runs[name] = default_run_share(name, history_write=history["p50"])
    log(f"checkpoint: a default {EVERY_EPOCH_RUN} run with --save-every epoch")
    every_epoch = default_run_share(
        EVERY_EPOCH_RUN, history_write=history["p50"], save_every="epoch"
    )
    return {
        "models": per_model,
        "history_write_seconds": history,
        "default_runs": default_runs,
        "save_every_epoch": {EVERY_EPOCH_RUN: every_epoch},
    }


def build_subject(name: str, hparams: dict) -> dict:
    """A model compiled with its recipe's optimizer (slots built) and the harness's root
    checkpoint."""
    from harness.config import TrainConfig
    from harness.model.factory import build_model, compile_model
    from harness.model.state import TrainingState
    from harness.train.prepare import prepare

    prepared = prepare(TrainConfig(model=name, hparams=hparams, run_dir=str(WORK_DIR / "unused")))
    model = build_model(prepared.model_info, augment=False, dataset=prepared.config.dataset, seed=0)
    optimizer = compile_model(model, prepared.config, task=prepared.data.task, steps_per_epoch=1)
    state = TrainingState(model, optimizer)
    return {"model": model, "state": state, "params": int(model.count_params())}


def measure_checkpoints(name: str, hparams: dict, *, repeats: int) -> dict:
    """Interleaved saves and restores by every method; p50/p95 seconds and MB/s of each."""
    subject = build_subject(name, hparams)
    folder = WORK_DIR / f"ckpt-{name}-{subject['params']}"
    shutil.rmtree(folder, ignore_errors=True)
    try:
        methods = _methods(subject, folder)
        for method in methods.values():
            method.save(0)  # the first save traces TensorFlow's save functions: not timed
        saves = {label: [] for label in methods}
        for step in range(1, repeats + 1):
            for label, method in methods.items():
                saves[label].append(method.save(step))
        restores = {label: [] for label in methods if label != "store_async"}
        for _ in range(repeats):
            for label in restores:
                restores[label].append(methods[label].restore())
        sizes = {label: method.bytes for label, method in methods.items()}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return _summary(subject["params"], saves, restores, sizes)


def _summary(params, saves, restores, sizes) -> dict:
    result = {"params": params, "save": {}, "restore": {}}
    for label, timings in saves.items():
        blocking = [timing["blocking"] for timing in timings]
        durable = [timing["durable"] for timing in timings]
        result["save"][label] = {
            "bytes": sizes[label],
            "p50_s": percentile(durable, 0.5),
            "p95_s": percentile(durable, 0.95),
            "blocking_p50_s": percentile(blocking, 0.5),
            "blocking_p95_s": percentile(blocking, 0.95),
            "mb_per_s": sizes[label] / 1e6 / percentile(durable, 0.5),
        }
    for label, seconds in restores.items():
        result["restore"][label] = {
            "p50_s": percentile(seconds, 0.5),
            "p95_s": percentile(seconds, 0.95),
            "mb_per_s": sizes[label] / 1e6 / percentile(seconds, 0.5),
        }
    return result


def _methods(subject, folder: Path) -> dict:
    return {
        "store": StoreMethod(subject, folder / "store", async_save=False),
        "store_async": StoreMethod(subject, folder / "async", async_save=True),
        "raw_tf": RawTfMethod(subject, folder / "raw"),
        "keras_h5": KerasH5Method(subject, folder / "h5"),
    }


class StoreMethod:
    """The harness's CheckpointStore, with the default retention of a training run."""

    def __init__(self, subject, folder: Path, *, async_save: bool):
        from harness.checkpoints import CheckpointStore, RetentionPolicy

        policy = RetentionPolicy(keep_last=3, keep_best=1, monitor="val_loss", mode="min")
        self.store = CheckpointStore(
            folder, subject["state"].checkpoint, policy, async_save=async_save
        )
        self.bytes = 0

    def save(self, step: int) -> dict:
        started = time.perf_counter()
        self.store.save(epoch=step, step=step, metrics={"val_loss": 1.0 / (step + 1)})
        blocking = time.perf_counter() - started
        entry = self.store.wait() or self.store.latest()
        self.bytes = entry["bytes"]
        return {"blocking": blocking, "durable": time.perf_counter() - started}

    def restore(self) -> float:
        started = time.perf_counter()
        self.store.restore("latest")
        return time.perf_counter() - started


class RawTfMethod:
    """tf.train.Checkpoint.write/read on the same root object; the previous files are removed
    untimed so the folder does not grow."""

    def __init__(self, subject, folder: Path):
        self.checkpoint = subject["state"].checkpoint
        self.folder = folder
        self.prefix = None
        self.bytes = 0

    def save(self, step: int) -> dict:
        previous = self.prefix
        started = time.perf_counter()
        self.prefix = self.checkpoint.write(str(self.folder / f"raw-{step}"))
        seconds = time.perf_counter() - started
        self.bytes = sum(path.stat().st_size for path in self.folder.glob(f"raw-{step}.*"))
        for path in self.folder.glob(f"{Path(previous).name}.*") if previous else ():
            path.unlink()
        return {"blocking": seconds, "durable": seconds}

    def restore(self) -> float:
        started = time.perf_counter()
        self.checkpoint.read(self.prefix).expect_partial()
        return time.perf_counter() - started


class KerasH5Method:
    """model.save_weights / load_weights to one .weights.h5 file (weights only)."""

    def __init__(self, subject, folder: Path):
        self.model = subject["model"]
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "model.weights.h5"
        self.bytes = 0

    def save(self, step: int) -> dict:
        started = time.perf_counter()
        self.model.save_weights(self.path)
        seconds = time.perf_counter() - started
        self.bytes = self.path.stat().st_size
        return {"blocking": seconds, "durable": seconds}

    def restore(self) -> float:
        started = time.perf_counter()
        self.model.load_weights(self.path)
        return time.perf_counter() - started
