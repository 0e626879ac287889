"""The end of a run: best weights back, test metrics, model.keras, summary.json and curves."""

from pathlib import Path

import pandas as pd

from harness.atomic import save_model_atomic, write_json_atomic
from harness.model.factory import inference_model
from harness.model.preprocessing import raw_input_model
from harness.runs import RUN_FILE_MEANINGS
from harness.runtime.distribute import single_process
from harness.train.pipeline import split_dataset


def finish_run(
    prepared, model, outcome, *, train_seconds: float, distribution=None, write_dir=None
) -> dict:
    """Writes model.keras, summary.json and training_curves.png; prints and returns the summary.

    Under a multi-worker strategy every worker evaluates (the test set is split between them) and
    saves model.keras into its `write_dir`; only the chief, whose `write_dir` is the run folder,
    writes the summary and curves.
    """
    config, data, run_dir = prepared.config, prepared.data, prepared.run_dir
    distribution = distribution or single_process()
    write_dir = write_dir or run_dir
    result = _best_weights_back(prepared, outcome, distribution)
    test = distribution.shard(split_dataset(data, "test", config))
    test_metrics = model.evaluate(test, verbose=0, return_dict=True)
    if data.task == "regression":
        test_metrics["mse"] = test_metrics["loss"]
    exported = raw_input_model(inference_model(model), data.normalization)
    save_model_atomic(exported, write_dir / "model.keras")
    summary = _summary(prepared, model, outcome, test_metrics, train_seconds, result)
    if distribution.is_chief:
        write_json_atomic(run_dir / "summary.json", summary)
        _plot_curves(run_dir, summary)
        print_summary(summary, run_dir)
    else:
        print(f"{distribution.describe()}: done; the chief wrote {run_dir}", flush=True)
    distribution.barrier()  # no worker leaves while another may still need it
    return summary


def _best_weights_back(prepared, outcome, distribution) -> dict:
    """With early stopping, restores the best checkpoint on every worker. Returns the entry of
    the checkpoint whose weights the model now holds: the run's result ("result" in
    `harness.checkpoints.manifest`)."""
    from harness.train.fit import run_store

    latest = outcome.store.latest() or {"name": None, "epoch": int(outcome.state.epoch.numpy())}
    result = {**latest, "weights": "final"}
    if outcome.early_stopping is None:
        return result
    distribution.barrier()  # the chief's last checkpoint is recorded before anyone reads it
    store = run_store(prepared, outcome.store, outcome.state, distribution)
    if store.best() is not None:
        result = {**store.restore("best"), "weights": "best"}
    return result


def _summary(prepared, model, outcome, test_metrics, train_seconds, result) -> dict:
    config = prepared.config
    history = _read_history(prepared.run_dir)
    best = outcome.store.best()
    return {
        "model": config.model,
        "dataset": config.dataset,
        "task": prepared.data.task,
        "params": int(model.count_params()),
        "epochs_planned": config.epochs,
        "epochs_run": int(history["epoch"].max()) if len(history) else 0,
        "stopped_early": bool(getattr(outcome.early_stopping, "stopped_epoch", 0)),
        "monitor": config.monitor,
        "best_epoch": best["epoch"] if best else None,
        "best_value": best["metrics"].get(config.monitor) if best else None,
        "best_checkpoint": best["name"] if best else None,
        "weights": f"{result['weights']} (epoch {result['epoch']})",
        "result_checkpoint": result["name"],
        "result_epoch": result["epoch"],
        "train_seconds_this_session": round(train_seconds, 2),
        "test": {key: float(value) for key, value in test_metrics.items()},
    }


def _read_history(run_dir: Path) -> pd.DataFrame:
    path = run_dir / "history.csv"
    return (
        pd.read_csv(path) if path.exists() and path.stat().st_size else pd.DataFrame({"epoch": []})
    )


def _plot_curves(run_dir: Path, summary: dict) -> None:
    from harness.reports.curves import plot_training_curves

    if (run_dir / "history.csv").exists():
        # The best epoch of the run's monitor and the result checkpoint are marked.
        selected = (summary["result_epoch"], f"result {summary['result_checkpoint']}")
        plot_training_curves(
            run_dir / "history.csv",
            run_dir / "training_curves.png",
            monitor=summary["monitor"],
            selected=selected,
        )


def print_summary(summary: dict, run_dir: Path) -> None:
    """The end of training: what the result is, what was written, and what to type next."""
    test = ", ".join(f"{key} {value:.4g}" for key, value in summary["test"].items())
    best = ""
    if summary["best_epoch"] is not None and summary["best_value"] is not None:
        best = (
            f"; best {summary['monitor']} {summary['best_value']:.4g} "
            f"at epoch {summary['best_epoch']}"
        )
    stopped = " (stopped early)" if summary["stopped_early"] else ""
    epochs = f"{summary['epochs_run']} epoch{'s' if summary['epochs_run'] != 1 else ''}"
    weights = summary["weights"].split(" ")[0]
    print(f"\n{summary['model']} on {summary['dataset']}: {epochs}{stopped}{best}")
    print(
        f"result: {summary['result_checkpoint']}, the {weights} weights of epoch "
        f"{summary['result_epoch']}; on the test split: {test}"
    )
    print(f"run folder: {run_dir}")
    for name, meaning in RUN_FILE_MEANINGS.items():
        if (run_dir / name).exists():
            print(f"  {name:<20} {meaning}")
    print(f"  {'ckpt/':<20} the checkpoints: python -m harness.checkpoints list {run_dir}")
    print(f"evaluate it: python evaluate.py --run-dir {run_dir}")
    print(f"train it on: python train.py --run-dir {run_dir} --resume --epochs N")
