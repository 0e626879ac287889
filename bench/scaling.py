"""Section 7: how cost grows with work.

- Throughput against batch size: mlp on the digits training split tiled 8x (10,056 examples),
  fed by the harness's own pipeline to `model.fit` (no callbacks), one model for every size
  (the batch axis is dynamic, so nothing retraces), epochs 2-3 timed.
- Training time against data set size: rnn on waveforms with 1x to 8x the training examples
  (`n_train`), through the harness; the steady epoch and the whole run.
- Checkpoint save time against parameter count: a one-hidden-layer mlp of 10k to 10M parameters
  (Adam slots included), through the harness's CheckpointStore and raw `Checkpoint.write`.

`exponent` is the log-log slope from the smallest to the largest point: 1 is linear growth.
"""

import math
import shutil
import statistics

import numpy as np

from bench.checkpoint import RawTfMethod, StoreMethod, build_subject
from bench.common import WORK_DIR, log
from bench.paths import default_data, harness_epochs, plain_model, recipe_config
from bench.share import EpochClock

FULL = {
    "batch_sizes": (32, 64, 128, 256, 512, 1024, 2048, 4096),
    "data_factors": (1, 2, 4, 8),
    "params": (10_000, 100_000, 1_000_000, 10_000_000),
    "saves": 5,
}
QUICK = {
    "batch_sizes": (32, 256, 4096),
    "data_factors": (),
    "params": (10_000, 1_000_000, 10_000_000),
    "saves": 3,
}
TILES = 8
WAVEFORMS_TRAIN = 4000


def run_scaling(quick: bool) -> dict:
    """Returns results["scaling"] with one series per curve."""
    plan = QUICK if quick else FULL
    results = {
        "batch_size": batch_size_series(plan["batch_sizes"]),
        "checkpoint_params": checkpoint_series(plan["params"], plan["saves"]),
    }
    if plan["data_factors"]:
        results["data_size"] = data_size_series(plan["data_factors"])
    return results


def exponent(xs, ys) -> float:
    """Log-log slope between the first and last points."""
    return math.log(ys[-1] / ys[0]) / math.log(xs[-1] / xs[0])


def batch_size_series(batch_sizes) -> dict:
    """Training samples/s of mlp for each batch size."""
    from harness.train.pipeline import steps_per_epoch, train_dataset

    log(f"scaling: batch sizes {batch_sizes[0]}..{batch_sizes[-1]}")
    data = default_data("mlp")
    x, y = np.tile(data.x_train, (TILES, 1)), np.tile(data.y_train, TILES)
    config = recipe_config("mlp", 3)
    model = plain_model("mlp", data, config, jit_compile=False)
    rates = []
    for batch in batch_sizes:
        dataset = train_dataset(
            x,
            y,
            batch_size=batch,
            seed=0,
            start_epoch=0,
            epochs=config.epochs,
            one_hot_classes=data.num_outputs if config.label_smoothing else None,
        )
        clock = EpochClock()
        with clock.capture():
            model.fit(
                dataset,
                epochs=config.epochs,
                steps_per_epoch=steps_per_epoch(len(x), batch),
                verbose=2,
            )
        rates.append(len(x) / statistics.median(clock.epoch_walls()))
    return {
        "x": list(batch_sizes),
        "samples_per_s": rates,
        "examples": len(x),
        "exponent": exponent(batch_sizes, rates),
    }


def data_size_series(factors) -> dict:
    """Steady epoch seconds and whole-run seconds of rnn against the waveforms training size."""
    import time

    epochs, whole = [], []
    for factor in factors:
        log(f"scaling: rnn on {factor}x waveforms")
        started = time.perf_counter()
        run = harness_epochs("rnn", 2, data_options={"n_train": str(WAVEFORMS_TRAIN * factor)})
        whole.append(time.perf_counter() - started)
        epochs.append(statistics.median(run["walls"]))
    return {
        "x": list(factors),
        "epoch_seconds": epochs,
        "run_seconds": whole,
        "epoch_exponent": exponent(factors, epochs),
        "run_exponent": exponent(factors, whole),
    }


def checkpoint_series(param_counts, saves: int) -> dict:
    """Median save seconds (store and raw TensorFlow) against parameter count."""
    store, raw, params = [], [], []
    for target in param_counts:
        # One hidden layer: 64 inputs, 10 outputs, so params = 75 * width + 10.
        width = max(1, round((target - 10) / 75))
        log(f"scaling: checkpoint of {target:,} parameters")
        subject = build_subject("mlp", {"widths": str(width)})
        folder = WORK_DIR / f"scaling-ckpt-{target}"
        shutil.rmtree(folder, ignore_errors=True)
        try:
            methods = {
                "store": StoreMethod(subject, folder / "store", async_save=False),
                "raw": RawTfMethod(subject, folder / "raw"),
            }
            timings = {label: [] for label in methods}
            for step in range(saves + 1):  # interleaved; save 0 traces and is not counted
                for label, method in methods.items():
                    seconds = method.save(step)["durable"]
                    timings[label].extend([seconds] if step else [])
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        params.append(subject["params"])
        store.append(statistics.median(timings["store"]))
        raw.append(statistics.median(timings["raw"]))
    return {
        "x": params,
        "store_seconds": store,
        "raw_tf_seconds": raw,
        "store_exponent": exponent(params, store),
        "raw_tf_exponent": exponent(params, raw),
    }
