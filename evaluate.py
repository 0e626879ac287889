"""Evaluate trained runs: `python evaluate.py --run-dir DIR`, `--model NAME` or `--all [ROOT]`.

Writes report files per run and checkpoint (RUN/reports/<checkpoint>/) and, for several runs, a
summary.csv. Exit code 0: every evaluation ok; 1: a run or checkpoint failed or was damaged (its
summary row says why); 2: bad input (one line on stderr). See --help.
"""

import sys

from harness.errors import EXIT_USAGE, UsageError


def main(argv=None) -> int:
    """Parses flags, evaluates, and maps bad input to one line on stderr with exit code 2."""
    from harness.eval_args import build_evaluate_parser, check_common
    from harness.evaluation_batch import plan_evaluation, run_evaluation
    from harness.tf_runtime import import_tensorflow

    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_evaluate_parser().parse_args(argv)
        plan = plan_evaluation(args, check_common(args))  # every input check, before TensorFlow
        import_tensorflow(verbose=args.verbose)
        return run_evaluation(plan)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
