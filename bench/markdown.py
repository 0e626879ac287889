"""Markdown tables of a results file, for BENCHMARKS.md:
`python bench/markdown.py [results.json]`."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _range(figure: dict, pattern="{:.2f}") -> str:
    if not figure or figure.get("median") is None:
        return "-"
    low, high = pattern.format(figure["min"]), pattern.format(figure["max"])
    return f"{pattern.format(figure['median'])} ({low}-{high})"


def training_table(training: dict) -> list[str]:
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
            f"{_range(spread['plain_samples_per_s'], '{:.0f}')} | "
            f"{_range(spread['harness_samples_per_s'], '{:.0f}')} | "
            f"{_range(spread['tuned_samples_per_s'], '{:.0f}')} | "
            f"{_range(spread['harness_vs_plain_fit'])} | "
            f"{_range(spread['tuned_vs_plain_fit'])} | {_range(spread['tuned_vs_harness_fit'])} | "
            f"{_range(block['bookkeeping']['share_of_epoch'], '{:.3f}')} | "
            f"{block['rounds']} x {block['timed_epochs_per_run']} |"
        )
    return rows


def checkpoint_table(models: dict) -> list[str]:
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
    """Prints the tables of sections 1 and 3."""
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else Path(__file__).with_name("results.json")
    results = json.loads(path.read_text())
    print("\n".join(training_table(results.get("training", {}))))
    print()
    print("\n".join(checkpoint_table(results.get("checkpoint", {}).get("models", {}))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
