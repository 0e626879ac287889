"""The errors an entry point expects, and their exit codes.

`UsageError` is bad input (exit 2). It is defined in `zoo.errors`, so that the models can raise it
without importing the harness, and re-exported here. Anything else is a bug and is allowed to
raise with its traceback.
"""

from zoo.errors import UsageError

EXIT_USAGE = 2
EXIT_WORKER_LOST = 1


class WorkerLost(RuntimeError):
    """Another worker of a multi-worker run stopped answering, so this one cannot go on.

    Not bad input (exit 1, not 2), but expected on a cluster: the entry point prints the message,
    which names the lost worker and says to relaunch every worker with --resume.
    """


__all__ = ["EXIT_USAGE", "EXIT_WORKER_LOST", "UsageError", "WorkerLost"]
