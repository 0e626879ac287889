"""The benchmark suite: `python bench/run.py [--quick] [--out FILE]`.

Full: at most 15 minutes on 2 cores; --quick: a subset in at most 3. Writes JSON (default
bench/results.json), bench/scaling.png, and prints a table with the verdict on every target.
This process never imports TensorFlow: sections that need it run in bench/worker.py processes,
so start-up and memory are measured on clean processes. See BENCHMARKS.md for the method.
"""

import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    REPO_ROOT,
    WORK_DIR,
    code_version,
    load_average,
    log,
    machine_info,
    run_section_child,
)

# Sections that need TensorFlow, grouped per worker process (one TensorFlow import each).
FULL_GROUPS = (
    ("training", "options", "profiles"),
    ("checkpoint", "evaluation", "scaling", "series_speed"),
    ("images_speed",),
)
# --quick keeps the sections that carry a target (1, 3, 5) and memory; 4 and 7 have none.
QUICK_GROUPS = (("training",), ("checkpoint",))
LOCAL_SECTIONS = (
    "startup",
    "memory",
    "time_to_accuracy",
    "ucr",
    "forecast",
    "images",
    "interrupts",
)
ALL_SECTIONS = LOCAL_SECTIONS + tuple(name for group in FULL_GROUPS for name in group)
# The targets of the issue: (name, where in results, comparison, threshold)
TARGETS = (
    ("harness_vs_plain_fit >= 0.97, every model", "training.*.harness_vs_plain_fit", ">=", 0.97),
    ("tuned_vs_plain_fit >= 1.3, mlp", "training.mlp.tuned_vs_plain_fit", ">=", 1.3),
    ("tuned_vs_plain_fit >= 1.3, cnn", "training.cnn.tuned_vs_plain_fit", ">=", 1.3),
    (
        "checkpoint share_of_training_time <= 0.02, every default run",
        "checkpoint.default_runs.*.share_of_training_time",
        "<=",
        0.02,
    ),
    # Issue 14: a scheduler's grace period is often 30 s.
    ("SIGTERM-to-exit max <= 30 s", "interrupts.sigterm_to_exit_s.max", "<=", 30.0),
    ("startup help_seconds <= 1.0", "startup.help_seconds", "<=", 1.0),
    ("startup bad_input_seconds <= 1.0", "startup.bad_input_seconds", "<=", 1.0),
    # Series data (issue 12): the harness against plain Keras on the same arrays, and the UCR
    # yardstick (bench/ucr.py), medians over 3 seeds on the official TEST splits.
    (
        "series harness_vs_plain_fit >= 1.0, fcn",
        "series_speed.harness_vs_plain_fit.median",
        ">=",
        1.0,
    ),
    ("ucr GunPoint fcn >= 0.99", "ucr.GunPoint.fcn.median_accuracy", ">=", 0.99),
    ("ucr ItalyPowerDemand fcn >= 0.96", "ucr.ItalyPowerDemand.fcn.median_accuracy", ">=", 0.96),
    ("ucr GunPoint best model >= ResNet 0.991", "ucr.best.GunPoint", ">=", 0.991),
    ("ucr ItalyPowerDemand best model >= ResNet 0.963", "ucr.best.ItalyPowerDemand", ">=", 0.963),
    ("ucr every GunPoint run <= 90 s", "ucr.GunPoint.*.max_wall_seconds", "<=", 90.0),
    (
        "ucr every ItalyPowerDemand run <= 90 s",
        "ucr.ItalyPowerDemand.*.max_wall_seconds",
        "<=",
        90.0,
    ),
    # Forecasting (issue 12): the default lstm beats the naive forecast on statsmodels' CO2.
    ("forecast lstm skill < 1, every seed", "forecast.models.lstm.max_skill", "<=", 0.999),
    ("forecast every lstm run <= 90 s", "forecast.models.lstm.max_wall_seconds", "<=", 90.0),
    # Images (issue 13): the mnist_5k yardstick (bench/images.py) and images_speed.
    ("images cnn >= keras-io convnet", "images.cnn_minus_reference", ">=", 0.0),
    ("images every zoo run <= 90 s", "images.zoo_max_wall_seconds", "<=", 90.0),
    (
        "images loading harness_vs_keras_loader >= 1.0",
        "images_speed.loading.harness_vs_keras_loader",
        ">=",
        1.0,
    ),
    (
        "images harness_vs_plain_fit >= 1.0, cnn",
        "images_speed.training.harness_vs_plain_fit.median",
        ">=",
        1.0,
    ),
)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a subset in at most 3 minutes")
    parser.add_argument(
        "--out", default=str(REPO_ROOT / "bench" / "results.json"), help="the JSON file"
    )
    parser.add_argument(
        "--sections", nargs="+", choices=ALL_SECTIONS, help="only these (default: all)"
    )
    parser.add_argument(
        "--plot", default=str(REPO_ROOT / "bench" / "scaling.png"), help="the scaling plot"
    )
    return parser.parse_args(argv)


