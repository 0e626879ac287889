"""A forecast run killed with SIGKILL and resumed ends bit-identical to one that never stopped,
with every history row once: the windows, the split by time and the scaling are rebuilt from
run.json exactly."""

import pytest

from tests.checkpoint_tools import kill_resume_and_compare
from tests.forecast_tools import monthly_series, write_series

pytestmark = pytest.mark.timeout(300)
EPOCHS = 6


def test_a_killed_forecast_run_resumes_bit_identical(tmp_path):
    path = write_series(tmp_path / "sales.csv", monthly_series(300))
    argv = [
        "--model",
        "lstm",
        "--set",
        "units=8",
        "--set",
        "dropout_rate=0.2",  # a seed-generator state that must carry over too
        "--dataset",
        f"forecast:{path}",
        "--target",
        "sales",
        "--data-opt",
        "window=12,horizon=2,season=12",
        "--batch-size",
        "8",
        "--epochs",
        str(EPOCHS),
        "--seed",
        "3",
        "--save-every",
        "epoch",  # a checkpoint (and history rows) at every epoch's end, to be killed between
    ]
    kill_resume_and_compare(argv, tmp_path, epochs=EPOCHS)
