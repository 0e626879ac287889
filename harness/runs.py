"""Run folders: where a run lives, what marks one, and its run.json.

A run folder holds run.json, history.csv, manifest.json, ckpt/, model.keras, summary.json and
training_curves.png. These names are the only files the harness ever replaces or removes there.
"""

import datetime
import json
import os
import platform
import shutil
from pathlib import Path

from harness.atomic import write_json_atomic
from harness.errors import UsageError

DEFAULT_ROOT = Path("checkpoints")
# What a run writes at the top of its folder, with one line each for the end of training.
RUN_FILE_MEANINGS = {
    "model.keras": "the result as a plain Keras model; it takes raw inputs",
    "summary.json": "the result's test metrics, epochs run, best epoch",
    "run.json": "the configuration: what --resume and evaluate.py rebuild from",
    "history.csv": "one row per epoch: metrics, learning rate, seconds",
    "training_curves.png": "loss, metric and learning rate against epoch",
    "manifest.json": "the kept checkpoints in ckpt/, with SHA-256 of each file",
}
RUN_FILES = tuple(RUN_FILE_MEANINGS)
RUN_JSON_FORMAT = 1


def default_run_dir(model: str, dataset: str, seed: int, root=DEFAULT_ROOT) -> Path:
    """checkpoints/<model>/<time>-<dataset>-s<seed>, made unique with a counter if needed."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    safe_dataset = Path(dataset.split(":", 1)[-1]).stem if ":" in dataset else dataset
    base = Path(root) / model / f"{stamp}-{safe_dataset}-s{seed}"
    candidate, counter = base, 1
    while candidate.exists():
        counter += 1
        candidate = base.with_name(f"{base.name}-{counter}")
    return candidate


def holds_run(run_dir: Path) -> bool:
    """True if the folder holds (part of) a training run."""
    return any((run_dir / name).exists() for name in ("run.json", "manifest.json", "ckpt"))


def check_run_dir(run_dir: Path, *, resume: bool, overwrite: bool) -> None:
    """Refuses folders that cannot take this run, before anything is written.

    Raises:
        UsageError: the path is a file; a run is there and neither --resume nor --overwrite was
            given; --resume was given but there is no run to resume.
    """
    if run_dir.exists() and not run_dir.is_dir():
        raise UsageError(f"--run-dir {run_dir} is a file; give a folder path")
    if resume and overwrite:
        raise UsageError("--resume and --overwrite contradict each other; choose one")
    if resume:
        if not (run_dir / "run.json").is_file():
            raise UsageError(
                f"--resume: {run_dir} holds no run (no run.json); train without --resume"
            )
        return
    if holds_run(run_dir) and not overwrite:
        raise UsageError(
            f"{run_dir} already holds a run; "
            "use --resume to continue it or --overwrite to start afresh"
        )


def find_runs(*roots) -> list[Path]:
    """Every run folder at or under `roots`, sorted; a folder with a run is not searched further.

    A folder counts if it holds run.json, manifest.json or ckpt/ (`holds_run`), so that a run
    whose run.json was lost is still found and reported as damaged instead of silently left out.

    Raises:
        UsageError: a root does not exist.
    """
    runs = set()
    for root in map(Path, roots):
        if not root.exists():
            raise UsageError(f"{root} does not exist; give a run folder or a folder of runs")
        for folder, subfolders, _ in os.walk(root):
            if holds_run(Path(folder)):
                runs.add(Path(folder))
                subfolders.clear()  # a run's own ckpt/ holds no runs
            else:
                subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
    return sorted(runs)


def newest_run(model: str, root=DEFAULT_ROOT) -> Path:
    """The run of `model` under `root` created last (by run.json's "created").

    Raises:
        UsageError: `root` holds no readable run of that model.
    """
    found, other_models = [], set()
    for run_dir in find_runs(root) if Path(root).is_dir() else []:
        try:
            run = json.loads((run_dir / "run.json").read_text())
            name, created = run["model"]["name"], run.get("created", "")
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a damaged run cannot be the one meant; --all reports it
        if name == model:
            found.append((created, str(run_dir), run_dir))
        else:
            other_models.add(name)
    if not found:
        others = f"; runs found of: {', '.join(sorted(other_models))}" if other_models else ""
        raise UsageError(
            f"no run of model {model!r} under {root}/{others}; train one with "
            f"python train.py --model {model}, or give --run-dir DIR"
        )
    return max(found)[2]


def clear_run(run_dir: Path) -> None:
    """Removes what an earlier run wrote here (for --overwrite), and nothing else."""
    for name in RUN_FILES:
        path = run_dir / name
        if path.is_file():
            path.unlink()
    ckpt = run_dir / "ckpt"
    if ckpt.is_dir():
        for path in ckpt.iterdir():
            if path.is_dir() and path.name.startswith("ckpt-") and path.name.endswith("_temp"):
                shutil.rmtree(path)  # TensorFlow's half-written save from a killed run
            elif path.is_file() and (path.name == "checkpoint" or path.name.startswith("ckpt-")):
                path.unlink()
        if not any(ckpt.iterdir()):
            ckpt.rmdir()
    reports = run_dir / "reports"
    if reports.is_dir():
        shutil.rmtree(reports)


def library_versions() -> dict:
    """Versions of the libraries a run's numbers depend on."""
    import keras
    import numpy
    import sklearn
    import tensorflow

    return {
        "python": platform.python_version(),
        "tensorflow": tensorflow.__version__,
        "keras": keras.__version__,
        "numpy": numpy.__version__,
        "scikit-learn": sklearn.__version__,
    }


def write_run_json(run_dir: Path, *, config: dict, model: dict, data: dict, command: list) -> dict:
    """Writes run.json atomically and returns its content."""
    content = {
        "format": RUN_JSON_FORMAT,
        "created": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": command,
        "config": config,
        "model": model,
        "data": data,
        "versions": library_versions(),
    }
    write_json_atomic(run_dir / "run.json", content)
    return content


def result_checkpoint(run: dict) -> str:
    """Which checkpoint holds a run's result, the weights model.keras and summary.json have:
    "best" under early stopping (which restores the best weights at the end), else "latest"
    (the final weights)."""
    return "best" if (run.get("config") or {}).get("early_stopping") else "latest"


def read_run_json(run_dir) -> dict:
    """Reads a run's run.json.

    Raises:
        UsageError: the folder does not exist, is a file, or holds no readable run.json.
    """
    run_dir = Path(run_dir)
    if not run_dir.exists():
        raise UsageError(f"run folder {run_dir} does not exist")
    if not run_dir.is_dir():
        raise UsageError(f"{run_dir} is a file, not a run folder")
    path = run_dir / "run.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"{run_dir} holds no run.json; is it a run folder?") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"{path} is damaged ({error.msg} at line {error.lineno})") from None
