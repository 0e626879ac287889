"""A series run killed with SIGKILL and resumed ends bit-identical to one that never stopped,
with every history row once: the series data, its fixed splits and its scaling are rebuilt from
run.json exactly, and the batch the recipe adapted to the data is the recorded one."""

import pytest

from tests.checkpoint_tools import kill_resume_and_compare
from tests.series_tools import bumps, write_tsv

pytestmark = pytest.mark.timeout(300)
EPOCHS = 4


def test_a_killed_series_run_resumes_bit_identical(tmp_path):
    train_path = write_tsv(tmp_path / "S_TRAIN.tsv", *bumps(40, steps=16, seed=1))
    test_path = write_tsv(tmp_path / "S_TEST.tsv", *bumps(20, steps=16, seed=2))
    argv = [
        "--model",
        "resnet1d",
        "--set",
        "filters=4,8,8",
        "--set",
        "dropout_rate=0.2",  # a seed-generator state that must carry over too
        "--dataset",
        f"series:{train_path}",
        "--test-data",
        test_path,
        "--epochs",
        str(EPOCHS),
        "--seed",
        "4",
        "--save-every",
        "epoch",  # history rows on disk epoch by epoch, for the kill below to wait on
    ]
    kill_resume_and_compare(argv, tmp_path, epochs=EPOCHS)
