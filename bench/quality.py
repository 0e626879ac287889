"""Quality bars: each model's default run from one command, median of 3 seeds.

    python bench/quality.py [--models mlp cnn ...] [--seeds 0 1 2] [--out bench/quality.json]

Each run is `python train.py --model M --seed S` in a fresh process, timed from process start to
exit (TensorFlow import included), as a user would see it. The test metric comes from the run's
summary.json. Runs one after another: two at once would halve each one's cores.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# model: (metric in summary["test"], bar, "min" if the metric must reach at least the bar)
BARS = {
    "mlp": ("accuracy", 0.98, "min"),
    "cnn": ("accuracy", 0.995, "min"),
    "resnet": ("accuracy", 0.995, "min"),
    "rnn": ("accuracy", 0.95, "min"),
    "lstm": ("mse", 1e-4, "max"),
    "gru": ("accuracy", 0.98, "min"),
    "attention": ("accuracy", 0.97, "min"),
}
WALL_LIMIT_SECONDS = 90.0


def run_once(model: str, seed: int, workdir: Path) -> dict:
    """One default training run in a fresh process; returns its metric and wall time."""
    run_dir = workdir / f"{model}-s{seed}"
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "train.py"),
            "--model",
            model,
            "--seed",
            str(seed),
            "--run-dir",
            str(run_dir),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{model} seed {seed} failed:\n{result.stderr[-2000:]}")
    summary = json.loads((run_dir / "summary.json").read_text())
    metric = BARS[model][0]
    return {
        "seed": seed,
        metric: summary["test"][metric],
        "wall_seconds": round(wall, 1),
        "epochs_run": summary["epochs_run"],
    }


def judge(model: str, runs: list[dict]) -> dict:
    """The median metric and wall time of a model's runs against its bar."""
    metric, bar, direction = BARS[model]
    median = statistics.median(run[metric] for run in runs)
    wall = statistics.median(run["wall_seconds"] for run in runs)
    meets = median >= bar if direction == "min" else median <= bar
    return {
        "metric": metric,
        "bar": bar,
        "median": median,
        "median_wall_seconds": wall,
        "meets_bar": meets,
        "within_wall_limit": wall <= WALL_LIMIT_SECONDS,
        "runs": runs,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(BARS), choices=list(BARS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--out", default=str(REPO / "bench" / "quality.json"))
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory(prefix="quality-") as workdir:
        for model in args.models:
            runs = [run_once(model, seed, Path(workdir)) for seed in args.seeds]
            results[model] = judge(model, runs)
            row = results[model]
            print(
                f"{model:<10} {row['metric']:<9} median {row['median']:.6g} (bar {row['bar']:g}: "
                f"{'met' if row['meets_bar'] else 'NOT met'}), "
                f"median wall {row['median_wall_seconds']:.0f} s, "
                f"seeds {[run[row['metric']] for run in runs]}",
                flush=True,
            )
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
