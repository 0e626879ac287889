"""Predict with a trained run: `python predict.py --run-dir DIR digit.png rows.csv x.npy`."""

import sys


def main(argv=None) -> int:
    """Parses flags, predicts, and maps bad input to one line on stderr with exit code 2."""
    from harness.cli import checked_main
    from harness.evaluate.args import build_predict_parser, check_common
    from harness.evaluate.predict import plan_prediction, run_prediction

    return checked_main(
        argv,
        build_predict_parser,
        lambda args: plan_prediction(args, check_common(args)),
        run_prediction,
    )


if __name__ == "__main__":
    sys.exit(main())
