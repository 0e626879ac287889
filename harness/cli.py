"""What every command line here shares: one-line parser errors, typed flags, KEY=VALUE pairs, and
the wrapper that turns bad input into one line on stderr and exit code 2.

train.py, evaluate.py, predict.py and `python -m harness.checkpoints` all end in `command_main`,
so the exit codes (`harness.errors`) and the shape of an error line are the same everywhere.
Importing this module imports no TensorFlow: `--help` and bad input answer at once.
"""

import argparse
import contextlib
import errno
import os
import sys

from harness.errors import (
    EXIT_DAMAGED,
    EXIT_FILESYSTEM,
    EXIT_USAGE,
    EXIT_WORKER_LOST,
    RunDamaged,
    UsageError,
    WorkerLost,
    filesystem_error,
)


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are `UsageError`s: one line, exit 2, no usage dump."""

    def error(self, message):
        raise UsageError(f"{self.prog}: {message} (see --help)")


def positive_number(text: str) -> float:
    """argparse type for a float; range checks happen in `harness.config.check_config`."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 0.001, got {text!r}") from None


def whole_number(text: str) -> int:
    """argparse type for an int with a readable error."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def split_pairs(pairs, flag: str) -> dict:
    """Turns ["a=1", "b=x"] into {"a": "1", "b": "x"}.

    Raises:
        UsageError: a pair has no "=" or an empty key.
    """
    result = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{flag} takes KEY=VALUE, got {pair!r}")
        result[key.strip()] = value.strip()
    return result


class _PipeSafeStdout:
    """sys.stdout that keeps the command going when its reader goes away (`train.py | head`).

    Python ignores SIGPIPE, so a write to a closed pipe raises BrokenPipeError wherever it
    happens: in Keras's progress bar that would kill a training run half-way. On the first such
    error, file descriptor 1 is pointed at /dev/null and the write is done again there, so the
    command finishes its work (and exits as it would have) with nothing more printed.
    """

    def __init__(self, stream):
        self._stream = stream

    def _retry_into_devnull(self, operation, *args):
        try:
            return operation(*args)
        except OSError as error:
            if error.errno != errno.EPIPE:
                raise
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
            return operation(*args)

    def write(self, text):
        return self._retry_into_devnull(self._stream.write, text)

    def flush(self):
        return self._retry_into_devnull(self._stream.flush)

    def __getattr__(self, name):
        return getattr(self._stream, name)


@contextlib.contextmanager
def _pipe_safe_stdout():
    original = sys.stdout
    try:
        original.fileno()
    except (AttributeError, OSError, ValueError):
        yield  # no file descriptor to redirect (an in-memory stream): nothing can break
        return
    sys.stdout = _PipeSafeStdout(original)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stdout = original


def command_main(body, argv=None) -> int:
    """Runs `body(argv)` and returns its exit code; expected failures become one line on stderr.

    A `UsageError` (bad input) exits 2; a `RunDamaged` (a run's files are damaged) and a
    `WorkerLost` (a peer of a multi-worker run died) exit 1; a full, read-only or forbidden file
    system (`harness.errors.filesystem_error`: OSErrors and TensorFlow's write errors) exits 3.
    Each prints its message and no traceback. Anything else is a bug and raises. If the reader
    of stdout goes away (`| head`), the command goes on and stops printing. Ctrl-C and
    SIGTERM exit 130 and 143 with one line (`harness.runtime.interrupts`).
    """
    from harness.runtime.interrupts import (
        Interrupted,
        exit_code_of,
        raise_if_interrupted,
        terminate_as_interrupt,
    )

    argv = sys.argv[1:] if argv is None else argv
    try:
        with _pipe_safe_stdout(), terminate_as_interrupt():
            code = body(argv)
            raise_if_interrupted()  # a signal whose interrupt a library swallowed
            return code
    except Interrupted as stop:
        print(stop, file=sys.stderr, flush=True)
        return stop.exit_code
    except KeyboardInterrupt as interrupt:
        # Every file is written atomically: what is on disk is whole, old or new.
        print("interrupted; nothing is left half-written", file=sys.stderr, flush=True)
        return exit_code_of(interrupt)
    except RunDamaged as error:
        return _one_line(error, EXIT_DAMAGED)
    except UsageError as error:
        return _one_line(error, EXIT_USAGE)
    except WorkerLost as error:
        return _one_line(error, EXIT_WORKER_LOST)
    except Exception as error:
        problem = filesystem_error(error)
        if problem is None:
            raise
        return _one_line(problem, EXIT_FILESYSTEM)


def _one_line(error: Exception, code: int) -> int:
    print(f"error: {' '.join(str(error).split())}", file=sys.stderr)
    return code


def checked_main(argv, build_parser, plan, run) -> int:
    """The shape of evaluate.py and predict.py: check every input, import TensorFlow, then run.

    Args:
        argv: the arguments, or None for sys.argv[1:].
        build_parser: returns the command's argparse parser (it must define --verbose).
        plan: args -> a plan; every input check happens here, before TensorFlow is imported.
        run: plan -> the exit code.
    """

    def body(arguments) -> int:
        from harness.runtime.tf_import import import_tensorflow

        args = build_parser().parse_args(arguments)
        planned = plan(args)
        import_tensorflow(verbose=args.verbose)
        return run(planned)

    return command_main(body, argv)
