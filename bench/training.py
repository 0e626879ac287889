"""Section 1: training throughput, plain Keras against the harness and the tuned harness.

Per model, each round runs every path once, in the same order (plain, harness, tuned, then the
next round), and a path's figure for the round is the training examples divided by its median
epoch wall time over epochs 2..E. Ratios are taken within a round; the result is the median
over rounds with the min-max spread.

The tuned path is the harness with `steps_per_execution` equal to the steps of one epoch: one
call into TensorFlow per epoch instead of one per batch. A value that does not divide the epoch
would silently shift epoch boundaries (Keras runs whole executions, see BENCHMARKS.md), and
then results would change; a divisor leaves every metric bit-identical, which `same_results`
checks on each run.
"""

import gc
import statistics
import time

from bench.common import log, summarize
from bench.paths import default_data, harness_epochs, plain_epochs, plain_model, recipe_config

# (epochs per run including the untimed first, rounds). Five timed epochs, so that the median
# passes over the two that carry a one-time cost: the last epoch of every path ends with the
# run's final checkpoint, and the harness's second epoch starts its second model.fit call (the
# launch's first epoch, one step a call, measures the step; the rest run the budget's count).
FULL_PLAN = {
    "mlp": (6, 3),
    "cnn": (6, 3),
    "resnet": (6, 3),
    "rnn": (6, 3),
    "lstm": (6, 3),
    "gru": (6, 3),
    "attention": (6, 3),
}
QUICK_PLAN = {"mlp": (6, 3), "cnn": (6, 3)}  # 3 rounds: each path in each position once
# Plain Keras without validation_data too (no retrace: same model), where epochs are cheap.
NO_VALIDATION_REFERENCE = ("mlp",)


def tuned_options(name: str, data, config) -> dict:
    """The harness's speed options as the tuned path uses them: one execution per epoch."""
    from harness.train.pipeline import steps_per_epoch

    return {"steps_per_execution": steps_per_epoch(len(data.x_train), config.batch_size)}


def run_training(quick: bool) -> dict:
    """Section 1 for every model of the plan; returns results["training"]."""
    plan = QUICK_PLAN if quick else FULL_PLAN
    results = {}
    for name, (epochs, rounds) in plan.items():
        log(f"training: {name} ({rounds} rounds x {epochs} epochs per path)")
        started = time.perf_counter()
        results[name] = measure_model(name, epochs=epochs, rounds=rounds)
        results[name]["model_seconds"] = round(time.perf_counter() - started, 1)
    return results


def measure_model(name: str, *, epochs: int, rounds: int) -> dict:
    """Interleaved rounds of every path for one model, summarised."""
    config = recipe_config(name, epochs)
    data = default_data(name)
    model = plain_model(name, data, config)
    options = tuned_options(name, data, config)
    paths = {
        "plain": lambda: {"walls": plain_epochs(model, data, config)},
        "harness": lambda: harness_epochs(name, epochs),
        "tuned": lambda: harness_epochs(name, epochs, **options),
    }
    if name in NO_VALIDATION_REFERENCE:
        paths["plain_no_validation"] = lambda: {
            "walls": plain_epochs(model, data, config, validation=False)
        }
    per_round = [_one_round(paths, index) for index in range(rounds)]
    summary = summarize_rounds(per_round, len(data.x_train))
    summary.update(
        {
            "train_examples": len(data.x_train),
            "batch_size": config.batch_size,
            "epochs_per_run": epochs,
            "timed_epochs_per_run": epochs - 1,
            "rounds": rounds,
            "tuned_options": options,
            "plain_jit_compile": bool(model.jit_compile),
            "same_results": all(_same_results(one["harness"], one["tuned"]) for one in per_round),
        }
    )
    return summary


def _one_round(paths: dict, index: int) -> dict:
    """Runs every path once, in an order rotated by the round's index (A B C, B C A, C A B, ...).

    Each path starts after a garbage collection, so none pays for the previous one's garbage.
    In a fixed order, tuned (the same setting as harness, always run right after it) measured
    0.86-0.90 of harness in every cnn round of the full run of 86f8fd9; rotated, 0.96-1.19.
    """
    labels = list(paths)
    shift = index % len(labels)
    result = {}
    for label in labels[shift:] + labels[:shift]:
        gc.collect()
        result[label] = paths[label]()
    return result


def summarize_rounds(per_round: list[dict], examples: int) -> dict:
    """Samples/s per path and the within-round ratios, as median with min-max spread."""
    rate = {
        label: [examples / statistics.median(one[label]["walls"]) for one in per_round]
        for label in per_round[0]
    }
    ratios = {
        "harness_vs_plain_fit": _ratios(rate["harness"], rate["plain"]),
        "tuned_vs_plain_fit": _ratios(rate["tuned"], rate["plain"]),
        "tuned_vs_harness_fit": _ratios(rate["tuned"], rate["harness"]),
    }
    result = {
        f"{label}_samples_per_s": summarize(values)["median"] for label, values in rate.items()
    }
    result.update({key: summarize(values)["median"] for key, values in ratios.items()})
    result["spread"] = {
        **{f"{label}_samples_per_s": summarize(values) for label, values in rate.items()},
        **{key: summarize(values) for key, values in ratios.items()},
    }
    # What a path's first timed epoch (the launch's second) costs above its median epoch: for
    # the harness, the start of its second model.fit call.
    result["second_epoch_extra_s"] = {
        label: summarize(
            [one[label]["walls"][0] - statistics.median(one[label]["walls"]) for one in per_round]
        )["median"]
        for label in per_round[0]
    }
    if "plain_no_validation" in rate:
        result["harness_vs_plain_no_validation_fit"] = summarize(
            _ratios(rate["harness"], rate["plain_no_validation"])
        )["median"]
    shares = [
        cost / wall
        for one in per_round
        for cost, wall in zip(one["harness"]["bookkeeping"], one["harness"]["walls"])
    ]
    seconds = [cost for one in per_round for cost in one["harness"]["bookkeeping"]]
    result["bookkeeping"] = {
        "share_of_epoch": summarize(shares),
        "seconds_per_epoch": summarize(seconds),
    }
    return result


def _ratios(numerators, denominators) -> list[float]:
    return [top / bottom for top, bottom in zip(numerators, denominators)]


def _same_results(harness: dict, tuned: dict) -> bool:
    return harness["history"] == tuned["history"]
