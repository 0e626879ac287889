"""Section 6: peak RSS of each model's default training run, one `train.py` process per model.

The run is the model's default recipe shortened to one epoch with --epochs (and --warmup-epochs
where the recipe's warm-up is longer): the peak comes in the first epoch (tracing, the first
checkpoint) and at the end (test evaluation, model.keras) and does not grow with epochs, which
the full suite checks by running mlp for 10 epochs too. Peak RSS comes from wait4() on the
child. Three processes run at a time: a peak does not depend on timing, and the suite stays
within its time budget.
"""

import shutil
from concurrent.futures import ThreadPoolExecutor

from bench.common import WORK_DIR, log, run_child
from bench.paths import shortened

MODELS = ("mlp", "cnn", "resnet", "rnn", "lstm", "gru", "attention")
SHORT_EPOCHS = 1
# mlp again for this many epochs: does the peak grow with epochs?
LONGER_EPOCHS = 10
PARALLEL = 3


def run_memory(quick: bool) -> dict:
    """Returns results["memory"]: {model: {"peak_rss_mb", "epochs", "wall_seconds"}}."""
    jobs = [(name, SHORT_EPOCHS) for name in (("mlp",) if quick else MODELS)]
    if not quick:
        jobs.append(("mlp", LONGER_EPOCHS))
    log(f"memory: {len(jobs)} train.py processes, {PARALLEL} at a time")
    with ThreadPoolExecutor(PARALLEL) as pool:
        measured = list(pool.map(lambda job: peak_rss(*job), jobs))
    results = {}
    for (name, epochs), figures in zip(jobs, measured):
        results[name if epochs == SHORT_EPOCHS else f"{name}_{epochs}_epochs"] = figures
    return results


def peak_rss(name: str, epochs: int) -> dict:
    """Peak RSS of `python train.py --model NAME --epochs N` into a scratch run folder."""
    run_dir = WORK_DIR / f"memory-{name}-{epochs}"
    shutil.rmtree(run_dir, ignore_errors=True)
    args = ["train.py", "--model", name, "--run-dir", run_dir]
    for key, value in (shortened(name, epochs) if epochs else {}).items():
        args += [f"--{key.replace('_', '-')}", value]
    try:
        result = run_child(args, timeout=900)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    if result["returncode"]:
        return {"error": f"train.py exited {result['returncode']}: {result['stderr'][-500:]}"}
    return {
        "peak_rss_mb": round(result["peak_rss_mb"], 1),
        "epochs": epochs,
        "wall_seconds": round(result["wall_seconds"], 1),
    }
