"""Quality bars and section 2, time to accuracy: each model's default run, median of 3 seeds.

    python bench/quality.py [--models mlp cnn ...] [--seeds 0 1 2] [--out bench/quality.json]

Each run is `python train.py --model M --seed S` in a fresh process, timed from process start to
exit (TensorFlow import included), as a user would see it. The test metric comes from the run's
summary.json. Runs one after another: two at once would halve each one's cores.

bench/run.py does not rerun them (21 default runs do not fit its 15-minute budget): its section
2, `run_time_to_accuracy`, carries bench/quality.json's figures into results.json and the table,
and says when they are missing.
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
QUALITY_JSON = REPO / "bench" / "quality.json"
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


def run_time_to_accuracy(quick: bool) -> dict:
    """Section 2, results["time_to_accuracy"]: per model the median wall seconds and the verdict,
    from bench/quality.json (`quick` changes nothing: nothing is run)."""
    if not QUALITY_JSON.exists():
        return {
            "status": "missing",
            "note": "bench/quality.json does not exist yet: "
            "run `python bench/quality.py`, then bench/run.py",
        }
    data = json.loads(QUALITY_JSON.read_text())
    keys = ("metric", "bar", "median", "median_wall_seconds", "meets_bar", "within_wall_limit")
    models = {
        name: {**{key: row.get(key) for key in keys}, "seeds": len(row.get("runs", []))}
        for name, row in data.items()
        if isinstance(row, dict)
    }
    written = time.strftime("%Y-%m-%d %H:%M", time.localtime(QUALITY_JSON.stat().st_mtime))
    return {
        "status": "from bench/quality.json",
        "written": written,
        "definition": "median over seeds of the wall seconds from process start to the end of the "
        "default run (TensorFlow import included), with its test metric against the bar",
        "models": models,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(BARS), choices=list(BARS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--out", default=str(QUALITY_JSON))
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
