"""Preparing a training run: every input checked and loaded, nothing written yet.

Everything that can be wrong with the user's input (model, data, recipe, run folder, devices)
is checked before the run folder is created, so bad input leaves nothing behind.
"""

import dataclasses
from pathlib import Path

from harness.config import LENGTH_FREE_SCHEDULES, TrainConfig, resolve_config
from harness.errors import UsageError
from harness.model.augment import run_augmentations
from harness.model.hparams import run_hparams
from harness.runs import check_run_dir, default_run_dir, read_run_json
from harness.train.args import flag_of
from harness.train.pipeline import execution_steps, steps_per_epoch

# Flags that may differ on --resume because they do not change the numbers (a strategy changes
# them only by float rounding: a checkpoint moves between one process and many).
RESUME_RUNTIME_FIELDS = (
    "device",
    "strategy",
    "async_save",
    "steps_per_execution",
    "save_every",
    "tensorboard",
    "run_dir",
)
# Of those, the ones a resume keeps from run.json unless typed again: the run's own policy.
RESUME_KEPT_UNLESS_TYPED = ("save_every", "tensorboard")


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


def prepare(config: TrainConfig, *, resume=False, overwrite=False, typed=None) -> PreparedRun:
    """Checks and loads everything a run needs, writing nothing and importing no TensorFlow.

    The cheap checks (model, recipe, run folder) come before the data set is loaded, so most
    bad input answers at once.

    Args:
        config: the configuration from the command line.
        resume: continue the run in `config.run_dir` as its run.json records it.
        overwrite: start afresh in a run folder that holds a run.
        typed: the `TrainConfig` fields the user typed (`harness.train.args.typed_fields`);
            None takes every field that differs from its default. On --resume each must agree
            with run.json, unless it is one of RESUME_RUNTIME_FIELDS or epochs.

    Raises:
        UsageError: anything about the input that cannot work.
    """
    from harness.data import check_dataset, load_dataset
    from zoo import get_model_spec

    if resume:
        config = resume_config(config, _typed_fields(config) if typed is None else typed)
    cluster = _check_strategy(config)
    spec = get_model_spec(config.model)
    config = dataclasses.replace(config, dataset=config.dataset or spec.default_dataset)
    recorded = read_run_json(config.run_dir)["model"]["hparams"] if resume else None
    hparams = run_hparams(spec.name, config.hparams, recorded=recorded)
    known_task = check_dataset(config.dataset, layout=spec.layout, model=spec.name)  # csv: None
    if known_task is not None:
        resolve_config(config, spec.recipe, task=known_task)
    run_dir = Path(config.run_dir or default_run_dir(spec.name, config.dataset, config.seed))
    if cluster is None or cluster.rank == 0 or resume:
        # A fresh run's folder is the chief's to check: it may have written run.json already.
        check_run_dir(run_dir, resume=resume, overwrite=overwrite)
    data = load_dataset(
        config.dataset,
        layout=spec.layout,
        seed=config.seed,
        target=config.target,
        normalization=_saved_normalization(config) if resume else None,
        options=config.data_options,
        test_data=config.test_data,
        val_fraction=config.val_fraction,
    )
    if config.folds:
        from harness.data.folds import select_fold

        data = select_fold(data, folds=config.folds, fold=config.fold, seed=config.seed)
    config = adapt_to_data(config, spec.recipe, len(data.x_train))
    config = resolve_config(config, spec.recipe, task=data.task)
    # Checked here, before anything is written; fit.py asks again for the value.
    execution_steps(
        config.steps_per_execution, steps_per_epoch(len(data.x_train), config.batch_size)
    )
    model_info = {
        "name": spec.name,
        "task": data.task,
        "layout": spec.layout,
        "input_shape": list(data.input_shape),
        "num_outputs": data.num_outputs,
        "hparams": hparams,
        "augmentations": run_augmentations(config, spec.layout, resume=resume),
    }
    config = dataclasses.replace(config, run_dir=str(run_dir))
    return PreparedRun(config, run_dir, data, model_info, resume, overwrite, cluster)


def adapt_to_data(config: TrainConfig, recipe, train_size: int) -> TrainConfig:
    """The recipe's choices that depend on the data, where the command left them open.

    A recipe with `batch_share` takes that share of the training examples as its batch (at
    least 1, at most its `batch_size`); a recipe with a `step_budget` trains for that many
    steps (at most its `epochs`, at least one epoch); a recipe with a `monitor` watches that
    metric. A typed flag, or the value run.json recorded on --resume, stays as it is.
    """
    changes = {}
    if config.batch_size is None and recipe.batch_share:
        changes["batch_size"] = max(1, min(recipe.batch_size, int(train_size * recipe.batch_share)))
    if config.epochs is None and recipe.step_budget:
        steps = steps_per_epoch(
            train_size, changes.get("batch_size", config.batch_size or recipe.batch_size)
        )
        changes["epochs"] = max(1, min(recipe.epochs, -(-recipe.step_budget // steps)))
    if config.monitor is None and recipe.monitor:
        changes["monitor"] = recipe.monitor
    return dataclasses.replace(config, **changes)


def _typed_fields(config: TrainConfig) -> set:
    defaults = TrainConfig(model="")
    return {
        field.name
        for field in dataclasses.fields(TrainConfig)
        if getattr(config, field.name) != getattr(defaults, field.name)
    }


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


def resume_config(given: TrainConfig, typed, saved: TrainConfig | None = None) -> TrainConfig:
    """The recorded configuration (run.json's, or `saved`), with the runtime fields and --epochs
    of this command.

    One rule for every other flag: typed with a value that differs from run.json, it is refused,
    because --resume continues the run as it was recorded (--overwrite starts afresh).
    """
    if not given.run_dir:
        raise UsageError("--resume needs --run-dir DIR: the run to continue")
    saved = saved or TrainConfig.from_dict(read_run_json(given.run_dir)["config"])
    for name in sorted(set(typed) - {*RESUME_RUNTIME_FIELDS, "epochs"}):
        if getattr(given, name) != getattr(saved, name):
            raise UsageError(
                f"{flag_of(name)} {_shown(getattr(given, name))}: the run in {given.run_dir} "
                f"was recorded with {_shown(getattr(saved, name))}, and --resume continues it "
                "as recorded (only --epochs, --device, --strategy, --async-save, --save-every, "
                "--tensorboard and --steps-per-execution may change); use --overwrite to start "
                "afresh"
            )
    changes = {name: getattr(given, name) for name in RESUME_RUNTIME_FIELDS}
    for name in set(RESUME_KEPT_UNLESS_TYPED) - set(typed):
        changes[name] = getattr(saved, name)  # the run's own policy unless a new one is typed
    if given.epochs is not None and given.epochs != saved.epochs:
        changes["epochs"] = given.epochs
        if saved.schedule not in LENGTH_FREE_SCHEDULES:
            print(
                f"note: --epochs {given.epochs} (was {saved.epochs}): the {saved.schedule} "
                f"schedule is recomputed over {given.epochs} epochs",
                flush=True,
            )
    return dataclasses.replace(saved, **changes)


def _shown(value) -> str:
    if isinstance(value, dict):
        return ",".join(f"{key}={item}" for key, item in value.items()) or "nothing"
    return "nothing" if value is None else str(value)


def _saved_normalization(config: TrainConfig):
    return read_run_json(config.run_dir)["data"].get("normalization")
