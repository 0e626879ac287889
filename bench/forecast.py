"""The forecasting yardstick: the default lstm (and gru) recipe on a real series, against the naive
forecasts, by the skill ratio (model MAE / naive MAE; below 1 the model beats the naive forecast).

    python bench/forecast.py [--models lstm gru] [--seeds 0 1 2] [--out bench/forecast.json]

The series is the Mauna Loa CO2 record that ships with statsmodels (`statsmodels.datasets.co2`,
weekly, 1958-2001; bench/requirements.txt, never a test dependency), averaged by month as in its
own documentation's examples, the few empty months filled by linear interpolation: 526 months, a
trend and a yearly season. Each run is `python train.py --model M --dataset forecast:co2.csv
--target co2 --data-opt season=12 --seed N` in a fresh process, timed from process start to exit
(TensorFlow's import included), then `evaluate.py` on its test part (the last fifth, 1993-2001),
whose metrics.json gives the model's MAE in ppm, the naive MAEs and the skill ratios.

bench/run.py does not rerun it: its section `forecast` carries bench/forecast.json into
results.json and the table (`forecast_section`), and says when it is missing.
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

FORECAST_JSON = REPO / "bench" / "forecast.json"
MODELS = ("lstm", "gru")
SEASON = 12  # months
WALL_LIMIT_SECONDS = 90.0
FIGURES = ("mae", "naive_mae", "seasonal_naive_mae", "skill", "seasonal_skill")


def write_co2_csv(path: Path) -> Path:
    """The monthly CO2 series as a forecast file: date, co2 (ppm)."""
    import statsmodels.api as sm

    weekly = sm.datasets.co2.load_pandas().data
    monthly = weekly.resample("MS").mean().interpolate()
    monthly.index.name = "date"
    monthly.round(3).to_csv(path)
    return path


def run_once(model: str, series: Path, seed: int, workdir: Path) -> dict:
    """One default training run in a fresh process and its evaluation; the figures and times."""
    run_dir = workdir / f"{model}-s{seed}"
    command = [str(REPO / "train.py"), "--model", model, "--dataset", f"forecast:{series}"]
    command += ["--target", "co2", "--data-opt", f"season={SEASON}", "--seed", str(seed)]
    result = run_child([*command, "--run-dir", str(run_dir)], timeout=1800)
    if result["returncode"] != 0:
        raise RuntimeError(f"{model}, seed {seed} failed:\n{result['stderr'][-2000:]}")
    evaluation = run_child([str(REPO / "evaluate.py"), "--run-dir", str(run_dir), "--no-plots"])
    if evaluation["returncode"] != 0:
        raise RuntimeError(f"evaluating {model}, seed {seed}:\n{evaluation['stderr'][-2000:]}")
    report = next((run_dir / "reports").glob("*/metrics.json"))
    metrics = json.loads(report.read_text())["metrics"]
    summary = json.loads((run_dir / "summary.json").read_text())
    return {
        "seed": seed,
        **{name: metrics[name] for name in FIGURES},
        "wall_seconds": round(result["wall_seconds"], 1),
        "cpu_seconds": round(result["cpu_seconds"], 1),
        "epochs_run": summary["epochs_run"],
    }


def summarize_runs(runs: list[dict]) -> dict:
    """Medians of every figure over a model's seeds, the worst skill and the longest run."""
    row = {f"median_{name}": statistics.median(run[name] for run in runs) for name in FIGURES}
    row["max_skill"] = max(run["skill"] for run in runs)
    row["median_wall_seconds"] = statistics.median(run["wall_seconds"] for run in runs)
    row["max_wall_seconds"] = max(run["wall_seconds"] for run in runs)
    row["median_cpu_seconds"] = statistics.median(run["cpu_seconds"] for run in runs)
    return {**row, "runs": runs}


def forecast_section(quick: bool) -> dict:
    """bench/run.py's section `forecast`: bench/forecast.json's figures (nothing is run here)."""
    if not FORECAST_JSON.exists():
        return {
            "status": "missing",
            "note": "bench/forecast.json does not exist yet: run `python bench/forecast.py`, "
            "then bench/run.py",
        }
    data = json.loads(FORECAST_JSON.read_text())
    written = time.strftime("%Y-%m-%d %H:%M", time.localtime(FORECAST_JSON.stat().st_mtime))
    return {"status": "from bench/forecast.json", "written": written, **data}


def table_lines(data: dict) -> list[str]:
    """The markdown table of BENCHMARKS.md and the README: a row per model, medians over seeds."""
    lines = [
        "| model | test MAE (ppm) | last-value MAE | seasonal naive MAE | skill (vs last value) "
        "| skill (vs seasonal) | wall (CPU) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in MODELS:
        row = data.get("models", {}).get(name)
        if row:
            lines.append(
                f"| `{name}` | {row['median_mae']:.3f} | {row['median_naive_mae']:.3f} | "
                f"{row['median_seasonal_naive_mae']:.3f} | **{row['median_skill']:.3f}** "
                f"(worst {row['max_skill']:.3f}) | {row['median_seasonal_skill']:.3f} | "
                f"{row['median_wall_seconds']:.0f} s ({row['median_cpu_seconds']:.0f} s) |"
            )
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--out", default=str(FORECAST_JSON))
    args = parser.parse_args(argv)
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.exists() else {}
    results["machine"] = machine_info()
    results["series"] = "statsmodels co2, monthly means 1958-03..2001-12 (526), season 12"
    with tempfile.TemporaryDirectory(prefix="forecast-") as workdir:
        series = write_co2_csv(Path(workdir) / "co2.csv")
        for model in args.models:
            runs = [run_once(model, series, seed, Path(workdir)) for seed in args.seeds]
            row = summarize_runs(runs)
            results.setdefault("models", {})[model] = row
            print(
                f"{model:<6} MAE {row['median_mae']:.3f} ppm, naive {row['median_naive_mae']:.3f}, "
                f"skill {row['median_skill']:.3f} (worst {row['max_skill']:.3f}), median wall "
                f"{row['median_wall_seconds']:.0f} s (max {row['max_wall_seconds']:.0f})",
                flush=True,
            )
            out.write_text(json.dumps(results, indent=1) + "\n")
    results["machine"]["load_average_end"] = machine_info()["load_average"]
    out.write_text(json.dumps(results, indent=1) + "\n")
    print("\n".join(table_lines(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
