"""The yardstick: every sequence-capable model's default recipe on two UCR archive sets, beside
the published means of Fawaz et al. (2019), "Deep learning for time series classification: a
review", Data Mining and Knowledge Discovery 33, table of 10 runs per set.

    python bench/ucr.py [--models fcn resnet1d ...] [--seeds 0 1 2] [--out bench/ucr.json]

Each run is `python train.py --model M --dataset series:bench/data/S_TRAIN.tsv --test-data
bench/data/S_TEST.tsv --seed N` in a fresh process, timed from process start to exit (TensorFlow's
import included) as a user would see it, with its CPU seconds beside the wall time (on a machine
shared with other work the wall time grows with their load, the CPU time much less); the test
accuracy, on the official TEST split, comes from the run's summary.json. Runs go one after
another: two at once would halve each one's cores.

bench/run.py does not rerun them (42 runs do not fit its budget): its section `ucr` carries
bench/ucr.json into results.json and the table (`ucr_section`), and says when it is missing.
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

from bench.common import machine_info, run_child  # noqa: E402

DATA = REPO / "bench" / "data"
UCR_JSON = REPO / "bench" / "ucr.json"
SETS = ("GunPoint", "ItalyPowerDemand")
# Every model that reads series: the sequence models, and the mlp on the flattened series.
MODELS = ("mlp", "rnn", "lstm", "gru", "attention", "fcn", "resnet1d")
# Fawaz et al. 2019, mean test accuracy (%) over 10 runs.
PUBLISHED = {
    "GunPoint": {"MLP": 92.7, "FCN": 100.0, "ResNet": 99.1},
    "ItalyPowerDemand": {"MLP": 95.4, "FCN": 96.1, "ResNet": 96.3},
}
# The targets: the FCN at its published mean (rounded down to the bar below), the best
# zoo model at ResNet's, each default run within the wall limit.
FCN_BARS = {"GunPoint": 0.99, "ItalyPowerDemand": 0.96}
WALL_LIMIT_SECONDS = 90.0


def run_once(model: str, dataset: str, seed: int, workdir: Path) -> dict:
    """One default training run in a fresh process; returns its test accuracy and wall time."""
    run_dir = workdir / f"{dataset}-{model}-s{seed}"
    command = [
        str(REPO / "train.py"),
        "--model",
        model,
        "--dataset",
        f"series:{DATA / f'{dataset}_TRAIN.tsv'}",
        "--test-data",
        str(DATA / f"{dataset}_TEST.tsv"),
        "--seed",
        str(seed),
        "--run-dir",
        str(run_dir),
    ]
    result = run_child(command, timeout=1800)
    if result["returncode"] != 0:
        raise RuntimeError(f"{model} on {dataset}, seed {seed} failed:\n{result['stderr'][-2000:]}")
    summary = json.loads((run_dir / "summary.json").read_text())
    return {
        "seed": seed,
        "accuracy": summary["test"]["accuracy"],
        "wall_seconds": round(result["wall_seconds"], 1),
        "cpu_seconds": round(result["cpu_seconds"], 1),
        "epochs_run": summary["epochs_run"],
        "best_epoch": summary["best_epoch"],
    }


def summarize_runs(runs: list[dict]) -> dict:
    """Median and range of accuracy and wall time over a model's seeds."""
    accuracy = [run["accuracy"] for run in runs]
    wall = [run["wall_seconds"] for run in runs]
    cpu = [run.get("cpu_seconds") for run in runs]
    return {
        "median_accuracy": statistics.median(accuracy),
        "min_accuracy": min(accuracy),
        "max_accuracy": max(accuracy),
        "median_wall_seconds": statistics.median(wall),
        "max_wall_seconds": max(wall),
        "median_cpu_seconds": statistics.median(cpu) if None not in cpu else None,
        "runs": runs,
    }


