"""Profiles behind the figures: where the time goes when a target is missed, or a gap appears.

cProfile (deterministic, so Python-heavy code looks somewhat slower than it is) of:
- checkpoint_save: 20 `CheckpointStore.save` calls of the mlp, the default run's bookkeeping;
- harness_epochs: a 4-epoch harness run of the mlp, by component;
- plain_epochs: plain Keras on NumPy for 4 epochs, to explain the plain/harness gap;
- cnn_tuned_epochs: the tuned cnn, to show whether its time is TensorFlow's compute.
Each is summarised as the cumulative seconds of named components and the top functions.
"""

import cProfile
import pstats
import shutil

from bench.common import WORK_DIR, log
from bench.paths import default_data, harness_epochs, plain_epochs, plain_model, recipe_config
from harness.runtime import timing

TOP = 12
# Component name -> (end of the file path, function name), as cProfile keys them.
COMPONENTS = {
    "CheckpointStore.save": ("harness/checkpoints/store.py", "save"),
    "tf checkpoint write": ("tensorflow/python/checkpoint/checkpoint.py", "write"),
    "tf.function calls (in a save: the compiled write)": ("polymorphic_function.py", "__call__"),
    "sha256 of files": ("harness/checkpoints/integrity.py", "record_files"),
    "retention (manifest, state file, deletes)": (
        "harness/checkpoints/pruning.py",
        "apply_retention",
    ),
    "manifest save": ("harness/checkpoints/manifest.py", "save"),
    "tf state file": ("harness/checkpoints/pruning.py", "write_tf_state"),
    "delete dropped files": ("harness/checkpoints/pruning.py", "delete_entry_files"),
    "os.fsync": ("~", "<built-in method posix.fsync>"),
    "keras fit": ("keras/src/backend/tensorflow/trainer.py", "fit"),
    "keras evaluate (validation)": ("keras/src/backend/tensorflow/trainer.py", "evaluate"),
    "tf.data iterator creation": ("tensorflow/python/data/ops/iterator_ops.py", "_create_iterator"),
    "Keras array adapter dataset": (
        "keras/src/trainers/data_adapters/array_data_adapter.py",
        "get_tf_dataset",
    ),
    "finish_run (test, model.keras, curves)": ("harness/train/finish.py", "finish_run"),
    "TensorFlow executing compiled functions (C++)": (
        "~",
        "<built-in method tensorflow.python._pywrap_tfe.TFE_Py_Execute>",
    ),
    "TensorFlow eager ops (C++)": (
        "~",
        "<built-in method tensorflow.python._pywrap_tfe.TFE_Py_FastPathExecute>",
    ),
}
# Both harness callbacks are `on_epoch_end` in one file, which cProfile's keys cannot tell apart:
# these come from the harness's timing hook instead (wall seconds under the profiler too).
STAGE_COMPONENTS = {
    "CheckpointSaver.on_epoch_end": timing.CHECKPOINT_CALLBACK,
    "history row (HistoryWriter.on_epoch_end)": timing.HISTORY_ROW,
}


def run_profiles(quick: bool) -> dict:
    """Returns results["profiles"] (skipped with --quick: it explains, it does not measure)."""
    if quick:
        return {"skipped": "run without --quick"}
    return {
        "checkpoint_save": profile_saves(),
        "harness_epochs": profile_harness(),
        "plain_epochs": profile_plain(),
        "cnn_tuned_epochs": profile_tuned("cnn"),
    }


def profiled(function, *args, **kwargs) -> dict:
    """Runs `function` under cProfile and the harness's timing hook; returns its summary."""
    profile = cProfile.Profile()
    with timing.listen() as stage_seconds:
        profile.enable()
        try:
            function(*args, **kwargs)
        finally:
            profile.disable()
    return summarize_profile(profile, stage_seconds)


def summarize_profile(profile: cProfile.Profile, stage_seconds: dict) -> dict:
    """Total seconds, the named components found, and the top functions by cumulative time.

    Args:
        profile: the finished profile.
        stage_seconds: what `harness.runtime.timing.listen()` collected during it.
    """
    stats = pstats.Stats(profile)
    total = stats.total_tt
    rows = stats.stats  # {(file, line, function): (calls, primitive, tottime, cumtime, callers)}
    components = {}  # label -> (calls, cumulative seconds)
    for label, (suffix, function) in COMPONENTS.items():
        matches = [
            value for key, value in rows.items() if key[0].endswith(suffix) and key[2] == function
        ]
        if matches:
            components[label] = (sum(m[1] for m in matches), max(m[3] for m in matches))
    for label, stage in STAGE_COMPONENTS.items():
        if stage_seconds.get(stage):
            components[label] = (len(stage_seconds[stage]), sum(stage_seconds[stage]))
    top = sorted(rows.items(), key=lambda item: item[1][3], reverse=True)[:TOP]
    return {
        "total_seconds": round(total, 3),
        "components": {
            label: {
                "calls": calls,
                "seconds": round(seconds, 4),
                "share": round(seconds / total, 4),
            }
            for label, (calls, seconds) in components.items()
        },
        "top_cumulative": [
            {"function": _name(key), "calls": value[1], "seconds": round(value[3], 4)}
            for key, value in top
        ],
    }


def _name(key) -> str:
    path, line, function = key
    short = "/".join(path.split("/")[-3:]) if path != "~" else ""
    return f"{short}:{line}({function})" if short else function


def profile_saves(saves=20) -> dict:
    """20 checkpoint saves of the mlp through the harness's store."""
    from bench.checkpoint import StoreMethod, build_subject

    log("profiles: checkpoint saves")
    subject = build_subject("mlp", {})
    folder = WORK_DIR / "profile-saves"
    shutil.rmtree(folder, ignore_errors=True)
    method = StoreMethod(subject, folder, async_save=False)
    method.save(0)  # traces

    def later_saves():
        for step in range(1, saves + 1):
            method.save(step)

    try:
        summary = profiled(later_saves)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"saves": saves, **summary}


def profile_harness(epochs=4) -> dict:
    """A short harness run of the mlp, whole: tracing, epochs, checkpoints, finish."""
    log("profiles: harness run")
    return {"epochs": epochs, **profiled(harness_epochs, "mlp", epochs)}


def profile_tuned(name: str, epochs=6) -> dict:
    """The tuned path of a model whose tuned gain is small: is the time inside TensorFlow's
    compiled step (compute), or around it (Python, the loop, callbacks)?"""
    from bench.training import tuned_options

    log(f"profiles: tuned {name} run")
    config, data = recipe_config(name, epochs), default_data(name)
    options = tuned_options(name, data, config)
    return {"epochs": epochs, **profiled(harness_epochs, name, epochs, **options)}


def profile_plain(epochs=4) -> dict:
    """Plain Keras on NumPy arrays, after a first fit that traced: only steady epochs remain."""
    log("profiles: plain fit")
    config, data = recipe_config("mlp", epochs), default_data("mlp")
    model = plain_model("mlp", data, config)
    plain_epochs(model, data, config)
    return {"epochs": epochs, **profiled(plain_epochs, model, data, config)}
