"""A trained run's model, rebuilt from run.json and restored from one of its checkpoints.

Evaluation, prediction and export all come through here, so the user never retypes a
hyperparameter: the architecture, recipe and data set come from the run folder.
"""

import dataclasses
from pathlib import Path

from harness.config import TrainConfig
from harness.errors import UsageError
from harness.runs import read_run_json


@dataclasses.dataclass
class RestoredRun:
    """A run's model with a checkpoint restored into it."""

    run_dir: Path
    run: dict  # run.json
    config: TrainConfig
    model: object  # keras.Model
    checkpoint: dict  # the manifest entry restored
    skipped: list  # damaged checkpoints passed over on the way, one line each


def restore_run_model(run_dir, which: str = "result", *, warn: bool = True) -> RestoredRun:
    """Rebuilds the run's model and restores checkpoint `which` into it.

    Args:
        run_dir: the run folder.
        which: "result", "best", "latest", "ckpt-N" or a checkpoint prefix path.
        warn: print a warning line for each damaged checkpoint passed over.

    Raises:
        UsageError: no run there, no such checkpoint, nothing intact, or a mismatch.
    """
    from harness.checkpoints import CheckpointStore
    from harness.model.factory import build_model, compile_model
    from harness.model.state import TrainingState

    run_dir = Path(run_dir)
    run = read_run_json(run_dir)
    config = TrainConfig.from_dict(run["config"])
    model = build_model(
        run["model"], augment=config.augment, dataset=config.dataset, seed=config.seed
    )
    # The full training state is rebuilt so the checkpoint matches it variable for variable;
    # the schedule's length does not matter here, so one step per epoch will do.
    optimizer = compile_model(model, config, task=run["model"]["task"], steps_per_epoch=1)
    state = TrainingState(model, optimizer)
    store = CheckpointStore(run_dir, state.checkpoint)
    entry = store.restore(which, warn=warn)
    if entry is None:
        raise UsageError(f"run {run_dir} has no checkpoint yet")
    return RestoredRun(run_dir, run, config, model, entry, list(store.skipped))
