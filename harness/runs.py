"""Run folders: where a run lives, what marks one, and its run.json.

A run folder holds run.json, history.csv, manifest.json, ckpt/, model.keras, summary.json and
training_curves.png. These names are the only files the harness ever replaces or removes there.
"""

import datetime
import json
import os
import platform
import secrets
import shutil
import stat
from pathlib import Path

from harness.atomic import (
    MODEL_SUFFIX,
    TEMPORARY_SUFFIX,
    remove_stale_temporaries,
    temporaries_of,
    write_json_atomic,
)
from harness.errors import FileSystemError, RunDamaged, UsageError, filesystem_error
from harness.reports import BATCH_FILES, REPORT_FILES

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
# A run.json holds a configuration and normalisation statistics: kilobytes, rarely megabytes.
MAX_RUN_JSON_BYTES = 16 << 20


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
    elif holds_run(run_dir) and not overwrite:
        raise UsageError(
            f"{run_dir} already holds a run; "
            "use --resume to continue it or --overwrite to start afresh"
        )
    for folder in (run_dir, run_dir / "ckpt"):
        if folder.is_dir() or folder == run_dir:
            check_writable(folder)


def check_writable(folder: Path) -> None:
    """Creates and removes a file in `folder` (or, if it does not exist yet, in the nearest
    folder above it that does), so that a full, read-only or forbidden disk is found before
    any work is done rather than at the first write.

    Raises:
        FileSystemError: naming `folder`.
    """
    existing = Path(folder)
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    probe = existing / f".write-test.{os.getpid()}.{secrets.token_hex(4)}"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.unlink(probe)
    except OSError as error:
        problem = filesystem_error(error)
        if problem is None:
            raise
        raise FileSystemError(problem.errno, folder) from None


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
            run = read_run_json(run_dir)
            name, created = run["model"]["name"], run.get("created", "")
        except UsageError:
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
    """Removes what an earlier run wrote here (for --overwrite), and nothing else.

    What the harness wrote is known by its name and its own records, never by a listing:
    - at the top, `RUN_FILES` and the temporaries of their atomic writes (the caller holds the
      run's lock, so no writer of them is alive);
    - in ckpt/, the files of the checkpoints that manifest.json or TensorFlow's `checkpoint`
      state file lists (<name>.index, <name>.data-*), that state file, and the ckpt-<N>_temp
      folders of a save TensorFlow had in flight, if they hold only its part-* files;
    - in reports/, `BATCH_FILES` (summary.csv and .html), and `REPORT_FILES` inside each report
      folder (one whose metrics.json, which evaluate.py writes last, names a run and a
      checkpoint).
    A folder goes only if that leaves it empty. Everything else stays: notes, a ckpt-999.index
    no record lists, files of your own beside the reports.
    """
    ckpt = run_dir / "ckpt"
    recorded = _recorded_checkpoint_files(run_dir)  # before manifest.json goes
    for name in RUN_FILES:
        suffix = MODEL_SUFFIX if name.endswith(".keras") else TEMPORARY_SUFFIX
        temporaries = [found for found, _, _ in temporaries_of(run_dir / name, suffix=suffix)]
        _remove_files([run_dir / name, *temporaries])
    _remove_files([*recorded, ckpt / "checkpoint"])
    for folder in ckpt.glob("ckpt-*_temp") if ckpt.is_dir() else []:
        if folder.is_dir() and all(part.name.startswith("part-") for part in folder.iterdir()):
            shutil.rmtree(folder)
    reports = run_dir / "reports"
    _remove_report_files(reports, BATCH_FILES)
    for folder in sorted(reports.iterdir()) if reports.is_dir() else []:
        if _is_report_folder(folder):
            _remove_report_files(folder, REPORT_FILES)
            _remove_if_empty(folder)
    _remove_if_empty(ckpt)
    _remove_if_empty(reports)


def _recorded_checkpoint_files(run_dir: Path) -> list[Path]:
    """The files in ckpt/ of the checkpoints the manifest or TensorFlow's state file lists."""
    ckpt = run_dir / "ckpt"
    if not ckpt.is_dir():
        return []
    names = set()
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text())
        names.update(str(entry["name"]) for entry in manifest["checkpoints"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no manifest, or a damaged one: the state file may still list the checkpoints
    try:
        lines = (ckpt / "checkpoint").read_text().splitlines()
    except (OSError, ValueError):
        lines = []
    for line in lines:
        key, _, value = line.partition(":")
        prefix = Path(value.strip().strip('"'))
        if key.strip() in ("model_checkpoint_path", "all_model_checkpoint_paths") and (
            not prefix.is_absolute() or prefix.parent == ckpt.resolve()
        ):
            names.add(prefix.name)
    return [
        path
        for path in ckpt.iterdir()
        if path.is_file()
        and any(
            path.name == f"{name}.index" or path.name.startswith(f"{name}.data-") for name in names
        )
    ]


def _is_report_folder(folder: Path) -> bool:
    try:
        metrics = json.loads((folder / "metrics.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(metrics, dict) and "run" in metrics and "checkpoint" in metrics


def _remove_report_files(folder: Path, names) -> None:
    """Removes the named files and the temporaries their killed writers left (evaluate.py holds
    no lock, so a live writer's are left to it)."""
    for name in names:
        _remove_files([folder / name, *remove_stale_temporaries(folder / name)])


def _remove_files(paths) -> None:
    for path in paths:
        if path.is_file() or path.is_symlink():
            path.unlink(missing_ok=True)


def _remove_if_empty(folder: Path) -> None:
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


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
    """Reads a run's run.json and checks it against its format (`checkpoints.run_schema`):
    required keys, types and ranges, so that what resume, evaluation and prediction rebuild
    from it is what training wrote.

    Raises:
        UsageError: the folder does not exist, is a file, or holds no run.json.
        RunDamaged: run.json is not a regular file, not JSON, or does not fit the format; the
            message names the file and the key.
    """
    from harness.checkpoints.run_schema import check_run_json

    run_dir = Path(run_dir)
    if not run_dir.exists():
        raise UsageError(f"run folder {run_dir} does not exist")
    if not run_dir.is_dir():
        raise UsageError(f"{run_dir} is a file, not a run folder")
    path = run_dir / "run.json"
    try:
        run = read_json_file(path, max_bytes=MAX_RUN_JSON_BYTES)
    except FileNotFoundError:
        raise UsageError(f"{run_dir} holds no run.json; is it a run folder?") from None
    return check_run_json(run, path)


def read_json_file(path, *, max_bytes: int):
    """Parses a JSON file of a run folder without trusting what is there.

    The file is opened without blocking and must be a regular file of at most `max_bytes`, so
    a FIFO, a device such as /dev/zero or a huge file is refused before anything is read.

    Raises:
        FileNotFoundError: there is no such file.
        RunDamaged: anything else that keeps it from being a JSON document.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise RunDamaged(f"{path} is not a regular file; it cannot be a run's JSON file")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise RunDamaged(f"{path} is larger than {max_bytes} bytes; it is not a file a run wrote")
    try:
        return json.loads(data.decode("utf-8"))
    except json.JSONDecodeError as error:
        raise RunDamaged(f"{path} is damaged ({error.msg} at line {error.lineno})") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise RunDamaged(f"{path} is damaged ({type(error).__name__}: {error})") from None
