"""Image loading and training speed (issue 13, point 7), measured side by side.

- Loading: a folder of 50,000 28x28 grey PNGs (bench/image_data.py) read whole into memory,
  once by the harness (`load_dataset("images:DIR", size=28x28, channels=1)`: listing, header
  survey, the split, TensorFlow decoding, training statistics, normalisation) and once by
  `keras.utils.image_dataset_from_directory` with the same size and colour mode, iterated to
  NumPy arrays. Each in a fresh process (`python bench/images_speed.py load harness|keras DIR`),
  timed inside it from the call to the arrays, its peak RSS from wait4(); the two alternate.
- Training: `cnn` on the mnist_5k folder, its default recipe shortened to a few epochs: the
  plain path is `model.fit` on the NumPy arrays the harness loaded (same model, optimizer,
  batch), the harness path is train.py's own (bench/paths.py). The ratio is the plain path's
  median epoch time over the harness's (epochs 2..E), so above 1.0 the harness is faster.

results["images_speed"] in bench/run.py.
"""

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import WORK_DIR, log, run_child, summarize
from bench.image_data import many_small_images, mnist_5k_folder

BIG = WORK_DIR / "images_50k"
FULL = {"images": 50_000, "load_rounds": 5, "epochs": 4, "train_rounds": 2}
QUICK = {"images": 10_000, "load_rounds": 1, "epochs": 3, "train_rounds": 1}


def run_images_speed(quick: bool) -> dict:
    """Loading rounds (fresh processes) and training rounds; returns the ratios."""
    plan = QUICK if quick else FULL
    folder = many_small_images(BIG.with_name(f"images_{plan['images'] // 1000}k"), plan["images"])
    loads = {"harness": [], "keras": []}
    for index in range(plan["load_rounds"]):
        for loader in loads:
            log(f"images speed: loading round {index + 1}, {loader}")
            result = run_child(["bench/images_speed.py", "load", loader, folder], timeout=1800)
            if result["returncode"]:
                raise RuntimeError(f"{loader} loader failed: {result['stderr'][-2000:]}")
            measured = json.loads(result["stdout"].strip().splitlines()[-1])
            loads[loader].append({**measured, "peak_rss_mb": round(result["peak_rss_mb"], 1)})
    loading = {name: _loading_summary(rounds) for name, rounds in loads.items()}
    ratio = loading["harness"]["images_per_second"] / loading["keras"]["images_per_second"]
    return {
        "loading": {**loading, "harness_vs_keras_loader": round(ratio, 3)},
        "training": _training(plan),
    }


def _loading_summary(rounds: list) -> dict:
    return {
        "images": rounds[0]["images"],
        "seconds": summarize([entry["seconds"] for entry in rounds]),
        "images_per_second": statistics.median(
            entry["images"] / entry["seconds"] for entry in rounds
        ),
        "peak_rss_mb": max(entry["peak_rss_mb"] for entry in rounds),
    }


def _training(plan: dict) -> dict:
    from bench.paths import harness_epochs, plain_epochs, plain_model
    from harness.config import TrainConfig
    from harness.train.prepare import prepare

    fields = {"dataset": f"images:{mnist_5k_folder(WORK_DIR / 'mnist_5k')}"}
    probe = TrainConfig(
        model="cnn", run_dir=str(WORK_DIR / "images-probe"), epochs=plan["epochs"], **fields
    )
    prepared = prepare(probe)
    data, config = prepared.data, prepared.config
    model = plain_model("cnn", data, config)
    ratios, plain_walls, harness_walls = [], [], []
    for index in range(plan["train_rounds"]):
        log(f"images speed: training round {index + 1} of {plan['train_rounds']} (cnn)")
        plain = statistics.median(plain_epochs(model, data, config))
        harness = statistics.median(harness_epochs("cnn", plan["epochs"], **fields)["walls"])
        plain_walls.append(plain)
        harness_walls.append(harness)
        ratios.append(plain / harness)
    return {
        "model": "cnn",
        "train_images": len(data.x_train),
        "batch_size": config.batch_size,
        "epochs_per_run": plan["epochs"],
        "plain_epoch_seconds": summarize(plain_walls),
        "harness_epoch_seconds": summarize(harness_walls),
        "harness_vs_plain_fit": summarize(ratios),
    }


def load_once(loader: str, folder: str) -> dict:
    """Reads the whole folder into memory with one loader; prints {"images", "seconds"}."""
    from harness.runtime.tf_import import import_tensorflow

    import_tensorflow(verbose=False)
    started = time.perf_counter()
    if loader == "harness":
        from harness.data import load_dataset

        options = {"size": "28x28", "channels": "1"}
        data = load_dataset(f"images:{folder}", layout="image", options=options)
        images = sum(len(data.split(which)[0]) for which in ("train", "val", "test"))
    else:
        import keras
        import numpy as np

        dataset = keras.utils.image_dataset_from_directory(
            folder, image_size=(28, 28), color_mode="grayscale", batch_size=256, verbose=False
        )
        arrays = [(x.numpy(), y.numpy()) for x, y in dataset]
        images = len(np.concatenate([x for x, _ in arrays]))
    return {"images": images, "seconds": round(time.perf_counter() - started, 2)}


if __name__ == "__main__":
    _, command, loader, folder = sys.argv
    print(json.dumps(load_once(loader, folder)))
