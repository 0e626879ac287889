"""bench/scaling.png: the three scaling curves of section 7, log-log."""

from pathlib import Path


def plot_scaling(scaling: dict, path: Path) -> bool:
    """Draws what section 7 measured; returns False if there was nothing to draw."""
    panels = [
        (key, scaling[key])
        for key in ("batch_size", "data_size", "checkpoint_params")
        if isinstance(scaling.get(key), dict) and "x" in scaling[key]
    ]
    if not panels:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for axis, (key, series) in zip(axes[0], panels):
        _draw(axis, key, series)
    figure.tight_layout()
    temporary = path.with_name(f".{path.name}.tmp.png")
    figure.savefig(temporary, dpi=110)
    plt.close(figure)
    temporary.replace(path)
    return True


def _draw(axis, key: str, series: dict) -> None:
    x = series["x"]
    if key == "batch_size":
        axis.plot(x, series["samples_per_s"], "o-", label="mlp training samples/s")
        axis.set(xlabel="batch size", ylabel="samples/s", title="Throughput against batch size")
    elif key == "data_size":
        axis.plot(x, series["epoch_seconds"], "o-", label="rnn epoch (steady)")
        axis.plot(
            x, series["run_seconds"], "s-", label="rnn run of 2 epochs (incl. tracing, finish)"
        )
        axis.plot(
            x,
            [series["epoch_seconds"][0] * factor for factor in x],
            ":",
            color="grey",
            label="linear",
        )
        axis.set(
            xlabel="waveforms training size (x 4000)",
            ylabel="seconds",
            title="Training time against data size",
        )
    else:
        axis.plot(x, series["store_seconds"], "o-", label="CheckpointStore.save")
        axis.plot(x, series["raw_tf_seconds"], "s-", label="tf.train.Checkpoint.write")
        axis.set(
            xlabel="parameters (Adam slots saved too)",
            ylabel="seconds per save",
            title="Checkpoint save against parameters",
        )
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xticks(
        x, [f"{value:,}" for value in x], rotation=45 if key == "checkpoint_params" else 0
    )
    axis.minorticks_off()
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=8)
