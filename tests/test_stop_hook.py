"""The test-only stop of harness/runtime/timing.py (ZOO_TEST_STOP_AT), on a real process: it
stops on the N-th entry of the stage it names and nowhere else, continues after SIGCONT, refuses
a stop point it does not know, and does not exist when the variable is unset."""

import os
import signal
import subprocess
import sys

import pytest

from harness.runtime import timing
from tests.conftest import REPO_ROOT

# Enters "manifest" three times and "sha256" once, printing before each entry.
CHILD = """
import sys
from harness.runtime import timing
for label, name in (("a", "manifest"), ("b", "sha256"), ("c", "manifest"), ("d", "manifest")):
    print(label, flush=True)
    with timing.stage(name):
        pass
print("done", flush=True)
"""


def start_child(stop_at):
    env = {**os.environ, timing.STOP_AT_ENV: stop_at}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_process_stops_on_the_nth_entry_of_the_stage_and_goes_on_after_sigcont():
    child = start_child("manifest#2")
    try:
        _, status = os.waitpid(child.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status) and os.WSTOPSIG(status) == signal.SIGSTOP
        # Stopped entering the second "manifest": after "c" was printed, before "d".
        assert [child.stdout.readline() for _ in range(3)] == ["a\n", "b\n", "c\n"]
        assert "stopped on entering stage 'manifest' (entry 2)" in child.stderr.readline()
        child.send_signal(signal.SIGCONT)
        out, _ = child.communicate(timeout=30)
    finally:
        child.kill()
    assert out == "d\ndone\n" and child.returncode == 0


@pytest.mark.parametrize("stop_at", ["manifests", "manifest#0", "manifest#two"])
def test_an_unknown_stop_point_fails_the_process(stop_at):
    child = start_child(stop_at)
    out, err = child.communicate(timeout=30)
    assert child.returncode == 1 and out == ""
    assert f"ValueError: {timing.STOP_AT_ENV}={stop_at!r}" in err


def test_unset_it_leaves_the_plain_stage_function():
    assert timing.STOP_AT_ENV not in os.environ
    assert timing.stage.__name__ == "stage"  # not the stopping wrapper
    assert timing.parse_stop_at("tf state file#3") == ("tf state file", 3)
    assert timing.parse_stop_at("delete") == ("delete", 1)
