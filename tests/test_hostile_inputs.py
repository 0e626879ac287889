"""Hostile input files for predict.py: one line, exit 2, nothing allocated or read that the file
does not justify (the tests would run out of memory or hang otherwise; each has a timeout)."""

import os
import struct
import zipfile
import zlib

import numpy as np
import pytest

from harness.data.keras_files import read_mnist
from harness.errors import UsageError
from tests.eval_tools import assert_one_line_usage_error, run_script, train_digits_mlp

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("digits") / "run"
    train_digits_mlp(run_dir, epochs=1)
    return run_dir


def npy_claiming(path, shape, dtype="<f8"):
    """A .npy file whose header claims `shape` but that holds 16 bytes of data."""
    header = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape}, }}"
    header += " " * (-(len(header) + 11) % 64) + "\n"
    path.write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    with open(path, "ab") as handle:
        handle.write(bytes(16))


def png_claiming(path, width, height):
    """A valid PNG header for width x height grey pixels, with almost no pixel data."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_a_npy_header_claiming_10_to_the_11_values_is_refused_before_allocating(
    digits_run, tmp_path
):
    """A MemoryError traceback before: NumPy allocated what the header said."""
    npy_claiming(tmp_path / "huge.npy", (10**11,))
    code, _, err = run_script("predict.py", "--run-dir", digits_run, tmp_path / "huge.npy")
    assert_one_line_usage_error(code, err)
    assert "claims a float64 array of shape (100000000000,) (800000000000 bytes)" in err[0]
    assert "holds 16 bytes of data" in err[0]


def test_an_image_above_the_pixel_budget_is_refused_before_decoding(digits_run, tmp_path):
    """A 12000x12000 PNG only warned before and took 777 MB."""
    png_claiming(tmp_path / "huge.png", 12000, 12000)
    code, _, err = run_script("predict.py", "--run-dir", digits_run, tmp_path / "huge.png")
    assert_one_line_usage_error(code, err)
    assert "is 12000x12000 pixels; predict.py reads images of up to 16777216 pixels" in err[0]


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_an_input_that_is_no_regular_file_is_refused_without_opening(digits_run, tmp_path, kind):
    path = tmp_path / "rows.npy"
    os.mkfifo(path) if kind == "fifo" else path.symlink_to("/dev/zero")
    code, _, err = run_script("predict.py", "--run-dir", digits_run, path)
    assert_one_line_usage_error(code, err)
    assert "is not a regular file" in err[0]


def test_a_cached_mnist_npz_whose_member_claims_too_much_is_refused(tmp_path):
    npy_claiming(tmp_path / "x_train.npy", (10**9, 28, 28), dtype="|u1")
    with zipfile.ZipFile(tmp_path / "mnist.npz", "w") as archive:
        archive.write(tmp_path / "x_train.npy", "x_train.npy")
    with pytest.raises(UsageError, match=r"mnist.npz:x_train.npy claims a uint8 array"):
        read_mnist(str(tmp_path))


def test_an_honest_npy_still_reads(digits_run, tmp_path):
    np.save(tmp_path / "two.npy", np.zeros((2, 64)))
    code, out, err = run_script("predict.py", "--run-dir", digits_run, tmp_path / "two.npy")
    assert code == 0, err
    assert "two.npy[1]" in out
