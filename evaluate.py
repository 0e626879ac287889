"""Evaluate trained runs: `python evaluate.py --run-dir DIR`, `--model NAME` or `--all [ROOT]`.

Writes report files per run and checkpoint (RUN/reports/<checkpoint>/) and, for several runs, a
summary.csv. Exit code 0: every evaluation ok; 1: a run or checkpoint failed or was damaged (its
summary row says why); 2: bad input (one line on stderr). See --help.
"""

import sys


def main(argv=None) -> int:
    """Parses flags, evaluates, and maps bad input to one line on stderr with exit code 2."""
    from harness.cli import checked_main
    from harness.evaluate.args import build_evaluate_parser, check_common
    from harness.evaluate.batch import plan_evaluation, run_evaluation

    return checked_main(
        argv,
        build_evaluate_parser,
        lambda args: plan_evaluation(args, check_common(args)),
        run_evaluation,
    )


if __name__ == "__main__":
    sys.exit(main())
