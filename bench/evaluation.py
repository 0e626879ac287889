"""Section 4: evaluation. Samples/s, the share of report writing, and a batch of 10 runs.

The runs are made here: a short default-recipe run per model through `prepare`/`run`, copied
into 10 run folders (copies are complete runs; only their folder names differ). One evaluation
is `harness.evaluate.single.evaluate_checkpoint` (restore the best checkpoint, predict the test
split, write the report files); the batch is `evaluate_batch`, the path of `evaluate.py --all`.
In full mode the command itself is timed too, TensorFlow import included, side by side with
the same command from BEFORE_COMMIT (the hand-made renderer issue 15 replaced, exported with
`git archive`) and with --no-plots: rounds rotate which goes first, on the same 10 run folders.

`python -m bench.evaluation [--quick]` runs this section alone and prints its JSON;
`--cli-only`, the `evaluate.py --all` comparison alone.
"""

import contextlib
import io
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import REPO_ROOT, WORK_DIR, child_env, log, run_child, summarize

FULL = {"models": ("mlp",), "repeats": 3, "cli": True}
QUICK = {"models": ("mlp",), "repeats": 3, "cli": False}
BATCH_RUNS = 10
# The last commit with the hand-made PNG encoder, glyph outlines and figure cache (issue 15).
BEFORE_COMMIT = "e5cf7e1"
CLI_ROUNDS = 3


def run_evaluation(quick: bool) -> dict:
    """Returns results["evaluation"]."""
    from harness.evaluate.single import EvalRequest, evaluate_checkpoint

    plan = QUICK if quick else FULL
    root = WORK_DIR / "eval-runs"
    shutil.rmtree(root, ignore_errors=True)
    try:
        sources = {name: _short_run(name, root / f"source-{name}") for name in plan["models"]}
        results = {"single": {}}
        for name, run_dir in sources.items():
            log(f"evaluation: {name}")
            timings = [evaluate_checkpoint(run_dir, EvalRequest()) for _ in range(plan["repeats"])]
            results["single"][name] = _single(timings)
        batch_root = root / "batch"
        runs = [
            shutil.copytree(
                list(sources.values())[index % len(sources)], batch_root / f"run-{index:02d}"
            )
            for index in range(BATCH_RUNS)
        ]
        results["batch"] = _batch(runs)
        if plan["cli"]:
            results["batch_cli"] = _batch_cli_before_after(root / "cli-batch", root / "before")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return results


def _short_run(name: str, run_dir):
    from bench.paths import shortened
    from harness.config import TrainConfig
    from harness.train.prepare import prepare
    from harness.train.run import run

    with contextlib.redirect_stdout(io.StringIO()):
        run(
            prepare(TrainConfig(model=name, run_dir=str(run_dir), **shortened(name, 2))),
            command=["bench"],
        )
    return run_dir


def _single(timings: list[dict]) -> dict:
    def pick(key):
        return summarize([timing["timing"][key] for timing in timings])

    return {
        "eval_samples_per_s": summarize([timing["eval_samples_per_s"] for timing in timings]),
        "report_share": pick("report_share"),
        "total_seconds": pick("total_seconds"),
        "report_seconds": pick("report_seconds"),
        "restore_seconds": pick("restore_seconds"),
        "predict_seconds": pick("predict_seconds"),
        "trace_seconds": pick("trace_seconds"),
        "examples": timings[0]["metrics"].get("n"),
    }


def _batch(runs) -> dict:
    from harness.evaluate.batch import evaluate_batch
    from harness.evaluate.single import EvalRequest

    log(f"evaluation: batch of {len(runs)} runs")
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        rows = evaluate_batch(runs, EvalRequest(), every_checkpoint=False)
    total = time.perf_counter() - started
    # Each run's metrics.json times its own report writing; their sum against the batch's wall
    # time is the batch's report share (the rest: restores, predictions, the progress display).
    report_seconds = sum(
        _report_seconds(Path(row["report_dir"]) / "metrics.json")
        for row in rows
        if row["status"] == "ok"
    )
    return {
        "runs": len(runs),
        "total_seconds": total,
        "seconds_per_run": total / len(runs),
        "report_seconds": report_seconds,
        "report_share": report_seconds / total,
        "all_ok": all(row["status"] == "ok" for row in rows),
    }


