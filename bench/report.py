"""The printed table of bench/run.py and the verdict on each target of the issue."""

# (name, where in results, comparison, threshold)
TARGETS = (
    ("harness_vs_plain_fit >= 0.97, every model", "training.*.harness_vs_plain_fit", ">=", 0.97),
    ("tuned_vs_plain_fit >= 1.3, mlp", "training.mlp.tuned_vs_plain_fit", ">=", 1.3),
    ("tuned_vs_plain_fit >= 1.3, cnn", "training.cnn.tuned_vs_plain_fit", ">=", 1.3),
    ("checkpoint share_of_training_time <= 0.02", "checkpoint.share_of_training_time", "<=", 0.02),
    ("startup help_seconds <= 1.0", "startup.help_seconds", "<=", 1.0),
)


def judge_targets(results: dict) -> list[dict]:
    """Each target with its measured value (the worst model for "every model") and met or not."""
    verdicts = []
    for name, path, comparison, threshold in TARGETS:
        values = _lookup(results, path.split("."))
        if not values:
            verdicts.append({"target": name, "value": None, "met": None})
            continue
        worst = min(values) if comparison == ">=" else max(values)
        met = worst >= threshold if comparison == ">=" else worst <= threshold
        verdicts.append({"target": name, "value": worst, "met": met})
    return verdicts


def _lookup(node, keys) -> list:
    if not keys:
        return [node] if isinstance(node, (int, float)) else []
    if not isinstance(node, dict):
        return []
    if keys[0] == "*":
        return [value for child in node.values() for value in _lookup(child, keys[1:])]
    return _lookup(node.get(keys[0]), keys[1:])


def _spread(block: dict, key: str) -> str:
    figure = block.get("spread", {}).get(key) or {}
    if figure.get("median") is None:
        return "-"
    return f"{figure['median']:.2f} [{figure['min']:.2f}-{figure['max']:.2f}]"


def _fmt(value, pattern="{:.3g}") -> str:
    return "-" if value is None else pattern.format(value)


def training_lines(training: dict) -> list[str]:
    lines = [
        f"{'model':<10}{'plain':>9}{'harness':>9}{'tuned':>9}  "
        f"{'harness/plain':<20}{'tuned/plain':<20}"
        f"{'ckpt+history share':>18}"
    ]
    for name, block in training.items():
        if not isinstance(block, dict):
            continue
        if "error" in block:
            lines.append(f"{name:<10} error: {block['error']}")
            continue
        share = block["bookkeeping"]["share_of_epoch"]["median"]
        lines.append(
            f"{name:<10}{block['plain_samples_per_s']:>9.0f}{block['harness_samples_per_s']:>9.0f}"
            f"{block['tuned_samples_per_s']:>9.0f}  {_spread(block, 'harness_vs_plain_fit'):<20}"
            f"{_spread(block, 'tuned_vs_plain_fit'):<20}{share:>18.3f}"
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
    for name, run in checkpoint.get("default_runs", {}).items():
        lines.append(
            f"default {name} run: {run['epochs']} epochs, {run['wall_seconds']:.1f} s, "
            "checkpoint+history "
            f"{run['bookkeeping_seconds']:.2f} s = share {run['share_of_training_time']:.3f} "
            f"(checkpoint alone {run['checkpoint_only_share']:.3f})"
        )
        for label, stage in run.get("stages", {}).items():
            label = "  " * stage["depth"] + label
            lines.append(
                f"  {label:<52} first {stage['first_s'] * 1e3:7.1f} ms, then p50 "
                f"{stage['later_p50_ms']:5.2f} ms; share {stage['share_of_run']:.4f}"
            )
    return lines


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
    lines += [f"{key:<26}{_spread(startup, key)}" for key in startup.get("spread", {})]
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
    lines += later_lines(results)
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
