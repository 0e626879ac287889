"""Preparing a training run: every input checked and loaded, nothing written yet.

Everything that can be wrong with the user's input (model, data, recipe, run folder, devices)
is checked before the run folder is created, so bad input leaves nothing behind.
"""

import dataclasses
from pathlib import Path

from harness.config import LENGTH_FREE_SCHEDULES, TrainConfig, resolve_config
from harness.errors import UsageError
from harness.model.hparams import coerce_hparams
from harness.runs import check_run_dir, default_run_dir, read_run_json
from harness.train.pipeline import execution_steps, steps_per_epoch

# Flags that may differ on --resume because they do not change the numbers (a strategy changes
# them only by float rounding: a checkpoint moves between one process and many).
RESUME_RUNTIME_FIELDS = ("device", "strategy", "async_save", "steps_per_execution", "run_dir")


@dataclasses.dataclass
class PreparedRun:
    """A run whose inputs are all checked and loaded, ready to train."""

    config: TrainConfig
    run_dir: Path
    data: object  # harness.data.DataSplits
    model_info: dict
    resume: bool
    overwrite: bool
    cluster: object = None  # harness.runtime.cluster.Cluster under --strategy multiworker


def prepare(config: TrainConfig, *, resume=False, overwrite=False) -> PreparedRun:
    """Checks and loads everything a run needs, writing nothing."""
    from harness.data import load_dataset
    from zoo import builder_hparams, get_model_spec

    if resume:
        config = _resume_config(config)
    cluster = _check_strategy(config)
    spec = get_model_spec(config.model)
    dataset = config.dataset or spec.default_dataset
    config = dataclasses.replace(config, dataset=dataset)
    hparams = {
        **builder_hparams(spec.name),
        **coerce_hparams(config.hparams, builder_hparams(spec.name), spec.name),
    }
    normalization = _saved_normalization(config) if resume else None
    data = load_dataset(
        dataset,
        layout=spec.layout,
        seed=config.seed,
        target=config.target,
        normalization=normalization,
        options=config.data_options,
    )
    config = resolve_config(config, spec.recipe, task=data.task)
    # Checked here, before anything is written; fitting.py asks again for the value.
    execution_steps(
        config.steps_per_execution, steps_per_epoch(len(data.x_train), config.batch_size)
    )
    run_dir = (
        Path(config.run_dir) if config.run_dir else default_run_dir(spec.name, dataset, config.seed)
    )
    if cluster is None or cluster.rank == 0 or resume:
        # A fresh run's folder is the chief's to check: it may have written run.json already.
        check_run_dir(run_dir, resume=resume, overwrite=overwrite)
    model_info = {
        "name": spec.name,
        "task": data.task,
        "layout": spec.layout,
        "input_shape": list(data.input_shape),
        "num_outputs": data.num_outputs,
        "hparams": hparams,
    }
    config = dataclasses.replace(config, run_dir=str(run_dir))
    return PreparedRun(config, run_dir, data, model_info, resume, overwrite, cluster)


def _check_strategy(config: TrainConfig):
    """Checks TF_CONFIG and the timeout for multiworker; returns the cluster or None."""
    import os

    from harness.runtime.cluster import collective_timeout, read_tf_config

    if config.strategy != "multiworker":
        if os.environ.get("TF_CONFIG") and config.strategy in ("auto", "none"):
            print(
                f"note: TF_CONFIG is set, but --strategy {config.strategy} trains in this process "
                "alone; use --strategy multiworker to join its cluster",
                flush=True,
            )
        return None
    cluster = read_tf_config()
    collective_timeout()
    if not config.run_dir:
        raise UsageError(
            "--strategy multiworker needs --run-dir: every worker must name the same run folder"
        )
    return cluster


def _resume_config(given: TrainConfig) -> TrainConfig:
    if not given.run_dir:
        raise UsageError("--resume needs --run-dir DIR: the run to continue")
    run = read_run_json(given.run_dir)
    saved = TrainConfig.from_dict(run["config"])
    if given.model and given.model != saved.model:
        raise UsageError(
            f"--model {given.model}: the run in {given.run_dir} trains {saved.model!r}"
        )
    changes = {name: getattr(given, name) for name in RESUME_RUNTIME_FIELDS}
    if given.epochs is not None and given.epochs != saved.epochs:
        changes["epochs"] = given.epochs
        if saved.schedule not in LENGTH_FREE_SCHEDULES:
            print(
                f"note: --epochs {given.epochs} (was {saved.epochs}): the {saved.schedule} "
                f"schedule is recomputed over {given.epochs} epochs",
                flush=True,
            )
    return dataclasses.replace(saved, **changes)


def _saved_normalization(config: TrainConfig):
    return read_run_json(config.run_dir)["data"].get("normalization")
