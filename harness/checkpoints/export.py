"""Exporting a run's checkpoint as a `.keras` file and, optionally, a TensorFlow SavedModel."""

import os
import shutil
from pathlib import Path

from harness.atomic import save_model_atomic
from harness.errors import UsageError


def export_checkpoint(run_dir, which="result", *, keras_path=None, saved_model_dir=None) -> dict:
    """Restores checkpoint `which` of a run and writes it for use outside the harness.

    Args:
        run_dir: the run folder.
        which: "result", "best", "latest", "ckpt-N" or a checkpoint prefix path.
        keras_path: where the .keras file goes (default <run>/export/<ckpt-name>.keras).
        saved_model_dir: if given, also `model.export(...)` a SavedModel there for serving.

    Returns:
        {"checkpoint": name, "epoch": ..., "keras": path, "saved_model": path or None}.

    Raises:
        UsageError: a bad path, an existing SavedModel folder, or any restore problem.
    """
    run_dir = Path(run_dir)
    keras_path = Path(keras_path) if keras_path else None
    if keras_path is not None and keras_path.suffix != ".keras":
        raise UsageError(f"--out {keras_path}: Keras model files end in .keras")
    if saved_model_dir is not None and Path(saved_model_dir).exists():
        raise UsageError(f"--saved-model {saved_model_dir} exists already; name a new folder")
    from harness.runtime.tf_import import import_tensorflow

    import_tensorflow()  # first, so that the imports below find it loaded and quiet
    from harness.checkpoints.restore import restore_run_model
    from harness.model.factory import inference_model
    from harness.model.preprocessing import raw_input_model

    restored = restore_run_model(run_dir, which)
    name = restored.checkpoint["name"]
    keras_path = keras_path or run_dir / "export" / f"{name}.keras"
    keras_path.parent.mkdir(parents=True, exist_ok=True)
    model = raw_input_model(inference_model(restored.model), restored.run["data"]["normalization"])
    save_model_atomic(model, keras_path)
    if saved_model_dir is not None:
        _export_saved_model(model, Path(saved_model_dir))
    return {
        "checkpoint": name,
        "epoch": restored.checkpoint["epoch"],
        "keras": str(keras_path),
        "saved_model": str(saved_model_dir) if saved_model_dir else None,
    }


def _export_saved_model(model, target: Path) -> None:
    # Written beside the target, then renamed: a crash never leaves a half SavedModel there.
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        model.export(str(temporary), format="tf_saved_model", verbose=False)
        os.replace(temporary, target)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary)
