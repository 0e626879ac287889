"""The project's own error type for bad user input.

Entry points catch `UsageError` only, print its message as one line to stderr and exit with code 2.
Anything else is a bug and is allowed to raise with its traceback.
"""

EXIT_USAGE = 2
EXIT_WORKER_LOST = 1


class UsageError(Exception):
    """Bad input from the user. The message says what was received and what would work."""


class WorkerLost(RuntimeError):
    """Another worker of a multi-worker run stopped answering, so this one cannot go on.

    Not bad input (exit 1, not 2), but expected on a cluster: the entry point prints the message,
    which names the lost worker and says to relaunch every worker with --resume.
    """
