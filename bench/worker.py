"""Runs bench sections that need TensorFlow in a fresh process and writes their JSON.

`python bench/worker.py training options --out FILE [--quick]`. bench/run.py starts one worker
per group of sections, so that its own process never imports TensorFlow (start-up and memory
figures stay clean) and a crash in one group does not lose the others.
"""

import argparse
import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


# Section name -> (module, function); imported only when the section runs.
SECTIONS = {
    "training": ("bench.training", "run_training"),
    "options": ("bench.options", "run_options"),
    "checkpoint": ("bench.checkpoint", "run_checkpoint"),
    "evaluation": ("bench.evaluation", "run_evaluation"),
    "scaling": ("bench.scaling", "run_scaling"),
    "profiles": ("bench.profiles", "run_profiles"),
    "series_speed": ("bench.series_speed", "run_series_speed"),
    "images_speed": ("bench.images_speed", "run_images_speed"),
}


def _section(name: str):
    module, function = SECTIONS[name]
    return getattr(importlib.import_module(module), function)


def main(argv=None) -> int:
    """Runs the named sections in order; a failing section records its error and the rest go on."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sections", nargs="+", choices=sorted(SECTIONS))
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    from harness.runtime.tf_import import import_tensorflow

    tensorflow = import_tensorflow(verbose=False)
    # The bench builds many stores and predictors on purpose; TensorFlow's retracing advice is
    # noise here.
    tensorflow.get_logger().setLevel("ERROR")
    results = {}
    for name in args.sections:
        started = time.perf_counter()
        try:
            results[name] = _section(name)(args.quick)
        except Exception as error:
            traceback.print_exc()
            results[name] = {"error": f"{type(error).__name__}: {error}"}
        results[name]["section_seconds"] = round(time.perf_counter() - started, 1)
    temporary = Path(f"{args.out}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(results, indent=1, default=float))
    os.replace(temporary, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
