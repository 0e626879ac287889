"""The harness on series data against a plain Keras fit on the same arrays (issue 12, point 8).

`fcn` on the UCR archive's GunPoint (bench/data), its default recipe shortened to a few epochs:
the plain path is `model.fit` on the NumPy arrays the harness loaded (same model, optimizer,
batch and validation data), the harness path is train.py's own (`prepare` and `run`: tf.data
pipeline, history.csv, a checkpoint every epoch). Rounds interleave the two paths; a round's
ratio is the plain path's median epoch wall time over the harness's (epochs 2..E), so above 1.0
means the harness is faster. results["series_speed"].
"""

import statistics

from bench.common import WORK_DIR, log, summarize
from bench.paths import harness_epochs, plain_epochs, plain_model
from bench.ucr import DATA

MODEL = "fcn"
DATASET = "GunPoint"
FULL = (6, 3)  # (epochs per run, the first untimed; rounds)
QUICK = (4, 2)


def run_series_speed(quick: bool) -> dict:
    """Interleaved rounds of the plain and the harness path; returns the ratios."""
    from harness.config import TrainConfig
    from harness.train.prepare import prepare

    epochs, rounds = QUICK if quick else FULL
    fields = {
        "dataset": f"series:{DATA / f'{DATASET}_TRAIN.tsv'}",
        "test_data": str(DATA / f"{DATASET}_TEST.tsv"),
    }
    probe = TrainConfig(
        model=MODEL, run_dir=str(WORK_DIR / "series-probe"), epochs=epochs, **fields
    )
    prepared = prepare(probe)
    data, config = prepared.data, prepared.config
    model = plain_model(MODEL, data, config)
    ratios, plain_walls, harness_walls = [], [], []
    for index in range(rounds):
        log(f"series speed: round {index + 1} of {rounds} ({MODEL} on {DATASET})")
        plain = statistics.median(plain_epochs(model, data, config))
        harness = statistics.median(harness_epochs(MODEL, epochs, **fields)["walls"])
        plain_walls.append(plain)
        harness_walls.append(harness)
        ratios.append(plain / harness)
    return {
        "model": MODEL,
        "dataset": DATASET,
        "batch_size": config.batch_size,
        "train_series": len(data.x_train),
        "epochs_per_run": epochs,
        "plain_epoch_seconds": summarize(plain_walls),
        "harness_epoch_seconds": summarize(harness_walls),
        "harness_vs_plain_fit": summarize(ratios),
    }
