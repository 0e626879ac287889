"""What bench/run.py shows of its results: the printed table of every section with the verdict
on each target, the scaling plot (bench/scaling.png), and the markdown tables of sections 1 and
3 for BENCHMARKS.md: `python bench/report.py [results.json]`."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# Section 7's plot, a panel per series: series -> (title, x label, y label).
PANELS = {
    "batch_size": ("Throughput against batch size", "batch size", "samples/s"),
    "data_size": ("Training time against data size", "waveforms training size (x 4000)", "seconds"),
    "checkpoint_params": (
        "Checkpoint save against parameters",
        "parameters (Adam slots saved too)",
        "seconds per save",
    ),
}
CURVES = (  # (series, y key, style, legend)
    ("batch_size", "samples_per_s", "o-", "mlp training samples/s"),
    ("data_size", "epoch_seconds", "o-", "rnn epoch (steady)"),
    ("data_size", "run_seconds", "s-", "rnn run of 2 epochs (incl. tracing, finish)"),
    ("checkpoint_params", "store_seconds", "o-", "CheckpointStore.save"),
    ("checkpoint_params", "raw_tf_seconds", "s-", "tf.train.Checkpoint.write"),
)


def _range(figure: dict | None, pattern="{:.2f}", brackets="[]") -> str:
    """A `summarize` figure as "median [min-max]" (or other brackets), "-" if it has none."""
    if not figure or figure.get("median") is None:
        return "-"
    low, high = pattern.format(figure["min"]), pattern.format(figure["max"])
    return f"{pattern.format(figure['median'])} {brackets[0]}{low}-{high}{brackets[1]}"


def _fmt(value, pattern="{:.3g}") -> str:
    return "-" if value is None else pattern.format(value)


def training_lines(training: dict) -> list[str]:
    lines = [
        f"{'model':<10}{'plain':>9}{'harness':>9}{'tuned':>9}  "
        f"{'harness/plain':<20}{'tuned/plain':<20}{'ckpt+history share':>18}"
    ]
    for name, block in training.items():
        if not isinstance(block, dict):
            continue
        if "error" in block:
            lines.append(f"{name:<10} error: {block['error']}")
            continue
        spread = block.get("spread", {})
        ratios = [_range(spread.get(key)) for key in ("harness_vs_plain_fit", "tuned_vs_plain_fit")]
        lines.append(
            f"{name:<10}{block['plain_samples_per_s']:>9.0f}{block['harness_samples_per_s']:>9.0f}"
            f"{block['tuned_samples_per_s']:>9.0f}  {ratios[0]:<20}{ratios[1]:<20}"
            f"{block['bookkeeping']['share_of_epoch']['median']:>18.3f}"
        )
    return lines


def checkpoint_lines(checkpoint: dict) -> list[str]:
    lines = [
        f"{'model':<10}{'params':>10}{'MB':>7}  save ms p50/p95: {'store':<11}{'async blk':<11}"
        f"{'raw_tf':<11}{'keras_h5':<11} restore ms p50: {'store':>6}{'raw_tf':>7}{'h5':>6}"
    ]
    for name, block in checkpoint.get("models", {}).items():
        save, restore = block["save"], block["restore"]

        def pair(label, prefix="", save=save):
            p50, p95 = save[label][prefix + "p50_s"], save[label][prefix + "p95_s"]
            return f"{p50 * 1e3:.0f}/{p95 * 1e3:.0f}"

        lines.append(
            f"{name:<10}{block['params']:>10,}{save['store']['bytes'] / 1e6:>7.2f}  {'':17}"
            f"{pair('store'):<11}{pair('store_async', 'blocking_'):<11}{pair('raw_tf'):<11}"
            f"{pair('keras_h5'):<11}{'':16}{restore['store']['p50_s'] * 1e3:>6.0f}"
            f"{restore['raw_tf']['p50_s'] * 1e3:>7.0f}{restore['keras_h5']['p50_s'] * 1e3:>6.0f}"
        )
    runs = [
        (f"default {name} run", run) for name, run in checkpoint.get("default_runs", {}).items()
    ]
    runs += [
        (f"{name} run, --save-every epoch", run)
        for name, run in checkpoint.get("save_every_epoch", {}).items()
    ]
    for title, run in runs:
        lines.append(
            f"{title}: {run['epochs']} epochs, {run.get('saves', '?')} saves, "
            f"{run['wall_seconds']:.1f} s, "
            f"checkpoint+history {run['bookkeeping_seconds']:.2f} s = share "
            f"{run['share_of_training_time']:.3f} "
            f"(checkpoint alone {run['checkpoint_only_share']:.3f})"
        )
        for label, stage in run.get("stages", {}).items():
            label = "  " * stage["depth"] + label
            lines.append(
                f"  {label:<52} first {stage['first_s'] * 1e3:7.1f} ms, then p50 "
                f"{stage['later_p50_ms']:5.2f} ms; share {stage['share_of_run']:.4f}"
            )
    return lines


def interrupt_lines(interrupts: dict) -> list[str]:
    """SIGTERM-to-exit and the training a SIGKILL loses (bench/interrupts.py)."""
    if "sigterm_to_exit_s" not in interrupts:
        return []
    term, lost = interrupts["sigterm_to_exit_s"], interrupts["sigkill_lost_training_s"]
    codes = sorted({sample["exit_code"] for sample in interrupts["sigterm_samples"]})
    return [
        f"SIGTERM to exit: p50 {term['p50']:.2f} s, max {term['max']:.2f} s over "
        f"{len(interrupts['sigterm_samples'])} signals (exit codes {codes})",
        f"SIGKILL, training lost: p50 {lost['p50']:.1f} s, max {lost['max']:.1f} s over "
        f"{len(interrupts['sigkill_samples'])} kills",
    ]


def quality_lines(quality: dict) -> list[str]:
    lines = ["", "== 2. Time to accuracy (from bench/quality.py) =="]
    for name, row in quality.get("models", {}).items():
        lines.append(
            f"{name:<10} {row['metric']} median {_fmt(row['median'], '{:.4g}')} (bar {row['bar']}, "
            f"{'met' if row['meets_bar'] else 'NOT met'}), "
            f"median wall {_fmt(row['median_wall_seconds'], '{:.0f}')} s"
        )
    if not quality.get("models"):
        lines.append(quality.get("note", quality.get("error", "-")))
    return lines


def ucr_lines(ucr: dict) -> list[str]:
    """The UCR yardstick: median test accuracy [range] and median wall per model and set."""
    from bench.ucr import table_lines

    lines = ["", "== UCR yardstick (from bench/ucr.py; published: Fawaz et al. 2019) =="]
    if ucr.get("status") != "from bench/ucr.json":
        return lines + [ucr.get("note", ucr.get("error", "-"))]
    return lines + table_lines(ucr)


def later_lines(results: dict) -> list[str]:
    """Sections 4-7, a few lines each."""
    evaluation = results.get("evaluation", {})
    lines = ["", "== 4. Evaluation =="]
    for name, row in evaluation.get("single", {}).items():
        lines.append(
            f"{name:<10} {row['eval_samples_per_s']['median']:,.0f} samples/s predicting; "
            f"an evaluation takes {row['total_seconds']['median']:.2f} s, "
            f"{row['report_share']['median']:.0%} of it writing reports"
        )
    for key in ("batch", "batch_cli"):
        if key in evaluation:
            row = evaluation[key]
            share = (
                f", {row['report_share']:.0%} of it writing reports"
                if "report_share" in row
                else ""
            )
            lines.append(
                f"{key}: {row['runs']} runs in {row['total_seconds']:.1f} s, "
                f"{row['seconds_per_run']:.2f} s per run{share}"
            )
    startup = results.get("startup", {})
    lines += ["", "== 5. Start-up (s, median [min-max]) =="]
    lines += [f"{key:<26}{_range(figure)}" for key, figure in startup.get("spread", {}).items()]
    lines += ["", "== 6. Peak RSS of training runs (MB) =="]
    lines += [
        f"{name:<26}{row.get('peak_rss_mb', row.get('error'))} (epochs {row.get('epochs')})"
        for name, row in results.get("memory", {}).items()
        if isinstance(row, dict)
    ]
    lines += ["", "== 7. Scaling (log-log exponent; 1 = linear) =="]
    for name, series in results.get("scaling", {}).items():
        if isinstance(series, dict):
            exponents = ", ".join(
                f"{key} {value:.2f}" for key, value in series.items() if key.endswith("exponent")
            )
            lines.append(f"{name:<18} x={series.get('x')}  {exponents}")
    return lines


def print_table(results: dict) -> None:
    """Prints every section and the targets."""
    lines = [
        "== 1. Training throughput (samples/s; ratios: median [min-max] of per-round ratios) =="
    ]
    lines += training_lines(results.get("training", {}))
    lines += quality_lines(results.get("time_to_accuracy", {}))
    lines += ["", "== 3. Checkpoints =="] + checkpoint_lines(results.get("checkpoint", {}))
    lines += interrupt_lines(results.get("interrupts", {}))
    lines += later_lines(results)
    lines += ucr_lines(results.get("ucr", {}))
    lines += ["", "== Targets =="]
    for verdict in results.get("targets", []):
        state = {True: "met", False: "NOT met", None: "not measured"}[verdict["met"]]
        lines.append(f"{verdict['target']:<46} {_fmt(verdict['value'])}: {state}")
    machine = results.get("machine", {})
    lines.append(
        f"\n{machine.get('cpu')}, {machine.get('cores')} cores, TF {machine.get('tensorflow')}, "
        f"Keras {machine.get('keras')}; load average {machine.get('load_average')} -> "
        f"{results.get('load_average_end')}; {results.get('total_seconds', 0):.0f} s"
    )
    print("\n".join(lines))


def plot_scaling(scaling: dict, path: Path) -> bool:
    """Draws what section 7 measured, log-log; returns False if there was nothing to draw."""
    panels = [
        (key, scaling[key])
        for key in PANELS
        if isinstance(scaling.get(key), dict) and "x" in scaling[key]
    ]
    if not panels:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for axis, (key, series) in zip(axes[0], panels):
        title, xlabel, ylabel = PANELS[key]
        x = series["x"]
        for y_key, style, legend in [curve[1:] for curve in CURVES if curve[0] == key]:
            axis.plot(x, series[y_key], style, label=legend)
        if key == "data_size":
            linear = [series["epoch_seconds"][0] * factor for factor in x]
            axis.plot(x, linear, ":", color="grey", label="linear")
        axis.set(xlabel=xlabel, ylabel=ylabel, title=title, xscale="log", yscale="log")
        axis.set_xticks(
            x, [f"{value:,}" for value in x], rotation=45 if key == "checkpoint_params" else 0
        )
        axis.minorticks_off()
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    temporary = path.with_name(f".{path.name}.tmp.png")
    figure.savefig(temporary, dpi=110)
    plt.close(figure)
    temporary.replace(path)
    return True


def training_table(training: dict) -> list[str]:
    """Section 1 as a markdown table."""
    rows = [
        "| model | examples, batch | plain samples/s | harness samples/s | tuned samples/s | "
        "harness / plain | tuned / plain | tuned / harness | ckpt+history share of an epoch | "
        "rounds x timed epochs |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, block in training.items():
        if not isinstance(block, dict) or "spread" not in block:
            continue
        spread = block["spread"]
        rows.append(
            f"| {name} | {block['train_examples']}, {block['batch_size']} | "
            f"{_range(spread['plain_samples_per_s'], '{:.0f}', '()')} | "
            f"{_range(spread['harness_samples_per_s'], '{:.0f}', '()')} | "
            f"{_range(spread['tuned_samples_per_s'], '{:.0f}', '()')} | "
            f"{_range(spread['harness_vs_plain_fit'], brackets='()')} | "
            f"{_range(spread['tuned_vs_plain_fit'], brackets='()')} | "
            f"{_range(spread['tuned_vs_harness_fit'], brackets='()')} | "
            f"{_range(block['bookkeeping']['share_of_epoch'], '{:.3f}', '()')} | "
            f"{block['rounds']} x {block['timed_epochs_per_run']} |"
        )
    return rows


def checkpoint_table(models: dict) -> list[str]:
    """Section 3's save and restore figures as a markdown table."""
    rows = [
        "| model | params | MB | store save p50 / p95 ms | store MB/s | "
        "async blocking p50 / durable p50 ms | raw tf write p50 / p95 ms | "
        "keras .weights.h5 p50 ms (MB) | restore store / raw / h5 p50 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, block in models.items():
        save, restore = block["save"], block["restore"]

        def ms(value):
            return f"{value * 1e3:.0f}"

        rows.append(
            f"| {name} | {block['params']:,} | {save['store']['bytes'] / 1e6:.2f} | "
            f"{ms(save['store']['p50_s'])} / {ms(save['store']['p95_s'])} | "
            f"{save['store']['mb_per_s']:.0f} | "
            f"{ms(save['store_async']['blocking_p50_s'])} / {ms(save['store_async']['p50_s'])} | "
            f"{ms(save['raw_tf']['p50_s'])} / {ms(save['raw_tf']['p95_s'])} | "
            f"{ms(save['keras_h5']['p50_s'])} ({save['keras_h5']['bytes'] / 1e6:.1f}) | "
            f"{ms(restore['store']['p50_s'])} / {ms(restore['raw_tf']['p50_s'])} / "
            f"{ms(restore['keras_h5']['p50_s'])} |"
        )
    return rows


def main(argv=None) -> int:
    """Prints the markdown tables of sections 1 and 3 of a results file."""
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else Path(__file__).with_name("results.json")
    results = json.loads(path.read_text())
    print("\n".join(training_table(results.get("training", {}))))
    print()
    print("\n".join(checkpoint_table(results.get("checkpoint", {}).get("models", {}))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
