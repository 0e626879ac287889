"""Device choice and precision policy, tested on this CPU-only machine."""

import subprocess
import sys

import pytest

from harness.errors import UsageError
from harness.runtime.devices import choose_precision_policy, plan_devices
from tests.conftest import REPO_ROOT


def test_auto_picks_cpu_without_gpus_and_every_gpu_with_them():
    assert plan_devices("auto", 0).kind == "cpu"
    plan = plan_devices("auto", 2)
    assert (plan.kind, plan.gpu_indices) == ("gpu", (0, 1))


def test_gpu_index_selects_one_gpu():
    assert plan_devices("gpu:1", 2).gpu_indices == (1,)
    assert plan_devices("gpu", 3).gpu_indices == (0, 1, 2)


@pytest.mark.parametrize(
    "request_, count, fragment",
    [
        ("gpu", 0, "sees no GPU"),
        ("gpu:0", 0, "sees no GPU"),
        ("gpu:2", 2, "gpu:0 to gpu:1"),
        ("gpu:x", 1, "gpu:0 to gpu:0"),
        ("tpu", 0, "known: auto, cpu, gpu, gpu:N"),
    ],
)
def test_impossible_requests_say_what_would_work(request_, count, fragment):
    with pytest.raises(UsageError, match=fragment):
        plan_devices(request_, count)


def test_precision_policy_choice():
    assert choose_precision_policy("gpu", True) == "mixed_float16"
    assert choose_precision_policy("cpu", True) == "mixed_bfloat16"
    assert choose_precision_policy("gpu", False) == "float32"
    assert plan_devices("cpu", 0, mixed_precision=True).precision_policy == "mixed_bfloat16"


def test_describe_names_device_precision_and_xla():
    line = plan_devices("gpu:0", 1, mixed_precision=True, xla=True).describe()
    assert line == "device: GPU 0 (memory growth on); precision: mixed_float16; XLA: on"


def test_configure_devices_applies_policy_with_real_tensorflow():
    # A fresh process: TensorFlow fixes its devices once per process.
    code = (
        "from harness.runtime.devices import configure_devices\n"
        "import keras, tensorflow as tf\n"
        "plan = configure_devices('cpu', mixed_precision=True, xla=False)\n"
        "print(plan.kind, keras.config.dtype_policy().name,"
        " len(tf.config.get_visible_devices('GPU')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["cpu", "mixed_bfloat16", "0"]
