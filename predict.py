"""Predict with a trained run: `python predict.py --run-dir DIR digit.png rows.csv x.npy`."""

import sys

from harness.errors import EXIT_USAGE, UsageError


def main(argv=None) -> int:
    """Parses flags, predicts, and maps bad input to one line on stderr with exit code 2."""
    from harness.eval_args import build_predict_parser, check_common
    from harness.prediction import plan_prediction, run_prediction
    from harness.tf_runtime import import_tensorflow

    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_predict_parser().parse_args(argv)
        plan = plan_prediction(args, check_common(args))  # reads every input, before TensorFlow
        import_tensorflow(verbose=args.verbose)
        return run_prediction(plan)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
