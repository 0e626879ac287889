"""The shape evaluate.py and predict.py share: check every input, then import TensorFlow, then run.

train.py has the same rule but more exits (listings, a lost worker), so it keeps its own main.
"""

import sys

from harness.errors import EXIT_USAGE, UsageError


def checked_main(argv, build_parser, plan, run) -> int:
    """Runs one command; bad input is one line on stderr and exit code 2, with no traceback.

    Args:
        argv: the arguments, or None for sys.argv[1:].
        build_parser: returns the command's argparse parser (it must define --verbose).
        plan: args -> a plan; every input check happens here, before TensorFlow is imported.
        run: plan -> the exit code.
    """
    from harness.tf_runtime import import_tensorflow

    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(argv)
        planned = plan(args)
        import_tensorflow(verbose=args.verbose)
        return run(planned)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
