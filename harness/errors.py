"""The project's own error type for bad user input.

Entry points catch `UsageError` only, print its message as one line to stderr and exit with code 2.
Anything else is a bug and is allowed to raise with its traceback.
"""

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input from the user. The message says what was received and what would work."""
