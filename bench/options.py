"""Section 1, the search for the tuned path: which speed options help on this CPU, and which do not.

Each option runs the real harness path (`harness_epochs`) with one setting changed, interleaved
with the default harness in every round, and is reported as its ratio to the default in the
same round. Options that cannot be set through the harness's configuration are measured on the
piece they change: the input pipeline (bench/pipeline_variant.py), the validation pass alone
(evaluation batch size), and a fresh process per thread setting: `python -m bench.options
MODEL...` (TensorFlow reads TF_NUM_INTRAOP_THREADS and TF_NUM_INTEROP_THREADS once, when it
starts), which prints "MODEL SAMPLES_PER_S" per model: the tuned harness path.
"""

import statistics
import sys
import time

from bench.common import child_env, log, run_child, summarize
from bench.paths import default_data, harness_epochs, recipe_config
from bench.pipeline_variant import pipeline_throughput
from bench.training import tuned_options

MODELS = ("mlp", "cnn")
# Harness runs with one option changed, on mlp (the model where options matter most: per-step
# overhead is most of its step); section 1's tuned path measures the chosen option on every model.
SEARCH_MODELS = ("mlp",)
EPOCHS = 4
ROUNDS = 2
# XLA compiles for 15-60 s per run on 2 cores (cnn: 60 s): measured on mlp only, in one round.
XLA_MODELS = ("mlp",)
# TensorFlow's default on 2 cores is 2 and 2; a process per setting costs a TensorFlow import.
THREAD_MODELS = ("mlp",)
THREAD_SETTINGS = {
    "default": {},
    "intra1_inter1": {"TF_NUM_INTRAOP_THREADS": 1, "TF_NUM_INTEROP_THREADS": 1},
}


def run_options(quick: bool) -> dict:
    """The option search (full mode only: --quick reuses the chosen option)."""
    if quick:
        return {"skipped": "run without --quick to search the options again"}
    results = {}
    for name in MODELS:
        log(f"options: {name}")
        config, data = recipe_config(name, EPOCHS), default_data(name)
        results[name] = {
            "input_pipeline": pipeline_throughput(data, config),
            "validation_pass": validation_pass(name, data, config),
        }
        if name not in SEARCH_MODELS:
            continue
        # The default is one execution per epoch (the tuned path); 1 was the default before, and
        # a value that does not divide the epoch is refused since it changed results.
        epoch_steps = tuned_options(name, data, config)["steps_per_execution"]
        candidates = {
            f"steps_per_execution_{epoch_steps}": {"steps_per_execution": epoch_steps},
            "steps_per_execution_1": {"steps_per_execution": 1},
            "async_save": {"async_save": True},
        }
        results[name]["vs_default_harness"] = compare(name, candidates, rounds=ROUNDS)
        if name in XLA_MODELS:
            # Keras cannot compile the augmentation layers with XLA and silently falls back, so
            # XLA is compared on the same model without augmentation, against the same.
            results[name]["vs_default_harness"].update(
                compare(
                    name,
                    {"xla_without_augmentation": {"xla": True, "augment": False}},
                    rounds=1,
                    baseline={"augment": False},
                )
            )
    log("options: thread settings (one process each)")
    results["threads"] = thread_settings()
    return results


def compare(name: str, candidates: dict, *, rounds: int, baseline=None) -> dict:
    """Each candidate's samples/s over the default harness's within each round, and whether its
    metrics (every epoch's, from history.csv) are identical to the default's (`baseline`: the
    default's overrides, if the comparison needs one)."""
    ratios = {label: [] for label in candidates}
    same = {label: True for label in candidates}
    for _ in range(rounds):
        reference = harness_epochs(name, EPOCHS, **(baseline or {}))
        for label, overrides in candidates.items():
            run = harness_epochs(name, EPOCHS, **overrides)
            ratios[label].append(
                statistics.median(reference["walls"]) / statistics.median(run["walls"])
            )
            same[label] = same[label] and run["history"] == reference["history"]
    return {
        label: {**summarize(values), "same_results": same[label]}
        for label, values in ratios.items()
    }


def validation_pass(name: str, data, config, *, repeats=5) -> dict:
    """Seconds of one validation pass at the training batch, the harness's 4x, and 1024."""
    from bench.paths import plain_model
    from harness.train.pipeline import eval_dataset

    model = plain_model(name, data, config, jit_compile=False)
    seconds = {}
    for batch in (config.batch_size, config.batch_size * 4, 1024):
        dataset = eval_dataset(
            data.x_val,
            data.y_val,
            batch_size=batch,
            one_hot_classes=data.num_outputs if config.label_smoothing else None,
        )
        model.evaluate(dataset, verbose=0)  # traces
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            model.evaluate(dataset, verbose=0)
            timings.append(time.perf_counter() - started)
        seconds[f"batch_{batch}_s"] = statistics.median(timings)
    return seconds


def thread_settings(rounds=2) -> dict:
    """Tuned-harness samples/s of mlp in a fresh process per thread setting, in turn."""
    rates = {label: {name: [] for name in THREAD_MODELS} for label in THREAD_SETTINGS}
    for _ in range(rounds):
        for label, extra in THREAD_SETTINGS.items():
            result = run_child(
                ["-m", "bench.options", *THREAD_MODELS], env=child_env(**extra), timeout=600
            )
            if result["returncode"]:
                raise RuntimeError(f"threads child failed: {result['stderr'][-1500:]}")
            for line in result["stdout"].splitlines():
                model, rate = line.split()
                rates[label][model].append(float(rate))
    return {
        label: {name: summarize(values) for name, values in per_model.items()}
        for label, per_model in rates.items()
    }


def thread_child(models) -> int:
    """One process of `thread_settings`: each model's tuned samples/s, median of epochs 2..E."""
    from harness.runtime.tf_import import import_tensorflow

    import_tensorflow(verbose=False)
    for name in models:
        config, data = recipe_config(name, EPOCHS), default_data(name)
        walls = harness_epochs(name, EPOCHS, **tuned_options(name, data, config))["walls"]
        print(name, len(data.x_train) / statistics.median(walls), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(thread_child(sys.argv[1:]))