def judge(results: dict) -> list[dict]:
    """The issue's targets on measured results: [{target, value, met}]."""
    verdicts = []
    for dataset in SETS:
        models = results.get(dataset, {})
        if "fcn" in models:
            value = models["fcn"]["median_accuracy"]
            bar = FCN_BARS[dataset]
            verdicts.append(_verdict(f"ucr {dataset} fcn >= {bar}", value, value >= bar))
        if models:
            best = max(models, key=lambda name: models[name]["median_accuracy"])
            value = models[best]["median_accuracy"]
            bar = PUBLISHED[dataset]["ResNet"] / 100
            verdicts.append(
                _verdict(f"ucr {dataset} best ({best}) >= ResNet {bar}", value, value >= bar)
            )
            slowest = max(row["max_wall_seconds"] for row in models.values())
            verdicts.append(
                _verdict(f"ucr {dataset} every run <= 90 s", slowest, slowest <= WALL_LIMIT_SECONDS)
            )
    return verdicts


def _verdict(target: str, value, met: bool) -> dict:
    return {"target": target, "value": value, "met": bool(met)}


def ucr_section(quick: bool) -> dict:
    """bench/run.py's section `ucr`: bench/ucr.json's figures (nothing is run here)."""
    if not UCR_JSON.exists():
        return {
            "status": "missing",
            "note": "bench/ucr.json does not exist yet: "
            "run `python bench/ucr.py`, then bench/run.py",
        }
    data = json.loads(UCR_JSON.read_text())
    written = time.strftime("%Y-%m-%d %H:%M", time.localtime(UCR_JSON.stat().st_mtime))
    best = {
        dataset: max(row["median_accuracy"] for row in data[dataset].values())
        for dataset in SETS
        if data.get(dataset)
    }
    return {"status": "from bench/ucr.json", "written": written, "best": best, **data}


def table_lines(data: dict) -> list[str]:
    """The markdown table of BENCHMARKS.md and the README: a row per model, a column per set,
    each cell the median test accuracy (%) [range] over seeds and the median wall (CPU) time;
    the published means last."""
    lines = [
        "| model | " + " | ".join(SETS) + " |",
        "|---|" + "---|" * len(SETS),
    ]
    for name in MODELS:
        rows = [data.get(dataset, {}).get(name) for dataset in SETS]
        if any(rows):
            lines.append(f"| `{name}` | " + " | ".join(_cell(row) for row in rows) + " |")
    for paper in ("MLP", "FCN", "ResNet"):
        cells = " | ".join(f"{PUBLISHED[dataset][paper]:.1f}" for dataset in SETS)
        lines.append(f"| {paper}, Fawaz et al. 2019 (mean of 10) | {cells} |")
    return lines


def _cell(row) -> str:
    if row is None:
        return "-"
    cpu = row.get("median_cpu_seconds")
    return (
        f"**{100 * row['median_accuracy']:.1f}** [{100 * row['min_accuracy']:.1f}-"
        f"{100 * row['max_accuracy']:.1f}], {row['median_wall_seconds']:.0f} s"
        + (f" ({cpu:.0f} s CPU)" if cpu else "")
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--out", default=str(UCR_JSON))
    args = parser.parse_args(argv)
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.exists() else {}
    results["machine"] = _machine()
    with tempfile.TemporaryDirectory(prefix="ucr-") as workdir:
        for dataset in args.sets:
            for model in args.models:
                runs = [run_once(model, dataset, seed, Path(workdir)) for seed in args.seeds]
                row = summarize_runs(runs)
                results.setdefault(dataset, {})[model] = row
                print(
                    f"{dataset:<17} {model:<10} median {row['median_accuracy']:.4f} "
                    f"[{row['min_accuracy']:.4f}-{row['max_accuracy']:.4f}], median wall "
                    f"{row['median_wall_seconds']:.0f} s (max {row['max_wall_seconds']:.0f})",
                    flush=True,
                )
                out.write_text(json.dumps(results, indent=1) + "\n")
    results["targets"] = judge({s: results[s] for s in SETS if s in results})
    results["machine"]["load_average_end"] = _machine()["load_average"]
    out.write_text(json.dumps(results, indent=1) + "\n")
    print("\n".join(table_lines(results)))
    for verdict in results["targets"]:
        print(
            f"{'met' if verdict['met'] else 'NOT met':<8} {verdict['target']}: {verdict['value']}"
        )
    return 0


def _machine() -> dict:
    return machine_info()


if __name__ == "__main__":
    sys.exit(main())
