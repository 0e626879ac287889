"""Atomic small-file writes: content, permissions and what a failure leaves behind, on real
files, and writers SIGKILLed part-way through a write while a reader watches."""

import json
import os
import random
import socket
import stat
import subprocess
import sys
import threading
import time

import pytest

from harness.atomic import temporaries_of, write_bytes_atomic, write_json_atomic
from tests.conftest import REPO_ROOT


@pytest.fixture
def umask_022():
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_new_file_gets_the_mode_the_umask_allows(tmp_path, umask_022):
    path = tmp_path / "sub" / "run.json"
    write_json_atomic(path, {"a": 1})
    assert json.loads(path.read_text()) == {"a": 1}
    assert (
        stat.S_IMODE(path.stat().st_mode) == 0o644
    )  # readable by the group and others, as cp makes it
    assert [p.name for p in path.parent.iterdir()] == ["run.json"]  # no temporary file left


def test_a_failed_write_keeps_the_old_content_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "manifest.json"
    write_bytes_atomic(path, b"old")
    with pytest.raises(TypeError):
        write_bytes_atomic(path, "not bytes")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_replacing_a_file_gives_the_new_content(tmp_path, umask_022):
    path = tmp_path / "history.csv"
    write_bytes_atomic(path, b"one\n", durable=False)
    write_bytes_atomic(path, b"two\n")
    assert path.read_bytes() == b"two\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


# Rewrites the target through write_bytes_atomic for ever, alternating two contents of different
# lengths, and prints a line after each complete write.
WRITER = """
import sys
from harness.atomic import write_bytes_atomic
target, size = sys.argv[1], int(sys.argv[2])
contents = (b"A" * size, b"B" * (size // 2))
written = 0
while True:
    write_bytes_atomic(target, contents[written % 2], durable=False)
    written += 1
    print(written, flush=True)
"""
SIZE = 8 << 20  # large enough that most of a writer's time is spent inside a write


class Reader(threading.Thread):
    """Reads the target over and over; keeps every read that is neither content whole."""

    def __init__(self, path, contents):
        super().__init__(daemon=True)
        self.path, self.contents = path, contents
        self.reads, self.bad = 0, []
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            data = self.path.read_bytes()
            self.reads += 1
            if data not in self.contents:
                self.bad.append((len(data), data[:1], data[-1:]))


def test_a_writer_sigkilled_mid_write_leaves_the_old_or_new_content_and_the_next_write_cleans_up(
    tmp_path,
):
    target = tmp_path / "manifest.json"
    contents = (b"A" * SIZE, b"B" * (SIZE // 2))
    write_bytes_atomic(target, contents[0])
    reader = Reader(target, contents)
    reader.start()
    chooser = random.Random(18)
    killed_mid_write = 0
    try:
        for _ in range(30):
            writer = subprocess.Popen(
                [sys.executable, "-c", WRITER, str(target), str(SIZE)],
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
            )
            for _ in range(chooser.randint(1, 3)):  # after its first write or a later one
                assert writer.stdout.readline(), "the writer died"
            time.sleep(chooser.uniform(0.0, 0.004))
            writer.kill()
            writer.wait()
            writer.stdout.close()
            assert target.read_bytes() in contents
            left = temporaries_of(target)
            # Only the temporary of the writer just killed: its own first write removed those
            # of the writers killed before it.
            assert [pid for _, pid, _ in left] in ([], [writer.pid])
            killed_mid_write += bool(left)
    finally:
        reader.done.set()
        reader.join()
    assert reader.bad == [] and reader.reads > 20
    assert killed_mid_write >= 3, "kills should land inside a write, not only between two"
    write_bytes_atomic(target, b"done")
    assert [path.name for path in tmp_path.iterdir()] == ["manifest.json"]
    assert target.read_bytes() == b"done"


def test_a_temporary_of_a_live_writer_or_another_host_is_left_alone(tmp_path):
    target = tmp_path / "run.json"
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        names = {
            "live": f".run.json.{alive.pid}@{socket.gethostname()}.0a1b2c3d.tmp",
            "dead": f".run.json.{dead.pid}@{socket.gethostname()}.0a1b2c3d.tmp",
            "other host": f".run.json.{dead.pid}@elsewhere.example.0a1b2c3d.tmp",
            "not a temporary": ".run.json.notes.tmp",
        }
        for name in names.values():
            (tmp_path / name).write_text("partial")
        write_json_atomic(target, {"a": 1})
        left = sorted(path.name for path in tmp_path.iterdir())
    finally:
        alive.kill()
        alive.wait()
    assert left == sorted(
        ["run.json", names["live"], names["other host"], names["not a temporary"]]
    )