def run_local(name: str, quick: bool) -> dict:
    """A section that runs in this process (it may start children, never TensorFlow itself)."""
    from bench.forecast import forecast_section
    from bench.images import images_section
    from bench.interrupts import run_interrupts
    from bench.memory import run_memory
    from bench.quality import run_time_to_accuracy
    from bench.startup import run_startup
    from bench.ucr import ucr_section

    function = {
        "startup": run_startup,
        "memory": run_memory,
        "time_to_accuracy": run_time_to_accuracy,
        "ucr": ucr_section,
        "forecast": forecast_section,
        "images": images_section,
        "interrupts": run_interrupts,
    }[name]
    started = time.perf_counter()
    try:
        result = function(quick)
    except Exception as error:
        result = {"error": f"{type(error).__name__}: {error}"}
    result["section_seconds"] = round(time.perf_counter() - started, 1)
    return result


def collect(args) -> dict:
    """Runs the selected sections in the order start-up, memory, TensorFlow groups, quality."""
    wanted = set(args.sections or ALL_SECTIONS)
    results = {}
    for name in ("startup", "memory"):
        if name in wanted:
            log(f"section {name}")
            results[name] = run_local(name, args.quick)
    for group in QUICK_GROUPS if args.quick else FULL_GROUPS:
        chosen = [name for name in group if name in wanted]
        if chosen:
            log(f"sections {', '.join(chosen)} (one TensorFlow process)")
            results.update(run_section_child(chosen, quick=args.quick))
    for name in ("time_to_accuracy", "ucr", "forecast", "images", "interrupts"):
        if name in wanted:
            results[name] = run_local(name, args.quick)
    return results


def add_checkpoint_share(results: dict) -> None:
    """results["checkpoint"]["share_of_training_time"]: the worst measured default run, with the
    steady-state share of every model from section 1 beside it."""
    checkpoint = results.get("checkpoint")
    if not isinstance(checkpoint, dict) or "error" in checkpoint:
        return
    shares = [run["share_of_training_time"] for run in checkpoint.get("default_runs", {}).values()]
    checkpoint["share_of_training_time"] = max(shares) if shares else None
    training = results.get("training", {})
    checkpoint["steady_state_share_by_model"] = {
        name: block["bookkeeping"]["share_of_epoch"]["median"]
        for name, block in training.items()
        if isinstance(block, dict) and "bookkeeping" in block
    }


def judge_targets(results: dict) -> list[dict]:
    """Each target with its measured value (the worst model for "every model") and met or not."""
    verdicts = []
    for name, path, comparison, threshold in TARGETS:
        values = _lookup(results, path.split("."))
        if not values:
            verdicts.append({"target": name, "value": None, "met": None})
            continue
        worst = min(values) if comparison == ">=" else max(values)
        met = worst >= threshold if comparison == ">=" else worst <= threshold
        verdicts.append({"target": name, "value": worst, "met": met})
    return verdicts


def _lookup(node, keys) -> list:
    if not keys:
        return [node] if isinstance(node, (int, float)) else []
    if not isinstance(node, dict):
        return []
    if keys[0] == "*":
        return [value for child in node.values() for value in _lookup(child, keys[1:])]
    return _lookup(node.get(keys[0]), keys[1:])


def main(argv=None) -> int:
    """Runs the suite, writes the JSON and the plot, prints the table."""
    from bench.report import plot_scaling, print_table

    args = parse_args(argv)
    started = time.perf_counter()
    results = {
        "command": "python bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "quick": args.quick,
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "code": code_version(),
    }
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    results.update(collect(args))
    add_checkpoint_share(results)
    results["targets"] = judge_targets(results)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    results["load_average_end"] = load_average()
    if "scaling" in results and plot_scaling(results["scaling"], Path(args.plot)):
        results["scaling"]["plot"] = os.path.relpath(args.plot, REPO_ROOT)
    out = Path(args.out)
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(results, indent=1, default=float) + "\n")
    os.replace(temporary, out)
    print_table(results)
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