def _batch_cli_before_after(batch_root: Path, before_tree: Path) -> dict:
    """`evaluate.py --all` from this tree (with and without --no-plots) and from BEFORE_COMMIT,
    in rotating rounds. Each tree evaluates 10 copies of a 2-epoch mlp run its own train.py
    made (same recipe and seed): checkpoints now hold more than the old restore accepts, and the
    old ones less than the new one asks for."""
    before_tree.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", BEFORE_COMMIT, "train.py", "evaluate.py", "harness", "zoo"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    )
    subprocess.run(["tar", "-x", "-C", str(before_tree)], input=archive.stdout, check=True)
    # The old tree first on the path, so its scripts import its own harness.
    trees = {"before": (before_tree, child_env(PYTHONPATH=before_tree)), "after": (REPO_ROOT, None)}
    roots = {name: _copies_of_a_run(batch_root / name, *tree) for name, tree in trees.items()}
    arms = {
        "before": (roots["before"], *trees["before"], []),
        "after": (roots["after"], *trees["after"], []),
        "after_no_plots": (roots["after"], *trees["after"], ["--no-plots"]),
    }
    timings = {name: [] for name in arms}
    for round_number in range(CLI_ROUNDS):
        names = list(arms)
        for name in names[round_number % 3 :] + names[: round_number % 3]:
            timings[name].append(_batch_cli(*arms[name], arm=name))
    result = {name: _cli_summary(rows) for name, rows in timings.items()}
    before = result["before"]["total_seconds"]["median"]
    result["after_vs_before"] = result["after"]["total_seconds"]["median"] / before
    result["no_plots_vs_before"] = result["after_no_plots"]["total_seconds"]["median"] / before
    result["rounds"] = CLI_ROUNDS
    result["before_commit"] = BEFORE_COMMIT
    # The headline keys bench/report.py prints, from the current code.
    after = result["after"]
    result.update(
        runs=BATCH_RUNS,
        total_seconds=after["total_seconds"]["median"],
        seconds_per_run=after["seconds_per_run"],
        report_share=after["report_share"]["median"],
    )
    return result


def _cli_summary(rows: list[dict]) -> dict:
    keys = ("total_seconds", "cpu_seconds", "report_seconds", "report_share", "peak_rss_mb")
    summary = {key: summarize([row[key] for row in rows]) for key in keys}
    summary["seconds_per_run"] = summary["total_seconds"]["median"] / BATCH_RUNS
    summary["returncodes"] = sorted({row["returncode"] for row in rows})
    summary["reports_found"] = min(row["reports_found"] for row in rows)
    return summary


def _copies_of_a_run(root: Path, tree: Path, env) -> Path:
    source = root.parent / f"{root.name}-source"
    command = [tree / "train.py", "--model", "mlp", "--epochs", 2, "--run-dir", source]
    trained = run_child(command, env=env or child_env())
    if trained["returncode"] != 0:
        raise RuntimeError(f"{tree}/train.py failed: {trained['stderr'][-400:]}")
    for index in range(BATCH_RUNS):
        shutil.copytree(source, root / f"run-{index:02d}")
    return root


def _batch_cli(root: Path, tree: Path, env, flags: list, *, arm: str) -> dict:
    log(f"evaluation: evaluate.py --all, {arm} (one process)")
    started = time.time()
    command = [tree / "evaluate.py", "--all", root, *flags]
    result = run_child(command, env=env or child_env(), timeout=600)
    if result["returncode"] != 0:
        log(f"evaluation: {arm} exited {result['returncode']}: {result['stderr'][-400:]}")
    # The reports this command wrote (earlier ones wrote the same folders before it).
    reports = [
        _report_seconds(path)
        for path in Path(root).glob("*/reports/*/metrics.json")
        if path.stat().st_mtime >= started
    ]
    return {
        "total_seconds": result["wall_seconds"],
        "cpu_seconds": result["cpu_seconds"],
        "returncode": result["returncode"],
        "peak_rss_mb": result["peak_rss_mb"],
        "reports_found": len(reports),
        "report_seconds": sum(reports),
        "report_share": sum(reports) / result["wall_seconds"],
    }


def _report_seconds(metrics_json: Path) -> float:
    # Each evaluation times its own report writing in its metrics.json.
    return json.loads(metrics_json.read_text())["timing"]["report_seconds"]


def _cli_only() -> dict:
    root = WORK_DIR / "eval-runs"
    shutil.rmtree(root, ignore_errors=True)
    try:
        return {"batch_cli": _batch_cli_before_after(root / "cli-batch", root / "before")}
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    # --cli-only: the evaluate.py --all comparison alone.
    if "--cli-only" in sys.argv[1:]:
        print(json.dumps(_cli_only(), indent=2))
    else:
        print(json.dumps(run_evaluation(quick="--quick" in sys.argv[1:]), indent=2))
