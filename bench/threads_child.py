"""One process of the thread-setting comparison: `python bench/threads_child.py MODEL...`.

TensorFlow reads TF_NUM_INTRAOP_THREADS and TF_NUM_INTEROP_THREADS once, when it starts, so
each setting needs its own process (bench/options.py starts them). Prints "MODEL SAMPLES_PER_S"
per model: the tuned harness path, median epoch of epochs 2..4.
"""

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

EPOCHS = 4


def main(models) -> int:
    """Measures each model once and prints its line."""
    from harness.runtime.tf_import import import_tensorflow

    import_tensorflow(verbose=False)
    from bench.paths import default_data, harness_epochs, recipe_config
    from bench.training import tuned_options

    for name in models:
        config, data = recipe_config(name, EPOCHS), default_data(name)
        walls = harness_epochs(name, EPOCHS, **tuned_options(name, data, config))["walls"]
        print(name, len(data.x_train) / statistics.median(walls), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
