"""Atomic small-file writes: content, permissions and what a failure leaves behind, on real
files."""

import json
import os
import stat

import pytest

from harness.atomic import write_bytes_atomic, write_json_atomic


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
