"""What depth costs: parameters and FLOPs per example of every image model, at one input size.

    python bench/model_costs.py [--size 28x28x1] [--classes 10]

FLOPs are TensorFlow's own count (the profiler's float_operation view) of one forward pass of a
single example through the frozen graph; a multiply-add counts as two. The README's classic
architectures table quotes them at 28x28x1 with 10 classes, the real-digits yardstick's shape.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def forward_flops(model, input_shape) -> int:
    """Float operations of one example's forward pass, counted by TensorFlow's profiler."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    forward = tf.function(lambda x: model(x, training=False))
    concrete = forward.get_concrete_function(tf.TensorSpec([1, *input_shape], tf.float32))
    graph = convert_variables_to_constants_v2(concrete).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    return tf.compat.v1.profiler.profile(graph=graph, options=options).total_float_ops


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="28x28x1", help="HxWxC (default 28x28x1)")
    parser.add_argument("--classes", type=int, default=10)
    args = parser.parse_args(argv)
    import zoo

    shape = tuple(int(part) for part in args.size.split("x"))
    print(f"| model | parameters | MFLOPs per {args.size} example |\n|---|---:|---:|")
    for name in zoo.list_models():
        if zoo.get_model_spec(name).layout != "image":
            continue
        model = zoo.create_model(name, input_shape=shape, num_outputs=args.classes)
        flops = forward_flops(model, shape)
        print(f"| `{name}` | {model.count_params():,} | {flops / 1e6:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
