"""One prepared training run, from its checked inputs to a complete run folder.

Only the chief of a multi-worker run locks and writes the run folder (run.json here, the rest in
fit and finish); every other worker writes into a temporary folder of its own.
"""

import contextlib
import sys
import time

from harness.atomic import write_json_atomic
from harness.runs import clear_run, read_run_json, write_run_json
from harness.train.prepare import PreparedRun


def run(prepared: PreparedRun, *, command=None) -> dict:
    """Trains a prepared run and returns its summary (also written to summary.json).

    Under --strategy multiworker every worker calls this. Only the chief locks and writes the
    run folder; the others write into temporary folders of their own
    (harness/runtime/distribute.py).
    """
    import keras

    from harness.model.augment import describe as describe_augmentations
    from harness.model.factory import build_model
    from harness.runtime.cluster import collective_timeout
    from harness.runtime.devices import configure_devices
    from harness.runtime.distribute import choose_strategy, start_distribution
    from harness.runtime.interrupts import stop_on_signals
    from harness.train.finish import finish_run
    from harness.train.fit import fit_run

    config = prepared.config
    # Keras names layers from a per-process counter, and TensorFlow's graph optimizer orders
    # the terms of a sum of gradients (a layer whose output feeds several branches) by the
    # names: a second run in one process (cross-validation's folds, a test) would add them in
    # another order and differ in the last bits from the same run in a fresh process, as a
    # resumed run is. Starting from a clear session names every run's layers alike.
    keras.backend.clear_session()
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
        print(f"augmentation: {describe_augmentations(prepared.model_info, config)}", flush=True)
        with _run_folder(prepared, distribution, model, command) as write_dir:
            started = time.perf_counter()
            # Signals are answered by a save at the next step boundary while training; before
            # and after, Ctrl-C and SIGTERM stop at once (every file is written atomically).
            with stop_on_signals() as stop:
                outcome = fit_run(
                    prepared, model, distribution=distribution, write_dir=write_dir, stop=stop
                )
                if stop.requested:  # between the last save and the end of the fit
                    _interrupted_after_training(prepared, outcome, stop)
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


def _interrupted_after_training(prepared: PreparedRun, outcome, stop) -> None:
    from harness.runtime.interrupts import Interrupted

    latest = outcome.store.latest()
    raise Interrupted(
        stop.signal_number,
        f"interrupted after the last epoch; saved {latest['name'] if latest else 'nothing'}; "
        f"resume: python train.py --run-dir {prepared.run_dir} --resume",
    )


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
