"""A signal whose interrupt a library swallows still ends the command with its exit code.

Keras converts every evaluation's logs to floats inside a bare `except:`; an interrupt raised
there is lost. Here a real signal lands inside such a clause, in a real process."""

import signal
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

SCRIPT = """
import os, signal, sys, time
from harness.cli import command_main

def body(argv):
    try:
        os.kill(os.getpid(), signal.{name})
        time.sleep(2)  # the handler raises here, and the bare except below swallows it
    except:  # noqa: E722  (as keras.src.utils.python_utils.pythonify_logs does)
        pass
    print("the body went on")
    return 0

sys.exit(command_main(body, []))
"""


def _default_sigint() -> None:
    # As a terminal gives it: a suite started by a shell without job control ignores SIGINT.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize(("name", "exit_code"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_swallowed_interrupt_still_exits_with_the_signals_code(name, exit_code):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(name=name)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_default_sigint,
    )
    assert done.returncode == exit_code, (done.stdout, done.stderr)
    assert "the body went on" in done.stdout
    assert done.stderr == "interrupted; nothing is left half-written\n"


def test_an_ignored_ctrl_c_stays_ignored():
    # A background job's SIGINT is ignored from its start: the command keeps that choice.
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(name="SIGINT")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    assert done.returncode == 0, done.stderr
    assert "the body went on" in done.stdout
