"""The project's own error type for bad user input, defined here, in the lowest package.

zoo/ imports nothing from harness/, yet its builders and registry must raise the same error the
entry points catch; `harness.errors` re-exports this class. The message says what was received and
what would work. Entry points catch `UsageError` only, print it as one line to stderr and exit 2.
"""


class UsageError(Exception):
    """Bad input from the user. The message says what was received and what would work."""
