"""One training run, from a configuration to a complete run folder.

Everything that can be wrong with the user's input (model, data, recipe, run folder, devices)
is checked before the run folder is created, so bad input leaves nothing behind.
"""

import contextlib
import dataclasses
import sys
import time
from pathlib import Path

from harness.atomic import write_json_atomic
from harness.config import TrainConfig, resolve_config
from harness.errors import UsageError
from harness.hparams import coerce_hparams
from harness.pipeline import execution_steps, steps_per_epoch
from harness.runs import check_run_dir, clear_run, default_run_dir, read_run_json, write_run_json

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
    cluster: object = None  # harness.tf_config.Cluster under --strategy multiworker


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

    from harness.tf_config import collective_timeout, read_tf_config

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
        if saved.schedule not in ("constant", "plateau"):
            print(
                f"note: --epochs {given.epochs} (was {saved.epochs}): the {saved.schedule} "
                f"schedule is recomputed over {given.epochs} epochs",
                flush=True,
            )
    return dataclasses.replace(saved, **changes)


def _saved_normalization(config: TrainConfig):
    return read_run_json(config.run_dir)["data"].get("normalization")


def run(prepared: PreparedRun, *, command=None) -> dict:
    """Trains a prepared run and returns its summary (also written to summary.json).

    Under --strategy multiworker every worker calls this. Only the chief locks and writes the
    run folder; the others write into temporary folders of their own (harness/distribute.py).
    """
    import keras

    from harness.devices import configure_devices
    from harness.distribute import choose_strategy, start_distribution
    from harness.finish import finish_run
    from harness.fitting import fit_run
    from harness.model_factory import build_model
    from harness.tf_config import collective_timeout

    config = prepared.config
    plan = configure_devices(config.device, mixed_precision=config.mixed_precision, xla=config.xla)
    # Before anything else touches TensorFlow: a multi-worker strategy must set up the runtime.
    distribution = start_distribution(
        choose_strategy(config.strategy, plan), plan, prepared.cluster, timeout=collective_timeout()
    )
    print(f"{plan.describe(cpu_count=_cpu_count())}; {distribution.describe()}", flush=True)
    keras.utils.set_random_seed(config.seed)
    with distribution.lost_workers_reported():
        with distribution.scope():
            model = build_model(
                prepared.model_info,
                augment=config.augment,
                dataset=config.dataset,
                seed=config.seed,
            )
        with _run_folder(prepared, distribution, model, command) as write_dir:
            started = time.perf_counter()
            outcome = fit_run(prepared, model, distribution=distribution, write_dir=write_dir)
            return finish_run(
                prepared,
                model,
                outcome,
                distribution=distribution,
                write_dir=write_dir,
                train_seconds=time.perf_counter() - started,
            )


@contextlib.contextmanager
def _run_folder(prepared: PreparedRun, distribution, model, command):
    """Yields where this process writes: on the chief, the run folder, locked, with its run.json."""
    from harness.checkpoints import RunLock

    with distribution.write_dir(prepared.run_dir) as write_dir:
        if not distribution.is_chief:
            yield write_dir
            return
        prepared.run_dir.mkdir(parents=True, exist_ok=True)
        with RunLock(prepared.run_dir):
            if prepared.overwrite:
                clear_run(prepared.run_dir)
            if prepared.resume:
                _record_epochs(prepared)
            else:
                _write_run_json(prepared, model, command)
            yield write_dir


def _write_run_json(prepared: PreparedRun, model, command) -> None:
    data = prepared.data
    model_info = dict(prepared.model_info, params=int(model.count_params()))
    write_run_json(
        prepared.run_dir,
        config=prepared.config.to_dict(),
        model=model_info,
        data={
            "spec": data.name,
            "task": data.task,
            "layout": data.layout,
            "class_names": data.class_names,
            "normalization": data.normalization,
            "info": data.info,
            "seed": prepared.config.seed,
            "target": prepared.config.target,
            "options": prepared.config.data_options,
        },
        command=command or sys.argv,
    )


def _record_epochs(prepared: PreparedRun) -> None:
    """Keeps run.json's planned epochs in step with a resume that extends the run."""
    run = read_run_json(prepared.run_dir)
    if run["config"]["epochs"] != prepared.config.epochs:
        run["config"]["epochs"] = prepared.config.epochs
        write_json_atomic(prepared.run_dir / "run.json", run)


def _cpu_count():
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
